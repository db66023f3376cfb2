package hlstest

import (
	"io"
	"net/http"
	"strings"
)

// statusWriter records the status an origin (or the cache) answers with
// and the body bytes written, and marks the response as CloudFront marks it.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
	xcache string // X-Cache below 400; empty means "Miss from cloudfront"
}

// WriteHeader records the first status and sets X-Cache as CloudFront does.
func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
		cache := "Miss from cloudfront"
		if w.xcache != "" {
			cache = w.xcache
		}
		if code >= 400 {
			cache = "Error from cloudfront"
		}
		w.Header().Set("X-Cache", cache)
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write sends an implicit 200 first, as http.ResponseWriter does.
func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	n, err := w.ResponseWriter.Write(p)
	w.bytes += int64(n)
	return n, err
}

// Flush passes flushes through, for origins that stream.
func (w *statusWriter) Flush() {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) code() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}

// quietTLS drops the server's TLS handshake errors, which a test that
// checks an untrusting client provokes on purpose, and passes the rest.
type quietTLS struct{ w io.Writer }

// Write passes p on unless it reports a TLS handshake error.
func (q quietTLS) Write(p []byte) (int, error) {
	if strings.Contains(string(p), "TLS handshake error") {
		return len(p), nil
	}
	return q.w.Write(p)
}
