package signer_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/policy"
	"github.com/cfhls/cfhls/signer"
)

// guarded is VerifyRequest in front of http.FileServerFS, as a user would
// write it; it remembers the last refusal.
type guarded struct {
	v     *signer.Verifier
	files http.Handler
	mu    sync.Mutex
	err   error
}

func (g *guarded) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, err := g.v.VerifyRequest(r, now)
	g.mu.Lock()
	g.err = err
	g.mu.Unlock()
	if err != nil {
		http.Error(w, "denied", http.StatusForbidden)
		return
	}
	g.files.ServeHTTP(w, r)
}

func (g *guarded) lastErr() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.err
}

// rawGet sends target on the request line exactly as given (a client that
// does not parse it, as net.Dial does) and returns the status and body.
func rawGet(t *testing.T, host, target, cookie string) (int, string) {
	t.Helper()
	c, err := net.Dial("tcp", host)
	require.NoError(t, err)
	defer c.Close()
	_, err = fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\nCookie: %s\r\nConnection: close\r\n\r\n", target, host, cookie)
	require.NoError(t, err)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

// TestVerifyRequestRefusesHash: a literal '#' in a request target is no
// fragment to Go's server, which keeps it in the path: "/movies/1/#/../../2/a.ts"
// is served by http.FileServerFS as /movies/2/a.ts. VerifyRequest refuses
// any literal '#' with ErrDotSegment before it reads a credential, so
// credentials for /movies/1/* never open movie 2, in cookies or in the
// query; an escaped "%23" in a name still verifies.
func TestVerifyRequestRefusesHash(t *testing.T) {
	s, err := signer.New("K2JCJMDEHXQW5F", testRSAKey(t))
	require.NoError(t, err)
	g := &guarded{v: testVerifier(t), files: http.FileServerFS(fstest.MapFS{
		"movies/1/a.ts":  {Data: []byte("movie-1")},
		"movies/1/#a.ts": {Data: []byte("hash-name")},
		"movies/2/a.ts":  {Data: []byte("MOVIE-2")},
	})}
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	creds, err := s.Credentials(policy.New("http://"+host+"/movies/1/*", exp))
	require.NoError(t, err)
	var jar []string
	for _, c := range creds.Cookies(signer.CookieOptions{}) {
		jar = append(jar, c.Name+"="+c.Value)
	}
	cookie := strings.Join(jar, "; ")
	query := creds.Encode()

	// Preconditions: the credentials open movie 1 and nothing else.
	status, body := rawGet(t, host, "/movies/1/a.ts", cookie)
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, "movie-1", body)
	status, _ = rawGet(t, host, "/movies/2/a.ts", cookie)
	require.Equal(t, http.StatusForbidden, status)

	for _, tc := range []struct {
		name, target, cookie string
		status               int
		body                 string
	}{
		{"cookies, hash then dot-dots", "/movies/1/#/../../2/a.ts", cookie, http.StatusForbidden, "denied"},
		{"cookies, hash then encoded dot-dots", "/movies/1/#/%2e%2e/%2e%2e/2/a.ts", cookie, http.StatusForbidden, "denied"},
		{"cookies, hash in a name", "/movies/1/#a.ts", cookie, http.StatusForbidden, "denied"},
		{"cookies, hash in the query", "/movies/1/a.ts?x=#/../../2", cookie, http.StatusForbidden, "denied"},
		{"query, hash then dot-dots", "/movies/1/#/../../2/a.ts?" + query, "", http.StatusForbidden, "denied"},
		{"absolute form, hash then dot-dots", "http://" + host + "/movies/1/#/../../2/a.ts", cookie, http.StatusForbidden, "denied"},
		{"cookies, escaped hash then dot-dots", "/movies/1/%23/../../2/a.ts", cookie, http.StatusForbidden, "denied"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := rawGet(t, host, tc.target, tc.cookie)
			assert.Equal(t, tc.status, status)
			assert.Contains(t, body, tc.body)
			assert.NotContains(t, body, "MOVIE-2")
			assert.ErrorIs(t, g.lastErr(), signer.ErrDotSegment)
		})
	}

	t.Run("cookies, escaped hash in a name", func(t *testing.T) {
		status, body := rawGet(t, host, "/movies/1/%23a.ts", cookie)
		assert.Equal(t, http.StatusOK, status)
		assert.Equal(t, "hash-name", body)
		assert.NoError(t, g.lastErr())
	})
}

// TestRequestURLEscapesHash: RequestURL names the path the server routes,
// so a literal '#' Go's server kept in the path comes out as "%23", never
// as a fragment that would hide the rest of the path from CheckPath.
func TestRequestURLEscapesHash(t *testing.T) {
	for _, tc := range []struct{ name, target, want string }{
		{"hash then dot-dots", "/movies/1/#/../../2/a.ts", "http://d.example/movies/1/%23/../../2/a.ts"},
		{"hash in the query", "/a.ts?x=#y", "http://d.example/a.ts?x=%23y"},
		{"escaped hash", "/movies/1/%23a.ts", "http://d.example/movies/1/%23a.ts"},
		{"no hash", "/movies/1/a.ts?x=1", "http://d.example/movies/1/a.ts?x=1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, tc.target, nil)
			r.Host = "d.example"
			require.Equal(t, tc.target, r.RequestURI, "the target as sent")
			got := signer.RequestURL(r)
			assert.Equal(t, tc.want, got)
			if strings.Contains(tc.target, "/../") {
				assert.ErrorIs(t, signer.CheckPath(got), signer.ErrDotSegment)
			}
		})
	}
}
