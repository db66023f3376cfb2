package signer

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCacheEvictsInBatches: a full cache drops expired entries first, then
// enough others to make room for a quarter of its size, so that the next
// inserts do not scan the map again; it never holds more than max.
func TestCacheEvictsInBatches(t *testing.T) {
	now := time.Unix(1000, 0)
	clock := func() time.Time { return now }
	tests := []struct {
		name          string
		max, expired  int
		wantAfterFull int // entries after the insert that found the cache full
	}{
		{"nothing expired", 100, 0, 76},
		{"some expired", 100, 10, 76},
		{"all expired", 100, 100, 1},
		{"tiny", 1, 0, 1},
		{"two", 2, 0, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCache(tt.max)
			c.now = clock
			for i := range tt.max {
				exp := int64(2000)
				if i < tt.expired {
					exp = 500
				}
				c.put(cacheKey{resource: strconv.Itoa(i), expires: exp}, signed{})
			}
			require.Len(t, c.m, tt.max)
			c.put(cacheKey{resource: "new", expires: 2000}, signed{})
			assert.Len(t, c.m, tt.wantAfterFull)
			_, ok := c.get(cacheKey{resource: "new", expires: 2000})
			assert.True(t, ok, "the new entry is kept")
			for i := range 3 * tt.max {
				c.put(cacheKey{resource: "more" + strconv.Itoa(i), expires: 2000}, signed{})
				require.LessOrEqual(t, len(c.m), tt.max)
			}
			// Re-putting a present key in a full cache evicts nothing.
			for k := range c.m {
				n := len(c.m)
				c.put(k, signed{query: "x"})
				assert.Len(t, c.m, n)
				break
			}
		})
	}
}

// BenchmarkCachePutFull inserts new keys into a full cache of the default
// size: each insert of the old cache scanned the whole map under the write
// lock; batch eviction scans once per DefaultCacheSize/4 inserts.
func BenchmarkCachePutFull(b *testing.B) {
	clock := func() time.Time { return time.Unix(1000, 0) }
	c := newCache(DefaultCacheSize)
	c.now = clock
	for i := range DefaultCacheSize {
		c.put(cacheKey{resource: strconv.Itoa(i), expires: 2000}, signed{})
	}
	keys := make([]cacheKey, 4096)
	for i := range keys {
		keys[i] = cacheKey{resource: "k" + strconv.Itoa(i), expires: 2000}
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		c.put(keys[i%len(keys)], signed{})
		i++
	}
}
