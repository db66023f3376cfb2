package signer_test

import (
	"errors"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/policy"
	"github.com/cfhls/cfhls/signer"
)

// dotSegmentPaths are request paths that step out of /movies/1/ on an origin
// that resolves dot segments, decodes before it resolves, or treats '\' as
// '/'. A policy for /movies/1/* matches every one of them as a string.
var dotSegmentPaths = []struct{ name, path string }{
	{"literal dot-dot", "/movies/1/../2/a.ts"},
	{"literal dot", "/movies/1/./a.ts"},
	{"literal dot-dot at the end", "/movies/1/2/.."},
	{"literal dot at the end", "/movies/1/."},
	{"dot then dot-dot", "/movies/1/./../2/a.ts"},
	{"encoded dot-dot lower case", "/movies/1/%2e%2e/2/a.ts"},
	{"encoded dot-dot upper case", "/movies/1/%2E%2E/2/a.ts"},
	{"encoded dot-dot mixed case", "/movies/1/%2e%2E/2/a.ts"},
	{"dot and encoded dot", "/movies/1/.%2e/2/a.ts"},
	{"encoded dot and dot", "/movies/1/%2e./2/a.ts"},
	{"upper-case encoded dot and dot", "/movies/1/%2E./2/a.ts"},
	{"encoded single dot", "/movies/1/%2e/a.ts"},
	{"double-encoded dot-dot", "/movies/1/%252e%252e/2/a.ts"},
	{"encoded slash after dot-dot", "/movies/1/..%2f2/a.ts"},
	{"upper-case encoded slash after dot-dot", "/movies/1/..%2F2/a.ts"},
	{"encoded slash before dot-dot", "/movies/1/2%2f..%2f..%2f2/a.ts"},
	{"all encoded", "/movies/1/%2e%2e%2f2%2fa.ts"},
	{"encoded backslash after dot-dot", "/movies/1/..%5c2/a.ts"},
	{"upper-case encoded backslash", "/movies/1/..%5C2/a.ts"},
	{"literal backslash after dot-dot", `/movies/1/..\2/a.ts`},
	{"literal backslash alone", `/movies/1/2\a.ts`},
	{"dot-dot with path parameter", "/movies/1/..;/2/a.ts"},
	{"dot-dot behind an invalid escape", "/movies/1/%2e%2e/2/a%zz.ts"},
}

// TestVerifierRefusesDotSegments: a dot segment in the path, in any spelling,
// is refused with ErrDotSegment even when the credentials are valid for the
// directory it starts in, through every entry point, without echoing the path.
func TestVerifierRefusesDotSegments(t *testing.T) {
	s, err := signer.New("K2JCJMDEHXQW5F", testRSAKey(t))
	require.NoError(t, err)
	creds, err := s.Credentials(policy.New(cdn+"/movies/1/*", exp))
	require.NoError(t, err)
	v := testVerifier(t)
	client := netip.MustParseAddr("192.0.2.1")

	// Precondition: the same credentials open a clean path in the scope.
	_, err = v.VerifyURL(cdn+"/movies/1/a.ts?"+creds.Encode(), client, now)
	require.NoError(t, err)

	for _, tc := range dotSegmentPaths {
		t.Run(tc.name, func(t *testing.T) {
			_, err := v.VerifyURL(cdn+tc.path+"?"+creds.Encode(), client, now)
			assert.ErrorIs(t, err, signer.ErrDotSegment, "signed URL")
			if err != nil {
				assert.NotContains(t, err.Error(), "2/a", "the error does not echo the path")
			}

			_, err = v.Verify(cdn+tc.path, creds.Cookies(signer.CookieOptions{}), client, now)
			assert.ErrorIs(t, err, signer.ErrDotSegment, "signed cookies")

			_, err = v.VerifyURL(cdn+tc.path, client, now)
			assert.ErrorIs(t, err, signer.ErrDotSegment, "no credentials")

			assert.ErrorIs(t, signer.CheckPath(cdn+tc.path+"?x=1"), signer.ErrDotSegment, "CheckPath, absolute URL")
			assert.ErrorIs(t, signer.CheckPath(tc.path), signer.ErrDotSegment, "CheckPath, request URI")
		})
	}

	t.Run("VerifyRequest", func(t *testing.T) {
		r := httptest.NewRequest("GET", "/movies/1/%2e%2e/2/a.ts?"+creds.Encode(), nil)
		r.Host = "d111111abcdef8.cloudfront.net"
		r.RemoteAddr = "192.0.2.1:5555"
		r.URL.Scheme = "https"
		r.URL.Host = r.Host
		_, err := v.VerifyRequest(r, now)
		assert.ErrorIs(t, err, signer.ErrDotSegment)
	})
}

// TestVerifierAcceptsDotsThatAreNotSegments: dots inside names, escaped
// slashes away from dots, and dot segments in the query are not dot
// segments of the path, and verify.
func TestVerifierAcceptsDotsThatAreNotSegments(t *testing.T) {
	s, err := signer.New("K2JCJMDEHXQW5F", testRSAKey(t))
	require.NoError(t, err)
	creds, err := s.Credentials(policy.New(cdn+"/movies/1/*", exp))
	require.NoError(t, err)
	v := testVerifier(t)
	for _, tc := range []struct{ name, path string }{
		{"plain", "/movies/1/a.ts"},
		{"dots in a name", "/movies/1/a..b.ts"},
		{"leading dots in a name", "/movies/1/..a.ts"},
		{"hidden directory", "/movies/1/.hidden/a.ts"},
		{"three dots", "/movies/1/.../a.ts"},
		{"encoded dots in a name", "/movies/1/%2e%2e.ts"},
		{"encoded slash away from dots", "/movies/1/a%2Fb.ts"},
		{"dot-dot in the query", "/movies/1/a.ts?next=../2/a.ts"},
		{"dot-dot in the fragment", "/movies/1/a.ts#../2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := cdn + tc.path
			assert.NoError(t, signer.CheckPath(u))
			base, frag, hasFrag := strings.Cut(u, "#")
			if hasFrag {
				frag = "#" + frag
			}
			sep := "?"
			if strings.Contains(base, "?") {
				sep = "&"
			}
			_, err := v.VerifyURL(base+sep+creds.Encode()+frag, netip.Addr{}, now)
			assert.NoError(t, err)
		})
	}
}

// TestErrDotSegmentIs: the sentinel is distinct from CloudFront's own
// reasons, so callers can tell a path problem from a credential problem.
func TestErrDotSegmentIs(t *testing.T) {
	err := signer.CheckPath("/movies/1/../2/a.ts")
	require.ErrorIs(t, err, signer.ErrDotSegment)
	for _, other := range []error{signer.ErrMissingKeyPairID, signer.ErrUnknownKey, signer.ErrMalformedPolicy,
		signer.ErrBadSignature, signer.ErrExpired, signer.ErrNotYetValid, signer.ErrSourceIP, signer.ErrResource} {
		assert.False(t, errors.Is(err, other), "%v", other)
	}
}
