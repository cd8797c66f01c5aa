package engine

// plainLocker is a sync.Locker of the program's own: its methods take no
// position, as the program wrote them.
type plainLocker interface {
	Lock()
	Unlock()
}

// userLocker lets a plainLocker stand where the engine expects a Locker.
type userLocker struct{ l plainLocker }

func (u userLocker) Lock(Pos)   { u.l.Lock() }
func (u userLocker) Unlock(Pos) { u.l.Unlock() }

// AdaptLocker is a program's own sync.Locker (a type with Lock and Unlock
// methods) used as a sync.Locker: var l sync.Locker = &myLock{}, or
// sync.NewCond(&myLock{}). Its methods run as the program wrote them.
func AdaptLocker(l plainLocker) Locker { return userLocker{l} }
