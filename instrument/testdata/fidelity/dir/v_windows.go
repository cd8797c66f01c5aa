package main

var v = "windows"
