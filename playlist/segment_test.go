package playlist

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// seen is what a hook learned about one URI.
type seen struct {
	raw string
	seq uint64
	pdt string // RFC 3339 in UTC, or "" for the zero time
}

// hookSeen rewrites in with a hook, with Rewrite and with AppendRewrite,
// and lists what the hook was told.
func hookSeen(t *testing.T, in string) []seen {
	t.Helper()
	var got []seen
	rw := &Rewriter{Base: mustURL(t, testBase), Hook: func(u URI) (string, error) {
		s := seen{raw: u.Raw, seq: u.MediaSequence}
		if !u.ProgramDateTime.IsZero() {
			s.pdt = u.ProgramDateTime.UTC().Format(time.RFC3339Nano)
		}
		got = append(got, s)
		return u.Default, nil
	}}
	require.NoError(t, rw.Rewrite(io.Discard, strings.NewReader(in)))
	streamed := got
	got = nil
	_, err := rw.AppendRewrite(nil, []byte(in))
	require.NoError(t, err)
	assert.Equal(t, streamed, got, "Rewrite and AppendRewrite tell hooks the same")
	return got
}

// TestRewriterHookSegmentLive: a hook learns, for each URI that belongs to
// a media segment, the segment's media sequence number and its
// PROGRAM-DATE-TIME, extrapolated over EXTINF durations.
func TestRewriterHookSegmentLive(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want []seen
	}{
		{"media sequence and extrapolated dates",
			"#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:41\n#EXT-X-PROGRAM-DATE-TIME:2024-05-01T12:00:00.000Z\n" +
				"#EXTINF:2.002,\na.ts\n#EXTINF:1.5,title\nb.ts\n#EXTINF:2,\nc.ts\n",
			[]seen{{"a.ts", 41, "2024-05-01T12:00:00Z"}, {"b.ts", 42, "2024-05-01T12:00:02.002Z"}, {"c.ts", 43, "2024-05-01T12:00:03.502Z"}}},
		{"no media sequence counts from 0; no date is zero",
			"#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\na.ts\n#EXTINF:2,\nb.ts\n",
			[]seen{{"a.ts", 0, ""}, {"b.ts", 1, ""}}},
		{"a date later in the playlist starts there; zones are read",
			"#EXTM3U\n#EXTINF:2,\na.ts\n#EXT-X-PROGRAM-DATE-TIME:2024-05-01T14:00:02+02:00\n#EXTINF:2,\nb.ts\n" +
				"#EXT-X-DISCONTINUITY\n#EXT-X-PROGRAM-DATE-TIME:2024-05-01T12:10:00.5+0000\n#EXTINF:2,\nc.ts\n#EXTINF:2,\nd.ts\n",
			[]seen{{"a.ts", 0, ""}, {"b.ts", 1, "2024-05-01T12:00:02Z"}, {"c.ts", 2, "2024-05-01T12:10:00.5Z"}, {"d.ts", 3, "2024-05-01T12:10:02.5Z"}}},
		{"maps and keys belong to the segment after them",
			"#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:7\n#EXT-X-PROGRAM-DATE-TIME:2024-05-01T12:00:00Z\n#EXT-X-MAP:URI=\"init.mp4\"\n" +
				"#EXT-X-KEY:METHOD=AES-128,URI=\"k1.key\"\n#EXTINF:2,\na.m4s\n#EXT-X-KEY:METHOD=AES-128,URI=\"k2.key\"\n#EXTINF:2,\nb.m4s\n",
			[]seen{{"init.mp4", 7, "2024-05-01T12:00:00Z"}, {"k1.key", 7, "2024-05-01T12:00:00Z"}, {"a.m4s", 7, "2024-05-01T12:00:00Z"},
				{"k2.key", 8, "2024-05-01T12:00:02Z"}, {"b.m4s", 8, "2024-05-01T12:00:02Z"}}},
		{"LowLatency parts and preload hint of the segment in progress",
			"#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:10\n#EXT-X-PROGRAM-DATE-TIME:2024-05-01T12:00:00Z\n" +
				"#EXT-X-PART:DURATION=1,URI=\"a.0.m4s\"\n#EXT-X-PART:DURATION=1,URI=\"a.1.m4s\"\n#EXTINF:2,\na.m4s\n" +
				"#EXT-X-PART:DURATION=1,URI=\"b.0.m4s\"\n#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"b.1.m4s\"\n" +
				"#EXT-X-RENDITION-REPORT:URI=\"../other/index.m3u8\",LAST-MSN=10\n",
			[]seen{{"a.0.m4s", 10, "2024-05-01T12:00:00Z"}, {"a.1.m4s", 10, "2024-05-01T12:00:00Z"}, {"a.m4s", 10, "2024-05-01T12:00:00Z"},
				{"b.0.m4s", 11, "2024-05-01T12:00:02Z"}, {"b.1.m4s", 11, "2024-05-01T12:00:02Z"}, {"../other/index.m3u8", 0, ""}}},
		{"LowLatency delta update: skipped segments count, their durations are unknown",
			"#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:100\n#EXT-X-SKIP:SKIPPED-SEGMENTS=3\n" +
				"#EXTINF:2,\nd.ts\n#EXT-X-PROGRAM-DATE-TIME:2024-05-01T12:00:08Z\n#EXTINF:2,\ne.ts\n#EXTINF:2,\nf.ts\n",
			[]seen{{"d.ts", 103, ""}, {"e.ts", 104, "2024-05-01T12:00:08Z"}, {"f.ts", 105, "2024-05-01T12:00:10Z"}}},
		{"an unreadable duration makes the next date unknown",
			"#EXTM3U\n#EXT-X-PROGRAM-DATE-TIME:2024-05-01T12:00:00Z\n#EXTINF:two,\na.ts\n#EXTINF:2,\nb.ts\n",
			[]seen{{"a.ts", 0, "2024-05-01T12:00:00Z"}, {"b.ts", 1, ""}}},
		{"an unreadable date is unknown",
			"#EXTM3U\n#EXT-X-PROGRAM-DATE-TIME:yesterday\n#EXTINF:2,\na.ts\n",
			[]seen{{"a.ts", 0, ""}}},
		{"indented tags count, as players read them",
			"#EXTM3U\n  #EXT-X-MEDIA-SEQUENCE:5\n #EXT-X-PROGRAM-DATE-TIME:2024-05-01T12:00:00Z\n\t#EXTINF:3,\na.ts\nb.ts\n",
			[]seen{{"a.ts", 5, "2024-05-01T12:00:00Z"}, {"b.ts", 6, "2024-05-01T12:00:03Z"}}},
		{"multivariant URIs belong to no segment",
			"#EXTM3U\n#EXT-X-SESSION-KEY:METHOD=AES-128,URI=\"s.key\"\n#EXT-X-STREAM-INF:BANDWIDTH=1\nlow.m3u8\n" +
				"#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"a\",NAME=\"en\",URI=\"en.m3u8\"\n",
			[]seen{{"s.key", 0, ""}, {"low.m3u8", 0, ""}, {"en.m3u8", 0, ""}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, hookSeen(t, tc.in))
		})
	}
}

// TestParseDuration: EXTINF durations are read exactly.
func TestParseDuration(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"6", 6 * time.Second, true},
		{"6.006000", 6006 * time.Millisecond, true},
		{"0.5", 500 * time.Millisecond, true},
		{"2.0000000019", 2*time.Second + 1, true},
		{".5", 500 * time.Millisecond, true},
		{"", 0, false},
		{".", 0, false},
		{"1e3", 0, false},
		{"-1", 0, false},
		{"1.2.3", 0, false},
		{"99999999999999", 0, false},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, ok := parseDuration([]byte(tc.in))
			assert.Equal(t, tc.ok, ok)
			if tc.ok {
				assert.Equal(t, tc.want, got)
			}
		})
	}
}
