package main

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/cfhls/cfhls/hlstest"
)

// logged reports whether a request answered with status is logged: every
// request, or with -quiet only refusals and errors (400 and above).
func logged(quiet bool, status int) bool { return !quiet || status >= http.StatusBadRequest }

// logRequests logs each request to the page server (with quiet, only those
// answered 400 or above).
func logRequests(h http.Handler, logf func(string, ...any), quiet bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(sw, r)
		if !logged(quiet, sw.status) {
			return
		}
		q := ""
		if r.URL.RawQuery != "" {
			q = "?…"
		}
		logf("page %d %s %s%s", sw.status, r.Method, r.URL.Path, q)
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(s int) { w.status = s; w.ResponseWriter.WriteHeader(s) }

// Unwrap lets http.ResponseController reach the connection (the timeline's
// stream flushes and clears its read deadline through it).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logWriter adapts logf to an io.Writer for log.Logger.
type logWriter func(string, ...any)

func (f logWriter) Write(p []byte) (int, error) {
	f("%s", strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// cdnLine is a short log line for a simulated CloudFront decision: the path
// without the (long) credentials, the behavior, the decision and reason
// (with the credentials it quotes shortened).
// A request CloudFront allowed but the origin answered 400 or above (the
// rewriting origin refusing carried credentials, say) says so, so that it is
// not mistaken for a refusal by CloudFront, whose lines read "refused by
// cookies: reason".
func cdnLine(e hlstest.Entry) string {
	p := e.URL
	if u, err := url.Parse(e.URL); err == nil {
		p = u.Path
		if u.RawQuery != "" {
			p += "?…"
		}
	}
	line := fmt.Sprintf("cdn  %d %s %s [%s] %s", e.Status, e.Method, p, e.Behavior, e.Decision)
	if e.Source != "" {
		line += " by " + string(e.Source)
	}
	switch {
	case e.Err != nil:
		line += ": " + shortReason(e.Err.Error()) // a resource mismatch quotes the URL, credentials and all
	case e.Decision != hlstest.DecisionRefused && e.Decision != hlstest.DecisionPreflight && e.Status >= http.StatusBadRequest:
		line += fmt.Sprintf("; origin answered %d", e.Status)
	}
	return line
}
