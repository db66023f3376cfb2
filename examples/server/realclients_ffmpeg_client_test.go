package main

import (
	"context"
	"net/http"
	"net/url"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/playlist"
)

// ffmpegClient is what ffmpeg needs to play a presentation in a mode: the
// URL, and the cookies (in ffmpeg's -cookies format) in cookies mode.
type ffmpegClient struct {
	url     string
	cookies string
	limit   float64 // seconds to play (-t), for a live channel; 0: to the end
}

// args returns the input options: the cookies, if any, then -i URL.
func (c ffmpegClient) args() []string {
	var a []string
	if c.cookies != "" {
		a = append(a, "-cookies", c.cookies)
	}
	return append(a, "-i", c.url)
}

// newFFmpegClient gets credentials for presentation id the way a user of
// the stack would: the signed master URL the demo prints (propagate and
// server-side), or the cookies the sign endpoint sets after a login (cookies
// mode; the session cookie goes along, for the key server).
func newFFmpegClient(t *testing.T, st *realStack, mode playlist.Mode, id string) ffmpegClient {
	t.Helper()
	if mode != playlist.ModeCookies {
		u, err := st.signedMaster(id)
		require.NoError(t, err)
		return ffmpegClient{url: u}
	}
	v := newViewer(t, st.stack)
	u, status := v.sign(t, st.stack, id)
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, st.masterURL(id), u, "in cookies mode the URL carries no credentials")
	return ffmpegClient{url: u, cookies: ffmpegCookies(t, v.jar, st.pageURL)}
}

// ffmpegCookies writes the cookies a jar holds for pageURL in the format of
// ffmpeg's -cookies option (ffmpegCookieLines). Cookies ignore ports, so
// the same cookies go to the CDN and to the key server.
func ffmpegCookies(t *testing.T, jar http.CookieJar, pageURL string) string {
	t.Helper()
	u, err := url.Parse(pageURL)
	require.NoError(t, err)
	cookies := jar.Cookies(u)
	for _, name := range []string{sessionCookie, "CloudFront-Policy", "CloudFront-Signature", "CloudFront-Key-Pair-Id"} {
		require.True(t, slices.ContainsFunc(cookies, func(c *http.Cookie) bool { return c.Name == name }),
			"the login and the sign endpoint set cookie %s", name)
	}
	return ffmpegCookieLines(cookies)
}

// runTool runs a program and returns its stdout and stderr.
func runTool(t *testing.T, bin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	var out, errb strings.Builder
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	return out.String(), errb.String(), err
}

var (
	outTimeRE = regexp.MustCompile(`(?m)^out_time_us=(\d+)$`)
	framesRE  = regexp.MustCompile(`(?m)^frame=(\d+)$`)
)

// playWithFFmpeg plays the presentation to the null muxer, copying or
// decoding every stream, and returns how many seconds of it ffmpeg wrote
// (its last -progress report).
func playWithFFmpeg(t *testing.T, ffmpeg string, c ffmpegClient, decode bool) (seconds float64, stderr string, err error) {
	t.Helper()
	seconds, _, stderr, err = playWithFFmpegFrames(t, ffmpeg, c, decode)
	return seconds, stderr, err
}

// playWithFFmpegFrames is playWithFFmpeg that also returns how many video
// frames ffmpeg wrote (decoded, when decode is set).
func playWithFFmpegFrames(t *testing.T, ffmpeg string, c ffmpegClient, decode bool) (seconds float64, frames int, stderr string, err error) {
	t.Helper()
	args := []string{"-nostdin", "-hide_banner", "-v", "error", "-progress", "pipe:1"}
	if decode {
		// Stop at the first decoding error. A segment that does not decrypt
		// is not one: ffmpeg drops it silently and exits 0, so the callers'
		// duration check is what shows that every segment played.
		args = append(args, "-xerror")
	}
	args = append(args, c.args()...)
	args = append(args, "-map", "0")
	if c.limit > 0 {
		args = append(args, "-t", strconv.FormatFloat(c.limit, 'f', -1, 64))
	}
	if !decode {
		args = append(args, "-c", "copy")
	}
	args = append(args, "-f", "null", "-")
	stdout, stderr, err := runTool(t, ffmpeg, args...)
	if m := outTimeRE.FindAllStringSubmatch(stdout, -1); len(m) > 0 {
		us, perr := strconv.ParseInt(m[len(m)-1][1], 10, 64)
		if perr == nil {
			seconds = float64(us) / 1e6
		}
	}
	if m := framesRE.FindAllStringSubmatch(stdout, -1); len(m) > 0 {
		frames, _ = strconv.Atoi(m[len(m)-1][1])
	}
	return seconds, frames, stderr, err
}

// probeDuration asks ffprobe for the presentation's duration.
func probeDuration(t *testing.T, ffprobe string, c ffmpegClient) float64 {
	t.Helper()
	args := append([]string{"-hide_banner", "-v", "error"}, c.args()...)
	args = append(args, "-show_entries", "format=duration", "-of", "default=noprint_wrappers=1:nokey=1")
	stdout, stderr, err := runTool(t, ffprobe, args...)
	require.NoError(t, err, "ffprobe: %s", stderr)
	d, err := strconv.ParseFloat(strings.TrimSpace(stdout), 64)
	require.NoError(t, err, "ffprobe printed %q", stdout)
	return d
}
