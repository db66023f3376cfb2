package main

import (
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/hlstest"
	"github.com/cfhls/cfhls/playlist"
	"github.com/cfhls/cfhls/signer"
)

// testClock is a settable clock.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// testMedia is the embedded sample plus a generated presentation "other".
func testMedia(t *testing.T) fs.FS {
	m := fstest.MapFS{}
	require.NoError(t, fs.WalkDir(sampleMedia(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(sampleMedia(), p)
		m[p] = &fstest.MapFile{Data: b}
		return err
	}))
	for k, v := range hlstest.Presentation("other") {
		m[k] = v
	}
	return m
}

func startStack(t *testing.T, mode playlist.Mode, clock *testClock, noCORS bool) *stack {
	t.Helper()
	return startStackConfig(t, config{mode: mode, ttl: time.Hour, media: testMedia(t), keys: sampleKeys(),
		clock: clock.Now, noCORS: noCORS}).stack
}

// viewer logs in like the page does and asks the sign endpoint for id.
type viewer struct {
	client *http.Client
	jar    http.CookieJar
}

func newViewer(t *testing.T, st *stack) *viewer {
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	c := *st.cdn.Client()
	c.Jar = jar
	return &viewer{client: &c, jar: jar}
}

func (v *viewer) sign(t *testing.T, st *stack, id string) (string, int) {
	resp, err := v.client.Post(st.pageURL+"/login", "", nil)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusOK, resp.StatusCode)
	resp, err = v.client.Get(st.pageURL + "/sign?id=" + url.QueryEscape(id))
	require.NoError(t, err)
	defer resp.Body.Close()
	var body struct{ URL string }
	if resp.StatusCode == http.StatusOK {
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	}
	return body.URL, resp.StatusCode
}

func TestStackPlaysInEveryMode(t *testing.T) {
	for _, mode := range []playlist.Mode{playlist.ModePropagate, playlist.ModeServerSide, playlist.ModeCookies} {
		for _, id := range []string{"sample", "other"} {
			t.Run(mode.String()+"/"+id, func(t *testing.T) {
				clock := &testClock{t: time.Now()}
				st := startStack(t, mode, clock, false)
				v := newViewer(t, st)
				u, status := v.sign(t, st, id)
				require.Equal(t, http.StatusOK, status)
				p := &hlstest.Player{Client: v.client, Header: http.Header{"Origin": {st.pageURL}}}
				report, err := p.Play(context.Background(), u)
				require.NoError(t, err)
				hlstest.RequirePlayable(t, report)
				assert.Empty(t, st.cdn.Refusals())
				assert.Greater(t, report.Count(hlstest.KindSegment), 8)
				if id == "sample" {
					assert.Equal(t, 1, report.Count(hlstest.KindKey), "the AES-128 key, from the key server")
					assert.Contains(t, strings.Join(report.URLs(), "\n"), st.pageURL+"/keys/sample/enc/enc.key")
				}
			})
		}
	}
}

// TestSignedMasterPlaysAsIs: the URL printed at start plays without login.
func TestSignedMasterPlaysAsIs(t *testing.T) {
	for _, mode := range []playlist.Mode{playlist.ModePropagate, playlist.ModeServerSide} {
		t.Run(mode.String(), func(t *testing.T) {
			st := startStack(t, mode, &testClock{t: time.Now()}, false)
			u, err := st.signedMaster("sample")
			require.NoError(t, err)
			report, err := (&hlstest.Player{Client: st.cdn.Client()}).Play(context.Background(), u)
			require.NoError(t, err)
			hlstest.RequirePlayable(t, report)
		})
	}
}

func TestStackRefusals(t *testing.T) {
	clock := &testClock{t: time.Now()}
	st := startStack(t, playlist.ModePropagate, clock, false)
	v := newViewer(t, st)
	u, status := v.sign(t, st, "sample")
	require.Equal(t, http.StatusOK, status)
	other, status := v.sign(t, st, "other")
	require.Equal(t, http.StatusOK, status)

	get := func(raw string) int {
		resp, err := st.cdn.Client().Get(raw)
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		require.NoError(t, resp.Body.Close())
		return resp.StatusCode
	}
	otherQuery := other[strings.Index(other, "?"):]
	ownMaster := st.masterURL("sample")
	forged := strings.Replace(u, "Signature-PREFIX=", "Signature-PREFIX=AAAA", 1)

	t.Run("another movie's credentials", func(t *testing.T) {
		assert.Equal(t, http.StatusForbidden, get(ownMaster+otherQuery))
	})
	t.Run("forged carried parameters", func(t *testing.T) {
		assert.Equal(t, http.StatusForbidden, get(forged), "CloudFront passes the plain ones; the origin refuses the copies")
	})
	t.Run("carried copies of another movie", func(t *testing.T) {
		plain := u[:strings.Index(u, "&Policy-PREFIX")]
		assert.Equal(t, http.StatusForbidden, get(plain+"&"+otherQuery[strings.Index(otherQuery, "Policy-PREFIX"):]))
	})
	t.Run("not logged in", func(t *testing.T) {
		resp, err := http.Get(st.pageURL + "/sign?id=sample")
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	})
	t.Run("key without credentials or session", func(t *testing.T) {
		resp, err := http.Get(st.pageURL + "/keys/sample/enc/enc.key")
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	})
	t.Run("expired", func(t *testing.T) {
		clock.Add(2 * time.Hour)
		report, err := (&hlstest.Player{Client: st.cdn.Client()}).Play(context.Background(), u)
		require.NoError(t, err)
		require.NotEmpty(t, report.Refused())
		last := st.cdn.Refusals()[len(st.cdn.Refusals())-1]
		assert.ErrorIs(t, last.Err, signer.ErrExpired)
	})
}

func TestPageAndCORS(t *testing.T) {
	st := startStack(t, playlist.ModeCookies, &testClock{t: time.Now()}, false)
	resp, err := http.Get(st.pageURL + "/")
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	assert.Contains(t, string(body), st.cdnURL())
	assert.Contains(t, string(body), `const mode = "cookies"`)

	req, err := http.NewRequest("GET", st.masterURL("sample"), nil)
	require.NoError(t, err)
	req.Header.Set("Origin", st.pageURL)
	resp, err = st.cdn.Client().Do(req)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	assert.Equal(t, st.pageURL, resp.Header.Get("Access-Control-Allow-Origin"), "CORS on the CDN's 403 too")
	assert.Equal(t, "true", resp.Header.Get("Access-Control-Allow-Credentials"))
}

func TestRunFlags(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		code int
		err  string
	}{
		{"help", []string{"-h"}, 0, "usage: go run ./examples/server"},
		{"bad mode", []string{"-mode", "magic"}, 2, "use propagate, server-side or cookies"},
		{"bad ttl", []string{"-ttl", "-1h"}, 2, "positive"},
		{"extra argument", []string{"now"}, 2, "unexpected argument"},
		{"unknown flag", []string{"-port", "1"}, 2, "flag provided but not defined"},
		{"missing key", []string{"-key", "/nonexistent.pem"}, 1, "-key"},
		{"busy address", []string{"-addr", "256.0.0.1:1"}, 1, "-addr"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb strings.Builder
			code := run(context.Background(), tc.args, &out, &errb)
			assert.Equal(t, tc.code, code)
			assert.Contains(t, errb.String(), tc.err)
		})
	}
}

func TestRunStartsAndStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb safeBuilder
	done := make(chan int)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-cdn-addr", "127.0.0.1:0", "-quiet"}, &out, &errb)
	}()
	require.Eventually(t, func() bool { return strings.Contains(out.String(), "regular HLS") }, 20*time.Second, 50*time.Millisecond)
	// After each title line, the signed master URL: the sample, then the
	// two live channels.
	var signed []string
	for _, line := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(line, "http://") {
			signed = append(signed, line)
		}
	}
	require.Len(t, signed, 3, "output:\n%s", out.String())
	report, err := (&hlstest.Player{}).Play(context.Background(), signed[0])
	require.NoError(t, err)
	hlstest.RequirePlayable(t, report)
	for _, u := range signed[1:] {
		assert.Contains(t, u, "/live/")
		resp, err := http.Get(u)
		require.NoError(t, err)
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoError(t, err)
		assert.Equal(t, http.StatusOK, resp.StatusCode, "%s: %s", u, body)
		assert.Contains(t, string(body), "#EXT-X-STREAM-INF:", "a live multivariant playlist")
	}
	cancel()
	assert.Equal(t, 0, <-done)
}

// safeBuilder is a strings.Builder safe for a writer and a reader.
type safeBuilder struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *safeBuilder) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *safeBuilder) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }
