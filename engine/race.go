package engine

// The happens-before race detector: vector clocks over the edges of the Go
// memory model (go.dev/ref/mem).

// shadow is the race detector's state for one shared variable.
type shadow struct{}

// raceAccess checks goroutine gg's access to v (a write if write) against
// the variable's earlier accesses, and records a race if one of them neither
// happened before it nor is by gg.
func (rt *runtime) raceAccess(gg *g, v *variable, write bool, pos Pos) {}
