package main

var v = "test"
