package main

import (
	"fmt"
	"sync"
)

const amount = 80 // knob: 10..100

var balance = 100

func withdraw(who string, amount int, wg *sync.WaitGroup) {
	defer wg.Done()
	if balance >= amount {
		balance -= amount
		fmt.Println(who, "withdrew", amount)
	} else {
		fmt.Println(who, "was refused")
	}
}

func main() {
	var wg sync.WaitGroup
	wg.Add(2)
	go withdraw("alice", amount, &wg)
	go withdraw("bob", amount, &wg)
	wg.Wait()
	fmt.Println("Balance:", balance)
}
