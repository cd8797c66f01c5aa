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

// waitFor builds the wait-for graph of the blocked goroutines: for each
// object one waits on, the live goroutines that could have released it.
func (rt *runtime) waitFor(blocked []Blocked) []WaitEdge {
	roles := map[int32]map[int32]uint8{}
	holds := map[[2]int32]int{}
	mark := func(obj, g int32, r uint8) {
		if obj == 0 || g == 0 {
			return
		}
		m := roles[obj]
		if m == nil {
			m = map[int32]uint8{}
			roles[obj] = m
		}
		m[g] |= r
	}
	for _, e := range rt.log.All {
		switch e.Kind {
		case KindSend, KindSendBlock, KindSendDone, KindClose:
			mark(e.Obj, e.G, roleSend)
		case KindRecv, KindRecvBlock, KindRecvDone:
			mark(e.Obj, e.G, roleRecv)
		case KindSelectCase:
			if e.Flag == 1 {
				mark(e.Obj, e.G, roleSend)
			} else {
				mark(e.Obj, e.G, roleRecv)
			}
		case KindWGAdd:
			mark(e.Obj, e.G, roleAdd)
		case KindCondSignal:
			mark(e.Obj, e.G, roleSignal)
		case KindLock, KindLockDone:
			holds[[2]int32{e.Obj, e.G}]++
		case KindTryLock:
			if e.Val == 1 {
				holds[[2]int32{e.Obj, e.G}]++
			}
		case KindUnlock:
			holds[[2]int32{e.Obj, e.G}]--
		}
	}
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
