package signer

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// Carrier names copies of the signing parameters that CloudFront does not
// recognise and so forwards to the origin, which strips Expires, Policy,
// Signature and Key-Pair-Id. The origin reads the copies back and puts them on
// the URIs of the playlist it serves; this is how credentials travel through
// nested playlists.
//
// The AWS blog's convention is a suffix: Suffix("-PREFIX") names
// "Policy-PREFIX", "Signature-PREFIX", "Key-Pair-Id-PREFIX". A true prefix
// (Prefix("cf-") gives "cf-Policy") works the same way. The zero Carrier names
// the plain parameters.
type Carrier struct {
	// Prefix goes before each parameter name.
	Prefix string
	// Suffix goes after each parameter name.
	Suffix string
}

// Suffix returns a Carrier that appends marker to each parameter name.
func Suffix(marker string) Carrier { return Carrier{Suffix: marker} }

// Prefix returns a Carrier that puts marker before each parameter name.
func Prefix(marker string) Carrier { return Carrier{Prefix: marker} }

// Name returns the carried name of one of the Param constants.
func (k Carrier) Name(param string) string { return k.Prefix + param + k.Suffix }

// Encode returns c as carried parameters, e.g.
// "Policy-PREFIX=…&Signature-PREFIX=…&Key-Pair-Id-PREFIX=…".
func (k Carrier) Encode(c Credentials) string {
	return string(k.AppendQuery(make([]byte, 0, c.encodedLen(len(k.Prefix)+len(k.Suffix))), c))
}

// AppendQuery appends Encode's result to dst, after a '&' when dst is not
// empty and does not already end in '?' or '&'.
func (k Carrier) AppendQuery(dst []byte, c Credentials) []byte {
	return c.appendQuery(dst, k)
}

// Extract reads carried credentials from a query. It wraps [ErrNoCredentials]
// when none of the carried parameters is present, and names the parameter at
// fault when they are incomplete or unreadable. Signatures are not checked:
// see [Verifier].
func (k Carrier) Extract(q url.Values) (Credentials, error) {
	return extract(func(param string) ([]string, string) {
		n := k.Name(param)
		return q[n], n
	})
}

// Strip deletes the carried parameters from q.
func (k Carrier) Strip(q url.Values) {
	for _, p := range []string{ParamExpires, ParamPolicy, ParamSignature, ParamKeyPairID, ParamHashAlgorithm} {
		delete(q, k.Name(p))
	}
}

// FromQuery reads CloudFront's own signing parameters from a query; it is
// Carrier{}.Extract.
func FromQuery(q url.Values) (Credentials, error) { return Carrier{}.Extract(q) }

// extract assembles credentials from a lookup that returns a parameter's
// values and the name to use in errors.
func extract(get func(param string) ([]string, string)) (Credentials, error) {
	var c Credentials
	var present []string
	one := func(param string, dst *string) error {
		vs, name := get(param)
		switch len(vs) {
		case 0:
			return nil
		case 1:
			*dst = vs[0]
			present = append(present, name)
			if *dst == "" {
				return fmt.Errorf("%w: %s is empty", ErrMalformedPolicy, name)
			}
			return nil
		default:
			return fmt.Errorf("%w: %s appears %d times", ErrMalformedPolicy, name, len(vs))
		}
	}
	var expires string
	for _, f := range []struct {
		param string
		dst   *string
	}{
		{ParamExpires, &expires}, {ParamPolicy, &c.Policy}, {ParamSignature, &c.Signature},
		{ParamKeyPairID, &c.KeyPairID}, {ParamHashAlgorithm, &c.HashAlgorithm},
	} {
		if err := one(f.param, f.dst); err != nil {
			return Credentials{}, err
		}
	}
	if len(present) == 0 {
		return Credentials{}, ErrNoCredentials
	}
	_, kp := get(ParamKeyPairID)
	_, sg := get(ParamSignature)
	_, ep := get(ParamExpires)
	_, pp := get(ParamPolicy)
	switch {
	case c.KeyPairID == "":
		return Credentials{}, fmt.Errorf("%w: %s is missing (found %s)", ErrMissingKeyPairID, kp, strings.Join(present, ", "))
	case c.Signature == "":
		return Credentials{}, fmt.Errorf("%w: %s is missing", ErrBadSignature, sg)
	case expires == "" && c.Policy == "":
		return Credentials{}, fmt.Errorf("%w: neither %s nor %s is present", ErrMalformedPolicy, ep, pp)
	case expires != "" && c.Policy != "":
		return Credentials{}, fmt.Errorf("%w: both %s and %s are present; send one", ErrMalformedPolicy, ep, pp)
	}
	if expires != "" {
		n, err := strconv.ParseInt(expires, 10, 64)
		if err != nil || n <= 0 {
			return Credentials{}, fmt.Errorf("%w: %s %q is not Unix seconds", ErrMalformedPolicy, ep, expires)
		}
		c.Expires = n
	}
	if c.HashAlgorithm != "" && c.HashAlgorithm != "SHA256" && c.HashAlgorithm != "SHA1" {
		_, hp := get(ParamHashAlgorithm)
		return Credentials{}, fmt.Errorf("%w: %s %q: CloudFront accepts SHA1 and SHA256", ErrMalformedPolicy, hp, c.HashAlgorithm)
	}
	return c, nil
}
