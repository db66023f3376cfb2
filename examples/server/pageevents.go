package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// The page server's side of the timeline: its login, sign and key
// requests, beside the simulated CloudFront's lines.

// timelinePath reports whether a request to the page server goes into the
// timeline: login, sign and keys do; the page, the players' scripts and the
// demo's own endpoints (which publish what they do themselves) do not.
func timelinePath(p string) bool {
	return p == "/login" || p == "/sign" || strings.HasPrefix(p, "/keys/")
}

// maxReasonBytes caps how much of a refusal's body becomes its reason.
const maxReasonBytes = 200

// publishRequests publishes an event for each login, sign and key request
// once it is answered: who "page", the status, and for answers of 400 and
// above "refused" with the start of the body as the reason.
func publishRequests(h http.Handler, hub *eventHub, clock func() time.Time) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !timelinePath(r.URL.Path) {
			h.ServeHTTP(w, r)
			return
		}
		rec := &bodyRecorder{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(rec, r)
		ev := event{Time: clock(), Who: "page", Method: r.Method, Path: shortURI(r.URL.RequestURI()),
			Source: requestSource(r), Decision: "allowed", Status: rec.status}
		if rec.status >= http.StatusBadRequest {
			ev.Decision, ev.Reason = "refused", refusalReason(rec.body)
		}
		hub.publish(ev)
	})
}

// requestSource says where a page-server request's credentials are: "url"
// when its query carries CloudFront parameters (key URLs in propagate and
// server-side modes), "cookies" when it has the demo session or CloudFront-*
// cookies, "none" otherwise.
func requestSource(r *http.Request) string {
	q := r.URL.Query()
	if q.Has("Signature") || q.Has("Policy") || q.Has("Expires") {
		return "url"
	}
	for _, c := range r.Cookies() {
		if c.Name == sessionCookie || strings.HasPrefix(c.Name, "CloudFront-") {
			return "cookies"
		}
	}
	return "none"
}

// refusalReason is the reason a refusal's body gives: the "error" of a
// JSON body (the sign endpoint's), or its first line (http.Error's).
func refusalReason(body []byte) string {
	var j struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(body, &j) == nil && j.Error != "" {
		return shortReason(j.Error)
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(body)), "\n")
	return shortReason(strings.ToValidUTF8(line, "?"))
}

// bodyRecorder passes a response through and keeps its status and the
// first maxReasonBytes of the body of an answer of 400 or above.
type bodyRecorder struct {
	http.ResponseWriter
	status int
	body   []byte
}

func (w *bodyRecorder) WriteHeader(s int) { w.status = s; w.ResponseWriter.WriteHeader(s) }

func (w *bodyRecorder) Write(p []byte) (int, error) {
	if w.status >= http.StatusBadRequest && len(w.body) < maxReasonBytes {
		w.body = append(w.body, p[:min(len(p), maxReasonBytes-len(w.body))]...)
	}
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *bodyRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }
