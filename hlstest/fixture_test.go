package hlstest

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/policy"
	"github.com/cfhls/cfhls/signer"
)

// cfFixture is a simulator with the tests' domain, clock and key group
// (RSAKey and ECDSAKey), an S3 origin holding movies/1, movies/10 and
// public/hello.txt, and a public behavior for /public/*.
type cfFixture struct {
	cf    *CloudFront
	clock *testClock
}

// newFixture starts the fixture's simulator after configure, if given, has
// changed its fields.
func newFixture(t testing.TB, configure ...func(*CloudFront)) *cfFixture {
	t.Helper()
	clock := newTestClock(t0)
	fsys := mergeFS(Presentation("movies/1"), Presentation("movies/10"),
		fstest.MapFS{"public/hello.txt": {Data: []byte("hello")}})
	cf := NewUnstartedCloudFront(NewS3Origin(fsys))
	cf.Domain = testDomain
	cf.Now = clock.Now
	cf.Keys = []Key{RSAKey(), ECDSAKey()}
	cf.Behaviors = []Behavior{{PathPattern: "/public/*", Public: true}}
	for _, f := range configure {
		f(cf)
	}
	cf.Start()
	t.Cleanup(cf.Close)
	return &cfFixture{cf: cf, clock: clock}
}

// lastEntry returns the newest log entry.
func lastEntry(t testing.TB, cf *CloudFront) Entry {
	t.Helper()
	log := cf.Log()
	require.NotEmpty(t, log)
	return log[len(log)-1]
}

// rawParam returns the raw value of a query parameter.
func rawParam(rawURL, name string) string {
	_, q, _ := strings.Cut(rawURL, "?")
	for _, pair := range strings.Split(q, "&") {
		if n, v, _ := strings.Cut(pair, "="); n == name {
			return v
		}
	}
	return ""
}

// editParam replaces (or, with del, removes) a query parameter, keeping the
// other pairs as they are.
func editParam(rawURL, name, value string, del bool) string {
	base, q, _ := strings.Cut(rawURL, "?")
	var out []string
	for _, pair := range strings.Split(q, "&") {
		if n, _, _ := strings.Cut(pair, "="); n == name {
			if !del {
				out = append(out, name+"="+value)
			}
			continue
		}
		out = append(out, pair)
	}
	return base + "?" + strings.Join(out, "&")
}

// flip changes one character of a CloudFront base64 value.
func flip(s string) string {
	i := len(s) / 2
	c := byte('A')
	if s[i] == 'A' {
		c = 'B'
	}
	return s[:i] + string(c) + s[i+1:]
}

func mustSignURL(t testing.TB, s *signer.Signer, rawURL string, p policy.Policy) string {
	t.Helper()
	u, err := s.SignURL(rawURL, p)
	require.NoError(t, err)
	return u
}

func mustCookies(t testing.TB, s *signer.Signer, p policy.Policy) []*http.Cookie {
	t.Helper()
	c, err := s.Cookies(p, signer.CookieOptions{})
	require.NoError(t, err)
	return c
}

// signRaw signs a policy document as is with RSAKey (SHA-1), for documents
// the signer would never produce, and returns the signed URL.
func signRaw(t testing.TB, rawURL, doc string) string {
	t.Helper()
	k, ok := RSAKey().Private.(*rsa.PrivateKey)
	require.True(t, ok)
	sum := sha1.Sum([]byte(doc))
	sig, err := rsa.SignPKCS1v15(nil, k, crypto.SHA1, sum[:])
	require.NoError(t, err)
	return rawURL + "?Policy=" + policy.Encode([]byte(doc)) + "&Signature=" + policy.Encode(sig) + "&Key-Pair-Id=" + RSAKeyID
}
