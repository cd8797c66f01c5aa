package engine

// Case is one case of a select statement, made by [Recv] or [Send]. A case
// on a nil channel never fires.
type Case interface {
	channel() (id int32, nonNil bool)
	send() bool
	ready() bool
	complete(rt *runtime, gg *g, pos Pos)
	park(rt *runtime, gg *g, idx int) waiter
	fired(gg *g)
}

// Select runs a select statement over cases, whose channel and value
// expressions the caller has already evaluated in source order. It returns
// the index of the case that fired, or -1 for the default case (hasDefault).
// Among several ready cases one is chosen uniformly with the run's seeded
// source, as the spec requires, unless a SelectCase intervention or the
// Chooser names one; with none ready and no default it blocks.
// select {} blocks forever.
func Select(pos Pos, hasDefault bool, cases ...Case) int {
	rt, gg := enter(pos)
	iv, due := rt.dueCase()
	ready := 0
	for _, c := range cases {
		if c.ready() {
			ready++
		}
	}
	if ready > 0 {
		i := 0
		if ready > 1 {
			i = rt.chooseCase(gg, cases, ready, iv, due)
		} else {
			for !cases[i].ready() {
				i++
			}
		}
		cases[i].complete(rt, gg, pos)
		return i
	}
	if hasDefault {
		rt.record(Event{Kind: KindSelectDefault, G: gg.id, Pos: pos})
		return -1
	}
	gg.selWaits = gg.selWaits[:0]
	gg.waitObjs = gg.waitObjs[:0]
	var first int32
	for i, c := range cases {
		id, ok := c.channel()
		if !ok {
			continue
		}
		if first == 0 {
			first = id
		}
		gg.waitObjs = append(gg.waitObjs, id)
		var flag uint8
		if c.send() {
			flag = 1
		}
		rt.record(Event{Kind: KindSelectCase, G: gg.id, Obj: id, Pos: pos, Flag: flag})
		gg.selWaits = append(gg.selWaits, c.park(rt, gg, i))
	}
	reason := WaitSelect
	if len(cases) == 0 {
		reason = WaitSelectNoCases
	}
	gg.selIdx = -1
	rt.park(gg, Event{Kind: KindSelectBlock, G: gg.id, Pos: pos, VK: ValInt, Val: uint64(len(cases))}, reason, first)
	i := gg.selIdx
	cases[i].fired(gg)
	return i
}

// fireSelect marks case idx of gg's blocked select as the one that fired and
// withdraws all its parked cases from their channels.
func (rt *runtime) fireSelect(gg *g, idx int) {
	gg.selIdx = idx
	for _, w := range gg.selWaits {
		w.cancel()
	}
	gg.selWaits = gg.selWaits[:0]
}
