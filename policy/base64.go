package policy

import (
	"encoding/base64"
	"fmt"
)

// CloudFront's base64 is standard base64 with padding, then '+'→'-',
// '='→'_' and '/'→'~', so the result needs no escaping in a URL or cookie.

// Encode returns src in CloudFront's URL-safe base64.
func Encode(src []byte) string {
	return string(AppendEncode(nil, src))
}

// AppendEncode appends src in CloudFront's URL-safe base64 to dst.
func AppendEncode(dst, src []byte) []byte {
	n := len(dst)
	dst = base64.StdEncoding.AppendEncode(dst, src)
	for i := n; i < len(dst); i++ {
		switch dst[i] {
		case '+':
			dst[i] = '-'
		case '=':
			dst[i] = '_'
		case '/':
			dst[i] = '~'
		}
	}
	return dst
}

// Decode reads CloudFront's URL-safe base64 strictly: only its alphabet,
// correct padding ('_'), no whitespace. Errors wrap [ErrMalformed] and give the
// offset of the first bad byte.
func Decode(s string) ([]byte, error) {
	b := make([]byte, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			b[i] = c
		case c == '-':
			b[i] = '+'
		case c == '_':
			b[i] = '='
		case c == '~':
			b[i] = '/'
		default:
			return nil, fmt.Errorf("%w: base64: byte %q at offset %d is not in CloudFront's alphabet (A-Z a-z 0-9 - _ ~)", ErrMalformed, c, i)
		}
	}
	out, err := base64.StdEncoding.Strict().DecodeString(string(b))
	if err != nil {
		return nil, fmt.Errorf("%w: base64: %w", ErrMalformed, err)
	}
	return out, nil
}
