package playlist

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// source is the origin playlist a request is answered from.
type source struct {
	body         []byte
	info         mediaInfo
	cacheControl string      // the origin's Cache-Control
	kept         *keptOrigin // in the answer cache, when it may be kept
	key          string      // its key there
}

// load gets the origin playlist for r: from the answer cache while it is
// fresh (AnswerCache.Revalidate), else from the origin, asking
// conditionally when a kept copy exists. On failure it has answered w and
// returns false. The origin's answer, when not nil, holds a pooled buffer
// (the body may be in it) that the caller returns to bufPool.
func (h *Handler) load(w http.ResponseWriter, r *http.Request, public *url.URL, now time.Time) (src source, ans *answer, ok bool) {
	cache, store := &h.Answers, &h.kept
	q := r.URL.RawQuery // the query the origin sees: without the carried copies
	if c := h.carrier(); c != nil {
		q = stripCarried(q, c)
	}
	var kept *keptOrigin
	if cache.MaxBytes > 0 {
		src.key = originKey(r.URL.Path, public.String(), q)
		if it := store.get(src.key); it != nil {
			kept = it.origin
		}
	}
	if kept != nil && cache.fresh(kept, now) {
		return src.from(kept), nil, true
	}
	ans, err := h.fetch(r, q, kept)
	if err != nil {
		h.fail(w, http.StatusBadGateway, "origin failed", fmt.Errorf("%s: %w", r.URL.Path, err))
		return src, ans, false
	}
	switch {
	case ans.status == http.StatusNotModified && kept != nil:
		// The kept copy is current: keep it (and its rewritten
		// playlists) another Revalidate.
		again := *kept
		again.checked = now
		store.put(&keptItem{key: src.key, origin: &again}, cache.MaxBytes)
		return src.from(&again), ans, true
	case ans.status >= 500:
		h.fail(w, http.StatusBadGateway, "origin failed", fmt.Errorf("%s: origin answered %d", r.URL.Path, ans.status))
		return src, ans, false
	case ans.status == http.StatusNotModified:
		// fetch strips the viewer's conditional headers: a 304 answers nothing asked.
		h.fail(w, http.StatusBadGateway, "origin failed", fmt.Errorf("%s: origin answered 304 to an unconditional request", r.URL.Path))
		return src, ans, false
	case ans.status >= 300 && ans.status < 400:
		// An origin's redirect may name its private host: do not pass it on.
		h.fail(w, http.StatusBadGateway, "origin failed", fmt.Errorf("%s: origin redirected (%d) to %q", r.URL.Path, ans.status, ans.header.Get("Location")))
		return src, ans, false
	case ans.status < 300 && ans.status != http.StatusOK:
		// 201, 203, 204, 206, ... (and 101): players take any 2xx as the
		// playlist, so sending it on would serve it unrewritten.
		h.fail(w, http.StatusBadGateway, "origin failed", fmt.Errorf("%s: origin answered %d; only a 200 is a playlist to rewrite", r.URL.Path, ans.status))
		return src, ans, false
	case ans.status != http.StatusOK:
		// Pass the origin's refusal through (404 stays 404); never rewrite it.
		ans.passThrough(w, r)
		return src, ans, false
	}
	src.body, src.cacheControl = ans.buf.Bytes(), ans.header.Get("Cache-Control")
	src.info = readMedia(src.body)
	if cache.MaxBytes <= 0 || src.info.live || private(src.cacheControl) || varies(ans.header) {
		// Live playlists change with every reload; one the origin keeps
		// private, or varies by request headers, may be the viewer's own.
		return src, ans, true
	}
	o := &keptOrigin{etag: ans.header.Get("ETag"), lastModified: ans.header.Get("Last-Modified"), info: src.info,
		cacheControl: src.cacheControl, checked: now}
	if kept != nil && bytes.Equal(kept.body, src.body) {
		// The same playlist, from an origin without validators: its
		// rewritten playlists still hold.
		o.body, o.version = kept.body, kept.version
	} else {
		o.body, o.version = bytes.Clone(src.body), store.nextVersion()
	}
	store.put(&keptItem{key: src.key, origin: o}, cache.MaxBytes)
	src.kept = o
	return src, ans, true
}

// from is src answered from kept.
func (src source) from(kept *keptOrigin) source {
	src.body, src.info, src.cacheControl, src.kept = kept.body, kept.info, kept.cacheControl, kept
	return src
}

// varies reports whether an origin's answer varies by a request header
// other than Accept-Encoding (which fetch sets itself).
func varies(h http.Header) bool {
	for _, v := range h.Values("Vary") {
		for _, name := range strings.Split(v, ",") {
			if n := strings.TrimSpace(name); n != "" && !strings.EqualFold(n, "Accept-Encoding") {
				return true
			}
		}
	}
	return false
}
