// compare: exact
// category: mutexes
//
// A bank account: deposits and withdrawals from many goroutines, a
// withdrawal refused when funds are short, and a balance that always adds up.
package main

import (
	"errors"
	"fmt"
	"sync"
)

var errInsufficient = errors.New("insufficient funds")

type Account struct {
	mu      sync.Mutex
	balance int
}

func (a *Account) Deposit(n int) {
	a.mu.Lock()
	a.balance += n
	a.mu.Unlock()
}

func (a *Account) Withdraw(n int) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if n > a.balance {
		return errInsufficient
	}
	a.balance -= n
	return nil
}

func (a *Account) Balance() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.balance
}

func main() {
	var acct Account
	var wg sync.WaitGroup
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			acct.Deposit(10)
		}()
	}
	wg.Wait()
	fmt.Println("balance:", acct.Balance())
	fmt.Println(acct.Withdraw(1001))
	var failures sync.Map
	for i := 0; i < 12; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := acct.Withdraw(100); err != nil {
				failures.Store(i, err)
			}
		}()
	}
	wg.Wait()
	n := 0
	failures.Range(func(_, _ any) bool { n++; return true })
	fmt.Println("failed withdrawals:", n, "balance:", acct.Balance())
}
