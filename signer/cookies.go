package signer

import (
	"net/http"
	"strconv"

	"github.com/cfhls/cfhls/policy"
)

// Cookie names CloudFront reads signed-cookie credentials from.
const (
	CookieExpires       = "CloudFront-Expires"
	CookiePolicy        = "CloudFront-Policy"
	CookieSignature     = "CloudFront-Signature"
	CookieKeyPairID     = "CloudFront-Key-Pair-Id"
	CookieHashAlgorithm = "CloudFront-Hash-Algorithm"
)

// CookieOptions shape signed cookies. The zero value gives what CloudFront's
// documentation advises: Secure, HttpOnly, Path "/", host-only, session cookies
// with no Expires or Max-Age (the policy decides how long they work).
type CookieOptions struct {
	// Domain scopes the cookies, e.g. ".example.com" when the player page and
	// the CloudFront alternate domain name share a parent. Empty: host-only.
	Domain string
	// Path scopes the cookies. Empty means "/".
	Path string
	// SameSite sets the attribute; zero leaves it out.
	SameSite http.SameSite
	// Insecure drops the Secure attribute (for plain-http local testing only).
	Insecure bool
	// Scriptable drops HttpOnly so page scripts can read the cookies.
	Scriptable bool
	// Persistent sets Expires to the credentials' expiry.
	Persistent bool
}

// Cookies returns c as CloudFront signed cookies.
func (c Credentials) Cookies(o CookieOptions) []*http.Cookie {
	mk := func(name, value string) *http.Cookie {
		ck := &http.Cookie{Name: name, Value: value, Domain: o.Domain, Path: o.Path,
			Secure: !o.Insecure, HttpOnly: !o.Scriptable, SameSite: o.SameSite}
		if ck.Path == "" {
			ck.Path = "/"
		}
		if o.Persistent {
			ck.Expires = c.Expiry().UTC()
		}
		return ck
	}
	out := make([]*http.Cookie, 0, 4)
	if c.Policy != "" {
		out = append(out, mk(CookiePolicy, c.Policy))
	} else {
		out = append(out, mk(CookieExpires, strconv.FormatInt(c.Expires, 10)))
	}
	out = append(out, mk(CookieSignature, c.Signature), mk(CookieKeyPairID, c.KeyPairID))
	if c.HashAlgorithm != "" {
		out = append(out, mk(CookieHashAlgorithm, c.HashAlgorithm))
	}
	return out
}

// Cookies signs p and returns it as CloudFront signed cookies. Cookies usually
// carry a wildcard custom policy ("https://d/movies/1/*"); a canned policy's
// cookies only work for the one URL in its Resource.
func (s *Signer) Cookies(p policy.Policy, o CookieOptions) ([]*http.Cookie, error) {
	c, err := s.Credentials(p)
	if err != nil {
		return nil, err
	}
	return c.Cookies(o), nil
}

// FromCookies reads CloudFront signed-cookie credentials. It wraps
// [ErrNoCredentials] when there are none, and names the cookie at fault when
// they are incomplete or unreadable.
func FromCookies(cookies []*http.Cookie) (Credentials, error) {
	names := map[string]string{
		ParamExpires: CookieExpires, ParamPolicy: CookiePolicy, ParamSignature: CookieSignature,
		ParamKeyPairID: CookieKeyPairID, ParamHashAlgorithm: CookieHashAlgorithm,
	}
	return extract(func(param string) ([]string, string) {
		name := names[param]
		var vs []string
		for _, ck := range cookies {
			if ck.Name == name {
				vs = append(vs, ck.Value)
			}
		}
		return vs, name
	})
}
