package signer

import (
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"

	"github.com/cfhls/cfhls/policy"
)

// SignURL returns rawURL with credentials for p appended: after '&' when the
// URL has a query, '?' otherwise, and before any '#fragment'. The URL is used
// exactly as given (it is not re-escaped), because a canned signature covers
// the URL byte for byte.
//
// The credentials travel in p.Form(): canned when p's Resource is the URL
// itself (without fragment), with no '*' and no condition but the expiry;
// custom when p's Resource is a pattern that matches the URL or p has
// conditions. SignURL refuses a relative or non-http(s) URL ([ErrBadURL]), a
// URL that already carries signing parameters ([ErrAlreadySigned]), a URL p
// does not cover ([ErrResource]; a canned-form policy covers only its own
// URL, and a policy whose Resource is the URL itself refuses a URL with '*',
// which would make it a wildcard) and invalid policies (policy.ErrInvalid).
func (s *Signer) SignURL(rawURL string, p policy.Policy) (string, error) {
	target, frag, _ := strings.Cut(rawURL, "#")
	u, err := url.Parse(target)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrBadURL, err)
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", fmt.Errorf("%w: %q is not an absolute http or https URL", ErrBadURL, rawURL)
	}
	if _, params := SplitSignedURL(target); len(params) > 0 {
		names := slices.Sorted(maps.Keys(params))
		return "", fmt.Errorf("%w: %q has %s; sign the URL without CloudFront's parameters", ErrAlreadySigned, rawURL, strings.Join(names, ", "))
	}
	if err := p.Validate(); err != nil {
		return "", fmt.Errorf("signer: %w", err)
	}
	switch {
	case p.Resource == target && strings.Contains(target, "*"):
		return "", resourceError("signer: SignURL: %q holds '*', which a policy for exactly this URL would read as a wildcard covering other URLs: percent-encode it as %%2A, or give a pattern Resource", target)
	case p.Form() == policy.FormCanned && p.Resource != target:
		return "", resourceError("signer: SignURL: the policy for %q travels canned and covers that URL only, not %q (its '?' are literal: put a '*' in Resource to cover more)", p.Resource, target)
	case !policy.Match(p.Resource, target):
		return "", resourceError("signer: SignURL: the policy's resource %q does not cover %q", p.Resource, target)
	}
	e, err := s.credentials(p)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.Grow(len(rawURL) + len(e.query) + 1)
	b.WriteString(target)
	switch {
	case u.RawQuery == "" && !u.ForceQuery:
		b.WriteByte('?')
	case !strings.HasSuffix(target, "&") && !strings.HasSuffix(target, "?"):
		b.WriteByte('&')
	}
	b.WriteString(e.query)
	if strings.Contains(rawURL, "#") {
		b.WriteByte('#')
		b.WriteString(frag)
	}
	return b.String(), nil
}

// signURLError is a SignURL refusal: it reads as the signer's own message
// while errors.Is still finds the sentinel it wraps.
type signURLError struct {
	msg string
	err error
}

func (e *signURLError) Error() string { return e.msg }
func (e *signURLError) Unwrap() error { return e.err }

// resourceError is a SignURL refusal that wraps ErrResource.
func resourceError(format string, args ...any) error {
	return &signURLError{msg: fmt.Sprintf(format, args...), err: ErrResource}
}
