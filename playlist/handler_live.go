package playlist

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"math"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/cfhls/cfhls/policy"
)

// mediaInfo is what a Handler reads from a playlist before rewriting it.
type mediaInfo struct {
	// live: a live media playlist, one that players reload: it has
	// EXT-X-TARGETDURATION, and neither EXT-X-ENDLIST nor
	// EXT-X-PLAYLIST-TYPE:VOD (an EVENT playlist is live until it ends).
	live bool
	// target is its EXT-X-TARGETDURATION in whole seconds, when live.
	target int64
	// dated: it has an EXT-X-PROGRAM-DATE-TIME, when live.
	dated bool
	// blocking: it offers LL-HLS blocking reloads or parts
	// (EXT-X-SERVER-CONTROL with CAN-BLOCK-RELOAD=YES, or EXT-X-PART-INF),
	// when live: its answer to a plain reload must not answer a blocking one.
	blocking bool
}

// readMedia tells live media playlists from the rest (multivariant,
// VOD, ended events). Tags count at the start of a line, after blanks, as
// the Rewriter reads them.
func readMedia(b []byte) mediaInfo {
	target, ok := findTag(b, "#EXT-X-TARGETDURATION")
	if !ok {
		return mediaInfo{}
	}
	// EXT-X-ENDLIST may be anywhere, but is mostly the last line: look
	// there first, in whole lines, before searching everything.
	tail := b
	if len(b) > 64 {
		tail = b[len(b)-64:]
		if i := bytes.IndexByte(tail, '\n'); i >= 0 {
			tail = tail[i+1:]
		} else {
			tail = nil // the middle of a long line
		}
	}
	if _, ended := findTag(tail, "#EXT-X-ENDLIST"); ended {
		return mediaInfo{}
	}
	if _, ended := findTag(b, "#EXT-X-ENDLIST"); ended {
		return mediaInfo{}
	}
	if t, ok := findTag(b, "#EXT-X-PLAYLIST-TYPE"); ok && string(bytes.TrimSpace(t)) == "VOD" {
		return mediaInfo{}
	}
	_, dated := findTag(b, "#EXT-X-PROGRAM-DATE-TIME")
	_, parts := findTag(b, "#EXT-X-PART-INF")
	control, _ := findTag(b, "#EXT-X-SERVER-CONTROL")
	blocking := parts || bytes.Contains(control, []byte("CAN-BLOCK-RELOAD=YES"))
	return mediaInfo{live: true, target: wholeSeconds(target), dated: dated, blocking: blocking}
}

// findTag finds the first line of b (which starts at a line's start) that
// holds tag after optional blanks, followed by ':', a blank or the end of
// the line, and returns what follows the ':' to the end of the line.
func findTag(b []byte, tag string) ([]byte, bool) {
	for from := 0; from < len(b); {
		i := bytes.Index(b[from:], []byte(tag))
		if i < 0 {
			return nil, false
		}
		i += from
		from = i + 1
		j := i
		for j > 0 && isBlank(b[j-1]) {
			j--
		}
		if j > 0 && b[j-1] != '\n' {
			continue
		}
		rest := b[i+len(tag):]
		if e := bytes.IndexByte(rest, '\n'); e >= 0 {
			rest = rest[:e]
		}
		rest = bytes.TrimSuffix(rest, []byte("\r"))
		switch {
		case len(rest) == 0, isBlank(rest[0]):
			return nil, true
		case rest[0] == ':':
			return rest[1:], true
		}
	}
	return nil, false
}

// wholeSeconds reads a target duration, a decimal integer of seconds (a
// decimal fraction is cut); zero when unreadable.
func wholeSeconds(v []byte) int64 {
	f, err := strconv.ParseFloat(string(bytes.TrimSpace(v)), 64)
	if err != nil || !(f >= 0) || f > math.MaxInt32 {
		return 0
	}
	return int64(f)
}

// segmentQuery returns the Rewriter's segmentQuery for a live media
// playlist in ModeServerSide: each segment's credentials expire at
// RoundUp(appeared+ttl, bucket), where appeared is when the segment
// appeared (see [seenCache.appeared]), so that its URI stays the same on
// every reload while it is listed. A map or key, which serves many
// segments and outlives the first of them in the window, goes by its own
// URI instead: it appeared when the Handler first listed that URI. g holds
// the rest of the grant (scope, viewer's cap, bound address); dated says
// whether the playlist has an EXT-X-PROGRAM-DATE-TIME. Consecutive segments
// mostly share an expiry: the last query is kept, and the Signer's cache
// serves the others.
func (h *Handler) segmentQuery(g grant, playlist seenPlaylist, dated bool, now time.Time, ttl, bucket time.Duration) func(Kind, uint64, time.Time, []byte) (string, error) {
	var lastExp time.Time
	var lastQuery string
	return func(k Kind, seq uint64, pdt time.Time, uri []byte) (string, error) {
		var appeared time.Time
		switch k {
		case KindMap, KindKey:
			// Kept while at least half the TTL is left, so that a player
			// that starts with them has as long as a new segment would.
			k := seenKey{playlist: playlist, uri: uriID(uri)}
			appeared = h.seen.appeared(k, time.Time{}, now, ttl, bucket, ttl/2, true)
		default:
			decide := !dated || !pdt.IsZero() || k == KindSegment
			appeared = h.seen.appeared(seenKey{playlist: playlist, seq: seq}, pdt, now, ttl, bucket, 0, decide)
		}
		exp := policy.RoundUp(appeared.Add(ttl), bucket)
		if lastQuery != "" && exp.Equal(lastExp) {
			return lastQuery, nil
		}
		q, err := g.query(exp)
		if err != nil {
			return "", err
		}
		lastExp, lastQuery = exp, q
		return q, nil
	}
}

// seenPlaylist names a playlist in the seenCache: a digest of its public
// path, decoded (so "%69ndex.m3u8" is "index.m3u8") and without query (so
// _HLS_msn and the like do not count) or host (which a client could vary),
// so that an entry costs the same whatever the request.
type seenPlaylist [sha256.Size]byte

func playlistKey(public *url.URL) seenPlaylist { return sha256.Sum256([]byte(public.Path)) }

// uriID names a map's or key's URI among the entries of its playlist: a
// 64-bit digest of the URI as written, never 0.
func uriID(uri []byte) uint64 {
	d := sha256.Sum256(uri)
	return binary.BigEndian.Uint64(d[:8]) | 1
}

// seenEntries bounds the seenCache: 8192 entries of 48 bytes of key and
// 24 of time, with the map's and the ring's overhead under 2 MB whatever
// the requests.
const seenEntries = 8192

// seenCache remembers when each segment of a live playlist appeared, by
// playlist and media sequence number, as decided the first time a Handler
// listed it: the newest seenEntries of them; the oldest go first. Its zero
// value is ready to use.
type seenCache struct {
	mu   sync.Mutex
	at   map[seenKey]time.Time
	ring []seenKey // keys in the order they were added, for eviction
	next int       // where the next key goes in ring
}

// seenKey is a segment (seq, uri 0) or a map or key (uri, seq 0) of a
// playlist.
type seenKey struct {
	playlist seenPlaylist
	seq      uint64
	uri      uint64
}

// appeared returns when the segment seq of playlist appeared, for its
// credentials. The first time the Handler lists the segment it decides:
// the segment's PROGRAM-DATE-TIME pdt when known, unless pdt is later than
// now (a packager's clock ahead of the Handler's: credentials never outlast
// now+TTL) or so early that credentials from it have expired (a clock far
// behind, a wrong time zone: credentials are never dead on arrival); else
// now. It remembers the decision, so that reloads (delta updates included,
// which may not date the segments after EXT-X-SKIP) get the same answer;
// a decision whose credentials have expired by now, or have less than
// minLeft left (a segment listed for longer than the TTL, an earlier run of
// a stream whose sequence numbers started again, a map or key kept for
// half the TTL), is taken again.
//
// With decide false, a first answer is not remembered: the URI asking
// (a map, key or part listed above the tag that dates its segment) cannot
// know the segment's date yet, and the segment's own line will decide.
func (c *seenCache) appeared(k seenKey, pdt, now time.Time, ttl, bucket, minLeft time.Duration, decide bool) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.at[k]
	if ok && policy.RoundUp(t.Add(ttl), bucket).After(now.Add(minLeft)) {
		return t
	}
	t = now
	if !pdt.IsZero() && !pdt.After(now) && policy.RoundUp(pdt.Add(ttl), bucket).After(now) {
		t = pdt
	}
	if !decide {
		return t
	}
	if c.at == nil {
		c.at = make(map[seenKey]time.Time)
		c.ring = make([]seenKey, seenEntries)
	}
	if !ok {
		if old := c.ring[c.next]; old != (seenKey{}) {
			delete(c.at, old)
		}
		c.ring[c.next] = k
		c.next = (c.next + 1) % len(c.ring)
	}
	c.at[k] = t
	return t
}
