package playlist

import (
	"container/list"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// AnswerCache configures a Handler's cache of answers: VOD and multivariant
// playlists as the origin served them, with their validators, and the
// playlists rewritten from them, one per set of credentials. A warm request
// then costs a lookup and a write, about what http.FileServer costs to
// serve the same bytes, and no rewrite.
//
// What is kept is what the origin served for the request's path and query
// (the carried copies removed) and the URL it answers for (Handler.Public),
// rewritten with exactly the credentials the request gets (the viewer's in
// ModePropagate, the minted ones in ModeServerSide, none in ModeCookies):
// an answer never goes to a request that would have been answered
// otherwise. Credentials are checked, or minted, on every request before
// the cache is looked at. Live media playlists are never kept: they change
// with every reload.
//
// Kept answers assume that the Handler's functions (Keys, and the
// Rewriter's InScope, Rebase and Hook) give the same result for the same
// playlist and URI whatever else the request holds, errors included: they
// run only when a playlist is rewritten, so a Keys error answers 502 then,
// and not when a kept rewrite is served. Leave the cache off when one of
// them reads the request in other ways. The origin's answer is not kept
// when it says private, no-store or no-cache, or varies by a request
// header other than Accept-Encoding.
type AnswerCache struct {
	// MaxBytes bounds the bytes kept, origin playlists and rewritten ones
	// together; the least recently used go first. Zero keeps nothing (the
	// cache is off); negative is a configuration error.
	MaxBytes int64
	// Revalidate is how long a kept origin playlist is used without asking
	// the origin whether it changed. After that the Handler asks again
	// with the validators the origin gave (If-None-Match for an ETag,
	// If-Modified-Since for a Last-Modified): a 304 keeps the answers, a
	// 200 replaces them. An origin that gives no validators sends the
	// playlist again, and answers are kept when it is byte for byte the
	// same. Zero asks on every request; negative is a configuration error.
	Revalidate time.Duration
}

// answerStore is what a Handler keeps for its AnswerCache.
type answerStore struct {
	mu      sync.Mutex
	lru     list.List // of *keptItem, most recently used first
	items   map[string]*list.Element
	bytes   int64
	version uint64 // numbers origin entries, so that renders of a replaced one never match
}

// keptItem is one entry of the cache: an origin playlist (origin set) or a
// rewritten one (out set).
type keptItem struct {
	key    string
	origin *keptOrigin
	out    []byte
}

// keptOrigin is an origin playlist with what the Handler needs to use it
// again: its validators, what it is, the origin's Cache-Control, and when
// the origin last said it was current.
type keptOrigin struct {
	body         []byte
	etag         string
	lastModified string
	info         mediaInfo
	cacheControl string
	checked      time.Time
	version      uint64
}

func (k *keptItem) size() int64 {
	if k.origin != nil {
		return int64(len(k.origin.body) + len(k.key) + 128)
	}
	return int64(len(k.out) + len(k.key) + 64)
}

// get returns the kept item for key, marking it used, or nil.
func (c *answerStore) get(key string) *keptItem {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.items[key]
	if !ok {
		return nil
	}
	c.lru.MoveToFront(e)
	return e.Value.(*keptItem)
}

// put keeps item, replacing any under its key, and drops the least
// recently used items while the cache holds more than maxBytes. An item
// larger than maxBytes alone is not kept.
func (c *answerStore) put(item *keptItem, maxBytes int64) {
	size := item.size()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.items == nil {
		c.items = map[string]*list.Element{}
	}
	if old, ok := c.items[item.key]; ok { // stale, whether or not item fits
		c.bytes -= old.Value.(*keptItem).size()
		c.lru.Remove(old)
		delete(c.items, item.key)
	}
	if size > maxBytes {
		return
	}
	c.items[item.key] = c.lru.PushFront(item)
	c.bytes += size
	for c.bytes > maxBytes {
		last := c.lru.Back()
		k := last.Value.(*keptItem)
		c.lru.Remove(last)
		delete(c.items, k.key)
		c.bytes -= k.size()
	}
}

// nextVersion numbers a new origin entry.
func (c *answerStore) nextVersion() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.version++
	return c.version
}

// originKey is the cache key of the origin playlist a request gets: the
// path the origin is asked for, the URL the answer is for (Public), and the
// query the origin sees.
func originKey(path, public, originQuery string) string {
	return "o\x00" + path + "\x00" + public + "\x00" + originQuery
}

// renderKey is the cache key of the playlist rewritten from origin
// playlist o with the credentials of rw.
func renderKey(o *keptOrigin, okey string, rw *Rewriter) string {
	var b strings.Builder
	b.Grow(len(okey) + len(rw.Query) + len(rw.Carry) + 24)
	b.WriteString("r\x00")
	b.WriteString(okey)
	b.WriteByte(0)
	b.WriteString(strconv.FormatUint(o.version, 10))
	b.WriteByte(0)
	b.WriteString(rw.Query)
	b.WriteByte(0)
	b.WriteString(rw.Carry)
	return b.String()
}

// fresh reports whether o may be used at now without asking the origin.
func (c *AnswerCache) fresh(o *keptOrigin, now time.Time) bool {
	return c.Revalidate > 0 && now.Sub(o.checked) < c.Revalidate
}

// conditional adds o's validators to an origin request, so that the
// origin may answer 304 Not Modified.
func (o *keptOrigin) conditional(h http.Header) {
	switch {
	case o.etag != "":
		h.Set("If-None-Match", o.etag)
	case o.lastModified != "":
		h.Set("If-Modified-Since", o.lastModified)
	}
}
