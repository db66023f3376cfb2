package policy_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/policy"
)

// FuzzParse: Parse never panics, and what it accepts re-encodes to JSON that
// parses to the same policy.
func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"Statement":[{"Resource":"https://d/a/*","Condition":{"DateLessThan":{"AWS:EpochTime":1900000000}}}]}`))
	f.Add([]byte(`{"Statement":{"Resource":"*","Condition":{"DateLessThan":{"AWS:EpochTime":1900000000},"DateGreaterThan":{"AWS:EpochTime":1800000000},"IpAddress":{"AWS:SourceIp":"192.0.2.0/24"}}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := policy.Parse(data)
		if err != nil {
			assert.ErrorIs(t, err, policy.ErrMalformed)
			return
		}
		doc, err := p.JSON()
		require.NoError(t, err, "accepted policy must encode")
		again, err := policy.Parse(doc)
		require.NoError(t, err, "encoded policy must parse: %s", doc)
		assert.Equal(t, p.Resource, again.Resource)
		assert.Equal(t, p.Expires.Unix(), again.Expires.Unix())
		assert.Equal(t, p.NotBefore.Unix(), again.NotBefore.Unix())
		assert.Equal(t, p.SourceIP, again.SourceIP)
	})
}

// FuzzDecode: Decode never panics, and what it accepts encodes back to the
// same text (strict decoding has one spelling per value).
func FuzzDecode(f *testing.F) {
	f.Add("eyJhIjoxfQ__")
	f.Add("-~~~")
	f.Add("+w==")
	f.Fuzz(func(t *testing.T, s string) {
		b, err := policy.Decode(s)
		if err != nil {
			assert.ErrorIs(t, err, policy.ErrMalformed)
			return
		}
		assert.Equal(t, s, policy.Encode(b))
	})
}

// FuzzMatch: Match never panics, a wildcard-free pattern matches only itself,
// and "*" matches everything.
func FuzzMatch(f *testing.F) {
	f.Add("https://d/movies/1/*", "https://d/movies/1/a.ts")
	f.Add("*a*b?", "xaxbb")
	f.Fuzz(func(t *testing.T, pattern, s string) {
		got := policy.Match(pattern, s)
		assert.True(t, policy.Match("*", s))
		assert.True(t, policy.Match(s, s) || containsWildcard(s))
		if !containsWildcard(pattern) {
			assert.Equal(t, pattern == s, got)
		}
	})
}

func containsWildcard(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '*' || s[i] == '?' {
			return true
		}
	}
	return false
}
