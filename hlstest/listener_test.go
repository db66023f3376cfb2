package hlstest

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCloudFrontServerLimits: the simulator's listener has a header timeout,
// an idle timeout and a header size limit, and no read or write timeout that
// would cut a long-polling (LL-HLS blocking reload) request short.
func TestCloudFrontServerLimits(t *testing.T) {
	for _, tc := range []struct {
		name   string
		domain string
	}{
		{"plain HTTP", ""},
		{"HTTPS with a domain", testDomain},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cf := NewUnstartedCloudFront(http.NotFoundHandler())
			cf.Domain = tc.domain
			cf.Start()
			t.Cleanup(cf.Close)
			c := cf.srv.Config
			assert.Equal(t, readHeaderTimeout, c.ReadHeaderTimeout)
			assert.Equal(t, idleTimeout, c.IdleTimeout)
			assert.Equal(t, maxHeaderBytes, c.MaxHeaderBytes)
			assert.Zero(t, c.ReadTimeout, "a read timeout would count against long-polling requests")
			assert.Zero(t, c.WriteTimeout, "a write timeout would cut long-polling responses")
		})
	}
}

// TestCloudFrontClosesHalfSentRequest: a connection that sends half a
// request line and stalls is closed once the header timeout passes (200 ms
// here), well within a generous bound; the bound is a read deadline, not a
// sleep. net/http may answer 400 or 408 first; nothing else may come back.
func TestCloudFrontClosesHalfSentRequest(t *testing.T) {
	cf := NewUnstartedCloudFront(http.NotFoundHandler())
	cf.limits.readHeaderTimeout = 200 * time.Millisecond
	cf.Start()
	t.Cleanup(cf.Close)
	conn, err := net.Dial("tcp", cf.addr)
	require.NoError(t, err)
	defer conn.Close()
	_, err = io.WriteString(conn, "GET /movies/1/a.ts HT")
	require.NoError(t, err)

	require.NoError(t, conn.SetReadDeadline(time.Now().Add(5*time.Second)))
	b, err := io.ReadAll(conn) // nil error: the server closed the connection
	var ne net.Error
	assert.False(t, errors.As(err, &ne) && ne.Timeout(), "the connection was still open after 5 s")
	assert.NoError(t, err)
	if len(b) > 0 { // net/http may say 400 or 408 before it closes
		assert.True(t, strings.HasPrefix(string(b), "HTTP/1.1 4"), "%q", b)
	}
}

// TestCloudFrontRefusesOversizedHeaders: request headers far beyond
// CloudFront's 20,480-byte limit get 431 instead of reaching the origin.
func TestCloudFrontRefusesOversizedHeaders(t *testing.T) {
	var reached atomic.Bool
	cf := NewUnstartedCloudFront(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { reached.Store(true) }))
	cf.Default.Public = true
	cf.Start()
	t.Cleanup(cf.Close)
	conn, err := net.Dial("tcp", cf.addr)
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.SetDeadline(time.Now().Add(10*time.Second)))

	req := "GET /a.ts HTTP/1.1\r\nHost: d\r\nX-Big: " + strings.Repeat("a", 40<<10) + "\r\n\r\n"
	_, err = io.WriteString(conn, req)
	require.NoError(t, err)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, http.StatusRequestHeaderFieldsTooLarge, resp.StatusCode)
	assert.False(t, reached.Load(), "the origin saw the request")
}
