package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/playlist"
	"github.com/cfhls/cfhls/policy"
	"github.com/cfhls/cfhls/signer"
)

// cutPlaylist is a valid playlist prefix of 47 bytes.
const cutPlaylist = "#EXTM3U\n#EXTINF:2,\nseg-0.ts\n#EXTINF:2,\nseg-1.t"

// brokenUpstream listens on 127.0.0.1 and answers each request with send,
// which gets the connection to decide how it ends (closed, or reset).
func brokenUpstream(t *testing.T, send func(c *net.TCPConn)) *url.URL {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				if _, err := http.ReadRequest(bufio.NewReader(c)); err == nil {
					send(c.(*net.TCPConn))
				}
			}()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		wg.Wait()
	})
	return &url.URL{Scheme: "http", Host: ln.Addr().String()}
}

func sendShort(c *net.TCPConn) {
	_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"+cutPlaylist)
}

func sendOneChunk(c *net.TCPConn) {
	_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"+
		strconv.FormatInt(int64(len(cutPlaylist)), 16)+"\r\n"+cutPlaylist+"\r\n")
}

// signalWrite closes done at the origin's first body write.
type signalWrite struct {
	http.ResponseWriter
	once *sync.Once
	done chan struct{}
}

func (s signalWrite) Write(p []byte) (int, error) {
	n, err := s.ResponseWriter.Write(p)
	s.once.Do(func() { close(s.done) })
	return n, err
}

// TestLambdaTruncatedOrigin drives the function the way Lambda does (the
// httpadapter main uses, context.Background(), no net/http server): an
// origin answer cut short is a 502, never a 200 with half a playlist.
func TestLambdaTruncatedOrigin(t *testing.T) {
	key, err := signer.ParsePrivateKey([]byte(keyPEM))
	require.NoError(t, err)
	s, err := signer.New("K2JCJMDEHXQW5F", key)
	require.NoError(t, err)
	creds, err := s.Credentials(policy.New(cdn+"/movies/1/*", time.Now().Add(time.Hour)))
	require.NoError(t, err)
	carried := signer.Suffix("-PREFIX").Encode(creds)

	for _, up := range []struct {
		name   string
		origin func(t *testing.T) http.Handler
	}{
		{"content-length 1000, 47 bytes sent", func(t *testing.T) http.Handler {
			return playlist.RemoteOrigin(brokenUpstream(t, sendShort))
		}},
		{"chunked, closed mid-body", func(t *testing.T) http.Handler {
			return playlist.RemoteOrigin(brokenUpstream(t, sendOneChunk))
		}},
		{"chunked, reset mid-body", func(t *testing.T) http.Handler {
			got := make(chan struct{})
			var once sync.Once
			t.Cleanup(func() { once.Do(func() { close(got) }) })
			proxy := playlist.RemoteOrigin(brokenUpstream(t, func(c *net.TCPConn) {
				sendOneChunk(c)
				<-got
				_ = c.SetLinger(0) // the deferred Close resets
			}))
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				proxy.ServeHTTP(signalWrite{ResponseWriter: w, once: &once, done: got}, r)
			})
		}},
	} {
		for _, mode := range []playlist.Mode{playlist.ModePropagate, playlist.ModeServerSide} {
			t.Run(up.name+"/"+mode.String(), func(t *testing.T) {
				c, err := loadConfig(env(map[string]string{"CFHLS_MODE": mode.String()}))
				require.NoError(t, err)
				app, err := newApp(c, key, up.origin(t))
				require.NoError(t, err)
				ev := events.APIGatewayV2HTTPRequest{
					Version: "2.0", RouteKey: "$default", RawPath: "/movies/1/low/index.m3u8",
					Headers: map[string]string{
						"host":                  "abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-east-1.on.aws",
						"x-cfhls-origin-secret": testOriginSecret,
						"x-forwarded-proto":     "https",
					},
				}
				ev.RequestContext.HTTP.Method = "GET"
				ev.RequestContext.HTTP.Path = ev.RawPath
				ev.RequestContext.HTTP.SourceIP = "130.176.0.1"
				ev.RawQueryString = carried // both modes read the viewer's copies
				resp, err := httpadapter.NewV2(app).ProxyWithContext(context.Background(), ev)
				require.NoError(t, err)
				assert.Equal(t, http.StatusBadGateway, resp.StatusCode, resp.Body)
				assert.NotContains(t, resp.Body, "seg-0.ts")
				assert.False(t, strings.HasPrefix(resp.Body, "#EXTM3U"))
			})
		}
	}
}
