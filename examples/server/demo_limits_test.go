package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEventsHead: a HEAD of the timeline answers its headers and ends,
// instead of holding a stream open.
func TestEventsHead(t *testing.T) {
	hub := newEventHub()
	defer hub.Close()
	srv := httptest.NewServer(hub)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, srv.URL, nil)
	require.NoError(t, err)
	resp, err := srv.Client().Do(req)
	require.NoError(t, err, "HEAD answered within 5 s")
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	assert.Zero(t, hub.subscribers(), "a HEAD subscribes to nothing")
}

// TestEventsSubscriberLimit: at most maxSubscribers streams are open; the
// next gets 503 until one closes.
func TestEventsSubscriberLimit(t *testing.T) {
	hub := newEventHub()
	var unsubscribe []func()
	for range maxSubscribers {
		s, done := hub.subscribe()
		require.NotNil(t, s)
		unsubscribe = append(unsubscribe, done)
	}
	rec := httptest.NewRecorder()
	hub.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/events", nil))
	assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
	unsubscribe[0]()
	s, done := hub.subscribe()
	assert.NotNil(t, s, "room again once one closed")
	done()
}

// TestDemoClockOtherSite: a form posted to /demo/clock from another site
// (no CORS preflight needed) is refused; the demo page's own is not.
func TestDemoClockOtherSite(t *testing.T) {
	for _, tc := range []struct {
		name, origin string
		status       int
	}{
		{"another site", "http://evil.example", http.StatusForbidden},
		{"another port on loopback", "http://127.0.0.1:9999", http.StatusForbidden},
		{"the demo page", "http://127.0.0.1:8080", http.StatusOK},
		{"no Origin (curl)", "", http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &demoClock{base: func() time.Time { return time.Unix(1700000000, 0) }}
			req := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:8080/demo/clock", strings.NewReader(url.Values{"advance": {"1h"}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tc.origin != "" {
				req.Header.Set("Origin", tc.origin)
			}
			rec := httptest.NewRecorder()
			clockHandler(c, newEventHub()).ServeHTTP(rec, req)
			assert.Equal(t, tc.status, rec.Code, rec.Body.String())
			if tc.status == http.StatusOK {
				assert.Equal(t, time.Hour, c.Offset())
			} else {
				assert.Zero(t, c.Offset(), "the clock did not move")
			}
		})
	}
}
