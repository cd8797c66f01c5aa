package engine

import (
	"fmt"
	"reflect"
	"regexp"
	goruntime "runtime"
	"strings"
)

// Go starts fn in a new simulated goroutine, as a go statement does. name is
// the function it runs, as Go names it ("main.worker", "main.main.func1");
// the caller evaluates fn's arguments first, as the go statement does.
func Go(name string, pos Pos, fn func()) {
	rt, gg := enter(pos)
	if rt.live >= rt.limits.MaxGoroutines {
		rt.endLimit(fmt.Sprintf("goroutine cap reached: %d live goroutines", rt.limits.MaxGoroutines))
		panic(unwind{})
	}
	ng := rt.newG(name, gg.id, pos, fn)
	rt.raceGo(gg.id, ng)
	rt.record(Event{Kind: KindGo, G: gg.id, Peer: ng.id, Pos: pos})
}

// Gosched yields the processor, as runtime.Gosched: the caller goes to the
// back of the run queue.
func Gosched(pos Pos) {
	rt, gg := enter(pos)
	rt.record(Event{Kind: KindGosched, G: gg.id, Pos: pos})
	if rt.runq.len() == 0 {
		return
	}
	gg.state = gRunnable
	rt.runq.push(gg)
	rt.switchAway(gg)
}

// NumGoroutine returns the number of goroutines of the run that have not
// finished, as runtime.NumGoroutine.
func NumGoroutine() int {
	if rt := active; rt != nil {
		return rt.live
	}
	return 0
}

// GOMAXPROCS reports the real GOMAXPROCS without changing it: the engine runs
// one goroutine at a time whatever the setting, but a program printing it
// should print what it would under go run.
func GOMAXPROCS(n int) int { return goruntime.GOMAXPROCS(0) }

// declare registers an object of the running program and returns its id.
func (rt *runtime) declare(o Object, ref any) int32 {
	o.ID = int32(len(rt.log.Objects) + 1)
	rt.log.Objects = append(rt.log.Objects, o)
	rt.objs = append(rt.objs, ref)
	return o.ID
}

// resizer is a channel whose capacity an intervention can change.
type resizer interface{ resize(rt *runtime, n int) }

func (rt *runtime) chanByID(id int32) resizer {
	if id < 1 || int(id) > len(rt.objs) || rt.log.Objects[id-1].Kind != ObjChan {
		return nil
	}
	r, _ := rt.objs[id-1].(resizer)
	return r
}

// Knob returns the value the run's Config gives the program constant name,
// else def. The instrument package turns a constant marked as a knob into a
// variable initialised with Knob, inside the run.
func Knob(name string, def int64) int64 {
	if rt := active; rt != nil {
		if v, ok := rt.cfg.Knobs[name]; ok {
			return v
		}
	}
	return def
}

// closureName matches the names the compiler gives function literals and
// the wrappers of go and defer statements: the rewritten program numbers
// them differently from the original, so they are not shown.
var closureName = regexp.MustCompile(`\.(func|gowrap|deferwrap)\d+(\.\d+)*$`)

// FuncName is the name Go's traceback gives the function value f, for a go
// statement that calls a function variable: "main.worker", "main.(*T).serve"
// (a method value). For a function literal, or outside a run, it returns
// fallback.
func FuncName(f any, fallback string) string {
	v := reflect.ValueOf(f)
	rt := active
	if rt == nil || v.Kind() != reflect.Func || v.IsNil() || rt.prog.Main == nil {
		return fallback
	}
	fn := goruntime.FuncForPC(v.Pointer())
	mainFn := goruntime.FuncForPC(reflect.ValueOf(rt.prog.Main).Pointer())
	if fn == nil || mainFn == nil {
		return fallback
	}
	name := strings.TrimSuffix(fn.Name(), "-fm")
	// The program's package is main under go run, whatever it is called here.
	pkg := strings.TrimSuffix(mainFn.Name(), "main")
	if !strings.HasPrefix(name, pkg) || closureName.MatchString(name) {
		return fallback
	}
	return "main." + strings.TrimPrefix(name, pkg)
}
