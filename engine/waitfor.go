package engine

import "slices"

// Roles a goroutine has played on an object, read from the log: who could
// release a goroutine waiting on that object.
const (
	roleSend   uint8 = 1 << iota // sent on or closed a channel
	roleRecv                     // received from a channel
	roleAdd                      // called Add or Done on a WaitGroup
	roleSignal                   // signalled a Cond
)

// waitRoles is what a run's events say goroutines did to objects, as far
// as waitFor needs it: the roles each played on each object, and the locks
// each holds. It is folded from the log in order, so that a streamed run
// can drop the chunks it has sent (runtime.dropSent).
type waitRoles struct {
	at    int                // the events folded so far
	roles map[[2]int32]uint8 // by object and goroutine
	holds map[[2]int32]int   // by lock and goroutine: Lock calls not yet unlocked
}

// foldTo folds the log's events up to n.
func (w *waitRoles) foldTo(l *Log, n int) {
	if w.roles == nil {
		w.roles, w.holds = map[[2]int32]uint8{}, map[[2]int32]int{}
	}
	for ; w.at < n; w.at++ {
		e := l.At(w.at)
		var r uint8
		switch e.Kind {
		case KindSend, KindSendBlock, KindSendDone, KindClose:
			r = roleSend
		case KindRecv, KindRecvBlock, KindRecvDone:
			r = roleRecv
		case KindSelectCase:
			r = roleRecv
			if e.Flag == 1 {
				r = roleSend
			}
		case KindWGAdd:
			r = roleAdd
		case KindCondSignal:
			r = roleSignal
		case KindLock, KindLockDone:
			w.holds[[2]int32{e.Obj, e.G}]++
		case KindTryLock:
			if e.Val == 1 {
				w.holds[[2]int32{e.Obj, e.G}]++
			}
		case KindUnlock:
			w.holds[[2]int32{e.Obj, e.G}]--
		}
		if r != 0 && e.Obj != 0 && e.G != 0 {
			w.roles[[2]int32{e.Obj, e.G}] |= r
		}
	}
}

// waitFor builds the wait-for graph of the blocked goroutines: for each
// object one waits on, the live goroutines that could have released it.
func (rt *runtime) waitFor(blocked []Blocked) []WaitEdge {
	rt.waits.foldTo(rt.log, rt.log.n)
	// By object, then goroutine: grouped here, once, rather than as the
	// fold goes, where it would cost a second lookup for every event.
	roles := map[int32]map[int32]uint8{}
	for k, r := range rt.waits.roles {
		if roles[k[0]] == nil {
			roles[k[0]] = map[int32]uint8{}
		}
		roles[k[0]][k[1]] = r
	}
	holds := rt.waits.holds
	alive := func(id, self int32) bool { return id != self && rt.gs[id-1].state != gDone }
	var edges []WaitEdge
	for _, b := range blocked {
		gg := rt.gs[b.G-1]
		objs := []int32{b.Obj}
		if b.Reason == WaitSelect {
			objs = gg.waitObjs
		}
		seen := map[int32]bool{}
		for _, obj := range objs {
			if obj == 0 || seen[obj] {
				continue // a select may have several cases on one channel
			}
			seen[obj] = true
			want := b.Reason.releasers()
			by := []int32{}
			for g, r := range roles[obj] {
				if r&want != 0 && alive(g, b.G) {
					by = append(by, g)
				}
			}
			if want == 0 { // a lock: whoever holds it
				for k, n := range holds {
					if k[0] == obj && n > 0 && alive(k[1], b.G) {
						by = append(by, k[1])
					}
				}
			}
			slices.Sort(by)
			edges = append(edges, WaitEdge{G: b.G, Obj: obj, By: by})
		}
	}
	return edges
}

// releasers are the roles on the waited-on object that could release a
// goroutine blocked for r; 0 for a lock, which only its holder releases.
func (r WaitReason) releasers() uint8 {
	switch r {
	case WaitChanReceive:
		return roleSend
	case WaitChanSend:
		return roleRecv
	case WaitWaitGroupWait:
		return roleAdd
	case WaitCondWait:
		return roleSignal
	case WaitSelect:
		return roleSend | roleRecv
	}
	return 0
}
