package policy

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// cloudFront is CloudFront's base64: standard base64 with padding, then
// '+'→'-', '='→'_' and '/'→'~', so the result needs no escaping in a URL or
// cookie. encoding/base64 does the work; only the alphabet and the padding
// character are CloudFront's.
var cloudFront = base64.NewEncoding("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-~").WithPadding('_')

// cloudFrontStrict decodes only canonical encodings: no stray trailing bits.
var cloudFrontStrict = cloudFront.Strict()

// Encode returns src in CloudFront's URL-safe base64.
func Encode(src []byte) string {
	return cloudFront.EncodeToString(src)
}

// AppendEncode appends src in CloudFront's URL-safe base64 to dst.
func AppendEncode(dst, src []byte) []byte {
	return cloudFront.AppendEncode(dst, src)
}

// Decode reads CloudFront's URL-safe base64 strictly: only its alphabet,
// correct padding ('_'), no whitespace. Errors wrap [ErrMalformed] and give the
// offset of the first bad byte.
func Decode(s string) ([]byte, error) {
	// encoding/base64 skips CR and LF, even when strict; CloudFront's
	// values never hold them.
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		return nil, notInAlphabet(s, i)
	}
	out, err := cloudFrontStrict.DecodeString(s)
	if err != nil {
		var bad base64.CorruptInputError
		if errors.As(err, &bad) && int(bad) < len(s) && !inAlphabet(s[bad]) {
			return nil, notInAlphabet(s, int(bad))
		}
		return nil, fmt.Errorf("%w: base64: %w", ErrMalformed, err)
	}
	return out, nil
}

func notInAlphabet(s string, i int) error {
	return fmt.Errorf("%w: base64: byte %q at offset %d is not in CloudFront's alphabet (A-Z a-z 0-9 - _ ~)", ErrMalformed, s[i], i)
}

// inAlphabet reports whether c is a byte of CloudFront's base64, padding
// included.
func inAlphabet(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '~' || c == '_'
}
