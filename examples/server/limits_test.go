package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/playlist"
	"github.com/cfhls/cfhls/signer"
)

// TestStackListenerLimits: both listeners of the demo bound what a client
// can hold open or send. The page server has every timeout but a write
// timeout; the simulated CloudFront (whose timeouts hlstest tests with a
// short header timeout) answers 431 to headers beyond its limit.
func TestStackListenerLimits(t *testing.T) {
	st := startStack(t, playlist.ModePropagate, &testClock{t: time.Now()}, false)
	assert.Equal(t, pageReadHeaderTimeout, st.page.ReadHeaderTimeout)
	assert.Equal(t, pageReadTimeout, st.page.ReadTimeout)
	assert.Equal(t, pageIdleTimeout, st.page.IdleTimeout)
	assert.Equal(t, pageMaxHeaderBytes, st.page.MaxHeaderBytes)

	for _, tc := range []struct{ name, addr string }{
		{"page server", strings.TrimPrefix(st.pageURL, "http://")},
		{"simulated CloudFront", strings.TrimPrefix(st.cdnURL(), "http://")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", tc.addr)
			require.NoError(t, err)
			defer conn.Close()
			require.NoError(t, conn.SetDeadline(time.Now().Add(10*time.Second)))
			_, err = io.WriteString(conn, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: "+strings.Repeat("a", 96<<10)+"\r\n\r\n")
			if err != nil {
				t.Logf("write: %v (the server may stop reading early)", err)
			}
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			require.NoError(t, err)
			defer resp.Body.Close()
			assert.Equal(t, http.StatusRequestHeaderFieldsTooLarge, resp.StatusCode)
		})
	}
}

// TestStackRefusesDotSegments: a viewer signed for one presentation cannot
// step into another through the demo's CDN with a dot segment.
func TestStackRefusesDotSegments(t *testing.T) {
	st := startStack(t, playlist.ModeServerSide, &testClock{t: time.Now()}, false)
	signed, err := st.signedMaster("sample")
	require.NoError(t, err)
	_, query, _ := strings.Cut(signed, "?")
	for _, p := range []string{"/sample/../other/master.m3u8", "/sample/%2e%2e/other/master.m3u8", "/sample/..%2fother/index.m3u8"} {
		t.Run(p, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, st.cdnURL()+"/", nil)
			require.NoError(t, err)
			req.URL.Opaque, req.URL.RawQuery = p, query
			resp, err := st.cdn.Client().Do(req)
			require.NoError(t, err)
			require.NoError(t, resp.Body.Close())
			assert.Equal(t, http.StatusForbidden, resp.StatusCode)
			refusals := st.cdn.Refusals()
			require.NotEmpty(t, refusals)
			assert.ErrorIs(t, refusals[len(refusals)-1].Err, signer.ErrDotSegment)
		})
	}
}
