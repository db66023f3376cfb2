package policy_test

import (
	"encoding/json"
	"io"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/policy"
)

func TestParse(t *testing.T) {
	full := policy.New("https://d/movies/*", exp)
	full.NotBefore = nb
	full.SourceIP = netip.MustParsePrefix("192.0.2.0/24")
	for _, tc := range []struct {
		name string
		in   string
		want policy.Policy
		err  string // substring; "" means success
	}{
		{"array of one", `{"Statement":[{"Resource":"https://d/a","Condition":{"DateLessThan":{"AWS:EpochTime":1900000000}}}]}`,
			policy.New("https://d/a", exp), ""},
		{"object", `{"Statement":{"Resource":"https://d/a","Condition":{"DateLessThan":{"AWS:EpochTime":1900000000}}}}`,
			policy.New("https://d/a", exp), ""},
		{"whitespace and order", " {\n \"Statement\" : [ { \"Condition\" : { \"IpAddress\":{\"AWS:SourceIp\":\"192.0.2.0/24\"}, \"DateGreaterThan\":{\"AWS:EpochTime\":1800000000}, \"DateLessThan\" : { \"AWS:EpochTime\" : 1900000000 } }, \"Resource\" : \"https://d/movies/*\" } ] }\n",
			full, ""},
		{"bare IP is /32", `{"Statement":[{"Resource":"*","Condition":{"DateLessThan":{"AWS:EpochTime":1900000000},"IpAddress":{"AWS:SourceIp":"192.0.2.9"}}}]}`,
			func() policy.Policy {
				p := policy.New("*", exp)
				p.SourceIP = netip.MustParsePrefix("192.0.2.9/32")
				return p
			}(), ""},
		{"two statements", `{"Statement":[{"Resource":"a","Condition":{"DateLessThan":{"AWS:EpochTime":1}}},{"Resource":"b","Condition":{"DateLessThan":{"AWS:EpochTime":1}}}]}`, policy.Policy{}, "2 statements"},
		{"no statements", `{"Statement":[]}`, policy.Policy{}, "0 statements"},
		{"unknown condition", `{"Statement":[{"Resource":"https://d/a","Condition":{"DateLessThan":{"AWS:EpochTime":1900000000},"StringLike":{"x":"y"}}}]}`, policy.Policy{}, `unknown field "StringLike"`},
		{"field case matters", `{"statement":[{"Resource":"https://d/a","Condition":{"DateLessThan":{"AWS:EpochTime":1900000000}}}]}`, policy.Policy{}, `unknown field "statement"`},
		{"missing Statement", `{}`, policy.Policy{}, "no Statement"},
		{"missing resource", `{"Statement":[{"Condition":{"DateLessThan":{"AWS:EpochTime":1900000000}}}]}`, policy.Policy{}, "no Resource"},
		{"missing condition", `{"Statement":[{"Resource":"https://d/a"}]}`, policy.Policy{}, "Condition"},
		{"missing DateLessThan", `{"Statement":[{"Resource":"https://d/a","Condition":{}}]}`, policy.Policy{}, "no DateLessThan"},
		{"string epoch", `{"Statement":[{"Resource":"https://d/a","Condition":{"DateLessThan":{"AWS:EpochTime":"1900000000"}}}]}`, policy.Policy{}, "whole number"},
		{"fraction epoch", `{"Statement":[{"Resource":"https://d/a","Condition":{"DateLessThan":{"AWS:EpochTime":19.5}}}]}`, policy.Policy{}, "whole number"},
		{"milliseconds", `{"Statement":[{"Resource":"https://d/a","Condition":{"DateLessThan":{"AWS:EpochTime":1900000000000}}}]}`, policy.Policy{}, "milliseconds"},
		{"IPv6", `{"Statement":[{"Resource":"https://d/a","Condition":{"DateLessThan":{"AWS:EpochTime":1900000000},"IpAddress":{"AWS:SourceIp":"2001:db8::/32"}}}]}`, policy.Policy{}, "not IPv4"},
		{"bad IP", `{"Statement":[{"Resource":"https://d/a","Condition":{"DateLessThan":{"AWS:EpochTime":1900000000},"IpAddress":{"AWS:SourceIp":"300.1.1.1/8"}}}]}`, policy.Policy{}, "AWS:SourceIp"},
		{"trailing data", `{"Statement":[{"Resource":"https://d/a","Condition":{"DateLessThan":{"AWS:EpochTime":1900000000}}}]} x`, policy.Policy{}, "data after"},
		{"not JSON", `Expires=1`, policy.Policy{}, "not a JSON object"},
		{"null", `null`, policy.Policy{}, "null"},
		{"empty", ``, policy.Policy{}, "not a JSON object"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := policy.Parse([]byte(tc.in))
			if tc.err != "" {
				require.Error(t, err)
				assert.ErrorIs(t, err, policy.ErrMalformed)
				assert.Contains(t, err.Error(), tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want.Resource, got.Resource)
			assert.True(t, tc.want.Expires.Equal(got.Expires), "Expires %v, want %v", got.Expires, tc.want.Expires)
			assert.True(t, tc.want.NotBefore.Equal(got.NotBefore), "NotBefore %v, want %v", got.NotBefore, tc.want.NotBefore)
			assert.Equal(t, tc.want.SourceIP, got.SourceIP)
		})
	}
}

func TestParseRoundTrip(t *testing.T) {
	p := policy.New("https://d/movies/*", exp)
	p.NotBefore = nb
	p.SourceIP = netip.MustParsePrefix("10.0.0.0/8")
	doc, err := p.JSON()
	require.NoError(t, err)
	got, err := policy.Parse(doc)
	require.NoError(t, err)
	again, err := got.JSON()
	require.NoError(t, err)
	assert.Equal(t, string(doc), string(again))
	assert.Equal(t, time.Unix(1800000000, 0).Unix(), got.NotBefore.Unix())
}

// TestParseKeepsJSONErrors: JSON errors are wrapped, so a caller finds the
// byte offset of a syntax error, and the type error, with errors.As.
func TestParseKeepsJSONErrors(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		offset int64 // of the *json.SyntaxError, or 0 for a *json.UnmarshalTypeError
	}{
		{"stray comma", `{"Statement":,}`, 14},
		{"trailing comma deep inside", `{"Statement":[{"Resource":"x",}]}`, 31},
		{"statement not an object", `{"Statement":[7]}`, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := policy.Parse([]byte(tt.in))
			require.ErrorIs(t, err, policy.ErrMalformed)
			if tt.offset > 0 {
				var se *json.SyntaxError
				require.ErrorAs(t, err, &se)
				assert.Equal(t, tt.offset, se.Offset)
				return
			}
			var te *json.UnmarshalTypeError
			assert.ErrorAs(t, err, &te)
		})
	}
	_, err := policy.Parse([]byte(`{"Statement":[{"Resource":"x"`))
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF, "truncated")
}
