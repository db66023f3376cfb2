package signer

import (
	"strconv"
	"time"

	"github.com/cfhls/cfhls/policy"
)

// Credentials are the signed parameters of one policy: canned (Expires set,
// Policy empty) or custom (Policy set, Expires zero).
type Credentials struct {
	// Expires is the canned form's expiry, Unix seconds; zero for custom.
	Expires int64
	// Policy is the custom form's policy in CloudFront base64; empty for canned.
	Policy string
	// Signature is the signature in CloudFront base64.
	Signature string
	// KeyPairID is the ID of the public key that verifies Signature.
	KeyPairID string
	// HashAlgorithm is "SHA256" for SHA-256 signatures, empty for SHA-1.
	HashAlgorithm string
}

// The names of CloudFront's signing parameters, in CloudFront's order.
const (
	ParamExpires       = "Expires"
	ParamPolicy        = "Policy"
	ParamSignature     = "Signature"
	ParamKeyPairID     = "Key-Pair-Id"
	ParamHashAlgorithm = "Hash-Algorithm"
)

// IsZero reports whether c holds no credentials.
func (c Credentials) IsZero() bool { return c == Credentials{} }

// Form returns the form c travels in: policy.FormCustom when Policy is set,
// policy.FormCanned when Expires is, and zero when c holds neither.
func (c Credentials) Form() policy.Form {
	switch {
	case c.Policy != "":
		return policy.FormCustom
	case c.Expires != 0:
		return policy.FormCanned
	}
	return 0
}

// Expiry returns when the credentials stop working: the canned Expires, or the
// custom policy's DateLessThan. It is the zero time when the policy cannot be
// read.
func (c Credentials) Expiry() time.Time {
	if c.Policy == "" {
		if c.Expires == 0 {
			return time.Time{}
		}
		return time.Unix(c.Expires, 0).UTC()
	}
	doc, err := policy.Decode(c.Policy)
	if err != nil {
		return time.Time{}
	}
	p, err := policy.Parse(doc)
	if err != nil {
		return time.Time{}
	}
	return p.Expires
}

// Encode returns the credentials as a query string, in CloudFront's order:
// Expires or Policy, Signature, Key-Pair-Id, then Hash-Algorithm for SHA-256.
func (c Credentials) Encode() string {
	return string(c.AppendQuery(make([]byte, 0, c.encodedLen(0))))
}

// AppendQuery appends Encode's result to dst, for hot paths that build URLs in
// a reused buffer.
func (c Credentials) AppendQuery(dst []byte) []byte {
	return c.appendQuery(dst, Carrier{})
}

func (c Credentials) encodedLen(extra int) int {
	return len(c.Policy) + len(c.Signature) + len(c.KeyPairID) + len(c.HashAlgorithm) + 70 + 5*extra
}

func (c Credentials) appendQuery(dst []byte, k Carrier) []byte {
	if c.Policy != "" {
		dst = appendParam(dst, k, ParamPolicy, c.Policy)
	} else {
		dst = appendName(dst, k, ParamExpires)
		dst = strconv.AppendInt(dst, c.Expires, 10)
	}
	dst = appendParam(dst, k, ParamSignature, c.Signature)
	dst = appendParam(dst, k, ParamKeyPairID, c.KeyPairID)
	if c.HashAlgorithm != "" {
		dst = appendParam(dst, k, ParamHashAlgorithm, c.HashAlgorithm)
	}
	return dst
}

func appendName(dst []byte, k Carrier, name string) []byte {
	if len(dst) > 0 && dst[len(dst)-1] != '&' && dst[len(dst)-1] != '?' {
		dst = append(dst, '&')
	}
	dst = appendEscaped(dst, k.Prefix)
	dst = append(dst, name...)
	dst = appendEscaped(dst, k.Suffix)
	return append(dst, '=')
}

func appendParam(dst []byte, k Carrier, name, value string) []byte {
	return appendEscaped(appendName(dst, k, name), value)
}

// appendEscaped appends s query-escaped. Values this package makes need no
// escaping (CloudFront base64, key pair IDs) and are copied in one go; values
// read back from a request may, and must not smuggle in parameters.
func appendEscaped(dst []byte, s string) []byte {
	const hex = "0123456789ABCDEF"
	for s != "" {
		i := 0
		for i < len(s) && unreserved[s[i]] {
			i++
		}
		dst = append(dst, s[:i]...)
		if i == len(s) {
			break
		}
		c := s[i]
		dst = append(dst, '%', hex[c>>4], hex[c&15])
		s = s[i+1:]
	}
	return dst
}

// unreserved marks the bytes RFC 3986 lets stand unescaped in a query value.
var unreserved = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '~' || c == '.'
	}
	return t
}()
