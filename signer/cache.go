package signer

import (
	"net/netip"
	"sync"
	"time"
)

// cacheKey identifies a policy, and so the form it travels in. The key pair
// and hash are fixed per Signer, and each Signer has its own cache.
type cacheKey struct {
	resource  string
	expires   int64
	notBefore int64
	ip        netip.Prefix
}

// cache is a bounded map of credentials. When full, entries expired by the
// wall clock (a Signer has no clock of its own; this is housekeeping only)
// are dropped first, then arbitrary ones down to three quarters of the bound:
// entries are cheap to remake, bucketed expiries make the working set small,
// and evicting a batch at a time means the map is scanned under the write
// lock once per max/4 inserts, not on every insert once full.
type cache struct {
	mu  sync.RWMutex
	max int
	m   map[cacheKey]signed
	now func() time.Time // time.Now; tests replace it
}

// signed is a cache entry: credentials and their query encoding, so a signed
// URL from a cached policy costs no encoding.
type signed struct {
	creds Credentials
	query string
}

func newCache(max int) *cache {
	if max == 0 {
		return nil
	}
	return &cache{max: max, m: make(map[cacheKey]signed), now: time.Now}
}

func (c *cache) get(k cacheKey) (signed, bool) {
	if c == nil {
		return signed{}, false
	}
	c.mu.RLock()
	v, ok := c.m[k]
	c.mu.RUnlock()
	return v, ok
}

func (c *cache) put(k cacheKey, v signed) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[k]; !ok && len(c.m) >= c.max {
		c.evict(c.now().Unix())
	}
	c.m[k] = v
}

// evict drops the entries expired at t, then arbitrary ones until the map
// holds at most three quarters of max (and less than max).
func (c *cache) evict(t int64) {
	for old := range c.m {
		if old.expires <= t {
			delete(c.m, old)
		}
	}
	keep := min(c.max*3/4, c.max-1)
	for old := range c.m {
		if len(c.m) <= keep {
			break
		}
		delete(c.m, old)
	}
}
