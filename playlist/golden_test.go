package playlist

import (
	"bytes"
	"flag"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "write testdata/*.golden from the current output")

// fixtureBases gives each fixture in testdata the URL it is served at. Every
// fixture must have one (TestGoldenCoverage).
var fixtureBases = map[string]string{
	"apple_advanced_master": "https://cdn.example.com/vod/bipbop/master.m3u8",
	"apple_advanced_media":  "https://cdn.example.com/vod/bipbop/v5/prog_index.m3u8",
	"crlf_master":           "https://cdn.example.com/vod/crlf/master.m3u8",
	"crlf_no_final_newline": "https://cdn.example.com/vod/crlf/index.m3u8",
	"edge_cases":            "https://cdn.example.com/vod/edge/media/index.m3u8",
	"ffmpeg_aes128":         "https://cdn.example.com/vod/ffmpeg/aes/index.m3u8",
	"ffmpeg_byterange":      "https://cdn.example.com/vod/ffmpeg/single/index.m3u8",
	"ffmpeg_fmp4":           "https://cdn.example.com/vod/ffmpeg/fmp4/index.m3u8",
	"ffmpeg_master":         "https://cdn.example.com/vod/ffmpeg/master.m3u8",
	"ffmpeg_ts":             "https://cdn.example.com/vod/ffmpeg/ts/index.m3u8",
	"interstitials":         "https://cdn.example.com/vod/main/index.m3u8",
	"lhls_prefetch":         "https://cdn.example.com/live/index.m3u8",
	"llhls_delta":           "https://cdn.example.com/live/2M/waitForMSN.php?_HLS_msn=272&_HLS_part=0&_HLS_skip=YES",
	"llhls_master":          "https://cdn.example.com/live/master.m3u8",
	"llhls_media":           "https://cdn.example.com/live/2M/waitForMSN.php?_HLS_msn=272&_HLS_part=2",
	"mediaconvert_images":   "https://cdn.example.com/vod/mc/movie_thumbnails_312x180.m3u8",
	"mediaconvert_master":   "https://cdn.example.com/vod/mc/movie.m3u8",
	"mediaconvert_media":    "https://cdn.example.com/vod/mc/movie_720p.m3u8",
	"shaka_master":          "https://cdn.example.com/vod/shaka/h264_master.m3u8",
	"shaka_media":           "https://cdn.example.com/vod/shaka/video/720p/avc1.m3u8",
	"steering_data":         "https://cdn-a.example.com/video/master.m3u8",
	"steering_master":       "https://cdn-a.example.com/video/master.m3u8",
	"usp_master":            "https://cdn.example.com/usp/tears-of-steel.ism/.m3u8",
	"usp_media":             "https://cdn.example.com/usp/tears-of-steel.ism/tears-of-steel-audio_eng=128002-video_eng=1001000.m3u8",
}

// isMaster says which fixtures grafov should read as master playlists.
func isMaster(name string) bool {
	return strings.Contains(name, "master") || name == "steering_data"
}

// defaultRewriter is the configuration the invariant tests use.
func defaultRewriter(t testing.TB, name string) *Rewriter {
	base, ok := fixtureBases[name]
	require.True(t, ok, "fixture %s has no entry in fixtureBases", name)
	// The steering fixtures name steering servers the test controls.
	return &Rewriter{Base: mustURL(t, base), Query: testQuery, Carry: testCarry, AllowSteering: strings.HasPrefix(name, "steering")}
}

// goldenCase is one rewrite of one fixture, compared with
// testdata/<name>.golden.
type goldenCase struct {
	name    string
	fixture string
	// configure changes the default Rewriter; nil keeps it.
	configure func(t testing.TB, rw *Rewriter)
}

func goldenCases(t testing.TB) []goldenCase {
	var cases []goldenCase
	for _, name := range fixtureNames(t) {
		cases = append(cases, goldenCase{name: name, fixture: name})
	}
	return append(cases,
		goldenCase{name: "apple_advanced_master.rebase", fixture: "apple_advanced_master",
			configure: func(t testing.TB, rw *Rewriter) {
				rw.Base = mustURL(t, "https://api.example.com/play/bipbop/master.m3u8")
				rw.Rebase = mustURL(t, "https://cdn.example.com/vod/bipbop/master.m3u8")
			}},
		goldenCase{name: "edge_cases.rebase", fixture: "edge_cases",
			configure: func(t testing.TB, rw *Rewriter) {
				rw.Rebase = mustURL(t, "https://d111111abcdef8.cloudfront.net/vod/edge/media/index.m3u8")
			}},
		goldenCase{name: "edge_cases.nobase", fixture: "edge_cases",
			configure: func(_ testing.TB, rw *Rewriter) { rw.Base = nil }},
		goldenCase{name: "llhls_media.rebase", fixture: "llhls_media",
			configure: func(t testing.TB, rw *Rewriter) {
				rw.Rebase = mustURL(t, "https://d111111abcdef8.cloudfront.net/live/2M/")
			}},
		goldenCase{name: "ffmpeg_aes128.keyuri", fixture: "ffmpeg_aes128",
			configure: func(_ testing.TB, rw *Rewriter) {
				rw.KeyURI = func(u *url.URL) (string, error) {
					return "https://keys.example.com/hls/key?path=" + url.QueryEscape(u.Path), nil
				}
			}},
		goldenCase{name: "steering_master.scope", fixture: "steering_master",
			configure: func(_ testing.TB, rw *Rewriter) {
				rw.InScope = func(u *url.URL, _ Kind) bool {
					return u.Host == "cdn-a.example.com" || u.Host == "cdn-b.example.net"
				}
			}},
		goldenCase{name: "shaka_master.hook", fixture: "shaka_master",
			configure: func(_ testing.TB, rw *Rewriter) {
				rw.Hook = func(u URI) (string, error) {
					// A per-URI signature, as a custom signer would make.
					return AddQuery(u.Raw, "sig="+u.Kind.String()+"-"+url.QueryEscape(u.URL.Path)), nil
				}
			}},
	)
}

func TestGolden(t *testing.T) {
	for _, tc := range goldenCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			in := readFixture(t, tc.fixture+".m3u8")
			rw := defaultRewriter(t, tc.fixture)
			if tc.configure != nil {
				tc.configure(t, rw)
			}
			var out bytes.Buffer
			require.NoError(t, rw.Rewrite(&out, bytes.NewReader(in)))

			golden := filepath.Join("testdata", tc.name+".golden")
			if *update {
				require.NoError(t, os.WriteFile(golden, out.Bytes(), 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err, "run go test -run TestGolden -update to create it")
			assert.Equal(t, string(want), out.String())

			// The other ways in give the same bytes.
			got, err := rw.AppendRewrite([]byte("prefix:"), in)
			require.NoError(t, err)
			assert.Equal(t, "prefix:"+string(want), string(got), "AppendRewrite")
			out.Reset()
			require.NoError(t, rw.Rewrite(&out, iotest.OneByteReader(bytes.NewReader(in))))
			assert.Equal(t, string(want), out.String(), "one byte at a time")
		})
	}
}

// TestGoldenCoverage makes sure every fixture has a base URL and a golden
// file, and every golden file a case.
func TestGoldenCoverage(t *testing.T) {
	cases := map[string]bool{}
	for _, tc := range goldenCases(t) {
		cases[tc.name] = true
	}
	for _, name := range fixtureNames(t) {
		assert.Contains(t, fixtureBases, name, "fixture without base URL")
	}
	goldens, err := filepath.Glob(filepath.Join("testdata", "*.golden"))
	require.NoError(t, err)
	for _, g := range goldens {
		name := strings.TrimSuffix(filepath.Base(g), ".golden")
		assert.True(t, cases[name], "golden file %s has no test case", g)
	}
}

// TestInvariants checks, on every fixture, what must hold whatever the
// playlist: the output is the input plus insertions of the credentials and
// nothing else; every in-scope URI carries Query; Carry goes on in-scope
// nested playlists and nowhere else; out-of-scope URIs are untouched.
func TestInvariants(t *testing.T) {
	for _, name := range fixtureNames(t) {
		t.Run(name, func(t *testing.T) {
			in := readFixture(t, name+".m3u8")
			rw := defaultRewriter(t, name)
			out, err := rw.AppendRewrite(nil, in)
			require.NoError(t, err)

			ins, ok := alignInsertions(in, out, testQuery, testCarry)
			require.True(t, ok, "output is not input plus credentials:\n%s", out)

			before, after := extractURIs(string(in)), extractURIs(string(out))
			require.Len(t, after, len(before), "the rewrite changed the playlist's structure")
			require.NotEmpty(t, before)
			changed := 0
			for i, b := range before {
				a := after[i]
				assert.Equal(t, b.kind, a.kind)
				in, ok := inScopeByURL(rw.Base, b.text)
				if b.loose {
					in, ok = false, true // a line players could read differently
				}
				if !ok {
					if a.text != b.text {
						changed++ // judged by the variable tests
					}
					continue
				}
				if !in {
					assert.Equal(t, b.text, a.text, "line %d: out of scope, must be untouched", b.line)
					continue
				}
				changed++
				assert.Contains(t, a.text, testQuery, "line %d: %v in scope", b.line, b.kind)
				if b.kind.Nested() {
					assert.Contains(t, a.text, testCarry, "line %d: nested %v", b.line, b.kind)
				} else {
					assert.NotContains(t, a.text, testCarry, "line %d: %v is not nested", b.line, b.kind)
				}
			}
			assert.Len(t, ins, changed, "one insertion per in-scope URI")
		})
	}
}
