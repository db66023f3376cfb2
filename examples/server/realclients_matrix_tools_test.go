package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/playlist"
)

// The desktop tools of the matrix: ffmpeg, GStreamer and VLC.

// ffmpegMatrixClient plays with ffmpeg to the null muxer (decoding the
// AES-128 presentation, copying the others), and asks ffprobe for the
// duration too; with -v error ffmpeg must report nothing.
func ffmpegMatrixClient() matrixClient {
	return matrixClient{name: "ffmpeg", tools: []tool{toolFFmpeg, toolFFprobe}, what: "ffmpeg -i URL (ffprobe too), -cookies in cookies mode",
		play: func(t *testing.T, env *matrixEnv, st *realStack, mode playlist.Mode, spec cellSpec) played {
			c := newFFmpegClient(t, st, mode, spec.id)
			if spec.live {
				c.limit = spec.seconds
			}
			seconds, frames, stderr, err := playWithFFmpegFrames(t, env.tool("ffmpeg"), c, spec.decode)
			if err != nil {
				err = fmt.Errorf("ffmpeg: %w: %s", err, stderr)
			}
			assert.Empty(t, strings.TrimSpace(stderr), "ffmpeg -v error reported problems")
			if !spec.live {
				probed := probeDuration(t, env.tool("ffprobe"), c)
				assert.InDelta(t, spec.seconds, probed, 0.2, "ffprobe's duration")
			}
			return played{seconds: seconds, frames: frames, err: err}
		}}
}

// gstResult is what testdata/gstplay.py prints.
type gstResult struct {
	Demuxers     []string `json:"demuxers"`
	VideoFrames  int      `json:"video_frames"`
	AudioBuffers int      `json:"audio_buffers"`
	VideoStart   *float64 `json:"video_start"`
	VideoEnd     *float64 `json:"video_end"`
	Errors       []string `json:"errors"`
	EOS          bool     `json:"eos"`
}

// gstreamerMatrixClient plays with a GStreamer playbin (element) through
// testdata/gstplay.py, decoding every frame as fast as it can, with env
// added to the environment. In cookies mode the program sets the cookies on
// each souphttpsrc in source-setup; the old hlsdemux does not pass them on
// from the master's source to the requests after it.
func gstreamerMatrixClient(name, element string, env []string) matrixClient {
	c := matrixClient{name: name, tools: []tool{toolGStreamer},
		what: "GStreamer 1.22 " + element + " (testdata/gstplay.py: cookies set in source-setup)",
		play: func(t *testing.T, menv *matrixEnv, st *realStack, mode playlist.Mode, spec cellSpec) played {
			c := newFFmpegClient(t, st, mode, spec.id)
			args := []string{filepath.Join("testdata", "gstplay.py"), c.url, element}
			if c.cookies != "" {
				args = append(args, cookiePairs(c.cookies)...)
			}
			cmd := exec.Command(menv.tool(toolGStreamer.name), args...)
			cmd.Env = append(os.Environ(), env...)
			if spec.live {
				cmd.Env = append(cmd.Env, fmt.Sprintf("GSTPLAY_SECONDS=%g", spec.seconds))
			}
			out, err := cmd.Output()
			if err != nil {
				return played{err: fmt.Errorf("gstplay.py: %w: %s", err, stderrOf(err))}
			}
			var r gstResult
			require.NoError(t, json.Unmarshal(out, &r), "gstplay.py printed %s", out)
			t.Logf("GStreamer: %+v", r)
			got := played{frames: r.VideoFrames, detail: strings.Join(uniq(r.Demuxers), "+")}
			if r.VideoStart != nil && r.VideoEnd != nil {
				got.seconds = *r.VideoEnd - *r.VideoStart
			}
			if len(r.Errors) > 0 {
				got.err = fmt.Errorf("GStreamer: %s", strings.Join(r.Errors, "; "))
			} else if !spec.live {
				assert.True(t, r.EOS, "played to the end of the stream")
			}
			wantDemuxer := strings.TrimPrefix(name, "gstreamer-")
			assert.Equal(t, []string{wantDemuxer}, uniq(r.Demuxers), "the HLS demuxer that ran")
			return got
		}}
	if element == "playbin" {
		c.cannot = map[playlist.Mode]cannot{playlist.ModeCookies: {
			reason: "GStreamer's old hlsdemux sends the cookies set on the master playlist's souphttpsrc (source-setup) only with the master: " +
				"its requests for media playlists and segments go without them and are refused. hlsdemux2, the default in 1.22, passes them on.",
			pinned: func(t *testing.T, st *realStack, got played) {
				require.Error(t, got.err, "the old hlsdemux fails")
				refusedAfterMaster(t, st, got)
			}}}
	}
	return c
}

// cookiePairs turns ffmpeg's -cookies text ("name=value; path=/" lines)
// into name=value pairs.
func cookiePairs(cookies string) []string {
	var pairs []string
	for _, line := range strings.Split(strings.TrimSpace(cookies), "\n") {
		pair, _, _ := strings.Cut(line, ";")
		pairs = append(pairs, strings.TrimSpace(pair))
	}
	return pairs
}

// uniq returns s without repeats, in order.
func uniq(s []string) []string {
	var out []string
	for _, v := range s {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// stderrOf is the end of the stderr an *exec.ExitError carries.
func stderrOf(err error) string {
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		return ""
	}
	s := strings.TrimSpace(string(exit.Stderr))
	if len(s) > 2000 {
		s = s[len(s)-2000:]
	}
	return s
}
