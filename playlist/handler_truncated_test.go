package playlist_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/playlist"
)

// truncatedBody is 47 bytes of a playlist that promised 1000: a valid
// playlist prefix, so that only the length says it is cut short.
const truncatedBody = "#EXTM3U\n#EXTINF:2,\nseg-0.ts\n#EXTINF:2,\nseg-1.t"

// rawUpstream is an origin server on 127.0.0.1 that answers every request
// with what send writes on the connection, then closes it. send gets the
// connection (a *net.TCPConn) to choose how it ends.
type rawUpstream struct {
	ln   net.Listener
	wg   sync.WaitGroup
	URL  *url.URL
	send func(c *net.TCPConn, w *bufio.Writer)
}

func newRawUpstream(t *testing.T, send func(c *net.TCPConn, w *bufio.Writer)) *rawUpstream {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	u := &rawUpstream{ln: ln, send: send, URL: &url.URL{Scheme: "http", Host: ln.Addr().String()}}
	u.wg.Add(1)
	go u.serve()
	t.Cleanup(func() {
		_ = ln.Close()
		u.wg.Wait()
	})
	return u
}

func (u *rawUpstream) serve() {
	defer u.wg.Done()
	for {
		c, err := u.ln.Accept()
		if err != nil {
			return
		}
		u.wg.Add(1)
		go func() {
			defer u.wg.Done()
			defer c.Close()
			// Read the request head; the body of a GET is empty.
			br := bufio.NewReader(c)
			if _, err := http.ReadRequest(br); err != nil {
				return
			}
			bw := bufio.NewWriter(c)
			u.send(c.(*net.TCPConn), bw)
		}()
	}
}

// shortContentLength promises 1000 bytes, sends 47 and closes.
func shortContentLength(_ *net.TCPConn, w *bufio.Writer) {
	_, _ = io.WriteString(w, "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.apple.mpegurl\r\nContent-Length: 1000\r\n\r\n"+truncatedBody)
	_ = w.Flush()
}

// chunkedClosed sends one chunk and closes without the last chunk.
func chunkedClosed(_ *net.TCPConn, w *bufio.Writer) {
	_, _ = io.WriteString(w, "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.apple.mpegurl\r\nTransfer-Encoding: chunked\r\n\r\n"+
		strconv.FormatInt(int64(len(truncatedBody)), 16)+"\r\n"+truncatedBody+"\r\n")
	_ = w.Flush()
}

// resetAfter returns an upstream writer that sends one chunk, waits until
// the proxy has passed it on (got is closed), then resets the connection.
func resetAfter(got <-chan struct{}) func(c *net.TCPConn, w *bufio.Writer) {
	return func(c *net.TCPConn, w *bufio.Writer) {
		chunkedClosed(c, w)
		<-got
		_ = c.SetLinger(0) // Close sends RST
	}
}

// firstWrite signals when the origin writes its first body bytes.
type firstWrite struct {
	http.ResponseWriter
	once *sync.Once
	done chan struct{}
}

func (f firstWrite) Write(p []byte) (int, error) {
	n, err := f.ResponseWriter.Write(p)
	f.once.Do(func() { close(f.done) })
	return n, err
}

// TestHandlerTruncatedOrigin: an origin answer cut short (a body shorter
// than its Content-Length, a chunked body that stops, a reset mid-body)
// answers 502 even when no net/http server is around the Handler, as in a
// Lambda: ServeHTTP with context.Background() and a recorder.
func TestHandlerTruncatedOrigin(t *testing.T) {
	e := newEnv(t)
	carried := e.carrier.Encode(e.creds)
	for _, up := range []struct {
		name string
		// origin returns the Handler's origin; reset upstreams need to know
		// when the proxy has the first chunk.
		origin func(t *testing.T) http.Handler
	}{
		{"content-length 1000, 47 bytes sent", func(t *testing.T) http.Handler {
			return playlist.RemoteOrigin(newRawUpstream(t, shortContentLength).URL)
		}},
		{"chunked, closed mid-body", func(t *testing.T) http.Handler {
			return playlist.RemoteOrigin(newRawUpstream(t, chunkedClosed).URL)
		}},
		{"chunked, reset mid-body", func(t *testing.T) http.Handler {
			got := make(chan struct{})
			proxy := playlist.RemoteOrigin(newRawUpstream(t, resetAfter(got)).URL)
			var once sync.Once
			t.Cleanup(func() { once.Do(func() { close(got) }) })
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				proxy.ServeHTTP(firstWrite{ResponseWriter: w, once: &once, done: got}, r)
			})
		}},
		{"handler origin, content-length 1000, 47 bytes written", func(*testing.T) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", "1000")
				_, _ = io.WriteString(w, truncatedBody)
			})
		}},
	} {
		for _, mode := range []playlist.Mode{playlist.ModePropagate, playlist.ModeServerSide} {
			t.Run(up.name+"/"+mode.String(), func(t *testing.T) {
				h := &playlist.Handler{Origin: up.origin(t), Mode: mode, ErrorLog: quiet()}
				target := cdn + "/movies/1/low/index.m3u8"
				if mode == playlist.ModePropagate {
					h.Propagate.Carrier = &e.carrier
					target += "?" + carried
				} else {
					h.ServerSide.Signer = e.signer
				}
				r := httptest.NewRequest("GET", target, nil).WithContext(context.Background())
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				assert.Equal(t, http.StatusBadGateway, w.Code, w.Body.String())
				assert.NotContains(t, w.Body.String(), "seg-0.ts", "no part of the playlist")
				assert.False(t, strings.HasPrefix(w.Body.String(), "#EXTM3U"))
			})
		}
	}
}

// TestHandlerOriginContentLength: a passed-through refusal is sent with the
// length of what the origin really sent, and a complete answer still works.
func TestHandlerOriginContentLength(t *testing.T) {
	for _, tc := range []struct {
		name   string
		write  func(w http.ResponseWriter)
		status int
		body   string
	}{
		{"404 shorter than its Content-Length", func(w http.ResponseWriter) {
			w.Header().Set("Content-Length", "500")
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, "not here")
		}, http.StatusBadGateway, "origin failed"},
		{"404 complete", func(w http.ResponseWriter) {
			w.Header().Set("Content-Length", "8")
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, "not here")
		}, http.StatusNotFound, "not here"},
		{"200 complete", func(w http.ResponseWriter) {
			w.Header().Set("Content-Length", strconv.Itoa(len(media)))
			_, _ = io.WriteString(w, media)
		}, http.StatusOK, "seg-0.ts"},
		{"200 longer than its Content-Length", func(w http.ResponseWriter) {
			w.Header().Set("Content-Length", "10")
			_, _ = io.WriteString(w, media)
		}, http.StatusBadGateway, "origin failed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := &playlist.Handler{Mode: playlist.ModeCookies, ErrorLog: quiet(), Origin: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { tc.write(w) })}
			w := get(h, "GET", cdn+"/movies/1/low/index.m3u8")
			assert.Equal(t, tc.status, w.Code)
			assert.Contains(t, w.Body.String(), tc.body)
			assert.Equal(t, strconv.Itoa(w.Body.Len()), w.Header().Get("Content-Length"))
		})
	}
}
