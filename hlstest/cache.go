package hlstest

import (
	"bytes"
	clist "container/list"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/cfhls/cfhls/policy"
)

// defaultCacheSize is CacheSize's default.
const defaultCacheSize = 64 << 20

// prepare checks a behavior's cache policy, replaces it with a normalized
// copy (so later changes to the caller's policy have no effect) and gives
// the behavior its counters.
func (b *Behavior) prepare() error {
	b.stats = &behaviorStats{}
	if b.Cache == nil {
		return nil
	}
	if err := b.Cache.Validate(); err != nil {
		return err
	}
	b.Cache = b.Cache.normalized()
	return nil
}

// cached is one stored answer. It is never changed once stored: a refresh
// stores a new one sharing the body.
type cached struct {
	key     string
	path    string // the escaped URL path, for Invalidate
	status  int
	header  http.Header // the origin's headers
	body    []byte
	stored  time.Time // when the origin answered (or last confirmed it)
	expires time.Time
}

func (c *cached) size() int64 {
	n := int64(len(c.key) + len(c.path) + len(c.body))
	for k, vs := range c.header {
		n += int64(len(k))
		for _, v := range vs {
			n += int64(len(v))
		}
	}
	return n
}

// validators reports whether the origin can revalidate the answer.
func (c *cached) validators() bool {
	return c.header.Get("ETag") != "" || c.header.Get("Last-Modified") != ""
}

// answerCache is the simulator's bounded, least-recently-used answer store.
type answerCache struct {
	mu      sync.Mutex
	limit   int64
	size    int64
	entries map[string]*clist.Element // of *cached
	lru     clist.List                // front: most recently used
}

func (c *answerCache) init(limit int64) {
	if limit <= 0 {
		limit = defaultCacheSize
	}
	c.limit, c.entries = limit, map[string]*clist.Element{}
}

// get returns the answer stored under key, fresh or not.
func (c *answerCache) get(key string) *cached {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.entries[key]
	if !ok {
		return nil
	}
	c.lru.MoveToFront(el)
	return el.Value.(*cached)
}

// put stores an answer, replacing any under the same key, and evicts the
// least recently used answers beyond the limit.
func (c *answerCache) put(a *cached) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.removeLocked(a.key)
	if a.size() > c.limit {
		return
	}
	c.entries[a.key] = c.lru.PushFront(a)
	c.size += a.size()
	for c.size > c.limit {
		c.removeLocked(c.lru.Back().Value.(*cached).key)
	}
}

// remove drops the answer stored under key, if any.
func (c *answerCache) remove(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.removeLocked(key)
}

func (c *answerCache) removeLocked(key string) {
	if el, ok := c.entries[key]; ok {
		c.size -= el.Value.(*cached).size()
		c.lru.Remove(el)
		delete(c.entries, key)
	}
}

// Invalidate removes the cached answers whose URL path matches pattern,
// with the wildcards of a behavior's PathPattern ("/movies/1/*", "*" for
// everything), as a CloudFront invalidation does. It returns how many
// answers it removed.
func (cf *CloudFront) Invalidate(pattern string) int {
	c := &cf.cache
	c.mu.Lock()
	defer c.mu.Unlock()
	n, pattern := 0, normalizePattern(pattern)
	for key, el := range c.entries {
		if policy.Match(pattern, el.Value.(*cached).path) {
			c.removeLocked(key)
			n++
		}
	}
	return n
}

// serveCached answers a viewer request whose credentials were checked, on a
// behavior with a cache policy: from the cache when it holds a fresh
// answer, else from the origin (revalidating an expired answer that has
// validators), storing what the policy lets it store. It returns the body
// bytes the origin sent.
func (cf *CloudFront) serveCached(w http.ResponseWriter, r, out *http.Request, b *Behavior, e *Entry) int64 {
	key := b.Cache.key(b.PathPattern, r)
	now := cf.clock()
	a := cf.cache.get(key)
	switch {
	case a != nil && now.Before(a.expires):
		e.Cache, e.Status = CacheHit, cf.answer(w, r, a, now, "Hit from cloudfront")
		return 0
	case a != nil && a.validators() && a.status == http.StatusOK:
		return cf.revalidate(w, r, out, b, e, a)
	}
	e.Cache, e.OriginURI = CacheMiss, out.RequestURI
	cw := &cacheWriter{statusWriter: statusWriter{ResponseWriter: w}, pre: w.Header().Clone(),
		limit: cf.cache.limit, dropCookies: !b.Cache.AllCookies && len(b.Cache.Cookies) == 0}
	b.Origin.ServeHTTP(cw, out)
	e.Status = cw.code()
	// CloudFront does not cache an answer shorter than its Content-Length
	// ("Dropped TCP connections", custom origins page).
	complete := cw.header.Get("Content-Length") == "" || cw.header.Get("Content-Length") == strconv.Itoa(cw.body.Len())
	if r.Method == http.MethodGet && !cw.over && cw.header != nil && complete {
		cf.store(b, key, r, cw.code(), cw.header, cw.body.Bytes())
	}
	return cw.bytes
}

// store keeps an origin answer for as long as the policy says, if at all.
func (cf *CloudFront) store(b *Behavior, key string, r *http.Request, status int, h http.Header, body []byte) {
	now := cf.clock()
	ttl := b.Cache.ttl(status, h, now)
	if ttl <= 0 {
		cf.cache.remove(key)
		return
	}
	cf.cache.put(&cached{key: key, path: r.URL.EscapedPath(), status: status, header: h,
		body: slices.Clip(body), stored: now, expires: now.Add(ttl)})
}

// revalidate asks the origin whether an expired answer is still current,
// with the validators it came with. A 304 refreshes it and the viewer gets
// it as a RefreshHit; any other answer is passed on (and stored or not) as
// on a miss.
func (cf *CloudFront) revalidate(w http.ResponseWriter, r, out *http.Request, b *Behavior, e *Entry, a *cached) int64 {
	for _, h := range []string{"If-None-Match", "If-Modified-Since", "If-Match", "If-Unmodified-Since", "If-Range", "Range"} {
		out.Header.Del(h)
	}
	if etag := a.header.Get("ETag"); etag != "" {
		out.Header.Set("If-None-Match", etag)
	}
	if lm := a.header.Get("Last-Modified"); lm != "" {
		out.Header.Set("If-Modified-Since", lm)
	}
	e.OriginURI = out.RequestURI
	rec := httptest.NewRecorder()
	b.Origin.ServeHTTP(rec, out)
	res := rec.Result()
	body := rec.Body.Bytes()
	if res.StatusCode == http.StatusNotModified {
		h := a.header.Clone()
		for _, k := range []string{"Cache-Control", "Expires", "ETag", "Last-Modified", "Date"} {
			if vs, ok := res.Header[k]; ok {
				h[k] = vs
			}
		}
		cf.store(b, a.key, r, a.status, h, a.body)
		now := cf.clock()
		fresh := &cached{key: a.key, path: a.path, status: a.status, header: h, body: a.body, stored: now}
		e.Cache, e.Status = CacheRefreshHit, cf.answer(w, r, fresh, now, "RefreshHit from cloudfront")
		return 0
	}
	e.Cache = CacheMiss
	if !b.Cache.AllCookies && len(b.Cache.Cookies) == 0 {
		res.Header.Del("Set-Cookie")
	}
	sw := &statusWriter{ResponseWriter: w}
	mergeHeader(w.Header(), res.Header)
	sw.WriteHeader(res.StatusCode)
	if r.Method != http.MethodHead {
		_, _ = sw.Write(body)
	}
	e.Status = sw.code()
	// As on a miss: an answer shorter than its Content-Length is not kept.
	cl := res.Header.Get("Content-Length")
	if r.Method == http.MethodGet && (cl == "" || cl == strconv.Itoa(len(body))) {
		cf.store(b, a.key, r, res.StatusCode, res.Header, body)
	} else {
		cf.cache.remove(a.key)
	}
	return int64(len(body))
}

// answer writes a stored answer to the viewer with X-Cache set to xcache
// (below 400) and Age, and returns the status sent. A 200 answers Range and
// conditional requests as http.ServeContent does.
func (cf *CloudFront) answer(w http.ResponseWriter, r *http.Request, a *cached, now time.Time, xcache string) int {
	h := w.Header()
	mergeHeader(h, a.header)
	h.Set("Age", strconv.FormatInt(int64(max(now.Sub(a.stored), 0)/time.Second), 10))
	sw := &statusWriter{ResponseWriter: w, xcache: xcache}
	if a.status == http.StatusOK {
		if _, ok := h["Content-Type"]; !ok {
			h["Content-Type"] = nil // no sniffing: the origin sent none
		}
		modified, _ := http.ParseTime(a.header.Get("Last-Modified"))
		http.ServeContent(sw, r, "", modified, bytes.NewReader(a.body))
		return sw.code()
	}
	h.Set("Content-Length", strconv.Itoa(len(a.body)))
	sw.WriteHeader(a.status)
	if r.Method != http.MethodHead {
		_, _ = sw.Write(a.body)
	}
	return sw.code()
}

// mergeHeader copies src into dst, replacing values but appending to Vary,
// which the simulator's CORS headers may have started.
func mergeHeader(dst, src http.Header) {
	for k, vs := range src {
		if k == "Vary" {
			dst[k] = append(dst[k], vs...)
			continue
		}
		dst[k] = slices.Clone(vs)
	}
}

// cacheWriter passes an origin's answer on a miss to the viewer as it
// comes, keeping a copy of its headers and of its body up to limit bytes.
type cacheWriter struct {
	statusWriter
	pre         http.Header // the simulator's headers, set before the origin ran
	header      http.Header // the origin's, when it wrote them
	body        bytes.Buffer
	limit       int64
	over        bool // the body outgrew limit: not stored
	dropCookies bool // remove Set-Cookie (no cookie in the key)
}

// WriteHeader keeps the origin's own headers, then sends the answer's.
func (w *cacheWriter) WriteHeader(code int) {
	if w.status == 0 {
		h := w.Header()
		if w.dropCookies {
			h.Del("Set-Cookie")
		}
		w.header = http.Header{}
		for k, vs := range h {
			if !slices.Equal(vs, w.pre[k]) {
				w.header[k] = slices.Clone(vs)
			}
		}
		if pre, ok := w.pre["Vary"]; ok { // keep only what the origin added
			w.header["Vary"] = slices.DeleteFunc(slices.Clone(h["Vary"]), func(v string) bool { return slices.Contains(pre, v) })
		}
	}
	w.statusWriter.WriteHeader(code)
}

// Write copies p to the viewer and, within limit, to the stored body.
func (w *cacheWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if !w.over {
		if int64(w.body.Len()+len(p)) > w.limit {
			w.over = true
			w.body = bytes.Buffer{}
		} else {
			w.body.Write(p)
		}
	}
	return w.statusWriter.Write(p)
}

// Flush sends the header first if needed, then flushes.
func (w *cacheWriter) Flush() {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	w.statusWriter.Flush()
}
