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
	withNB := policy.New("https://d/a/*", exp)
	withNB.NotBefore = nb
	withIP := policy.New("https://d/a/*", exp)
	withIP.SourceIP = netip.MustParsePrefix("192.0.2.0/24")

	mod := func(p policy.Policy, f func(*policy.Policy)) policy.Policy { f(&p); return p }
	for _, tc := range []struct {
		name string
		p    policy.Policy
		want string // substring of the error; "" means valid
	}{
		{"canned", policy.New("https://d/a.ts", exp), ""},
		{"canned with query", policy.New("https://d/a.ts?v=1", exp), ""},
		{"custom wildcard", policy.New("https://d/movies/1/*", exp), ""},
		{"custom star alone", policy.New("*", exp), ""},
		{"custom scheme wildcard", policy.New("http*://d/*", exp), ""},
		{"custom with start", withNB, ""},
		{"custom with IP", withIP, ""},
		{"zero value", policy.Policy{}, "Resource is empty"},
		{"empty resource", policy.New("", exp), "Resource is empty"},
		{"space", policy.New("https://d/a b.ts", exp), "space at byte 11"},
		{"tab", policy.New("https://d/a\tb.ts", exp), "control character"},
		{"newline", policy.New("https://d/a\n", exp), "control character"},
		{"DEL", policy.New("https://d/a\x7f", exp), "control character"},
		{"non-ASCII path", policy.New("https://d/é.ts", exp), "non-ASCII"},
		{"quote", policy.New(`https://d/"a`, exp), "percent-encode"},
		{"backslash", policy.New(`https://d/\a`, exp), "percent-encode"},
		{"missing expiry", policy.New("https://d/a", time.Time{}), "Expires (DateLessThan) is required"},
		{"expiry before epoch", policy.New("https://d/a", time.Unix(-5, 0)), "not after 1970"},
		{"milliseconds", policy.New("https://d/a", time.Unix(1900000000000, 0)), "milliseconds"},
		{"expiry equals start", mod(withNB, func(p *policy.Policy) { p.NotBefore = exp }), "not after NotBefore"},
		{"expiry before start", mod(withNB, func(p *policy.Policy) { p.NotBefore = exp.Add(time.Hour) }), "not after NotBefore"},
		{"start in milliseconds", mod(withNB, func(p *policy.Policy) { p.NotBefore = time.Unix(1800000000000, 0) }), "NotBefore"},
		{"IPv6", mod(withIP, func(p *policy.Policy) { p.SourceIP = netip.MustParsePrefix("2001:db8::/32") }), "not IPv4"},
		{"IPv4-mapped IPv6", mod(withIP, func(p *policy.Policy) { p.SourceIP = netip.MustParsePrefix("::ffff:192.0.2.0/120") }), "not IPv4"},
		{"host bits", mod(withIP, func(p *policy.Policy) { p.SourceIP = netip.MustParsePrefix("192.0.2.7/24") }), "did you mean 192.0.2.0/24"},
		{"invalid prefix", mod(withIP, func(p *policy.Policy) { p.SourceIP = netip.PrefixFrom(netip.MustParseAddr("192.0.2.1"), 40) }), "not a valid CIDR"},
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

// TestForm checks that the form is derived from the exported fields alone:
// a literal and New agree, and only '*', NotBefore and SourceIP make a policy
// custom.
func TestForm(t *testing.T) {
	withNB := policy.New("https://d/a.ts", exp)
	withNB.NotBefore = nb
	withIP := policy.New("https://d/a.ts", exp)
	withIP.SourceIP = netip.MustParsePrefix("192.0.2.0/24")
	for _, tc := range []struct {
		name string
		p    policy.Policy
		want policy.Form
	}{
		{"one URL", policy.New("https://d/a.ts", exp), policy.FormCanned},
		{"literal", policy.Policy{Resource: "https://d/a.ts", Expires: exp}, policy.FormCanned},
		{"query", policy.New("https://d/a.ts?v=1", exp), policy.FormCanned},
		{"question mark only", policy.New("https://d/a?.ts", exp), policy.FormCanned},
		{"wildcard", policy.New("https://d/*", exp), policy.FormCustom},
		{"wildcard literal", policy.Policy{Resource: "https://d/*", Expires: exp}, policy.FormCustom},
		{"start time", withNB, policy.FormCustom},
		{"source IP", withIP, policy.FormCustom},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, tc.p.Form())
		})
	}
	assert.Equal(t, policy.New("https://d/a.ts", exp), policy.Policy{Resource: "https://d/a.ts", Expires: exp}, "New builds the literal")
	assert.Equal(t, "canned", policy.FormCanned.String())
	assert.Equal(t, "custom", policy.FormCustom.String())
	assert.Equal(t, "Form(0)", policy.Form(0).String())
}
