package signer

import (
	"net/url"
	"strings"
)

// SplitSignedURL splits a URL as a viewer sends it into the URL CloudFront
// checks a policy against — without fragment and without the signing
// parameters, the viewer's other parameters kept as sent and in order — and
// the signing parameters it carried (Expires, Policy, Signature, Key-Pair-Id,
// Hash-Algorithm), unescaped. Names are unescaped before they are compared,
// so "Key%2DPair-Id" counts as Key-Pair-Id.
func SplitSignedURL(rawURL string) (requestURL string, params url.Values) {
	target, _, _ := strings.Cut(rawURL, "#")
	base, rawQuery, hasQuery := strings.Cut(target, "?")
	params = url.Values{}
	var kept []string
	for rawQuery != "" {
		var kv string
		kv, rawQuery, _ = strings.Cut(rawQuery, "&")
		rawName, rawValue, _ := strings.Cut(kv, "=")
		name, err := url.QueryUnescape(rawName)
		if err != nil {
			name = rawName
		}
		if !isSigningParam(name) {
			kept = append(kept, kv)
			continue
		}
		value, err := url.QueryUnescape(rawValue)
		if err != nil {
			value = rawValue
		}
		params[name] = append(params[name], value)
	}
	switch {
	case len(kept) > 0:
		return base + "?" + strings.Join(kept, "&"), params
	case hasQuery && len(params) == 0:
		return target, params
	}
	return base, params
}

// isSigningParam reports whether name is one of CloudFront's signing
// parameters.
func isSigningParam(name string) bool {
	switch name {
	case ParamExpires, ParamPolicy, ParamSignature, ParamKeyPairID, ParamHashAlgorithm:
		return true
	}
	return false
}
