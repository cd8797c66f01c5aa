// Package explore finds what a program can do: it runs the program on the
// engine under many schedules and groups the runs by outcome (standard
// output and how the run ended), with a count and the shortest schedule for
// each, so "can it deadlock?" and "what can it print?" have answers, each
// with a run that shows it.
//
// A schedule is the list of the run's choices (engine.Choice): which
// goroutine runs at each point where several could, and which case each
// select with several ready cases takes. The engine's Chooser makes them,
// in this process or in child processes that serve engine.RunSchedule, and
// every schedule reads back as interventions, so each result is a permalink.
//
// The search is depth-first over choices with a preemption bound, as CHESS's
// iterative context bounding: bound 0, 1, ... K, where a preemption is a
// switch away from a goroutine that could have gone on (picking who runs
// after a goroutine blocks is free). Within a bound, dynamic partial-order
// reduction skips schedules that only reorder independent steps: a step is
// what one goroutine does between two choices, it touches objects (channels,
// locks, WaitGroups; the goroutines it starts or wakes; the output; the
// clock), and two steps that touch nothing in common commute.
//
// The reduction is source-set DPOR (Abdulla, Aronis, Jonsson, Sagonas, POPL
// 2014), chosen because it needs only the run that was made: races are read
// off the executed trace, and a reversal adds one initial of the reversing
// sequence to the backtrack set of the point where it starts. Optimal DPOR's
// wakeup trees would save the runs that sleep sets block, but they force the
// rest of a sequence, which a preemption bound can cut, and they cannot be
// shared between child processes as cheaply as a set of options per point.
// A bound makes plain DPOR incomplete (a reordering may need more
// preemptions than the run it came from); as in bounded POR (Coons,
// Musuvathi, McKinley, OOPSLA 2013), each reversal is also added at the point
// where the reversed step's goroutine was switched in, where taking another
// goroutine costs no more preemptions than the run did. Sleep sets, which
// the bound also makes unsound in general, are kept only through free
// choices (no preemption taken or skipped). The equivalence test checks the
// result: the reduced search finds exactly the outcomes of naive enumeration
// within the same bound, over generated programs and the catalog.
//
// A step that panics (recovered or not) or exits depends on every step: a
// failed operation records no event naming its object.
//
// Main returning, a panic and os.Exit end every goroutine, so the last step
// of such a run races with every goroutine still runnable before it.
//
// For programs too big to exhaust, PCT (probabilistic concurrency testing,
// Burckhardt et al., ASPLOS 2010) runs random schedules that find a bug of
// depth d with a known probability; its result is never complete.
//
// The budget (Options.MaxSchedules) is shared between the bounds: each
// bound below K gets at most three quarters of what is left, and K the
// rest. A program whose goroutines can finish in more orders than the
// budget (a hundred workers touching one counter) then still has its
// preemptions tried, where a lost update or a deadlock hides; a bound's
// search covers the smaller bounds', so the search is complete if the last
// bound's finishes.
//
// A shared variable's read or write is a step touching the variable (two
// reads of one variable count as dependent: sound, if less reduced). A
// program's math/rand draws are not objects: a program whose goroutines
// share them may have outcomes the reduced search merges.
package explore
