package playlist

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSeenCacheAppearedLive: when a live segment appeared, as the
// credentials of its URI count it: decided the first time it is listed,
// from its date when that is plausible, and remembered.
func TestSeenCacheAppearedLive(t *testing.T) {
	const ttl, bucket = time.Minute, 10 * time.Second
	t0 := time.Unix(1850000000, 0)
	type call struct {
		at     time.Duration // now, after t0
		pdt    time.Duration // the segment's date, after t0; noDate for none
		decide bool
		want   time.Duration // appeared, after t0
	}
	const noDate = time.Duration(-1 << 62)
	for _, tc := range []struct {
		name  string
		calls []call
	}{
		{"dated: its date, on every reload", []call{{0, -4 * time.Second, true, -4 * time.Second}, {30 * time.Second, -4 * time.Second, true, -4 * time.Second}}},
		{"undated: when first listed", []call{{0, noDate, true, 0}, {15 * time.Second, noDate, true, 0}}},
		{"undated later (a delta update): as decided", []call{{0, -4 * time.Second, true, -4 * time.Second}, {15 * time.Second, noDate, true, -4 * time.Second}}},
		{"dated later: as decided", []call{{0, noDate, true, 0}, {15 * time.Second, -4 * time.Second, true, 0}}},
		{"a date ahead of the clock: now, remembered", []call{{0, 3 * time.Second, true, 0}, {5 * time.Second, 3 * time.Second, true, 0}}},
		{"a date so old its credentials are dead: now", []call{{0, -2 * time.Minute, true, 0}, {5 * time.Second, -2 * time.Minute, true, 0}}},
		{"not deciding: answers, remembers nothing", []call{{0, noDate, false, 0}, {5 * time.Second, -4 * time.Second, true, -4 * time.Second}, {6 * time.Second, noDate, false, -4 * time.Second}}},
		{"a decision whose credentials expired is taken again", []call{{0, noDate, true, 0}, {70 * time.Second, noDate, true, 70 * time.Second}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c seenCache
			for i, cl := range tc.calls {
				var pdt time.Time
				if cl.pdt != noDate {
					pdt = t0.Add(cl.pdt)
				}
				got := c.appeared(segKey("/live/index.m3u8", 7), pdt, t0.Add(cl.at), ttl, bucket, 0, cl.decide)
				assert.Equal(t, t0.Add(cl.want), got, "call %d", i)
			}
		})
	}
	t.Run("playlists and sequence numbers apart", func(t *testing.T) {
		var c seenCache
		require.Equal(t, t0, c.appeared(segKey("a", 1), time.Time{}, t0, ttl, bucket, 0, true))
		assert.Equal(t, t0.Add(time.Second), c.appeared(segKey("b", 1), time.Time{}, t0.Add(time.Second), ttl, bucket, 0, true))
		assert.Equal(t, t0.Add(2*time.Second), c.appeared(segKey("a", 2), time.Time{}, t0.Add(2*time.Second), ttl, bucket, 0, true))
		assert.Equal(t, t0, c.appeared(segKey("a", 1), time.Time{}, t0.Add(3*time.Second), ttl, bucket, 0, true))
	})
	t.Run("maps and keys by their URI, apart from segments", func(t *testing.T) {
		var c seenCache
		init := seenKey{playlist: playlistKey(&url.URL{Path: "a"}), uri: uriID([]byte("init.mp4"))}
		require.Equal(t, t0, c.appeared(init, time.Time{}, t0, ttl, bucket, 0, true))
		assert.Equal(t, t0, c.appeared(init, time.Time{}, t0.Add(30*time.Second), ttl, bucket, 0, true), "stable while its credentials last")
		other := seenKey{playlist: init.playlist, uri: uriID([]byte("init2.mp4"))}
		assert.Equal(t, t0.Add(5*time.Second), c.appeared(other, time.Time{}, t0.Add(5*time.Second), ttl, bucket, 0, true))
		assert.Equal(t, t0.Add(6*time.Second), c.appeared(segKey("a", 0), time.Time{}, t0.Add(6*time.Second), ttl, bucket, 0, true))
	})
	t.Run("the key: the decoded path, without host or query", func(t *testing.T) {
		parse := func(s string) *url.URL {
			u, err := url.Parse(s)
			require.NoError(t, err)
			return u
		}
		want := playlistKey(parse("https://cdn/live/index.m3u8"))
		assert.Equal(t, want, playlistKey(parse("https://other.example/live/%69ndex.m3u8")))
		assert.NotEqual(t, want, playlistKey(parse("https://cdn/live/other.m3u8")))
	})
	t.Run("bounded: the oldest go first", func(t *testing.T) {
		var c seenCache
		for i := range seenEntries + 10 {
			c.appeared(segKey("a", uint64(i)), time.Time{}, t0, ttl, bucket, 0, true)
		}
		assert.Len(t, c.at, seenEntries)
		assert.Equal(t, t0.Add(time.Second), c.appeared(segKey("a", 0), time.Time{}, t0.Add(time.Second), ttl, bucket, 0, true), "evicted: decided again")
		assert.Equal(t, t0, c.appeared(segKey("a", seenEntries+9), time.Time{}, t0.Add(time.Second), ttl, bucket, 0, true), "kept")
		assert.Len(t, c.at, seenEntries)
	})
}

// TestReadMediaLive: which playlists are live media playlists, and their
// target duration.
func TestReadMediaLive(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want mediaInfo
	}{
		{"live", "#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXTINF:6,\na.ts\n", mediaInfo{live: true, target: 6}},
		{"live, dated", "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-PROGRAM-DATE-TIME:2024-05-01T12:00:00Z\n#EXTINF:4,\na.ts\n", mediaInfo{live: true, target: 4, dated: true}},
		{"a fraction is cut", "#EXTM3U\n#EXT-X-TARGETDURATION:6.9\n", mediaInfo{live: true, target: 6}},
		{"unreadable target", "#EXTM3U\n#EXT-X-TARGETDURATION:six\n", mediaInfo{live: true}},
		{"blanks around the tag", "#EXTM3U\n \t#EXT-X-TARGETDURATION: 2 \r\n", mediaInfo{live: true, target: 2}},
		{"ended", "#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXTINF:6,\na.ts\n#EXT-X-ENDLIST", mediaInfo{}},
		{"ended, then a blank line", "#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXT-X-ENDLIST\n\n", mediaInfo{}},
		{"VOD", "#EXTM3U\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-TARGETDURATION:6\n", mediaInfo{}},
		{"multivariant", "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\na.m3u8\n", mediaInfo{}},
		{"a longer tag name is another tag", "#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXT-X-ENDLISTS\n", mediaInfo{live: true, target: 6}},
		{"a tag inside a URI is no tag", "#EXTM3U\n#EXT-X-TARGETDURATION:6\na#EXT-X-ENDLIST\n", mediaInfo{live: true, target: 6}},
		{"nor after blanks in a long line", "#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXTINF:6,\n" + strings.Repeat("a", 100) + "  #EXT-X-ENDLIST", mediaInfo{live: true, target: 6}},
		{"ended early, then more lines", "#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXT-X-ENDLIST\n" + strings.Repeat("#EXTINF:6,\na.ts\n", 10), mediaInfo{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, readMedia([]byte(tc.in)))
		})
	}
}

// segKey is the seenKey of segment seq of the playlist at path.
func segKey(path string, seq uint64) seenKey {
	return seenKey{playlist: playlistKey(&url.URL{Path: path}), seq: seq}
}
