package main

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/cfhls/cfhls/policy"
	"github.com/cfhls/cfhls/signer"
)

// request is what explain reads from a request before judging it.
type request struct {
	rawURL  string
	reqURL  string // the URL CloudFront checks the policy against
	source  string // "the URL's query" or "cookies"
	cookies []*http.Cookie
	ignored int // cookies given but ignored because the URL is signed

	// The credentials as found, for display, even when incomplete.
	expires, policy, signature, keyPairID, hash string
	// credsErr says why the credentials cannot be read at all, if so.
	credsErr error

	canned     bool
	policyJSON []byte
	pol        policy.Policy
	polErr     error // why the policy cannot be read
	hasPolicy  bool  // pol is valid
}

// signingParams are CloudFront's parameter names, in order.
var signingParams = []string{signer.ParamExpires, signer.ParamPolicy, signer.ParamSignature, signer.ParamKeyPairID, signer.ParamHashAlgorithm}

func paramNames(params url.Values) []string {
	var names []string
	for _, p := range signingParams {
		if _, ok := params[p]; ok {
			names = append(names, p)
		}
	}
	return names
}

// readRequest reads the credentials of a request for rawURL with cookies as
// CloudFront does: from the URL when it has any of Expires, Policy,
// Signature or Key-Pair-Id, from the cookies otherwise.
func readRequest(rawURL string, cookies []*http.Cookie) *request {
	r := &request{rawURL: rawURL, cookies: cookies}
	reqURL, params := signer.SplitSignedURL(rawURL)
	r.reqURL = reqURL
	first := func(vs []string) string {
		if len(vs) == 0 {
			return ""
		}
		return vs[0]
	}
	signed := false
	for _, p := range signingParams[:4] {
		if len(params[p]) > 0 {
			signed = true
		}
	}
	if signed {
		r.source = "the URL's query"
		r.ignored = len(cookies)
		r.credsErr = credsError(signer.FromQuery(params))
		r.expires, r.policy = first(params[signer.ParamExpires]), first(params[signer.ParamPolicy])
		r.signature, r.keyPairID = first(params[signer.ParamSignature]), first(params[signer.ParamKeyPairID])
		r.hash = first(params[signer.ParamHashAlgorithm])
	} else {
		r.source = "cookies"
		get := func(name string) string {
			for _, c := range cookies {
				if c.Name == name {
					return c.Value
				}
			}
			return ""
		}
		r.expires, r.policy = get(signer.CookieExpires), get(signer.CookiePolicy)
		r.signature, r.keyPairID = get(signer.CookieSignature), get(signer.CookieKeyPairID)
		r.hash = get(signer.CookieHashAlgorithm)
		if r.expires+r.policy+r.signature+r.keyPairID+r.hash == "" {
			r.source = "nowhere"
			r.credsErr = fmt.Errorf("%w: the URL has no signing parameters and no CloudFront-* cookie was given (-cookie)", signer.ErrMissingKeyPairID)
		} else {
			r.credsErr = credsError(signer.FromCookies(cookies))
		}
	}
	switch {
	case r.policy != "":
		doc, err := policy.Decode(r.policy)
		if err != nil {
			r.polErr = err
			break
		}
		r.policyJSON = doc
		if r.pol, err = policy.Parse(doc); err != nil {
			r.polErr = err
		} else {
			r.hasPolicy = true
		}
	case r.expires != "":
		n, err := strconv.ParseInt(r.expires, 10, 64)
		if err != nil || n <= 0 {
			r.polErr = fmt.Errorf("the Expires parameter %q is not Unix seconds", r.expires)
			break
		}
		r.canned = true
		// What CloudFront rebuilds from the request and verifies.
		r.policyJSON = []byte(`{"Statement":[{"Resource":"` + r.reqURL + `","Condition":{"DateLessThan":{"AWS:EpochTime":` + strconv.FormatInt(n, 10) + `}}}]}`)
		r.pol = policy.Policy{Resource: r.reqURL, Expires: time.Unix(n, 0).UTC()}
		r.hasPolicy = true
	}
	return r
}

// credsError returns the error of a credentials extraction, for when only
// whether (and why) it fails matters.
func credsError(_ signer.Credentials, err error) error { return err }
