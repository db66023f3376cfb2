package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPublishRequests(t *testing.T) {
	hub := newEventHub()
	sub, unsubscribe := hub.subscribe()
	defer unsubscribe()
	at := time.Unix(1700000000, 0)
	h := publishRequests(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/sign":
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusForbidden)
			_, _ = io.WriteString(w, `{"error":"not authorized"}`)
		case "/keys/sample/enc/enc.key":
			http.Error(w, "key: signer: expired\nmore", http.StatusForbidden)
		default:
			_, _ = io.WriteString(w, "ok")
		}
	}), hub, func() time.Time { return at })
	for _, tc := range []struct {
		name   string
		req    *http.Request
		want   *event // nil: not on the timeline
		cookie string
	}{
		{"login", httptest.NewRequest(http.MethodPost, "/login", nil),
			&event{Time: at, Who: "page", Method: "POST", Path: "/login", Source: "none", Decision: "allowed", Status: 200}, ""},
		{"sign refused", httptest.NewRequest(http.MethodGet, "/sign?id=sample", nil),
			&event{Time: at, Who: "page", Method: "GET", Path: "/sign?id=sample", Source: "cookies", Decision: "refused", Reason: "not authorized", Status: 403}, sessionCookie},
		{"key refused", httptest.NewRequest(http.MethodGet, "/keys/sample/enc/enc.key?Policy=eyJTdGF0ZW1lbnQ&Signature=abcdefghij", nil),
			&event{Time: at, Who: "page", Method: "GET", Path: "/keys/sample/enc/enc.key?Policy=eyJTdG…&Signature=abcdef…", Source: "url",
				Decision: "refused", Reason: "key: signer: expired", Status: 403}, ""},
		{"the page itself", httptest.NewRequest(http.MethodGet, "/", nil), nil, ""},
		{"the timeline", httptest.NewRequest(http.MethodGet, "/events", nil), nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.cookie != "" {
				tc.req.AddCookie(&http.Cookie{Name: tc.cookie, Value: "x"})
			}
			h.ServeHTTP(httptest.NewRecorder(), tc.req)
			if tc.want == nil {
				assert.Empty(t, sub.ch)
				return
			}
			require.Len(t, sub.ch, 1)
			assert.Equal(t, *tc.want, <-sub.ch)
		})
	}
}
