package hlstest

import (
	"crypto"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"path"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/policy"
	"github.com/cfhls/cfhls/signer"
)

// movie2 is what must never leak to a viewer signed for movie 1.
const movie2 = "MOVIE-2-ONLY"

func traversalFS() fstest.MapFS {
	return fstest.MapFS{
		"movies/1/a.ts":     {Data: []byte("movie-1")},
		"movies/2/a.ts":     {Data: []byte(movie2)},
		"public/hello.txt":  {Data: []byte("hello")},
		"public/movie2.txt": {Data: []byte("public")},
	}
}

// resolvingOrigin is the careless origin of the security finding: it decodes
// the path, treats '\' as '/', resolves dot segments and serves what it
// lands on. It records every request URI it sees.
type resolvingOrigin struct {
	fsys fs.FS
	mu   sync.Mutex
	seen []string
}

func (o *resolvingOrigin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	o.mu.Lock()
	o.seen = append(o.seen, r.RequestURI)
	o.mu.Unlock()
	name := path.Clean("/" + strings.ReplaceAll(r.URL.Path, `\`, "/"))
	b, err := fs.ReadFile(o.fsys, strings.TrimPrefix(name, "/"))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	_, _ = w.Write(b)
}

func (o *resolvingOrigin) requests() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.seen...)
}

// traversalCloudFront is a simulator in front of origin with the test key,
// a public behavior for /public/*, and every other path signed.
func traversalCloudFront(t *testing.T, origin http.Handler) *CloudFront {
	t.Helper()
	cf := NewUnstartedCloudFront(origin)
	cf.Domain = testDomain
	cf.Now = func() time.Time { return t0 }
	cf.Keys = []Key{RSAKey()}
	cf.Behaviors = []Behavior{{PathPattern: "/public/*", Public: true}}
	cf.Start()
	t.Cleanup(cf.Close)
	return cf
}

// rawGet asks cf for target sent on the request line as it is (URL.Opaque
// is neither parsed nor escaped by the client), with rawQuery and cookies,
// and returns the response with its body read.
func rawGet(t *testing.T, cf *CloudFront, target, rawQuery string, cookies []*http.Cookie) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, cf.URL+"/", nil)
	require.NoError(t, err)
	req.URL.Opaque = target
	req.URL.RawQuery = rawQuery
	for _, c := range cookies {
		req.AddCookie(c)
	}
	resp, err := cf.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(b)
}

// TestCloudFrontRefusesDotSegments drives the simulator with a real client
// whose request line keeps its dot segments (URL.Opaque is sent as is): the
// simulator refuses with 403 before any origin sees the request, on signed
// and public behaviors alike, and movie 2 never comes back to a viewer signed
// for movie 1.
func TestCloudFrontRefusesDotSegments(t *testing.T) {
	origin := &resolvingOrigin{fsys: traversalFS()}
	cf := traversalCloudFront(t, origin)
	creds, err := newSigner(t, RSAKey(), crypto.SHA1).Credentials(policy.New(cf.URL+"/movies/1/*", t0.Add(time.Hour)))
	require.NoError(t, err)
	query := creds.Encode()

	do := func(t *testing.T, rawPath, rawQuery string) (*http.Response, string) {
		t.Helper()
		return rawGet(t, cf, rawPath, rawQuery, nil)
	}

	// Preconditions: the credentials work in scope, the origin is as
	// careless as the finding's, and the client does not clean paths.
	resp, body := do(t, "/movies/1/a.ts", query)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "movie-1", body)
	require.Equal(t, movie2, string(func() []byte {
		rec := httptest.NewRecorder()
		origin.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/movies/1/../2/a.ts", nil))
		return rec.Body.Bytes()
	}()))

	for _, tc := range []struct{ name, path, query string }{
		{"signed literal dot-dot", "/movies/1/../2/a.ts", query},
		{"signed literal dot", "/movies/1/./../2/a.ts", query},
		{"signed encoded dot-dot", "/movies/1/%2e%2e/2/a.ts", query},
		{"signed upper-case encoded dot-dot", "/movies/1/%2E%2E/2/a.ts", query},
		{"signed dot and encoded dot", "/movies/1/.%2e/2/a.ts", query},
		{"signed encoded dot and dot", "/movies/1/%2e./2/a.ts", query},
		{"signed encoded slash", "/movies/1/..%2f2/a.ts", query},
		{"signed encoded backslash", "/movies/1/..%5c2/a.ts", query},
		{"signed literal backslash", `/movies/1/..\2/a.ts`, query},
		{"signed double-encoded dot-dot", "/movies/1/%252e%252e/2/a.ts", query},
		{"public literal dot-dot", "/public/../movies/2/a.ts", ""},
		{"public encoded dot-dot", "/public/%2e%2e/movies/2/a.ts", ""},
		{"public encoded backslash", "/public/..%5Cmovies/2/a.ts", ""},
		{"public dot, harmless target", "/public/./movie2.txt", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(origin.requests())
			resp, body := do(t, tc.path, tc.query)
			e := lastEntry(t, cf)
			require.Contains(t, e.URL, tc.path, "the path reached the simulator as sent")

			assert.Equal(t, http.StatusForbidden, resp.StatusCode)
			assert.NotContains(t, body, movie2)
			assert.Equal(t, "Error from cloudfront", resp.Header.Get("X-Cache"))
			assert.Len(t, origin.requests(), before, "no origin saw the request: %v", origin.requests()[before:])
			assert.Equal(t, DecisionRefused, e.Decision)
			assert.True(t, errors.Is(e.Err, signer.ErrDotSegment), "%v", e.Err)
			assert.Empty(t, e.OriginURI)
		})
	}
}

// sloppyFS resolves names the way a careless store does: '\' is '/', and
// dot segments are resolved instead of refused.
// It has only Open, so fs.Stat and fs.ReadFile go through it.
type sloppyFS struct{ m fstest.MapFS }

func (s sloppyFS) Open(name string) (fs.File, error) {
	return s.m.Open(strings.TrimPrefix(path.Clean("/"+strings.ReplaceAll(name, `\`, "/")), "/"))
}

// TestS3OriginRefusesDotSegments: the S3-like origin answers 404 NoSuchKey
// for a path with a dot segment, literal, percent-encoded or made with an
// (escaped) backslash, even over a file system that would resolve it.
func TestS3OriginRefusesDotSegments(t *testing.T) {
	o := NewS3Origin(sloppyFS{traversalFS()})
	// Precondition: the file system resolves what the origin must refuse.
	b, err := fs.ReadFile(sloppyFS{traversalFS()}, `movies/1/..\2/a.ts`)
	require.NoError(t, err)
	require.Equal(t, movie2, string(b))

	for _, tc := range []struct{ name, target string }{
		{"literal dot-dot", "/movies/1/../2/a.ts"},
		{"literal dot", "/movies/2/./a.ts"},
		{"encoded dot-dot", "/movies/1/%2e%2e/2/a.ts"},
		{"upper-case encoded dot-dot", "/movies/1/%2E%2E/2/a.ts"},
		{"encoded slash", "/movies/1/..%2f2/a.ts"},
		{"encoded backslash", "/movies/1/..%5c2/a.ts"},
		{"upper-case encoded backslash", "/movies/1/..%5C2/a.ts"},
		{"literal backslash", `/movies/1/..\2/a.ts`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			o.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tc.target, nil))
			assert.Equal(t, http.StatusNotFound, rec.Code)
			assert.Contains(t, rec.Body.String(), "<Code>NoSuchKey</Code>")
			assert.NotContains(t, rec.Body.String(), movie2)
		})
	}
}
