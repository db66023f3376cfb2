package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/cfhls/cfhls/playlist"
)

// matrixRate is how many times faster than real time the browsers play:
// the matrix plays every presentation to its end.
const matrixRate = 4

// browserMatrixClient plays with the demo's player page in headless
// Chromium, with the page's player (hlsjs, shaka, videojs or native), to
// the end of the presentation ("ended"), at matrixRate. Each cell has a
// browser of its own, with a fresh profile.
func browserMatrixClient(name, player, what string) matrixClient {
	c := matrixClient{name: name, tools: []tool{toolChromium}, what: what,
		play: func(t *testing.T, env *matrixEnv, st *realStack, mode playlist.Mode, spec cellSpec) played {
			if spec.live {
				return playLiveInBrowser(t, env, st, player, spec)
			}
			query := fmt.Sprintf("?id=%s&player=%s&rate=%d", spec.id, player, matrixRate)
			state, events := openPlayerPage(t, env.tool(toolChromium.name), st, query)
			s := waitPage(state, 45*time.Second, func(s pageState) bool { return s.Status == "error" || s.Status == "ended" })
			t.Logf("%s: status %q, currentTime %.2f s of %.2f, %d frames, errors %q", name, s.Status, s.CurrentTime, s.Duration,
				s.VideoFrames, s.Errors)
			assert.Empty(t, events.corsBlocked(), "requests Chromium blocked for CORS")
			assert.Equal(t, "ended", s.Status, "the player reached the end")
			if player == "hlsjs" {
				errs := hlsJSErrors(s.Log)
				if spec.id == "multi" {
					// With the audio in a rendition of its own, hls.js 1.7
					// reports a non-fatal bufferAppendNoProgress as it
					// nears the end at 4x, and plays on to the end.
					errs = slices.DeleteFunc(errs, func(e string) bool { return e == "mediaError bufferAppendNoProgress" })
				}
				assert.Empty(t, errs, "hls.js errors, fatal or not")
			}
			if player == "native" {
				assert.Contains(t, strings.Join(s.Log, "\n"), `native HLS: canPlayType says "maybe"`)
			}
			got := played{seconds: s.CurrentTime, frames: s.VideoFrames}
			if len(s.Errors) > 0 {
				got.err = fmt.Errorf("the page: %s", strings.Join(s.Errors, "; "))
			}
			return got
		}}
	if player != "native" {
		c.npm = player
	}
	return c
}

// playLiveInBrowser plays spec.seconds of the live channel on the page with
// player, at the wall clock's pace (playLive).
func playLiveInBrowser(t *testing.T, env *matrixEnv, st *realStack, player string, spec cellSpec) played {
	state, events := openPlayerPage(t, env.tool(toolChromium.name), st, fmt.Sprintf("?id=%s&player=%s", spec.id, player))
	first := -1.0
	s := waitPage(state, time.Duration(spec.seconds+40)*time.Second, func(s pageState) bool {
		if first < 0 && s.CurrentTime > 0 {
			first = s.CurrentTime
		}
		return s.Status == "error" || (first >= 0 && s.CurrentTime-first >= spec.seconds)
	})
	t.Logf("%s live: status %q, played %.2f s from %.2f, %d frames, errors %q", player, s.Status, s.CurrentTime-first, first, s.VideoFrames, s.Errors)
	assert.Empty(t, events.corsBlocked(), "requests Chromium blocked for CORS")
	assert.Equal(t, "playing", s.Status)
	got := played{frames: s.VideoFrames}
	if first >= 0 {
		got.seconds = s.CurrentTime - first
	}
	if len(s.Errors) > 0 {
		got.err = fmt.Errorf("the page: %s", strings.Join(s.Errors, "; "))
	}
	return got
}
