package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/playlist"
	"github.com/cfhls/cfhls/signer"
)

// ffmpeg as an HLS client: presentations made by ffmpeg from synthetic
// sources, served through the simulated CloudFront (every behavior signed)
// and the playlist handler, played by ffmpeg on the signed master URL.

// sourceSeconds is how long every generated presentation lasts.
const sourceSeconds = 4.0

// ffmpegSource is the synthetic input: a moving test pattern with a clock
// and a beeping tone, tiny so that encoding takes a fraction of a second.
var ffmpegSource = []string{
	"-f", "lavfi", "-i", fmt.Sprintf("testsrc2=size=160x90:rate=25:duration=%g", sourceSeconds),
	"-f", "lavfi", "-i", fmt.Sprintf("sine=frequency=440:beep_factor=4:sample_rate=48000:duration=%g", sourceSeconds),
}

// ffmpegEncode is H.264 with a keyframe every second (the segment length)
// and AAC-LC: what hls.js and every HLS client play.
var ffmpegEncode = []string{
	"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
	"-g", "25", "-keyint_min", "25", "-sc_threshold", "0", "-x264-params", "threads=1",
	"-c:a", "aac", "-b:a", "32k", "-ac", "2",
	"-f", "hls", "-hls_time", "1", "-hls_playlist_type", "vod", "-master_pl_name", "master.m3u8",
}

// ffmpegPresentation is one presentation ffmpeg makes under <id>/ with a
// master playlist <id>/master.m3u8.
type ffmpegPresentation struct {
	id string
	// args are the ffmpeg arguments after the source and the common
	// encoding options, run in the presentation's directory; {keyinfo} is
	// replaced with the URL of the key info file.
	args []string
	// shape are lines each playlist file must hold: what makes this
	// presentation the case it claims to be.
	shape map[string][]string
	// fetched are parts of log lines the stack must show after a play:
	// evidence that the client fetched what the format needs.
	fetched []string
	// decode plays by decoding rather than copying (proves decryption).
	decode bool
}

var ffmpegPresentations = []ffmpegPresentation{
	{
		id:      "ts",
		args:    []string{"-map", "0:v", "-map", "1:a", "-hls_segment_filename", "seg-%d.ts", "index.m3u8"},
		shape:   map[string][]string{"ts/master.m3u8": {"#EXT-X-STREAM-INF:", "index.m3u8"}, "ts/index.m3u8": {"seg-3.ts", "#EXT-X-ENDLIST"}},
		fetched: []string{"GET /ts/index.m3u8", "GET /ts/seg-0.ts", "GET /ts/seg-3.ts"},
	},
	{
		id: "fmp4",
		args: []string{"-map", "0:v", "-map", "1:a", "-hls_segment_type", "fmp4", "-hls_fmp4_init_filename", "init.mp4",
			"-hls_segment_filename", "seg-%d.m4s", "index.m3u8"},
		shape:   map[string][]string{"fmp4/index.m3u8": {`#EXT-X-MAP:URI="init.mp4"`, "seg-3.m4s"}},
		fetched: []string{"GET /fmp4/init.mp4", "GET /fmp4/seg-0.m4s", "GET /fmp4/seg-3.m4s"},
	},
	{
		id:      "byterange",
		args:    []string{"-map", "0:v", "-map", "1:a", "-hls_flags", "single_file", "index.m3u8"},
		shape:   map[string][]string{"byterange/index.m3u8": {"#EXT-X-BYTERANGE:", "index.ts"}},
		fetched: []string{"206 GET /byterange/index.ts"},
	},
	{
		// ffmpeg rotates keys with -hls_flags periodic_rekey: before every
		// segment it reads the key info file again, and a new key URI in it
		// starts a new EXT-X-KEY. ffmpeg never rewrites that file itself,
		// so the test serves it over HTTP (ffmpeg opens it like any input):
		// the first two reads get aes-0.key, the next two aes-1.key. No IV
		// line: ffmpeg then writes the media sequence number as the IV.
		id: "aes",
		args: []string{"-map", "0:v", "-map", "1:a", "-hls_key_info_file", "{keyinfo}", "-hls_flags", "periodic_rekey",
			"-hls_segment_filename", "seg-%d.ts", "index.m3u8"},
		shape: map[string][]string{"aes/index.m3u8": {
			`#EXT-X-KEY:METHOD=AES-128,URI="https://keys.invalid/aes-0.key"`,
			`#EXT-X-KEY:METHOD=AES-128,URI="https://keys.invalid/aes-1.key"`}},
		fetched: []string{"page 200 GET /keys/aes/aes-0.key", "page 200 GET /keys/aes/aes-1.key", "GET /aes/seg-3.ts"},
		decode:  true,
	},
	{
		// Two video variants and an audio rendition shared by both; ffmpeg
		// lists the audio rendition as a variant of its own too.
		id: "multi",
		args: []string{"-map", "0:v", "-map", "0:v", "-map", "1:a", "-s:v:1", "96x54",
			"-var_stream_map", "v:0,agroup:aud v:1,agroup:aud a:0,agroup:aud",
			"-hls_segment_filename", "%v/seg-%d.ts", "%v/index.m3u8"},
		shape: map[string][]string{"multi/master.m3u8": {
			`#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="group_aud"`, `URI="2/index.m3u8"`,
			"RESOLUTION=160x90", "RESOLUTION=96x54", "0/index.m3u8", "1/index.m3u8"}},
		fetched: []string{"GET /multi/0/index.m3u8", "GET /multi/1/index.m3u8", "GET /multi/2/index.m3u8",
			"GET /multi/0/seg-3.ts", "GET /multi/1/seg-3.ts", "GET /multi/2/seg-3.ts"},
	},
}

// makeFFmpegPresentations encodes every presentation into one directory,
// the CDN's content, and writes their AES-128 keys into another, the key
// server's.
func makeFFmpegPresentations(t *testing.T, ffmpeg string) (media, keys fs.FS) {
	t.Helper()
	mediaDir, keyDir := t.TempDir(), t.TempDir()
	// The key server lays keys out like the presentations: the aes
	// presentation's keys are aes/<name>.
	keyPath := func(uri string) string { return filepath.Join("aes", filepath.Base(uri)) }
	require.NoError(t, os.MkdirAll(filepath.Join(keyDir, "aes"), 0o755))
	keyURIs := []string{"https://keys.invalid/aes-0.key", "https://keys.invalid/aes-1.key"}
	for _, u := range keyURIs {
		key := make([]byte, 16)
		_, err := rand.Read(key)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(keyDir, keyPath(u)), key, 0o600))
	}
	var reads atomic.Int64
	keyInfo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		u := keyURIs[min(int(reads.Add(1)-1)/2, len(keyURIs)-1)]
		// Key info file: the URI written into the playlist, the key file
		// ffmpeg reads, and (left out) the IV.
		fmt.Fprintf(w, "%s\n%s\n", u, filepath.Join(keyDir, keyPath(u)))
	}))
	defer keyInfo.Close()

	for _, p := range ffmpegPresentations {
		dir := filepath.Join(mediaDir, p.id)
		require.NoError(t, os.MkdirAll(dir, 0o755))
		args := append([]string{"-nostdin", "-hide_banner", "-v", "error", "-y"}, ffmpegSource...)
		args = append(args, ffmpegEncode...)
		for _, a := range p.args {
			args = append(args, strings.ReplaceAll(a, "{keyinfo}", keyInfo.URL+"/keyinfo"))
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		cmd := exec.CommandContext(ctx, ffmpeg, args...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		cancel()
		require.NoError(t, err, "ffmpeg making %s: %s\n%s", p.id, strings.Join(cmd.Args, " "), out)
		for name, lines := range p.shape {
			b, err := os.ReadFile(filepath.Join(mediaDir, filepath.FromSlash(name)))
			require.NoError(t, err)
			for _, line := range lines {
				require.Contains(t, string(b), line, "ffmpeg did not write %s as this test expects", name)
			}
		}
	}
	return os.DirFS(mediaDir), os.DirFS(keyDir)
}

// TestRealClientFFmpegRefusals shows what ffmpeg does when credentials or
// keys are wrong. TestRealClient plays every presentation in every mode.
func TestRealClientFFmpegRefusals(t *testing.T) {
	tools := requireTools(t, toolFFmpeg, toolFFprobe)
	media, keys := makeFFmpegPresentations(t, tools["ffmpeg"])
	// A wrong key for the second half does not make ffmpeg fail, only play
	// less: the matrix's duration and frame checks are what prove
	// decryption.
	t.Run("wrong key", func(t *testing.T) {
		t.Parallel()
		right, err := fs.ReadFile(keys, "aes/aes-0.key")
		require.NoError(t, err)
		wrong := make([]byte, 16)
		_, err = rand.Read(wrong)
		require.NoError(t, err)
		badKeys := fstest.MapFS{"aes/aes-0.key": {Data: right}, "aes/aes-1.key": {Data: wrong}}
		st := startRealStack(t, playlist.ModePropagate, media, badKeys, false)
		c := newFFmpegClient(t, st, playlist.ModePropagate, "aes")

		seconds, stderr, err := playWithFFmpeg(t, tools["ffmpeg"], c, true)
		t.Logf("ffmpeg played %.3f s of %g, error %v, stderr %q", seconds, sourceSeconds, err, stderr)
		assert.Less(t, seconds, sourceSeconds-1, "the segments under the wrong key do not play")
		assert.True(t, st.log.contains("page 200 GET /keys/aes/aes-1.key"), "the (wrong) key was served")
		assertAllServed(t, st.cdn)
	})
	// Once the credentials expire, ffmpeg cannot play, and the simulated
	// CloudFront says why.
	for _, mode := range allModes {
		t.Run("expired/"+mode.String(), func(t *testing.T) {
			t.Parallel()
			st := startRealStack(t, mode, media, keys, false)
			c := newFFmpegClient(t, st, mode, "ts")
			st.clock.Add(2 * time.Hour) // TTL 1 h, expiry rounded up to 15 min

			_, stderr, err := playWithFFmpeg(t, tools["ffmpeg"], c, false)
			var exit *exec.ExitError
			require.ErrorAs(t, err, &exit, "ffmpeg must fail: %s", stderr)
			assert.NotZero(t, exit.ExitCode())
			assert.Contains(t, stderr, "403 Forbidden")

			refused := st.cdn.Refusals()
			require.NotEmpty(t, refused)
			for _, e := range refused {
				assert.Equal(t, http.StatusForbidden, e.Status, "%s", e)
				assert.ErrorIs(t, e.Err, signer.ErrExpired, "%s", e)
			}
		})
	}
}
