package policy_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/policy"
)

func TestEncode(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []byte
		want string
	}{
		{"empty", nil, ""},
		{"padding two", []byte{0xfb}, "-w__"},
		{"padding one", []byte{0xff, 0xff}, "~~8_"},
		{"plus and slash", []byte{0xfb, 0xff, 0xff}, "-~~~"},
		{"text", []byte(`{"a":1}`), "eyJhIjoxfQ__"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, policy.Encode(tc.in))
			assert.Equal(t, "x"+tc.want, string(policy.AppendEncode([]byte("x"), tc.in)))
			back, err := policy.Decode(tc.want)
			require.NoError(t, err)
			assert.Equal(t, string(tc.in), string(back))
		})
	}
}

func TestDecodeStrict(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"standard plus", "+w==", "byte '+' at offset 0"},
		{"standard slash", "//8=", "byte '/' at offset 0"},
		{"standard padding", "eyJhIjoxfQ==", "byte '=' at offset 10"},
		{"space", "eyJh Ijox", "byte ' ' at offset 4"},
		{"newline", "eyJh\nIjox", "offset 4"},
		{"missing padding", "eyJhIjoxfQ", "illegal base64"},
		{"bad trailing bits", "-x__", "illegal base64"},
		{"percent-escaped", "eyJh%3D", "byte '%' at offset 4"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := policy.Decode(tc.in)
			require.Error(t, err)
			assert.ErrorIs(t, err, policy.ErrMalformed)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}
