package policy_test

import (
	"bytes"
	"encoding/base64"
	"math/rand/v2"
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
		{"carriage return", "eyJh\rIjox", "byte '\\r' at offset 4"},
		{"trailing newline", "eyJhIjox\n", "offset 8"},
		{"NUL", "ey\x00h", "byte '\\x00' at offset 2"},
		{"padding inside", "ey_hIjox", "illegal base64"},
		{"padding only", "__", "illegal base64"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := policy.Decode(tc.in)
			require.Error(t, err)
			assert.ErrorIs(t, err, policy.ErrMalformed)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// refDecode is the hand-written decoder Decode replaced: every byte mapped
// back to the standard alphabet, then standard strict decoding. Decode, now
// on encoding/base64 with CloudFront's alphabet, must accept and refuse
// exactly what it did.
func refDecode(s string) ([]byte, bool) {
	b := []byte(s)
	for i, c := range b {
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		case c == '-':
			b[i] = '+'
		case c == '_':
			b[i] = '='
		case c == '~':
			b[i] = '/'
		default:
			return nil, false
		}
	}
	out, err := base64.StdEncoding.Strict().DecodeString(string(b))
	return out, err == nil
}

// TestDecodeMatchesReference compares Decode with refDecode on short
// strings over an alphabet of valid, padding and invalid bytes, every one
// up to length 4 and random longer ones.
func TestDecodeMatchesReference(t *testing.T) {
	const alphabet = "Az09-~_+/= \r\n%"
	var inputs []string
	var gen func(prefix string, n int)
	gen = func(prefix string, n int) {
		inputs = append(inputs, prefix)
		if n == 0 {
			return
		}
		for i := 0; i < len(alphabet); i++ {
			gen(prefix+alphabet[i:i+1], n-1)
		}
	}
	gen("", 4)
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		b := make([]byte, 5+r.IntN(12))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		inputs = append(inputs, string(b))
	}
	mismatches := 0
	for _, in := range inputs {
		want, ok := refDecode(in)
		got, err := policy.Decode(in)
		if ok != (err == nil) || ok && !bytes.Equal(want, got) {
			mismatches++
			assert.Failf(t, "Decode differs from the reference", "%q: reference ok=%v %x, Decode %x, %v", in, ok, want, got, err)
			if mismatches > 5 {
				return
			}
		}
	}
	t.Logf("%d inputs", len(inputs))
}
