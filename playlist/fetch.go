package playlist

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// answer is the origin's answer to a playlist request, held in memory.
type answer struct {
	status int
	header http.Header
	buf    *bytes.Buffer // the body, gzip decoded when the status is 200
}

// passThrough sends an origin's refusal (a 4xx) on unchanged, with the
// length of the body fetch checked, never sniffed as anything but its
// declared type.
func (a *answer) passThrough(w http.ResponseWriter, r *http.Request) {
	for _, k := range []string{"Content-Type", "Content-Encoding", "Content-Language"} {
		if v := a.header.Get(k); v != "" {
			w.Header().Set(k, v)
		}
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	}
	w.Header().Set("Content-Length", strconv.Itoa(a.buf.Len()))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(a.status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(a.buf.Bytes())
	}
}

// originServer marks the origin sub-request as served by a net/http server
// when the viewer's request is not (a Lambda adapter, a direct ServeHTTP):
// httputil.ReverseProxy aborts an answer cut short (panics with
// http.ErrAbortHandler, which serveOrigin recovers) only then, and otherwise
// returns as if the truncated body were whole.
var originServer = new(http.Server)

// fetch asks the origin for the playlist and returns its answer, the body
// bounded by MaxBytes and gzip decoded; conditionally (see keptOrigin.conditional)
// when kept is not nil. The answer (when not nil) holds a
// pooled buffer the caller returns to bufPool. An answer cut short (a
// ReverseProxy abort or error, a body whose length is not its
// Content-Length) is an error, whatever its status.
func (h *Handler) fetch(r *http.Request, originQuery string, kept *keptOrigin) (*answer, error) {
	ctx := r.Context()
	if ctx.Value(http.ServerContextKey) == nil {
		ctx = context.WithValue(ctx, http.ServerContextKey, originServer)
	}
	sub := r.Clone(ctx)
	sub.Method = http.MethodGet
	for _, k := range []string{"Range", "If-Range", "If-None-Match", "If-Modified-Since"} {
		sub.Header.Del(k)
	}
	if kept != nil {
		kept.conditional(sub.Header)
	}
	// Only what fetch can decode; the viewer's own list may name br or zstd.
	sub.Header.Set("Accept-Encoding", "gzip")
	if originQuery != sub.URL.RawQuery {
		sub.URL.RawQuery = originQuery
		sub.RequestURI = sub.URL.RequestURI()
	}
	max := h.MaxBytes
	if max <= 0 {
		max = DefaultMaxBytes
	}
	rec := &recorder{header: http.Header{}, max: max, buf: bufPool.Get().(*bytes.Buffer)}
	rec.buf.Reset()
	ans := &answer{header: rec.header, buf: rec.buf}
	if err := serveOrigin(h.Origin, rec, sub); err != nil {
		return ans, err
	}
	if err := r.Context().Err(); err != nil {
		return ans, err
	}
	ans.status = rec.status
	if ans.status == 0 {
		ans.status = http.StatusOK
	}
	if rec.over {
		return ans, fmt.Errorf("playlist is over the %d-byte limit", max)
	}
	if rec.failed != nil {
		return ans, fmt.Errorf("origin failed: %w", rec.failed)
	}
	if err := rec.checkLength(); err != nil {
		return ans, err
	}
	enc := strings.ToLower(strings.TrimSpace(rec.header.Get("Content-Encoding")))
	if ans.status != http.StatusOK || enc == "" || enc == "identity" {
		return ans, nil
	}
	if enc != "gzip" {
		return ans, fmt.Errorf("origin sent Content-Encoding %q; only gzip is decoded", enc)
	}
	zr, err := gzip.NewReader(bytes.NewReader(rec.buf.Bytes()))
	if err != nil {
		return ans, fmt.Errorf("gzip: %w", err)
	}
	plain := bufPool.Get().(*bytes.Buffer)
	plain.Reset()
	n, err := io.Copy(plain, io.LimitReader(zr, max+1))
	bufPool.Put(rec.buf)
	ans.buf = plain
	if err != nil {
		return ans, fmt.Errorf("gzip: %w", err)
	}
	if n > max {
		return ans, fmt.Errorf("playlist is over the %d-byte limit once decompressed", max)
	}
	return ans, nil
}

// serveOrigin runs the origin into rec. httputil.ReverseProxy aborts with
// http.ErrAbortHandler when the upstream fails mid-body or rec refuses an
// oversized one; nothing has reached the viewer yet (rec buffers it all), so
// that becomes an error here (and a 502) instead of a dropped connection.
func serveOrigin(origin http.Handler, rec *recorder, r *http.Request) (err error) {
	defer func() {
		if v := recover(); v != nil {
			if v != http.ErrAbortHandler {
				panic(v)
			}
			if rec.over {
				err = fmt.Errorf("playlist is over the %d-byte limit", rec.max)
			} else {
				err = errors.New("origin aborted the answer")
			}
		}
	}()
	origin.ServeHTTP(rec, r)
	return nil
}

// recorder captures an origin's answer in memory, up to max bytes.
type recorder struct {
	header http.Header
	status int
	buf    *bytes.Buffer
	max    int64
	over   bool
	failed error // what RemoteOrigin's ErrorHandler reported
}

// originFailed records the error of a proxy that could not get a whole
// answer (RemoteOrigin's ErrorHandler calls it).
func (rc *recorder) originFailed(err error) { rc.failed = err }

// checkLength reports a body whose length differs from the Content-Length
// the origin declared (for statuses that have a body).
func (rc *recorder) checkLength() error {
	cl := rc.header.Get("Content-Length")
	if cl == "" || rc.status == http.StatusNoContent || rc.status == http.StatusNotModified || rc.status < 200 {
		return nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(cl), 10, 64)
	if err != nil || n < 0 {
		return fmt.Errorf("origin sent Content-Length %q", cl)
	}
	if n != int64(rc.buf.Len()) {
		return fmt.Errorf("origin answer cut short or overlong: %d bytes, Content-Length %d", rc.buf.Len(), n)
	}
	return nil
}

// Header returns the origin's response headers.
func (rc *recorder) Header() http.Header { return rc.header }

// WriteHeader records the origin's final status. Informational statuses
// (1xx but 101 Switching Protocols, as net/http counts them: 103 Early
// Hints from a handler, or relayed by httputil.ReverseProxy) are not the
// answer and are ignored; the final status, or the implicit 200 of a Write,
// is what counts.
func (rc *recorder) WriteHeader(status int) {
	if status >= 100 && status <= 199 && status != http.StatusSwitchingProtocols {
		return
	}
	if rc.status == 0 {
		rc.status = status
	}
}

// Write buffers the body, refusing what goes over the limit.
func (rc *recorder) Write(p []byte) (int, error) {
	if rc.status == 0 {
		rc.status = http.StatusOK
	}
	if rc.over || int64(rc.buf.Len()+len(p)) > rc.max {
		rc.over = true
		return 0, errors.New("playlist: over the size limit")
	}
	return rc.buf.Write(p)
}

// ReadFrom lets io.Copy (http.ServeContent, httputil.ReverseProxy) fill the
// buffer directly, without a 32 KiB copy buffer per request.
func (rc *recorder) ReadFrom(src io.Reader) (int64, error) {
	if rc.status == 0 {
		rc.status = http.StatusOK
	}
	if rc.over {
		return 0, errors.New("playlist: over the size limit")
	}
	n, err := rc.buf.ReadFrom(io.LimitReader(src, rc.max-int64(rc.buf.Len())+1))
	if int64(rc.buf.Len()) > rc.max {
		rc.over = true
		return n, errors.New("playlist: over the size limit")
	}
	return n, err
}
