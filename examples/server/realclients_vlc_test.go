package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/playlist"
)

// VLC in the matrix: cvlc --play-and-exit with a stream output that remuxes
// what VLC's HLS module (adaptive) fetched and decrypted into an MPEG-TS
// file, which ffprobe then decodes: the seconds and frames VLC delivered.
// VLC refuses to run as root, so as root the test runs it as nobody. VLC
// exits 0 whether or not anything played, so the test judges it by its log
// and its output, never by its exit code.

// vlcMatrixClient is VLC 3's command-line player. VLC has no option to send
// cookies, so it cannot play in cookies mode.
func vlcMatrixClient() matrixClient {
	return matrixClient{name: "vlc", tools: []tool{toolVLC, toolFFprobe}, what: "VLC 3 cvlc --play-and-exit, remuxed to a file that ffprobe decodes",
		play: playWithVLC,
		cannot: map[playlist.Mode]cannot{playlist.ModeCookies: {
			reason: "VLC 3 has no option to send cookies, so with the cookie-mode URL (no credentials in it) CloudFront refuses the master playlist. " +
				"VLC still exits 0.",
			pinned: func(t *testing.T, st *realStack, got played) {
				assert.NoError(t, got.err, "VLC exits 0 even though nothing played")
				refused := st.cdn.Refusals()
				require.NotEmpty(t, refused, "the simulated CloudFront refused the master")
				assert.Contains(t, refused[0].URL, "/master.m3u8", "the first request, refused")
				assert.Equal(t, 403, refused[0].Status)
				assert.Len(t, st.cdn.Log(), len(refused), "nothing was served")
				assert.Zero(t, got.seconds, "nothing played")
			}}},
		quirks: map[string]cannot{"multi": {
			reason: "VLC 3 plays a video variant without the alternate audio rendition its EXT-X-MEDIA names: no audio.",
			pinned: func(t *testing.T, st *realStack, _ played) {
				assert.True(t, st.log.contains("GET /multi/0/seg-3.ts") || st.log.contains("GET /multi/1/seg-3.ts"), "a video variant played")
				assert.False(t, st.log.contains("GET /multi/2/"), "the audio rendition was not fetched")
			}}},
	}
}

var (
	vlcRetrievingRE = regexp.MustCompile(`adaptive demux debug: Retrieving (\S+)`)
	vlcStatusRE     = regexp.MustCompile(`(?m)^HTTP/1\.[01] (\d{3})`)
)

// playWithVLC plays p with VLC. In cookies mode it is given the URL a
// cookie-mode viewer gets, without the cookies VLC cannot send.
func playWithVLC(t *testing.T, env *matrixEnv, st *realStack, mode playlist.Mode, spec cellSpec) played {
	c := newFFmpegClient(t, st, mode, spec.id)
	// Not t.TempDir: its parent is private to this user, and VLC may run
	// as nobody.
	dir, err := os.MkdirTemp("", "cfhls-vlc-")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	require.NoError(t, os.Chmod(dir, 0o777))
	out := filepath.Join(dir, "out.ts")
	sout := "#std{access=file,mux=ts,dst=" + out + "}"
	// A VOD plays in well under a second; a hang ends after a minute.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if spec.live {
		// Unpaced, VLC reads a live channel's window as fast as it can,
		// and then either stops at the live edge ("EOF reached", seen in
		// a matrix run) or follows it; which one is not predictable.
		// Paced by a (dummy) display it follows the live edge, reloading
		// the playlist, until interrupted: after the seconds to play and
		// two segments of start-up.
		sout = "#duplicate{dst=display,dst=" + sout[1:] + "}"
		ctx, cancel = context.WithTimeout(ctx, time.Duration(spec.seconds*float64(time.Second))+2*liveSegment)
		defer cancel()
	}
	args := []string{"-vv", "--play-and-exit", "--no-one-instance", "--vout=dummy", "--aout=dummy", "--sout", sout, c.url}
	bin, args := asNobody(env.tool(toolVLC.name), args)
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "HOME="+dir)
	// Interrupted, VLC closes its output file properly.
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 10 * time.Second
	log, err := cmd.CombinedOutput()
	if spec.live && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		err = nil // stopped as planned
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("VLC's log (HTTP and adaptive lines):\n%s", vlcLogExcerpt(string(log)))
		}
	})
	if err != nil {
		return played{err: fmt.Errorf("cvlc: %w", err)}
	}
	text := string(log)
	got := played{}
	if strings.Contains(text, `using demux module "adaptive"`) {
		got.detail = "adaptive"
	}
	if mode != playlist.ModeCookies {
		assert.Equal(t, "adaptive", got.detail, "VLC's HLS module played it")
		assert.NotEmpty(t, vlcRetrievingRE.FindAllString(text, -1), "VLC's log names what it fetched")
		statuses := vlcStatusRE.FindAllStringSubmatch(text, -1)
		assert.NotEmpty(t, statuses, "VLC's log has the HTTP statuses it got")
		for _, m := range statuses {
			assert.Contains(t, []string{"200", "206"}, m[1], "an HTTP status in VLC's log")
		}
		if spec.live {
			assert.GreaterOrEqual(t, strings.Count(text, "adaptive demux debug: Updated playlist"), 2,
				"VLC reloaded the live playlist as it followed the live edge")
		}
	}
	if fi, err := os.Stat(out); err != nil || fi.Size() < 188 { // not one MPEG-TS packet
		return got
	}
	got.seconds, got.frames = probeFile(t, env.tool(toolFFprobe.name), out)
	return got
}

// probeFile decodes a media file with ffprobe and returns its duration and
// the number of video frames that decoded.
func probeFile(t *testing.T, ffprobe, file string) (seconds float64, frames int) {
	stdout, stderr, err := runTool(t, ffprobe, "-v", "error", "-count_frames", "-select_streams", "v:0",
		"-show_entries", "stream=nb_read_frames:format=duration", "-of", "default=noprint_wrappers=1", file)
	require.NoError(t, err, "ffprobe %s: %s", file, stderr)
	for _, line := range strings.Split(stdout, "\n") {
		k, v, _ := strings.Cut(strings.TrimSpace(line), "=")
		switch k {
		case "duration":
			seconds, _ = strconv.ParseFloat(v, 64)
		case "nb_read_frames":
			frames, _ = strconv.Atoi(v)
		}
	}
	return seconds, frames
}

// vlcLogExcerpt keeps the lines of VLC's -vv log that say what it fetched
// and what it got.
func vlcLogExcerpt(log string) string {
	var keep []string
	for _, line := range strings.Split(log, "\n") {
		if strings.Contains(line, "adaptive") || strings.HasPrefix(line, "HTTP/") || strings.Contains(line, " error: ") {
			keep = append(keep, line)
		}
	}
	return strings.Join(keep, "\n")
}

// asNobody returns the command line that runs VLC's bin with args: as it
// is, or as nobody (through setpriv) when the test runs as root, since VLC
// refuses to run as root, even for --version.
func asNobody(bin string, args []string) (string, []string) {
	if os.Geteuid() != 0 {
		return bin, args
	}
	return "setpriv", append([]string{"--reuid=65534", "--regid=65534", "--clear-groups", bin}, args...)
}
