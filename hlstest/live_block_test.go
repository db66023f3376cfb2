package hlstest

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// liveAsync sends h a GET for target from another goroutine and returns
// where its response will arrive.
func liveAsync(ctx context.Context, h http.Handler, target string) <-chan *httptest.ResponseRecorder {
	ch := make(chan *httptest.ResponseRecorder, 1)
	req := httptest.NewRequest(http.MethodGet, "/"+target, nil).WithContext(ctx)
	go func() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		ch <- rec
	}()
	return ch
}

// requireWaiting fails if a response arrives within a while.
func requireWaiting(t *testing.T, ch <-chan *httptest.ResponseRecorder, why string) {
	t.Helper()
	select {
	case rec := <-ch:
		require.FailNow(t, "answered too early", "%s: %d %s", why, rec.Code, rec.Body.String())
	case <-time.After(40 * time.Millisecond):
	}
}

// requireAnswer waits for a response.
func requireAnswer(t *testing.T, ch <-chan *httptest.ResponseRecorder) *httptest.ResponseRecorder {
	t.Helper()
	select {
	case rec := <-ch:
		return rec
	case <-time.After(5 * time.Second):
		require.FailNow(t, "no answer")
	}
	return nil
}

// TestLiveLowLatencyBlockingReload asks for playlists that do not exist yet
// and moves the clock: each answer comes once the clock passes the awaited
// part or segment, not before.
func TestLiveLowLatencyBlockingReload(t *testing.T) {
	now := liveAt(20, 0) // segments 0-19 complete, no part of 20
	tests := []struct {
		name   string
		query  string
		before time.Time // still waiting at this time
		at     time.Time // answered at this time
		want   string    // a line the answer holds
	}{
		{name: "next part", query: "_HLS_msn=20&_HLS_part=0", before: liveAt(20, 1).Add(-time.Millisecond), at: liveAt(20, 1),
			want: `#EXT-X-PART:DURATION=0.64000,URI="seg20.part0.m4s",INDEPENDENT=YES`},
		{name: "last part of the segment", query: "_HLS_msn=20&_HLS_part=2", before: liveAt(20, 2), at: liveAt(21, 0),
			want: `#EXT-X-PART:DURATION=0.64000,URI="seg20.part2.m4s"`},
		{name: "whole segment", query: "_HLS_msn=20", before: liveAt(20, 2), at: liveAt(21, 0), want: "seg20.m4s"},
		{name: "part past the last is part 0 of the next segment", query: "_HLS_msn=20&_HLS_part=3",
			before: liveAt(21, 0), at: liveAt(21, 1), want: `URI="seg21.part0.m4s"`},
		{name: "Advance Part Limit reached", query: "_HLS_msn=21&_HLS_part=0", before: liveAt(21, 0), at: liveAt(21, 1),
			want: `URI="seg21.part0.m4s"`},
		{name: "two past the last segment", query: "_HLS_msn=21", before: liveAt(21, 2), at: liveAt(22, 0), want: "seg21.m4s"},
		{name: "other parameters ignored", query: "Policy-PREFIX=x&_HLS_msn=20&_HLS_part=0&v=%zz",
			before: liveAt(20, 0), at: liveAt(20, 1), want: `URI="seg20.part0.m4s"`},
		{name: "with a delta update", query: "_HLS_msn=20&_HLS_part=0&_HLS_skip=YES", before: liveAt(20, 0), at: liveAt(20, 1),
			want: "#EXT-X-SKIP:SKIPPED-SEGMENTS=5"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o, clock := newLive(t, now, nil)
			ch := liveAsync(context.Background(), o, "ll/low/index.m3u8?"+tc.query)
			requireWaiting(t, ch, "at the start")
			clock.Set(tc.before)
			requireWaiting(t, ch, "just before")
			clock.Set(tc.at)
			rec := requireAnswer(t, ch)
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			assert.Contains(t, rec.Body.String(), tc.want)
			now := "ll/low/index.m3u8"
			if strings.Contains(tc.query, "_HLS_skip=YES") {
				now += "?_HLS_skip=YES"
			}
			assert.Equal(t, liveBody(t, o, now), rec.Body.String(), "the answer is the playlist of the moment")
		})
	}
	t.Run("already there", func(t *testing.T) {
		o, _ := newLive(t, now, nil)
		for _, q := range []string{"_HLS_msn=19", "_HLS_msn=0", "_HLS_msn=19&_HLS_part=2", "_HLS_msn=5&_HLS_part=0"} {
			rec := requireAnswer(t, liveAsync(context.Background(), o, "ll/audio/index.m3u8?"+q))
			assert.Equal(t, http.StatusOK, rec.Code, q)
			assert.Equal(t, liveBody(t, o, "ll/audio/index.m3u8"), rec.Body.String(), q)
		}
	})
}

// TestLiveLowLatencyBadRequest checks the requests RFC 8216bis answers 400.
func TestLiveLowLatencyBadRequest(t *testing.T) {
	o, _ := newLive(t, liveAt(20, 0), nil) // the last complete segment is 19, the last part 19.2
	for _, tc := range []struct{ name, query string }{
		{"part without msn", "_HLS_part=1"},
		{"part and skip without msn", "_HLS_part=0&_HLS_skip=YES"},
		{"empty msn", "_HLS_msn="},
		{"msn without value", "_HLS_msn"},
		{"negative msn", "_HLS_msn=-1"},
		{"signed msn", "_HLS_msn=%2B20"},
		{"fractional msn", "_HLS_msn=20.0"},
		{"hexadecimal msn", "_HLS_msn=0x14"},
		{"exponent msn", "_HLS_msn=2e1"},
		{"space in msn", "_HLS_msn=%2020"},
		{"letters in msn", "_HLS_msn=abc"},
		{"msn out of range", "_HLS_msn=1000000000000000000000"},
		{"msn badly escaped", "_HLS_msn=%zz"},
		{"msn three past the last segment", "_HLS_msn=22"},
		{"msn given twice", "_HLS_msn=20&_HLS_msn=20"},
		{"negative part", "_HLS_msn=20&_HLS_part=-1"},
		{"letters in part", "_HLS_msn=20&_HLS_part=x"},
		{"part given twice", "_HLS_msn=20&_HLS_part=0&_HLS_part=0"},
		{"part past the Advance Part Limit", "_HLS_msn=21&_HLS_part=1"},
		{"part past the last, past the limit", "_HLS_msn=21&_HLS_part=3"},
		{"skip NO", "_HLS_skip=NO"},
		{"skip in lower case", "_HLS_skip=yes"},
		{"skip given twice", "_HLS_skip=YES&_HLS_skip=YES"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := liveGet(t, o, "ll/high/index.m3u8?"+tc.query)
			assert.Equal(t, http.StatusBadRequest, rec.Code, rec.Body.String())
			assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
		})
	}
	t.Run("TS ignores directives", func(t *testing.T) {
		rec := liveGet(t, o, "ts/low/index.m3u8?_HLS_part=1&_HLS_msn=abc&_HLS_skip=NO")
		assert.Equal(t, http.StatusOK, rec.Code)
		assert.Equal(t, liveBody(t, o, "ts/low/index.m3u8"), rec.Body.String())
	})
}

// TestLiveLowLatencyBlockLimit checks that a wait ends with 503 once
// BlockLimit passes on the origin's clock, or in real time when the clock
// stands still, or when the request is canceled.
func TestLiveLowLatencyBlockLimit(t *testing.T) {
	o, clock := newLive(t, liveAt(20, 0), func(o *LiveOrigin) { o.BlockLimit = time.Second })
	ch := liveAsync(context.Background(), o, "ll/low/index.m3u8?_HLS_msn=21")
	requireWaiting(t, ch, "within the limit")
	clock.Set(liveAt(20, 0).Add(time.Second - time.Millisecond))
	requireWaiting(t, ch, "just within the limit")
	clock.Set(liveAt(20, 0).Add(time.Second))
	rec := requireAnswer(t, ch)
	assert.Equal(t, http.StatusServiceUnavailable, rec.Code, rec.Body.String())

	frozen, _ := newLive(t, liveAt(20, 0), func(o *LiveOrigin) { o.BlockLimit = 50 * time.Millisecond })
	began := time.Now()
	rec = requireAnswer(t, liveAsync(context.Background(), frozen, "ll/low/index.m3u8?_HLS_msn=20"))
	assert.Equal(t, http.StatusServiceUnavailable, rec.Code, "a stopped clock: BlockLimit of real time")
	assert.Less(t, time.Since(began), 2*time.Second)

	ctx, cancel := context.WithCancel(context.Background())
	ch = liveAsync(ctx, o, "ll/low/index.m3u8?_HLS_msn=21")
	requireWaiting(t, ch, "before cancel")
	cancel()
	rec = requireAnswer(t, ch)
	assert.Equal(t, http.StatusServiceUnavailable, rec.Code, rec.Body.String())
}

// TestLiveLowLatencyPreloadHint fetches parts and segments before they
// exist, as a player does with a preload hint.
func TestLiveLowLatencyPreloadHint(t *testing.T) {
	tests := []struct {
		name       string
		path       string
		before, at time.Time
	}{
		{name: "hinted part", path: "ll/low/seg20.part0.m4s", before: liveAt(20, 0), at: liveAt(20, 1)},
		{name: "a later part", path: "ll/audio/seg21.part2.m4s", before: liveAt(21, 2), at: liveAt(22, 0)},
		{name: "segment in progress", path: "ll/high/seg20.m4s", before: liveAt(20, 2), at: liveAt(21, 0)},
		{name: "TS segment in progress", path: "ts/low/seg20.ts", before: liveAt(20, 2), at: liveAt(21, 0)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o, clock := newLive(t, liveAt(20, 0), nil)
			ch := liveAsync(context.Background(), o, tc.path)
			requireWaiting(t, ch, "at the start")
			clock.Set(tc.before)
			requireWaiting(t, ch, "just before")
			clock.Set(tc.at)
			rec := requireAnswer(t, ch)
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			assert.Equal(t, liveGet(t, o, tc.path).Body.Bytes(), rec.Body.Bytes())
			assert.Equal(t, "max-age=86400", rec.Header().Get("Cache-Control"))
		})
	}
	t.Run("too far ahead", func(t *testing.T) {
		o, _ := newLive(t, liveAt(20, 0), func(o *LiveOrigin) { o.BlockLimit = time.Second })
		for _, p := range []string{"ll/low/seg20.part1.m4s", "ll/low/seg22.part0.m4s", "ts/high/seg21.ts"} {
			assert.Equal(t, http.StatusNotFound, liveGet(t, o, p).Code, p)
		}
	})
}

// TestLiveLowLatencyDeltaUpdate checks _HLS_skip: EXT-X-SKIP replaces the
// segments that end more than CAN-SKIP-UNTIL (12 s) before the last one,
// and the rest is the full playlist, byte for byte.
func TestLiveLowLatencyDeltaUpdate(t *testing.T) {
	tests := []struct {
		name   string
		at     time.Time
		window int
		skip   string
		want   int
	}{
		{name: "default window", at: liveAt(30, 0), skip: "YES", want: 5},
		{name: "parts in progress", at: liveAt(30, 2), skip: "YES", want: 5},
		{name: "v2 is the same", at: liveAt(30, 1), skip: "v2", want: 5},
		{name: "long window", at: liveAt(40, 1), window: 20, skip: "YES", want: 13},
		{name: "window just past the boundary", at: liveAt(30, 0), window: 8, skip: "YES", want: 1},
		{name: "window within the boundary", at: liveAt(30, 0), window: 7, skip: "YES", want: 0},
		{name: "window not yet full", at: liveAt(8, 0), skip: "YES", want: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o, _ := newLive(t, tc.at, func(o *LiveOrigin) { o.Window = tc.window })
			for _, rend := range []string{"low", "audio"} {
				full := liveBody(t, o, "ll/"+rend+"/index.m3u8")
				delta := liveBody(t, o, "ll/"+rend+"/index.m3u8?_HLS_skip="+tc.skip)
				if tc.want == 0 {
					assert.Equal(t, full, delta, rend)
					continue
				}
				p := parseLiveMedia(t, full)
				kept := p.segs[tc.want]
				head, _, ok := strings.Cut(full, "#EXT-X-PROGRAM-DATE-TIME:")
				require.True(t, ok)
				_, tail, ok := strings.Cut(full, fmt.Sprintf("#EXT-X-PROGRAM-DATE-TIME:%s\n", liveDate(kept.pdt)))
				require.True(t, ok)
				assert.Equal(t, head+fmt.Sprintf("#EXT-X-SKIP:SKIPPED-SEGMENTS=%d\n#EXT-X-PROGRAM-DATE-TIME:%s\n", tc.want, liveDate(kept.pdt))+tail,
					delta, rend)
				d := parseLiveMedia(t, delta)
				assert.Equal(t, tc.want, d.skipped, rend)
				assert.Equal(t, p.seq, d.seq, rend)
				// The skip boundary: skipped segments end more than 12 s before
				// the last segment ends; the first one kept does not.
				last := p.segs[len(p.segs)-1]
				lastEnd := last.pdt.Add(liveSeg)
				assert.Greater(t, lastEnd.Sub(p.segs[tc.want-1].pdt.Add(liveSeg)), 12*time.Second, rend)
				assert.LessOrEqual(t, lastEnd.Sub(kept.pdt.Add(liveSeg)), 12*time.Second, rend)
			}
		})
	}
}
