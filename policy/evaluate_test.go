package policy_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/cfhls/cfhls/policy"
)

func TestEvaluate(t *testing.T) {
	p := policy.New("https://d/movies/1/*", exp)
	p.NotBefore = nb
	p.SourceIP = netip.MustParsePrefix("192.0.2.0/24")
	in := netip.MustParseAddr("192.0.2.10")
	during := time.Unix(1850000000, 0)
	for _, tc := range []struct {
		name string
		url  string
		ip   netip.Addr
		at   time.Time
		want error
	}{
		{"allowed", "https://d/movies/1/a.ts", in, during, nil},
		{"allowed at start", "https://d/movies/1/a.ts", in, nb, nil},
		{"allowed last second", "https://d/movies/1/a.ts", in, exp.Add(-time.Nanosecond), nil},
		{"IPv4-mapped client", "https://d/movies/1/a.ts", netip.MustParseAddr("::ffff:192.0.2.10"), during, nil},
		{"expired at DateLessThan", "https://d/movies/1/a.ts", in, exp, policy.ErrExpired},
		{"expired later", "https://d/movies/1/a.ts", in, exp.Add(time.Hour), policy.ErrExpired},
		{"before start", "https://d/movies/1/a.ts", in, nb.Add(-time.Second), policy.ErrNotYetValid},
		{"other network", "https://d/movies/1/a.ts", netip.MustParseAddr("198.51.100.1"), during, policy.ErrSourceIP},
		{"no client address", "https://d/movies/1/a.ts", netip.Addr{}, during, policy.ErrSourceIP},
		{"IPv6 client", "https://d/movies/1/a.ts", netip.MustParseAddr("2001:db8::1"), during, policy.ErrSourceIP},
		{"other movie", "https://d/movies/10/a.ts", in, during, policy.ErrResource},
		{"expired wins over resource", "https://d/other", in, exp, policy.ErrExpired},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := p.Evaluate(tc.url, tc.ip, tc.at)
			if tc.want == nil {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, tc.want)
		})
	}
}

func TestEvaluateNoIPCondition(t *testing.T) {
	p := policy.New("https://d/a.ts", exp)
	assert.NoError(t, p.Evaluate("https://d/a.ts", netip.Addr{}, nb))
	assert.ErrorIs(t, p.Evaluate("https://d/a.ts?x=1", netip.Addr{}, nb), policy.ErrResource)
}
