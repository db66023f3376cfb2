package main

import (
	"net/http"
	"net/url"

	"github.com/cfhls/cfhls/policy"
	"github.com/cfhls/cfhls/signer"
)

// request is what explain knows of a request before judging it: what
// signer.Inspect read from its credentials, which is exactly what the
// Verifier reads (nothing in it is verified), and a few values as sent, for
// display.
type request struct {
	res signer.Result
	// err is why Inspect could not read every part of the credentials.
	err error

	ignored int // cookies given but ignored because the URL is signed
	// The values as sent: Hash-Algorithm and Signature, shown even when they
	// cannot be read; whether Expires and Policy are both present.
	hash, signature string
	both            bool
}

// signingParams are CloudFront's parameter names, in order.
var signingParams = []string{signer.ParamExpires, signer.ParamPolicy, signer.ParamSignature, signer.ParamKeyPairID, signer.ParamHashAlgorithm}

// paramNames lists the signing parameters params holds, in CloudFront's
// order (cookies uses it).
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
// the Verifier does: from the URL when it has any of Expires, Policy,
// Signature or Key-Pair-Id, from the cookies otherwise.
func readRequest(rawURL string, cookies []*http.Cookie) *request {
	r := &request{}
	r.res, r.err = signer.Inspect(rawURL, cookies)
	var get func(name string) string
	switch r.res.Source {
	case signer.SourceURL:
		r.ignored = len(cookies)
		var params url.Values
		_, params = signer.SplitSignedURL(rawURL)
		get = params.Get
	case signer.SourceCookies:
		get = func(name string) string {
			for _, c := range cookies {
				if c.Name == "CloudFront-"+name {
					return c.Value
				}
			}
			return ""
		}
	default:
		return r
	}
	r.hash, r.signature = get(signer.ParamHashAlgorithm), get(signer.ParamSignature)
	r.both = get(signer.ParamExpires) != "" && get(signer.ParamPolicy) != ""
	return r
}

// hasPolicy reports whether the credentials' policy was read.
func (r *request) hasPolicy() bool {
	return r.res.Form != 0 && r.res.PolicyErr == nil
}

// canned reports whether the credentials are in the canned form.
func (r *request) canned() bool { return r.res.Form == policy.FormCanned }
