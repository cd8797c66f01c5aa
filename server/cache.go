package server

import (
	"container/list"
	"sync"
)

// lru keeps values by key within a budget, dropping the least recently used
// first. size says what a value costs of the budget: the run cache counts
// bytes, the explorations' cache results.
type lru[V any] struct {
	mu    sync.Mutex
	limit int64
	size  func(V) int64
	used  int64
	order *list.List // of *lruEntry[V], front: most recently used
	items map[string]*list.Element
}

type lruEntry[V any] struct {
	key  string
	v    V
	size int64
}

func (c *lru[V]) init(limit int64, size func(V) int64) {
	c.limit, c.size, c.order, c.items = limit, size, list.New(), map[string]*list.Element{}
}

func (c *lru[V]) get(key string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[key]
	if !ok {
		var zero V
		return zero, false
	}
	c.order.MoveToFront(el)
	return el.Value.(*lruEntry[V]).v, true
}

// put keeps v under key. A value larger than the whole budget is not kept.
func (c *lru[V]) put(key string, v V) {
	size := c.size(v)
	c.mu.Lock()
	defer c.mu.Unlock()
	if size > c.limit {
		return
	}
	if el, ok := c.items[key]; ok {
		c.used -= el.Value.(*lruEntry[V]).size
		c.order.Remove(el)
	}
	c.items[key] = c.order.PushFront(&lruEntry[V]{key, v, size})
	c.used += size
	for c.used > c.limit {
		el := c.order.Back()
		e := el.Value.(*lruEntry[V])
		c.order.Remove(el)
		delete(c.items, e.key)
		c.used -= e.size
	}
}

// Cache keeps finished run logs by their request key, dropping the least
// recently used ones to stay within a byte budget. Runs are pure functions
// of their requests, so a cached log is as good as a fresh run.
type Cache struct{ lru[*RunLog] }

// NewCache returns a cache holding at most limit bytes of logs.
func NewCache(limit int64) *Cache {
	c := &Cache{}
	c.init(limit, logSize)
	return c
}

// Get returns the log cached under key.
func (c *Cache) Get(key string) (*RunLog, bool) { return c.get(key) }

// Put caches a finished log. A log larger than the whole budget is not kept.
func (c *Cache) Put(key string, l *RunLog) { c.put(key, l) }
