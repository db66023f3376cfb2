package main

import (
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/hlstest"
	"github.com/cfhls/cfhls/playlist"
)

// The real-client matrix: every player family users have plays every kind
// of presentation ffmpeg makes (realclients_ffmpeg_test.go) in every mode,
// through the whole stack. TestRealClient/<client>/<mode>/<content>.

// matrixClient is one player family.
type matrixClient struct {
	name  string
	tools []tool // programs it needs
	npm   string // the npm player the page needs ("" for none)
	// what the README says the client is.
	what string
	// play plays the cell's presentation, signed for mode: a VOD to its
	// end, a live channel for spec.seconds.
	play func(t *testing.T, env *matrixEnv, st *realStack, mode playlist.Mode, spec cellSpec) played
	// cannot names the modes in which the client cannot play, with the
	// reason; the cell then checks that it still cannot, with pinned.
	cannot map[playlist.Mode]cannot
	// quirks are presentations, by id, that the client plays otherwise
	// than the others, with what it does; the check replaces the content's
	// fetched and oneOf.
	quirks map[string]cannot
}

// cannot is a documented limit of a client: the reason, and the check that
// the client behaves as documented (so that a change does not go unseen).
type cannot struct {
	reason string
	pinned func(t *testing.T, st *realStack, got played)
}

// cellSpec is what a client plays in a cell.
type cellSpec struct {
	id      string  // the presentation: its master is <id>/master.m3u8 on the CDN
	decode  bool    // decode every frame (the presentation is encrypted)
	live    bool    // a live channel: play seconds of it, from the live edge
	seconds float64 // how long the presentation is, or how much of a live channel to play
}

// played is what a client reports after a play.
type played struct {
	seconds float64 // how much of the presentation it played (decoded, or remuxed and then decoded by ffprobe)
	frames  int     // video frames decoded (ffmpeg without AES-128: copied)
	detail  string  // what the README shows beside the result, e.g. the demuxer that ran
	err     error   // the client failed (a non-zero exit, a player error)
}

// matrixEnv is what every cell of one TestRealClient run shares.
type matrixEnv struct {
	tools        map[string]string
	media, keys  fs.FS
	segmentSecs  float64 // every presentation's segment duration
	results      *matrixResults
	presentation map[string]ffmpegPresentation
}

// liveSeconds is how much of the live channel each live cell plays.
const liveSeconds = 8

// matrixContent is a presentation of the matrix.
type matrixContent struct {
	id, what string
	// fetched are parts of the stack's log lines every client's play must
	// show: evidence that it fetched what the format needs, to the end.
	fetched []string
	// oneOf are alternatives of which the log must show at least one (the
	// variant a player picks is its own choice).
	oneOf []string
	// live is the stack's regular live channel (hlstest.LiveOrigin on the
	// wall clock, MPEG-TS, AES-128 keys rotating every 4 segments of
	// 1.92 s) instead of a presentation ffmpeg made.
	live bool
}

// matrixContents are the presentations of the matrix (ids of
// ffmpegPresentations); the README names them so.
var matrixContents = []matrixContent{
	{id: "ts", what: "MPEG-TS", fetched: []string{"GET /ts/index.m3u8", "GET /ts/seg-3.ts"}},
	{id: "fmp4", what: "fMP4 (EXT-X-MAP)", fetched: []string{"GET /fmp4/init.mp4", "GET /fmp4/seg-3.m4s"}},
	{id: "aes", what: "AES-128, two keys from the key server",
		fetched: []string{"page 200 GET /keys/aes/aes-0.key", "page 200 GET /keys/aes/aes-1.key", "GET /aes/seg-3.ts"}},
	{id: "byterange", what: "single file, byte ranges", fetched: []string{"206 GET /byterange/index.ts"}},
	{id: "multi", what: "two variants, alternate audio rendition", fetched: []string{"GET /multi/2/seg-3.ts"},
		oneOf: []string{"GET /multi/0/seg-3.ts", "GET /multi/1/seg-3.ts"}},
	{id: "live", what: fmt.Sprintf("the live channel (MPEG-TS, AES-128 keys on the CDN rotating every 4 segments), %d s from the live edge", liveSeconds),
		fetched: []string{"GET /live/ts/key-"}, live: true},
}

// TestRealClient plays the matrix. With CFHLS_UPDATE_MATRIX=1 it writes the
// results into README.md (see matrixREADME). Under -short the browsers and
// the live row are skipped; the desktop tools play every VOD cell, in about
// a second each.
func TestRealClient(t *testing.T) {
	base := requireTools(t, toolFFmpeg, toolFFprobe)
	env := &matrixEnv{tools: base, segmentSecs: 1, results: &matrixResults{}, presentation: map[string]ffmpegPresentation{}}
	env.media, env.keys = makeFFmpegPresentations(t, base["ffmpeg"])
	for _, p := range ffmpegPresentations {
		env.presentation[p.id] = p
	}
	t.Cleanup(func() { env.results.writeREADME(t) })
	for _, c := range matrixClients() {
		start := time.Now()
		t.Run(c.name, func(t *testing.T) {
			if slices.ContainsFunc(c.tools, func(tl tool) bool { return tl.name == toolChromium.name }) {
				skipBrowserInShort(t)
			}
			tools := requireTools(t, c.tools...)
			if c.npm != "" {
				requirePlayer(t, c.npm)
			}
			for name, p := range tools {
				env.setTool(name, p)
			}
			env.results.clientVersion(c.name, clientVersion(c, tools))
			for _, mode := range allModes {
				for _, content := range matrixContents {
					t.Run(mode.String()+"/"+content.id, func(t *testing.T) {
						if content.live {
							skipLiveInShort(t)
						}
						t.Parallel()
						env.cell(t, c, mode, content)
					})
				}
			}
		})
		env.results.clientTook(c.name, time.Since(start))
		t.Logf("%s: %v", c.name, time.Since(start).Round(100*time.Millisecond))
	}
}

var envMu sync.Mutex

func (env *matrixEnv) setTool(name, path string) {
	envMu.Lock()
	defer envMu.Unlock()
	env.tools[name] = path
}

func (env *matrixEnv) tool(name string) string {
	envMu.Lock()
	defer envMu.Unlock()
	return env.tools[name]
}

// cell plays one cell and checks it: played to the end (within one
// segment), nothing refused, credentials from the mode's carrier, and what
// the format needs fetched (for AES-128, the keys from the key server and
// the frames decoded). A cell the client cannot play checks the documented
// behaviour instead.
func (env *matrixEnv) cell(t *testing.T, c matrixClient, mode playlist.Mode, content matrixContent) {
	var st *realStack
	var spec cellSpec
	if content.live {
		// Credentials outlast the cell: a native player cannot renew those
		// on its URLs (TestRealClientLive* show renewal).
		st = startStackConfig(t, config{mode: mode, ttl: time.Minute, bucket: 2 * time.Second, media: env.media, keys: env.keys,
			clock: time.Now, live: &hlstest.LiveOrigin{KeyRotation: 4}})
		spec = cellSpec{id: "live/ts", decode: true, live: true, seconds: liveSeconds}
	} else {
		st = startRealStack(t, mode, env.media, env.keys, false)
		p := env.presentation[content.id]
		spec = cellSpec{id: p.id, decode: p.decode, seconds: sourceSeconds}
	}
	start := time.Now()
	got := c.play(t, env, st, mode, spec)
	took := time.Since(start)
	t.Logf("%s: played %.2f s of %g, %d video frames, %s, error %v, %d CDN requests, %d refused, in %v",
		t.Name(), got.seconds, spec.seconds, got.frames, got.detail, got.err, len(st.cdn.Log()), len(st.cdn.Refusals()),
		took.Round(time.Millisecond))
	result := matrixResult{client: c.name, mode: mode.String(), content: content.id, detail: got.detail, took: took}
	defer func() {
		result.ok = !t.Failed()
		env.results.add(result)
	}()

	if na, ok := c.cannot[mode]; ok {
		result.na = na.reason
		na.pinned(t, st, got)
		return
	}
	require.NoError(t, got.err)
	if spec.live {
		assert.GreaterOrEqual(t, got.seconds, spec.seconds-liveSegment.Seconds(), "seconds of the live channel played, within one segment")
	} else {
		assert.InDelta(t, spec.seconds, got.seconds, env.segmentSecs, "seconds played, within one segment")
		// Every segment: one missing is a quarter of the 100 frames.
		assert.Greater(t, got.frames, int(spec.seconds*25*0.75), "video frames (decoded, or for ffmpeg without AES-128 copied)")
	}
	assertAllServed(t, st.cdn)
	source := "by url"
	if mode == playlist.ModeCookies {
		source = "by cookies"
	}
	for _, e := range st.cdn.Log() {
		assert.Contains(t, cdnLine(e), source, "credentials from the mode's carrier")
	}
	if q, ok := c.quirks[content.id]; ok {
		result.quirk = q.reason
		q.pinned(t, st, got)
		return
	}
	for _, f := range content.fetched {
		assert.True(t, st.log.contains(f), "no request %q in the stack's log", f)
	}
	if len(content.oneOf) > 0 {
		assert.True(t, slices.ContainsFunc(content.oneOf, func(f string) bool { return st.log.contains(f) }),
			"none of %q in the stack's log", content.oneOf)
	}
	if spec.live {
		assert.Positive(t, got.frames, "video frames decoded")
		assert.GreaterOrEqual(t, mediaPlaylistLoads(st), 2, "the client reloaded the live media playlist: it followed the live edge")
	}
}

// matrixClients are the player families of the matrix.
func matrixClients() []matrixClient {
	return []matrixClient{
		ffmpegMatrixClient(),
		browserMatrixClient("hlsjs", "hlsjs", "hls.js in headless Chromium"),
		browserMatrixClient("shaka", "shaka", "Shaka Player in headless Chromium"),
		browserMatrixClient("videojs", "videojs", "video.js 8 with VHS (overrideNative) in headless Chromium"),
		browserMatrixClient("chromium-native", "native", "Chromium's own HLS: `<video src>`, no JavaScript player (the closest to Safari and AVPlayer)"),
		gstreamerMatrixClient("gstreamer-hlsdemux2", "playbin3", nil),
		gstreamerMatrixClient("gstreamer-hlsdemux", "playbin", []string{"GST_PLUGIN_FEATURE_RANK=hlsdemux2:NONE"}),
		vlcMatrixClient(),
	}
}

// refusedAfterMaster pins a client that sends the master playlist's
// credentials but not on the requests after it: the master is served, the
// next request is refused for missing credentials, and not all of the
// presentation plays.
func refusedAfterMaster(t *testing.T, st *realStack, got played) {
	log := st.cdn.Log()
	require.NotEmpty(t, log)
	assert.Equal(t, 200, log[0].Status, "the master playlist: %s", log[0])
	refused := st.cdn.Refusals()
	require.NotEmpty(t, refused, "the simulated CloudFront refused the requests after the master")
	for _, e := range refused {
		assert.Equal(t, 403, e.Status, "%s", e)
		assert.Contains(t, cdnLine(e), "refused", "%s", e)
	}
	assert.Less(t, got.seconds, sourceSeconds-0.5, "it cannot play the whole presentation")
}

// requirePlayer ends the test, like requireTools, when the npm player name
// is not installed.
func requirePlayer(t *testing.T, name string) {
	t.Helper()
	if name == "native" {
		return
	}
	if playerPath(name) == "" {
		missingTool(t, fmt.Sprintf("%s from npm (install: %s)", name, hlsJSInstall))
	}
}

// mediaPlaylistLoads counts the CDN's answers to requests for the live
// channel's media playlists (live/ts/<variant>/index.m3u8).
func mediaPlaylistLoads(st *realStack) int {
	n := 0
	for _, line := range st.log.all() {
		if strings.HasPrefix(line, "cdn  200 GET /live/ts/") && strings.Contains(line, "/index.m3u8") {
			n++
		}
	}
	return n
}
