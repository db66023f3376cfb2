package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/hlstest"
	"github.com/cfhls/cfhls/signer"
)

// sseStream reads the server-sent events of an open /events response.
type sseStream struct {
	resp   *http.Response
	events chan sseMessage
}

// sseMessage is one server-sent event: its type ("" for the default) and data.
type sseMessage struct {
	kind string
	data string
}

// openEvents opens url (an /events endpoint) and reads its events in the
// background until the test ends.
func openEvents(t *testing.T, url string) *sseStream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	s := &sseStream{resp: resp, events: make(chan sseMessage, 1024)}
	t.Cleanup(func() { cancel(); resp.Body.Close() })
	go func() {
		defer close(s.events)
		sc := bufio.NewScanner(resp.Body)
		var m sseMessage
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if m.data != "" {
					s.events <- m
				}
				m = sseMessage{}
			case strings.HasPrefix(line, "event: "):
				m.kind = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				m.data += strings.TrimPrefix(line, "data: ")
			}
		}
	}()
	return s
}

// next returns the next event's data decoded, or fails after a while.
func (s *sseStream) next(t *testing.T) event {
	t.Helper()
	select {
	case m, ok := <-s.events:
		require.True(t, ok, "the stream ended")
		require.Empty(t, m.kind, "a plain event, not %q: %s", m.kind, m.data)
		var e event
		require.NoError(t, json.Unmarshal([]byte(m.data), &e), m.data)
		return e
	case <-time.After(5 * time.Second):
		require.FailNow(t, "no event within 5 s")
		return event{}
	}
}

// until reads events until one satisfies ok, and returns it.
func (s *sseStream) until(t *testing.T, ok func(event) bool) event {
	t.Helper()
	for {
		if e := s.next(t); ok(e) {
			return e
		}
	}
}

func TestEventsStreamFansOut(t *testing.T) {
	hub := newEventHub()
	srv := httptest.NewServer(hub)
	defer srv.Close()
	defer hub.Close() // ends the streams, so that srv.Close does not wait for them
	a, b := openEvents(t, srv.URL), openEvents(t, srv.URL)
	require.Eventually(t, func() bool { return hub.subscribers() == 2 }, 5*time.Second, 10*time.Millisecond)

	sent := event{Time: time.Unix(1700000000, 0).UTC(), Who: "cdn", Method: "GET", Path: "/sample/master.m3u8",
		Source: "url", Decision: "refused", Reason: "signer: bad signature", Status: 403}
	hub.publish(sent)
	for name, s := range map[string]*sseStream{"a": a, "b": b} {
		assert.Equal(t, sent, s.next(t), "subscriber %s", name)
	}
}

func TestEventsStreamEnds(t *testing.T) {
	for _, tc := range []struct {
		name string
		end  func(hub *eventHub, cancel context.CancelFunc)
	}{
		{"client goes away", func(_ *eventHub, cancel context.CancelFunc) { cancel() }},
		{"hub closes", func(hub *eventHub, _ context.CancelFunc) { hub.Close() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hub := newEventHub()
			done := make(chan struct{})
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				defer close(done)
				hub.ServeHTTP(w, r)
			}))
			defer srv.Close()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
			require.NoError(t, err)
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			require.Eventually(t, func() bool { return hub.subscribers() == 1 }, 5*time.Second, 10*time.Millisecond)

			tc.end(hub, cancel)
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				require.FailNow(t, "the handler still runs")
			}
			assert.Zero(t, hub.subscribers(), "the subscriber is removed")
		})
	}
	t.Run("closed hub refuses new streams", func(t *testing.T) {
		hub := newEventHub()
		hub.Close()
		rec := httptest.NewRecorder()
		hub.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/events", nil))
		assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
	})
}

// TestEventsSlowSubscriberDrops: a subscriber that reads nothing never
// blocks publish; it misses what did not fit, and is told how much.
func TestEventsSlowSubscriberDrops(t *testing.T) {
	hub := newEventHub()
	sub, unsubscribe := hub.subscribe()
	defer unsubscribe()
	published := make(chan struct{})
	go func() {
		for i := range subscriberBuffer + 50 {
			hub.publish(event{Path: fmt.Sprint(i)})
		}
		close(published)
	}()
	select {
	case <-published:
	case <-time.After(5 * time.Second):
		require.FailNow(t, "publish blocked on a subscriber that reads nothing")
	}
	assert.Len(t, sub.ch, subscriberBuffer)
	assert.EqualValues(t, 50, sub.dropped.Load())

	// Served, the stream says how many were dropped before the next event.
	srv := httptest.NewServer(hub)
	defer srv.Close()
	defer hub.Close()
	s := openEvents(t, srv.URL)
	require.Eventually(t, func() bool { return hub.subscribers() == 2 }, 5*time.Second, 10*time.Millisecond)
	const burst = subscriberBuffer + 100
	for range burst {
		hub.publish(event{Path: "burst"})
	}
	// Then an end marker, again until it arrives: the dropped count goes out
	// with the next event that fits.
	stop := make(chan struct{})
	ends := make(chan int, 1)
	go func() {
		n := 0
		defer func() { ends <- n }()
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
				hub.publish(event{Path: "end"})
				n++
			}
		}
	}()
	var got, dropped int
	deadline := time.After(5 * time.Second)
	for done := false; !done; {
		select {
		case m := <-s.events:
			switch {
			case m.kind == "dropped":
				var d struct{ Dropped int }
				require.NoError(t, json.Unmarshal([]byte(m.data), &d))
				dropped += d.Dropped
			case strings.Contains(m.data, `"path":"end"`):
				done = true
			default:
				got++
			}
		case <-deadline:
			require.FailNow(t, "the end marker never came")
		}
	}
	close(stop)
	endsSent := <-ends
	t.Logf("the HTTP subscriber got %d of a burst of %d and was told of %d dropped (%d end markers sent)", got, burst, dropped, endsSent)
	assert.GreaterOrEqual(t, got+dropped, burst, "every event of the burst arrived or was counted as dropped")
	assert.LessOrEqual(t, got+dropped, burst+endsSent)
}

func TestShortURI(t *testing.T) {
	long := strings.Repeat("A", 300)
	for _, tc := range []struct{ name, in, want string }{
		{"signed URL", "http://127.0.0.1:8081/sample/master.m3u8?Policy=eyJTdGF0ZW1lbnQ&Signature=abcdefghijkl&Key-Pair-Id=K1&Policy-PREFIX=eyJTdGF0ZW1lbnQ&Signature-PREFIX=zyxwvutsr",
			"/sample/master.m3u8?Policy=eyJTdG…&Signature=abcdef…&Key-Pair-Id=K1&Policy-PREFIX=eyJTdG…&Signature-PREFIX=zyxwvu…"},
		{"canned", "/sample/low/seg-0.ts?Expires=1700000000&Signature=0123456789&Key-Pair-Id=K1",
			"/sample/low/seg-0.ts?Expires=1700000000&Signature=012345…&Key-Pair-Id=K1"},
		{"short values stay", "/a?Signature=abc&x=1", "/a?Signature=abc&x=1"},
		{"no query", "/sample/master.m3u8", "/sample/master.m3u8"},
		{"other parameters stay", "/live/ll/v.m3u8?_HLS_msn=3&_HLS_part=1", "/live/ll/v.m3u8?_HLS_msn=3&_HLS_part=1"},
		{"capped", "/" + long, "/" + long[:maxPathRunes-2] + "…"},
		{"a percent-encoded name, as Carrier.Extract reads it", "/a?%53ignature-PREFIX=abcdefghijkl", "/a?%53ignature-PREFIX=abcdef…"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := shortURI(tc.in)
			assert.Equal(t, tc.want, got)
			assert.LessOrEqual(t, len([]rune(got)), maxPathRunes)
		})
	}
}

func TestShortReason(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"resource mismatch quoting carried copies",
			`policy: resource does not match: "http://h/sample/master.m3u8?Policy-PREFIX=eyJTdGF0ZW1lbnQ__&Signature-PREFIX=W8U5Q-4lIXkak4~Bf&Key-Pair-Id-PREFIX=K1" (resource "http://h/live/ts/*")`,
			`policy: resource does not match: "http://h/sample/master.m3u8?Policy-PREFIX=eyJTdG…&Signature-PREFIX=W8U5Q-…&Key-Pair-Id-PREFIX=K1" (resource "http://h/live/ts/*")`},
		{"no credentials", "policy: expired: at 2026-11-24T23:00:53Z", "policy: expired: at 2026-11-24T23:00:53Z"},
		{"capped", strings.Repeat("x", 400), strings.Repeat("x", maxReasonRunes-1) + "…"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, shortReason(tc.in))
		})
	}
}

func TestCDNEvent(t *testing.T) {
	at := time.Unix(1700000000, 0)
	u := "http://127.0.0.1:8081/sample/master.m3u8?Policy=eyJTdGF0ZW1lbnQ&Signature=abcdefghijkl"
	for _, tc := range []struct {
		name  string
		entry hlstest.Entry
		want  event
	}{
		{"allowed", hlstest.Entry{Time: at, Method: "GET", URL: u, Decision: hlstest.DecisionAllowed, Source: signer.SourceURL, Status: 200},
			event{Time: at, Who: "cdn", Method: "GET", Path: "/sample/master.m3u8?Policy=eyJTdG…&Signature=abcdef…", Source: "url", Decision: "allowed", Status: 200}},
		{"refused", hlstest.Entry{Time: at, Method: "GET", URL: u, Decision: hlstest.DecisionRefused, Source: signer.SourceCookies,
			Err: fmt.Errorf("%w: expired at 12:00", signer.ErrExpired), Status: 403},
			event{Time: at, Who: "cdn", Method: "GET", Path: "/sample/master.m3u8?Policy=eyJTdG…&Signature=abcdef…", Source: "cookies", Decision: "refused",
				Reason: signer.ErrExpired.Error() + ": expired at 12:00", Status: 403}},
		{"no credentials", hlstest.Entry{Time: at, Method: "GET", URL: "http://h/x.ts", Decision: hlstest.DecisionRefused, Err: signer.ErrNoCredentials, Status: 403},
			event{Time: at, Who: "cdn", Method: "GET", Path: "/x.ts", Source: "none", Decision: "refused", Reason: signer.ErrNoCredentials.Error(), Status: 403}},
		{"origin refused", hlstest.Entry{Time: at, Method: "GET", URL: "http://h/x.m3u8", Decision: hlstest.DecisionAllowed, Source: signer.SourceURL, Status: 403},
			event{Time: at, Who: "cdn", Method: "GET", Path: "/x.m3u8", Source: "url", Decision: "allowed", Reason: "CloudFront allowed it; the origin answered 403", Status: 403}},
		{"preflight", hlstest.Entry{Time: at, Method: "OPTIONS", URL: "http://h/x.m3u8", Decision: hlstest.DecisionPreflight, Status: 200},
			event{Time: at, Who: "cdn", Method: "OPTIONS", Path: "/x.m3u8", Source: "none", Decision: "allowed", Reason: "CORS preflight", Status: 200}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, cdnEvent(tc.entry))
		})
	}
}

// TestEventsPageServerReadTimeout: the stream outlives the page server's
// whole-request ReadTimeout.
func TestEventsPageServerReadTimeout(t *testing.T) {
	hub := newEventHub()
	srv := httptest.NewUnstartedServer(logRequests(publishRequests(hub, hub, time.Now), func(string, ...any) {}, true))
	srv.Config.ReadTimeout = 200 * time.Millisecond
	srv.Start()
	defer srv.Close()
	s := openEvents(t, srv.URL)
	time.Sleep(500 * time.Millisecond)
	hub.publish(event{Path: "/late"})
	e := s.next(t)
	assert.Equal(t, "/late", e.Path)
	hub.Close()
	_, ok := <-s.events
	assert.False(t, ok, "the stream ends when the hub closes")
}
