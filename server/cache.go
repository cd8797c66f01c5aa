package server

import (
	"container/list"
	"sync"
)

// Cache keeps finished run logs by their request key, dropping the least
// recently used ones to stay within a byte budget. Runs are pure functions
// of their requests, so a cached log is as good as a fresh run.
type Cache struct {
	mu    sync.Mutex
	limit int64
	used  int64
	order *list.List // front: most recently used
	items map[string]*list.Element
}

type cacheEntry struct {
	key  string
	log  *RunLog
	size int64
}

// NewCache returns a cache holding at most limit bytes of logs.
func NewCache(limit int64) *Cache {
	return &Cache{limit: limit, order: list.New(), items: map[string]*list.Element{}}
}

// Get returns the log cached under key.
func (c *Cache) Get(key string) (*RunLog, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[key]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(el)
	return el.Value.(*cacheEntry).log, true
}

// Put caches a finished log. A log larger than the whole budget is not kept.
func (c *Cache) Put(key string, l *RunLog) {
	size := logSize(l)
	c.mu.Lock()
	defer c.mu.Unlock()
	if size > c.limit {
		return
	}
	if el, ok := c.items[key]; ok {
		c.used -= el.Value.(*cacheEntry).size
		c.order.Remove(el)
	}
	c.items[key] = c.order.PushFront(&cacheEntry{key, l, size})
	c.used += size
	for c.used > c.limit {
		el := c.order.Back()
		e := el.Value.(*cacheEntry)
		c.order.Remove(el)
		delete(c.items, e.key)
		c.used -= e.size
	}
}
