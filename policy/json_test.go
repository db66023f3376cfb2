package policy_test

import (
	"crypto/rand"
	"crypto/rsa"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/cloudfront/sign"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/policy"
)

var (
	keyOnce sync.Once
	key     *rsa.PrivateKey
)

func rsaKey(t *testing.T) *rsa.PrivateKey {
	keyOnce.Do(func() {
		var err error
		key, err = rsa.GenerateKey(rand.Reader, 2048)
		require.NoError(t, err)
	})
	return key
}

// TestJSONMatchesSDK builds each policy a second time with the AWS SDK's own
// model, lets the SDK encode it, and compares bytes.
func TestJSONMatchesSDK(t *testing.T) {
	for _, tc := range []struct {
		name     string
		resource string
		expires  time.Time
		start    time.Time
		ip       string
	}{
		{"canned URL", "https://d111111abcdef8.cloudfront.net/movies/1/index.m3u8", exp, time.Time{}, ""},
		{"query and ampersand", "https://d/a.m3u8?x=1&y=<2>", exp, time.Time{}, ""},
		{"wildcard", "https://d111111abcdef8.cloudfront.net/movies/1/*", exp, time.Time{}, ""},
		{"star alone", "*", exp, time.Time{}, ""},
		{"start", "https://d/movies/*", exp, nb, ""},
		{"ip", "https://d/movies/*", exp, time.Time{}, "192.0.2.0/24"},
		{"all conditions", "http*://d/movies/?/*", exp, nb, "198.51.100.7/32"},
		{"fractional seconds truncate", "https://d/a", exp.Add(999 * time.Millisecond), time.Time{}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := policy.New(tc.resource, tc.expires)
			p.NotBefore = tc.start
			sp := sign.NewCannedPolicy(tc.resource, tc.expires)
			if !tc.start.IsZero() {
				sp.Statements[0].Condition.DateGreaterThan = sign.NewAWSEpochTime(tc.start)
			}
			if tc.ip != "" {
				p.SourceIP = netip.MustParsePrefix(tc.ip)
				sp.Statements[0].Condition.IPAddress = &sign.IPAddress{SourceIP: tc.ip}
			}
			_, b64, err := sp.Sign(rsaKey(t))
			require.NoError(t, err)
			want, err := policy.Decode(string(b64))
			require.NoError(t, err)

			got, err := p.JSON()
			require.NoError(t, err)
			assert.Equal(t, string(want), string(got))
		})
	}
}

func TestJSONCannedShape(t *testing.T) {
	got, err := policy.New("https://d/a.ts?v=1", exp).JSON()
	require.NoError(t, err)
	assert.Equal(t, `{"Statement":[{"Resource":"https://d/a.ts?v=1","Condition":{"DateLessThan":{"AWS:EpochTime":1900000000}}}]}`, string(got))
}

func TestJSONRefusesInvalid(t *testing.T) {
	_, err := policy.New("https://d/a b", exp).JSON()
	assert.ErrorIs(t, err, policy.ErrInvalid)
}
