package signer

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cfhls/cfhls/policy"
)

// Verifier checks signed URLs and cookies the way CloudFront does, with the
// public keys of a trusted key group. It is safe for concurrent use.
//
// It deliberately shares no code with the signing path: it rebuilds canned
// policy JSON from the request URL itself and decodes CloudFront base64 on its
// own, so a bug in the signer is not mirrored here.
//
// It is stricter than CloudFront in one respect, on purpose: it fails closed
// on a request path with a dot segment or a backslash in any spelling
// (ErrDotSegment, see CheckPath), and VerifyRequest on a request target
// with a literal '#', whatever the credentials. A wildcard policy
// is matched as a string, so "https://cdn/movies/1/*" covers
// "https://cdn/movies/1/../2/a.ts", and whether such a path reaches the
// origin raw or resolved is nothing a signed policy can rely on. Every
// request the Verifier accepts CloudFront accepts too; the reverse does not
// hold for such paths.
type Verifier struct {
	mu   sync.RWMutex
	keys map[string]crypto.PublicKey
}

// NewVerifier returns a Verifier that trusts no key yet; see [Verifier.AddKey].
func NewVerifier() *Verifier { return &Verifier{keys: map[string]crypto.PublicKey{}} }

// AddKey trusts pub (RSA 2048 or ECDSA P-256) under keyPairID. A key group
// holds several keys; add each.
func (v *Verifier) AddKey(keyPairID string, pub crypto.PublicKey) error {
	if err := checkKeyPairID(keyPairID); err != nil {
		return err
	}
	if err := checkPublic(pub); err != nil {
		return err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.keys == nil {
		v.keys = map[string]crypto.PublicKey{}
	}
	v.keys[keyPairID] = pub
	return nil
}

// Source says where a Verifier found a request's credentials.
type Source string

// The places credentials travel in.
const (
	// SourceURL: the request URL's query (Policy or Expires, Signature,
	// Key-Pair-Id).
	SourceURL Source = "url"
	// SourceCookies: the CloudFront-* cookies.
	SourceCookies Source = "cookies"
)

// Result describes what a Verifier read from a request, as far as it got:
// on refusal the fields read before the failure are filled, which is what a
// person debugging a 403 wants to see.
type Result struct {
	// Source is where the credentials came from: SourceURL or
	// SourceCookies; empty when the request had none.
	Source Source
	// URL is the request URL the policy was checked against: the viewer's URL
	// without fragment and without CloudFront's signing parameters.
	URL string
	// KeyPairID is the key the credentials name.
	KeyPairID string
	// Hash is crypto.SHA1 or crypto.SHA256.
	Hash crypto.Hash
	// Canned reports the canned form (Expires=…).
	Canned bool
	// PolicyJSON is the signed policy document: decoded from Policy, or
	// rebuilt from the URL and Expires for the canned form.
	PolicyJSON []byte
	// Policy is the parsed policy, valid once PolicyJSON was read.
	Policy policy.Policy
}

// VerifyURL checks a signed URL as the viewer sent it (scheme, host, path and
// query) from client at now.
func (v *Verifier) VerifyURL(rawURL string, client netip.Addr, now time.Time) (Result, error) {
	return v.Verify(rawURL, nil, client, now)
}

// Verify checks a request for rawURL with cookies, from client at now, as
// CloudFront does: a URL carrying any of Expires, Policy, Signature or
// Key-Pair-Id is verified on its own and cookies are ignored; otherwise the
// CloudFront-* cookies are verified against the URL. A refusal wraps one of
// ErrMissingKeyPairID, ErrUnknownKey, ErrMalformedPolicy, ErrBadSignature,
// ErrExpired, ErrNotYetValid, ErrSourceIP or ErrResource, or ErrDotSegment
// for a path the Verifier refuses before it reads any credential.
func (v *Verifier) Verify(rawURL string, cookies []*http.Cookie, client netip.Addr, now time.Time) (Result, error) {
	var res Result
	var params url.Values
	res.URL, params = SplitSignedURL(rawURL)
	if err := CheckPath(res.URL); err != nil {
		return res, err
	}
	signedURL := len(params[ParamExpires])+len(params[ParamPolicy])+len(params[ParamSignature])+len(params[ParamKeyPairID]) > 0
	if signedURL {
		res.Source = SourceURL
	} else {
		res.Source = SourceCookies
		params = url.Values{}
		for _, c := range cookies {
			switch c.Name {
			case CookieExpires, CookiePolicy, CookieSignature, CookieKeyPairID, CookieHashAlgorithm:
				n := strings.TrimPrefix(c.Name, "CloudFront-")
				params[n] = append(params[n], c.Value)
			}
		}
		if len(params) == 0 {
			res.Source = ""
			return res, fmt.Errorf("%w: no signing parameters in the URL and no CloudFront cookies", ErrMissingKeyPairID)
		}
	}
	err := v.check(&res, params, client, now)
	return res, err
}

func (v *Verifier) check(res *Result, params url.Values, client netip.Addr, now time.Time) error {
	get := func(name string) (string, error) {
		vs := params[name]
		if len(vs) > 1 {
			return "", fmt.Errorf("%w: %s %s given %d times", ErrMalformedPolicy, res.Source, name, len(vs))
		}
		if len(vs) == 0 {
			return "", nil
		}
		return vs[0], nil
	}
	var vals [5]string
	for i, n := range []string{ParamKeyPairID, ParamSignature, ParamExpires, ParamPolicy, ParamHashAlgorithm} {
		s, err := get(n)
		if err != nil {
			return err
		}
		vals[i] = s
	}
	keyID, sig64, expires, pol64, hashName := vals[0], vals[1], vals[2], vals[3], vals[4]
	if keyID == "" {
		return fmt.Errorf("%w: the %s has no Key-Pair-Id", ErrMissingKeyPairID, res.Source)
	}
	res.KeyPairID = keyID
	v.mu.RLock()
	pub, ok := v.keys[keyID]
	v.mu.RUnlock()
	if !ok {
		return fmt.Errorf("%w: Key-Pair-Id %q is not in the trusted key group", ErrUnknownKey, keyID)
	}
	switch hashName {
	case "", "SHA1":
		res.Hash = crypto.SHA1
	case "SHA256":
		res.Hash = crypto.SHA256
	default:
		return fmt.Errorf("%w: Hash-Algorithm %q is neither SHA1 nor SHA256", ErrMalformedPolicy, hashName)
	}
	switch {
	case expires != "" && pol64 != "":
		return fmt.Errorf("%w: both Expires and Policy are present", ErrMalformedPolicy)
	case pol64 != "":
		doc, err := cloudFrontBase64(pol64)
		if err != nil {
			return fmt.Errorf("%w: Policy: %w", ErrMalformedPolicy, err)
		}
		res.PolicyJSON = doc
	case expires != "":
		n, err := strconv.ParseInt(expires, 10, 64)
		if err != nil || n <= 0 {
			return fmt.Errorf("%w: Expires %q is not Unix seconds", ErrMalformedPolicy, expires)
		}
		res.Canned = true
		res.PolicyJSON = []byte(`{"Statement":[{"Resource":"` + res.URL + `","Condition":{"DateLessThan":{"AWS:EpochTime":` + strconv.FormatInt(n, 10) + `}}}]}`)
	default:
		return fmt.Errorf("%w: neither Expires nor Policy is present", ErrMalformedPolicy)
	}
	if sig64 == "" {
		return fmt.Errorf("%w: no Signature", ErrBadSignature)
	}
	sig, err := cloudFrontBase64(sig64)
	if err != nil {
		return fmt.Errorf("%w: Signature: %w", ErrBadSignature, err)
	}
	if err := verifySignature(pub, res.Hash, res.PolicyJSON, sig); err != nil {
		return err
	}
	if res.Canned {
		// CloudFront built this policy from the request itself: nothing to
		// parse, and the resource is whatever URL the viewer sent.
		n, _ := strconv.ParseInt(expires, 10, 64)
		res.Policy = policy.Policy{Resource: res.URL, Expires: time.Unix(n, 0).UTC()}
	} else {
		p, err := policy.Parse(res.PolicyJSON)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrMalformedPolicy, err)
		}
		res.Policy = p
	}
	return res.Policy.Evaluate(res.URL, client, now)
}

func verifySignature(pub crypto.PublicKey, h crypto.Hash, doc, sig []byte) error {
	var digest []byte
	if h == crypto.SHA256 {
		d := sha256.Sum256(doc)
		digest = d[:]
	} else {
		d := sha1.Sum(doc)
		digest = d[:]
	}
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if err := rsa.VerifyPKCS1v15(k, h, digest, sig); err != nil {
			return fmt.Errorf("%w: RSA %v signature does not verify over the policy", ErrBadSignature, h)
		}
	case *ecdsa.PublicKey:
		if !ecdsa.VerifyASN1(k, digest, sig) {
			return fmt.Errorf("%w: ECDSA %v signature does not verify over the policy", ErrBadSignature, h)
		}
	default:
		return fmt.Errorf("%w: key type %T", ErrUnknownKey, pub)
	}
	return nil
}

// verifierBase64 is CloudFront's base64 alphabet ('-' '~', '_' padding),
// decoding strictly. The Verifier keeps its own encoding value rather than
// calling the policy package's, so that it shares nothing with signing.
var verifierBase64 = base64.NewEncoding("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-~").WithPadding('_').Strict()

// cloudFrontBase64 decodes CloudFront's base64 strictly. encoding/base64
// skips CR and LF, which no CloudFront value holds: they are refused first.
func cloudFrontBase64(s string) ([]byte, error) {
	if strings.ContainsAny(s, "\r\n") {
		return nil, fmt.Errorf("%q has characters outside CloudFront's base64 alphabet", s)
	}
	b, err := verifierBase64.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%q is not CloudFront base64: %w", s, err)
	}
	return b, nil
}

// VerifyRequest checks an incoming request: the URL is rebuilt as the viewer
// sent it (scheme from TLS, Host header, request URI; see RequestURL), the
// client is r.RemoteAddr, and cookies come from the Cookie header.
//
// A request target with a literal '#' is refused first, with an error
// wrapping ErrDotSegment. Browsers and players never send one (a fragment
// stays on the client), but Go's server does not treat it as a fragment: it
// keeps it in r.URL.Path, so "/movies/1/#/../../2/a.ts" is served as
// /movies/2/a.ts by a handler that cleans the path, while a URL cut at the
// '#' would match a policy for /movies/1/*. Refusing every literal '#' is
// simpler and stricter than deciding where one is harmless.
func (v *Verifier) VerifyRequest(r *http.Request, now time.Time) (Result, error) {
	rawURL := RequestURL(r)
	if err := checkTarget(r); err != nil {
		var res Result
		res.URL, _ = SplitSignedURL(rawURL)
		return res, err
	}
	return v.Verify(rawURL, r.Cookies(), RemoteIP(r), now) // Verify runs CheckPath
}

// RequestURL rebuilds the URL a viewer asked for from a server request:
// scheme (https when the connection is TLS), the Host header as sent, and the
// request URI as sent, so escaping is what the viewer used. A literal '#',
// which no fragment is in a request target (Go's server keeps it in the
// path or query), comes out as "%23", so the URL names what the server
// routes and CheckPath sees the whole path.
func RequestURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if r.URL.Scheme != "" && r.URL.Host != "" {
		scheme = r.URL.Scheme
	}
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	uri := r.RequestURI
	if uri == "" || !strings.HasPrefix(uri, "/") {
		uri = r.URL.RequestURI()
	}
	return scheme + "://" + host + strings.ReplaceAll(uri, "#", "%23")
}

// RemoteIP returns the client address of a server request, or the zero Addr.
func RemoteIP(r *http.Request) netip.Addr {
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		return ap.Addr().Unmap()
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, _ := netip.ParseAddr(host)
	return a.Unmap()
}
