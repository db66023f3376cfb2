package policy_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/policy"
)

var (
	exp = time.Unix(1900000000, 0)
	nb  = time.Unix(1800000000, 0)
)

func TestValidate(t *testing.T) {
	withNB := policy.Custom("https://d/a/*", exp)
	withNB.NotBefore = nb
	withIP := policy.Custom("https://d/a/*", exp)
	withIP.SourceIP = netip.MustParsePrefix("192.0.2.0/24")

	mod := func(p policy.Policy, f func(*policy.Policy)) policy.Policy { f(&p); return p }
	for _, tc := range []struct {
		name string
		p    policy.Policy
		want string // substring of the error; "" means valid
	}{
		{"canned", policy.Canned("https://d/a.ts", exp), ""},
		{"canned with query", policy.Canned("https://d/a.ts?v=1", exp), ""},
		{"custom wildcard", policy.Custom("https://d/movies/1/*", exp), ""},
		{"custom star alone", policy.Custom("*", exp), ""},
		{"custom scheme wildcard", policy.Custom("http*://d/*", exp), ""},
		{"custom with start", withNB, ""},
		{"custom with IP", withIP, ""},
		{"zero value", policy.Policy{}, "Resource is empty"},
		{"empty resource", policy.Custom("", exp), "Resource is empty"},
		{"space", policy.Custom("https://d/a b.ts", exp), "space at byte 11"},
		{"tab", policy.Custom("https://d/a\tb.ts", exp), "control character"},
		{"newline", policy.Custom("https://d/a\n", exp), "control character"},
		{"DEL", policy.Custom("https://d/a\x7f", exp), "control character"},
		{"non-ASCII path", policy.Custom("https://d/é.ts", exp), "non-ASCII"},
		{"quote", policy.Custom(`https://d/"a`, exp), "percent-encode"},
		{"backslash", policy.Custom(`https://d/\a`, exp), "percent-encode"},
		{"missing expiry", policy.Custom("https://d/a", time.Time{}), "Expires (DateLessThan) is required"},
		{"expiry before epoch", policy.Custom("https://d/a", time.Unix(-5, 0)), "not after 1970"},
		{"milliseconds", policy.Custom("https://d/a", time.Unix(1900000000000, 0)), "milliseconds"},
		{"expiry equals start", mod(withNB, func(p *policy.Policy) { p.NotBefore = exp }), "not after NotBefore"},
		{"expiry before start", mod(withNB, func(p *policy.Policy) { p.NotBefore = exp.Add(time.Hour) }), "not after NotBefore"},
		{"start in milliseconds", mod(withNB, func(p *policy.Policy) { p.NotBefore = time.Unix(1800000000000, 0) }), "NotBefore"},
		{"IPv6", mod(withIP, func(p *policy.Policy) { p.SourceIP = netip.MustParsePrefix("2001:db8::/32") }), "not IPv4"},
		{"IPv4-mapped IPv6", mod(withIP, func(p *policy.Policy) { p.SourceIP = netip.MustParsePrefix("::ffff:192.0.2.0/120") }), "not IPv4"},
		{"host bits", mod(withIP, func(p *policy.Policy) { p.SourceIP = netip.MustParsePrefix("192.0.2.7/24") }), "did you mean 192.0.2.0/24"},
		{"invalid prefix", mod(withIP, func(p *policy.Policy) { p.SourceIP = netip.PrefixFrom(netip.MustParseAddr("192.0.2.1"), 40) }), "not a valid CIDR"},
		{"canned wildcard", policy.Canned("https://d/movies/*", exp), "use policy.Custom"},
		{"canned with start", mod(policy.Canned("https://d/a.ts", exp), func(p *policy.Policy) { p.NotBefore = nb }), "only Resource and Expires"},
		{"canned with IP", mod(policy.Canned("https://d/a.ts", exp), func(p *policy.Policy) { p.SourceIP = withIP.SourceIP }), "only Resource and Expires"},
		{"canned relative", policy.Canned("/movies/a.ts", exp), "absolute http(s) URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.p.Validate()
			if tc.want == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, policy.ErrInvalid)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestCanTravelCanned(t *testing.T) {
	withNB := policy.Custom("https://d/a.ts", exp)
	withNB.NotBefore = nb
	withIP := policy.Custom("https://d/a.ts", exp)
	withIP.SourceIP = netip.MustParsePrefix("192.0.2.0/24")
	for _, tc := range []struct {
		name string
		p    policy.Policy
		want bool
	}{
		{"canned", policy.Canned("https://d/a.ts", exp), true},
		{"custom exact URL", policy.Custom("https://d/a.ts", exp), true},
		{"wildcard", policy.Custom("https://d/*", exp), false},
		{"start time", withNB, false},
		{"source IP", withIP, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, tc.p.CanTravelCanned())
		})
	}
	assert.True(t, policy.Canned("https://d/a.ts", exp).IsCanned())
	assert.False(t, policy.Custom("https://d/a.ts", exp).IsCanned())
}
