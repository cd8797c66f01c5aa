// Package engine is concviz's deterministic Go runtime.
//
// A run is a pure function of (program, configuration): [Run] executes a
// program's simulated goroutines one at a time, on a virtual clock, choosing
// who runs next with a seeded policy, and records every goroutine start,
// channel operation, select, lock, WaitGroup call, sleep, timer, context
// cancellation, print and read or write of shared memory as an [Event] in a
// [Log]. Computing costs virtual time too ([Compute], at loops' back edges),
// and a goroutine that computes for a [TimeSlice] is preempted, as in Go. The
// same inputs always give the same log, byte for byte.
//
// Programs reach the engine through the package's functions and types, which
// mirror the standard library's (chan -> [Chan], sync.Mutex -> [Mutex],
// time.Sleep -> [Sleep], ...). The instrument package rewrites ordinary Go
// onto them; tests and benchmarks may call them directly. Every operation takes
// a [Pos], an index into the program's [Site] table, so events point at the
// original source.
//
// Only one run executes at a time in a process (Run serialises callers): a
// run's objects find their runtime through package state, which is what lets
// zero values such as a struct's Mutex field work as in Go.
//
// The engine imports the standard library only.
package engine
