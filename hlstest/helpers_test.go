package hlstest

import (
	"crypto"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/signer"
)

// testDomain is the alternate domain name the tests use.
const testDomain = "d111111abcdef8.cloudfront.net"

// t0 is when the tests happen: signers sign at t0, and the simulator's clock
// reads t0 unless a test moves it.
var t0 = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

// testClock is an adjustable clock for CloudFront.Now.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newTestClock(t time.Time) *testClock { return &testClock{t: t} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// newSigner returns a signer for k signing at t0.
func newSigner(t testing.TB, k Key, h crypto.Hash) *signer.Signer {
	t.Helper()
	s, err := signer.New(k.ID, k.Private, signer.WithHash(h))
	require.NoError(t, err)
	return s
}

// mergeFS merges file systems into one.
func mergeFS(fss ...fstest.MapFS) fstest.MapFS {
	out := fstest.MapFS{}
	for _, f := range fss {
		maps.Copy(out, f)
	}
	return out
}

// get makes a GET request with cookies and returns the response and body.
func get(t testing.TB, c *http.Client, rawURL string, cookies ...*http.Cookie) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	require.NoError(t, err)
	for _, ck := range cookies {
		req.AddCookie(ck)
	}
	resp, err := c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(b)
}

// queryNames returns the parameter names of a URL's or request URI's query.
func queryNames(t testing.TB, rawURL string) []string {
	t.Helper()
	_, q, _ := strings.Cut(rawURL, "?")
	v, err := url.ParseQuery(q)
	require.NoError(t, err)
	return slices.Sorted(maps.Keys(v))
}

// signingParams are CloudFront's own parameters, which no origin may see.
var signingParams = []string{"Expires", "Policy", "Signature", "Key-Pair-Id", "Hash-Algorithm"}

// hasSigningParam reports whether a URL or request URI carries one of
// CloudFront's signing parameters.
func hasSigningParam(t testing.TB, requestURI string) bool {
	t.Helper()
	for _, n := range queryNames(t, requestURI) {
		if slices.Contains(signingParams, n) {
			return true
		}
	}
	return false
}
