package hlstest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// This file answers LiveOrigin's media playlists, parts, segments and init
// sections: delivery directives (RFC 8216bis section 6.2.5), and waiting
// for what does not exist yet.

// errDirective reports a delivery directive the origin refuses with 400.
var errDirective = errors.New("hlstest: bad delivery directive")

// liveDirectives are the delivery directives of a playlist request.
type liveDirectives struct {
	msn, part int // -1 when absent
	skip      bool
}

// parseLiveDirectives reads _HLS_msn, _HLS_part and _HLS_skip from a raw
// query, ignoring every other parameter (credentials, cache busters,
// reserved _HLS_ names this origin does not know). It refuses, wrapping
// errDirective: a directive given twice, a value that does not unescape,
// an _HLS_msn or _HLS_part that is not a decimal integer (digits only, at
// most 18 after leading zeros), an _HLS_skip other than YES or v2, and
// _HLS_part without _HLS_msn.
func parseLiveDirectives(rawQuery string) (liveDirectives, error) {
	d := liveDirectives{msn: -1, part: -1}
	var skipSeen bool
	for rest := rawQuery; rest != ""; {
		var pair string
		pair, rest, _ = strings.Cut(rest, "&")
		rawName, rawValue, _ := strings.Cut(pair, "=")
		name, err := url.QueryUnescape(rawName)
		if err != nil {
			continue // not a name this origin knows
		}
		value, err := url.QueryUnescape(rawValue)
		switch name {
		case "_HLS_msn", "_HLS_part", "_HLS_skip":
			if err != nil {
				return d, fmt.Errorf("%w: %s: %v", errDirective, name, err)
			}
		default:
			continue
		}
		dst := &d.msn
		switch name {
		case "_HLS_part":
			dst = &d.part
		case "_HLS_skip":
			if skipSeen {
				return d, fmt.Errorf("%w: _HLS_skip given twice", errDirective)
			}
			if value != "YES" && value != "v2" {
				return d, fmt.Errorf("%w: _HLS_skip=%q, want YES or v2", errDirective, value)
			}
			d.skip, skipSeen = true, true
			continue
		}
		if *dst >= 0 {
			return d, fmt.Errorf("%w: %s given twice", errDirective, name)
		}
		if *dst, err = liveDecimal(value); err != nil {
			return d, fmt.Errorf("%w: %s=%q: %v", errDirective, name, value, err)
		}
	}
	if d.part >= 0 && d.msn < 0 {
		return d, fmt.Errorf("%w: _HLS_part without _HLS_msn", errDirective)
	}
	return d, nil
}

// liveDecimal parses an HLS decimal-integer: one or more digits, leading
// zeros allowed, no sign; values past 18 digits are refused as out of range.
func liveDecimal(s string) (int, error) {
	if s == "" {
		return 0, errors.New("empty")
	}
	n := 0
	digits := 0
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return 0, errors.New("not a decimal integer")
		}
		if n > 0 || c != '0' {
			digits++
		}
		if digits > 18 {
			return 0, errors.New("out of range")
		}
		n = n*10 + int(c-'0')
	}
	return n, nil
}

// errBlockLimit reports a wait that BlockLimit ended.
var errBlockLimit = errors.New("hlstest: not available within the block limit")

// waitFor returns once the clock reaches at (relative to Start), reading
// it every PollInterval of real time; errBlockLimit once BlockLimit has
// passed on the clock or in real time (so that a stopped test clock cannot
// hold a request forever), or the context's error when it is done first.
func (o *LiveOrigin) waitFor(ctx context.Context, at time.Duration) error {
	e := o.elapsed()
	if e >= at {
		return nil
	}
	deadline := e + o.blockLimit()
	ctx, cancel := context.WithTimeoutCause(ctx, o.blockLimit(), errBlockLimit)
	defer cancel()
	timer := time.NewTimer(min(o.poll(), at-e))
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return context.Cause(ctx)
		case <-timer.C:
		}
		e = o.elapsed()
		switch {
		case e >= at:
			return nil
		case e >= deadline:
			return errBlockLimit
		}
		timer.Reset(min(o.poll(), at-e))
	}
}

// waitError answers a wait that failed.
func waitError(w http.ResponseWriter, err error) {
	liveError(w, http.StatusServiceUnavailable, err.Error())
}

// serveLL answers file of rendition r of the LL-HLS presentation.
func (o *LiveOrigin) serveLL(w http.ResponseWriter, r *http.Request, rend int, file string) {
	m := o.media
	switch file {
	case "index.m3u8":
		o.serveLLPlaylist(w, r, rend)
		return
	case "init.mp4":
		serveMedia(w, r, ContentType(file), m.ll[rend].init)
		return
	}
	var n, part int
	var ok bool
	if seg, p, isPart := strings.Cut(file, ".part"); isPart {
		n, ok = liveName(seg, "seg", "")
		if ok {
			part, ok = liveName(p, "", ".m4s")
			ok = ok && part < m.parts
		}
	} else {
		n, ok = liveName(file, "seg", ".m4s")
		part = -1
	}
	if !ok {
		liveError(w, http.StatusNotFound, "not found")
		return
	}
	first, last := part, part
	if part < 0 {
		first, last = 0, m.parts-1
	}
	if !o.awaitMedia(w, r, n, func() time.Duration { return m.partEnd(n, last) }) {
		return
	}
	rn := m.ll[rend]
	var body []byte
	for i := first; i <= last; i++ {
		f := &rn.frags[n%m.segments*m.parts+i]
		shift := uint64(n/m.segments) * rn.loopTicks
		body = append(body, f.patch(shift, uint32(n*m.parts+i+1))...)
	}
	serveMedia(w, r, ContentType(file), body)
}

// awaitMedia waits for a part or segment of segment n that ends at end()
// (relative to Start), answering 404 if it will not exist within BlockLimit
// and 503 if the wait fails. It reports whether the caller should answer.
func (o *LiveOrigin) awaitMedia(w http.ResponseWriter, r *http.Request, n int, end func() time.Duration) bool {
	e := o.elapsed()
	if done, _ := o.media.at(e); n > done+1 || end()-e > o.blockLimit() { // n bounded first: end() cannot overflow
		liveError(w, http.StatusNotFound, "not found (not yet available)")
		return false
	}
	if err := o.waitFor(r.Context(), end()); err != nil {
		waitError(w, err)
		return false
	}
	return true
}

// serveLLPlaylist answers a media playlist of the LL-HLS presentation,
// following its delivery directives.
func (o *LiveOrigin) serveLLPlaylist(w http.ResponseWriter, r *http.Request, rend int) {
	m := o.media
	d, err := parseLiveDirectives(r.URL.RawQuery)
	if err != nil {
		liveError(w, http.StatusBadRequest, err.Error())
		return
	}
	if d.msn >= 0 {
		done, parts := m.at(o.elapsed())
		if d.msn > done-1+2 {
			liveError(w, http.StatusBadRequest, fmt.Sprintf("_HLS_msn=%d is more than two past the last segment, %d", d.msn, done-1))
			return
		}
		at := m.segStart(d.msn + 1) // segment msn complete
		if d.part >= 0 {
			msn, part := d.msn, d.part
			if part >= m.parts { // RFC 8216bis 6.2.5.2: part 0 of the next segment
				msn, part = msn+1, 0
			}
			ahead := (msn-done)*m.parts + part - (parts - 1) // parts past the last one
			if float64(ahead) > m.advancePartLimit() {
				liveError(w, http.StatusBadRequest, fmt.Sprintf("_HLS_part=%d of _HLS_msn=%d is %d parts past the last part", d.part, d.msn, ahead))
				return
			}
			at = m.partEnd(msn, part)
		}
		if err := o.waitFor(r.Context(), at); err != nil {
			waitError(w, err)
			return
		}
	}
	servePlaylist(w, r, o.llMedia(rend, o.elapsed(), d.skip))
}

// advancePartLimit is RFC 8216bis's Advance Part Limit, in parts: three
// divided by the part target duration in seconds if that is less than one
// second, three otherwise.
func (m *liveMedia) advancePartLimit() float64 {
	if m.partTarget < time.Second {
		return 3 / m.partTarget.Seconds()
	}
	return 3
}

// serveTS answers file of variant v of the regular presentation.
func (o *LiveOrigin) serveTS(w http.ResponseWriter, r *http.Request, v int, file string) {
	m := o.media
	if file == "index.m3u8" {
		servePlaylist(w, r, o.tsMedia(o.elapsed()))
		return
	}
	n, ok := liveName(file, "seg", ".ts")
	if !ok {
		liveError(w, http.StatusNotFound, "not found")
		return
	}
	if !o.awaitMedia(w, r, n, func() time.Duration { return m.segStart(n + 1) }) {
		return
	}
	vt := m.ts[v]
	seg := &vt.segs[n%m.segments]
	body := seg.data
	if !o.LoopDiscontinuity {
		body = seg.shifted(n/m.segments, vt.loopTicks, vt.perLoop)
	}
	if o.KeyRotation > 0 {
		body = aes128Encrypt(LiveKey(n/o.KeyRotation), liveIV(n), body)
	}
	serveMedia(w, r, ContentType(file), body)
}
