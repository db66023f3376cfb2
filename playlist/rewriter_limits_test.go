package playlist

import (
	"bytes"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRewriteLongLines(t *testing.T) {
	// Lines longer than the read buffer take the accumulation path.
	long := strings.Repeat("a", 3*readBufferBytes+17) + ".ts"
	in := "#EXTM3U\n#EXTINF:4,\n" + long + "\r\n#EXT-X-MAP:URI=\"" + long + "\"\n" + long
	want := "#EXTM3U\n#EXTINF:4,\n" + long + "?Q=1\r\n#EXT-X-MAP:URI=\"" + long + "?Q=1\"\n" + long + "?Q=1"
	rw := &Rewriter{Query: "Q=1"}
	var out bytes.Buffer
	require.NoError(t, rw.Rewrite(&out, strings.NewReader(in)))
	assert.Equal(t, want, out.String())

	got, err := rw.AppendRewrite(nil, []byte(in))
	require.NoError(t, err)
	assert.Equal(t, want, string(got))
}

func TestRewriteMaxLineBytesBoundary(t *testing.T) {
	for _, eol := range []string{"\n", "\r\n", ""} {
		for _, n := range []int{10, readBufferBytes - 1, readBufferBytes, readBufferBytes + 1, 3 * readBufferBytes} {
			t.Run(fmt.Sprintf("%q/%d", eol, n), func(t *testing.T) {
				line := strings.Repeat("x", n)
				rw := &Rewriter{MaxLineBytes: n}
				var out bytes.Buffer
				require.NoError(t, rw.Rewrite(&out, strings.NewReader("#EXTM3U\n"+line+eol)), "exactly the limit")
				_, err := rw.AppendRewrite(nil, []byte("#EXTM3U\n"+line+eol))
				require.NoError(t, err)

				rw.MaxLineBytes = n - 1
				err = rw.Rewrite(&out, strings.NewReader("#EXTM3U\n"+line+eol))
				assertParseError(t, err, ErrLineTooLong, 2, 0)
				_, err = rw.AppendRewrite(nil, []byte("#EXTM3U\n"+line+eol))
				assertParseError(t, err, ErrLineTooLong, 2, 0)
			})
		}
	}
}

func TestRewriteConcurrent(t *testing.T) {
	rw := &Rewriter{Base: mustURL(t, "https://cdn.example.com/vod/bipbop/master.m3u8"), Query: testQuery, Carry: testCarry}
	in := readFixture(t, "apple_advanced_master.m3u8")
	want, err := rw.AppendRewrite(nil, in)
	require.NoError(t, err)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				var out bytes.Buffer
				if assert.NoError(t, rw.Rewrite(&out, bytes.NewReader(in))) {
					assert.Equal(t, string(want), out.String())
				}
			}
		}()
	}
	wg.Wait()
}

// TestRewriteAllocations checks that allocations do not grow with the
// number of segments.
func TestRewriteAllocations(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	rw := &Rewriter{Base: mustURL(t, testBase), Query: testQuery, Carry: testCarry}
	small, large := mediaPlaylist(100), mediaPlaylist(20000)
	allocs := func(in []byte) float64 {
		return testing.AllocsPerRun(20, func() {
			if err := rw.Rewrite(discard{}, bytes.NewReader(in)); err != nil {
				t.Fatal(err)
			}
		})
	}
	a, b := allocs(small), allocs(large)
	assert.LessOrEqual(t, b, a+1, "allocations grow with segments: %v for 100, %v for 20000", a, b)
	assert.LessOrEqual(t, b, 2.0)
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// TestBackslashURIsUntouched: a browser reads '\' as '/', so these point at
// another host than the playlist's; they must never get credentials.
func TestBackslashURIsUntouched(t *testing.T) {
	in := "#EXTM3U\n#EXTINF:2,\n\\\\evil.example\\a.ts\n#EXTINF:2,\n/\\evil.example/b.ts\n" +
		"#EXTINF:2,\nhttps://evil.example\\@cdn.example/c.ts\n#EXTINF:2,\nok.ts\n"
	for _, tc := range []struct {
		name string
		rw   Rewriter
	}{
		{"default scope", Rewriter{Base: mustURL(t, "https://cdn.example/m/index.m3u8"), Query: testQuery}},
		{"with InScope", Rewriter{Base: mustURL(t, "https://cdn.example/m/index.m3u8"), Query: testQuery,
			InScope: func(*url.URL, Kind) bool { return true }}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out strings.Builder
			require.NoError(t, tc.rw.Rewrite(&out, strings.NewReader(in)))
			assert.Equal(t, strings.Replace(in, "ok.ts\n", "ok.ts?"+testQuery+"\n", 1), out.String())
		})
	}
}
