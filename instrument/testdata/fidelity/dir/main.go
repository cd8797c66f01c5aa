package main

import "fmt"

func main() { fmt.Println("d2", v) }
