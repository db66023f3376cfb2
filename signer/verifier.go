package signer

import (
	"crypto"
	"fmt"
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
//
// A Verifier remembers the signatures it has verified, so that the same
// credentials presented again (every request of a viewer in propagate mode,
// every viewer of a bucketed policy) cost no RSA or ECDSA operation; every
// other check runs on every call. See [Verifier.SetCacheSize].
//
// The zero Verifier trusts no key and is ready to use, as is one from
// [NewVerifier].
type Verifier struct {
	mu       sync.RWMutex
	keys     map[string]trustedKey
	gen      uint64    // generations handed out to keys so far
	cache    *sigCache // nil: no cache
	cacheSet bool      // SetCacheSize was called; AddKey leaves cache alone
}

// trustedKey is a public key the Verifier trusts, with the generation AddKey
// gave it: unique per call, so the cache never takes one key for another
// trusted under the same ID before or after it.
type trustedKey struct {
	pub crypto.PublicKey
	gen uint64
}

// NewVerifier returns a Verifier that trusts no key yet; see [Verifier.AddKey].
func NewVerifier() *Verifier { return &Verifier{keys: map[string]trustedKey{}} }

// AddKey trusts pub (RSA 2048 or ECDSA P-256) under keyPairID. A key group
// holds several keys; add each. Adding a key under an ID already trusted
// replaces the key, and signatures verified with the old one must verify
// again with the new one.
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
		v.keys = map[string]trustedKey{}
	}
	if v.cache == nil && !v.cacheSet {
		v.cache = newSigCache(DefaultVerifierCacheSize)
	}
	v.gen++
	v.keys[keyPairID] = trustedKey{pub: pub, gen: v.gen}
	return nil
}

// RemoveKey stops trusting the key under keyPairID, as when a key leaves the
// distribution's trusted key group: credentials naming it are refused with
// ErrUnknownKey from then on, however often they verified before. Removing
// an ID that is not trusted does nothing.
func (v *Verifier) RemoveKey(keyPairID string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	delete(v.keys, keyPairID)
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

// Result describes what a Verifier read from a request. Verify fills it as
// far as it got: on refusal the fields read before the failure are filled,
// which is what a person debugging a 403 wants to see. Inspect fills every
// field it can read, whatever else fails.
//
// Nothing in a Result is verified unless Verify returned nil. Verify sets
// Policy only once the signature verifies; Inspect sets it from what the
// credentials claim, which anyone can write.
type Result struct {
	// Source is where the credentials came from: SourceURL or
	// SourceCookies; empty when the request had none, or when its path was
	// refused before any credential was read (ErrDotSegment).
	Source Source
	// URL is the request URL the policy was checked against: the viewer's URL
	// without fragment and without CloudFront's signing parameters.
	URL string
	// KeyPairID is the key the credentials name.
	KeyPairID string
	// Hash is crypto.SHA1 or crypto.SHA256; zero when not read or when
	// Hash-Algorithm is neither.
	Hash crypto.Hash
	// Form is the form the credentials travelled in: policy.FormCanned
	// (Expires=…) or policy.FormCustom (Policy=…), set once the Verifier
	// reaches the policy even if it then cannot read it; zero when not read,
	// or when the credentials carry neither or both of Expires and Policy.
	// It is the form of the credentials, which can differ from
	// Policy.Form(): canned credentials for a URL holding '*', and custom
	// credentials for one exact URL without conditions (which other signers,
	// such as the AWS SDK with a custom policy, may produce).
	Form policy.Form
	// PolicyJSON is the signed policy document: decoded from Policy, or
	// rebuilt from the URL and Expires for the canned form.
	PolicyJSON []byte
	// Policy is the parsed policy. Verify sets it once the signature over
	// PolicyJSON verifies; Inspect once PolicyJSON is read and parsed.
	Policy policy.Policy
	// PolicyErr says why Policy could not be read, when the Verifier tried
	// and failed: neither or both of Expires and Policy, a Policy that is not
	// CloudFront base64 or not a policy CloudFront accepts, an Expires that
	// is not Unix seconds. It wraps ErrMalformedPolicy; Verify fills it when
	// it refuses the request for that reason.
	PolicyErr error
	// Signature is the signature, decoded from CloudFront base64; nil when
	// missing or undecodable, or not read yet.
	Signature []byte
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
	res, raw, err := readRequest(rawURL, cookies)
	if err != nil {
		return res, err
	}
	err = v.check(&res, raw, client, now)
	return res, err
}

// Inspect reads the credentials of a request for rawURL with cookies as
// Verify does, and returns all they say without judging them: it looks up no
// key, verifies no signature and evaluates no policy condition, so it needs
// no Verifier. It is for explaining a request (what do these credentials
// claim, and why would CloudFront refuse them), never for granting one:
// nothing in the Result is verified.
//
// Where Verify stops at the first refusal, Inspect reads every part it can:
// KeyPairID, Hash, Form, PolicyJSON and Policy or PolicyErr, Signature. The
// error is the first reason, in Verify's order, that the credentials cannot
// be read: ErrDotSegment, ErrMissingKeyPairID, ErrMalformedPolicy, or
// ErrBadSignature for a signature that is missing or not CloudFront base64.
// Verify returns the same error for the same request unless it refuses the
// key, or the signature, first. A nil error says only that every part was
// read.
func Inspect(rawURL string, cookies []*http.Cookie) (Result, error) {
	res, raw, err := readRequest(rawURL, cookies)
	if res.Source == "" {
		return res, err // no credentials, or a path refused before reading them
	}
	if ierr := inspect(&res, raw); err == nil {
		err = ierr
	}
	return res, err
}

// readRequest finds the credentials of a request for rawURL with cookies,
// as CloudFront does, and sets res.URL and res.Source. On a repeated
// parameter it returns the error with the first values read.
func readRequest(rawURL string, cookies []*http.Cookie) (res Result, raw rawCredentials, err error) {
	var params url.Values
	res.URL, params = SplitSignedURL(rawURL)
	if err := CheckPath(res.URL); err != nil {
		return res, raw, err
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
			return res, raw, fmt.Errorf("%w: no signing parameters in the URL and no CloudFront cookies", ErrMissingKeyPairID)
		}
	}
	raw, err = rawFrom(params, res.Source)
	return res, raw, err
}

// VerifyCredentials checks credentials already read from a request (from a
// carried copy, say: see Carrier.Extract) as CloudFront would check them on
// a request for rawURL, from client at now. rawURL must not carry signing
// parameters of its own; its fragment is ignored. Result.Source is empty: the
// caller knows where c came from. Errors are those of Verify, and
// ErrAlreadySigned for a rawURL with signing parameters.
func (v *Verifier) VerifyCredentials(rawURL string, c Credentials, client netip.Addr, now time.Time) (Result, error) {
	var res Result
	var params url.Values
	res.URL, params = SplitSignedURL(rawURL)
	if err := CheckPath(res.URL); err != nil {
		return res, err
	}
	if len(params) > 0 {
		return res, fmt.Errorf("%w: VerifyCredentials: %q carries signing parameters of its own; pass the URL without them", ErrAlreadySigned, rawURL)
	}
	raw := rawCredentials{keyID: c.KeyPairID, sig: c.Signature, policy: c.Policy, hash: c.HashAlgorithm}
	if c.Expires != 0 {
		raw.expires = strconv.FormatInt(c.Expires, 10)
	}
	err := v.check(&res, raw, client, now)
	return res, err
}
