package main

var v = "linux"
