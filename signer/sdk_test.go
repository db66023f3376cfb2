package signer_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/cloudfront/sign"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/policy"
	"github.com/cfhls/cfhls/signer"
)

// TestCannedMatchesSDK signs the same URLs with the AWS SDK's own sign package
// and with cfhls: RSA PKCS#1 v1.5 is deterministic, so the URLs must be equal.
func TestCannedMatchesSDK(t *testing.T) {
	key := testRSAKey(t)
	exp := time.Unix(1900000000, 0)
	s, err := signer.New("K2JCJMDEHXQW5F", key)
	require.NoError(t, err)
	sdk := sign.NewURLSigner("K2JCJMDEHXQW5F", key)
	for _, tc := range []struct{ name, url string }{
		{"plain", "https://d111111abcdef8.cloudfront.net/movies/1/index.m3u8"},
		{"query", "https://d111111abcdef8.cloudfront.net/movies/1/index.m3u8?v=1&lang=en"},
		{"escaped", "https://d111111abcdef8.cloudfront.net/movies/a%20b/seg-1.ts"},
		{"http", "http://d111111abcdef8.cloudfront.net/a.ts"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want, err := sdk.Sign(tc.url, exp)
			require.NoError(t, err)
			got, err := s.SignURL(tc.url, policy.New(tc.url, exp))
			require.NoError(t, err)
			assert.Equal(t, want, got)
		})
	}
}
