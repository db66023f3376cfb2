package main

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"time"

	"github.com/cfhls/cfhls/policy"
	"github.com/cfhls/cfhls/signer"
)

// explainer writes explain's report.
type explainer struct {
	w         io.Writer
	r         *request
	when, now time.Time
	atGiven   bool
	ip        netip.Addr
	pubFile   string
	pub       crypto.PublicKey
	keyPairID string
}

func (x *explainer) line(label, format string, args ...any) {
	fmt.Fprintf(x.w, "%-12s %s\n", label, fmt.Sprintf(format, args...))
}

// at formats t with its distance from the time of judgement.
func (x *explainer) at(t time.Time) string {
	return fmt.Sprintf("%s (%s)", t.UTC().Format(time.RFC3339), relTime(t, x.when))
}

func (x *explainer) describe() {
	r, res := x.r, x.r.res
	x.line("URL", "%s", shortURLs(res.URL))
	switch {
	case errors.Is(r.err, signer.ErrDotSegment):
		x.line("credentials", "not read: the path is refused whatever the credentials")
		return
	case res.Source == "":
		x.line("credentials", "none: no signing parameters in the URL, and no CloudFront-* cookies")
		return
	}
	form := "neither Expires nor Policy"
	switch {
	case res.Form == policy.FormCanned:
		form = "canned policy (Expires)"
	case res.Form == policy.FormCustom:
		form = "custom policy (Policy)"
	case r.both:
		form = "both Expires and Policy"
	}
	x.line("credentials", "from %s, %s", sourceName(res.Source), form)
	if r.ignored > 0 {
		x.line("", "(-cookie ignored: a URL with signing parameters is verified on its own, without cookies)")
	}
	x.line("key pair id", "%s", orMissing(res.KeyPairID))
	switch res.Hash {
	case crypto.SHA1:
		x.line("hash", "SHA-1")
	case crypto.SHA256:
		x.line("hash", "SHA-256")
	default:
		x.line("hash", "%q (CloudFront knows SHA1 and SHA256)", r.hash)
	}
	switch {
	case r.signature == "":
		x.line("signature", "missing")
	case res.Signature == nil:
		x.line("signature", "%s (not CloudFront base64)", abbrev(r.signature))
	default:
		x.line("signature", "%s (%d bytes)", abbrev(r.signature), len(res.Signature))
	}
	switch {
	case res.PolicyJSON != nil && r.canned():
		x.line("policy", "rebuilt from the URL and Expires, as CloudFront does:")
		x.json(res.PolicyJSON)
	case res.PolicyJSON != nil:
		x.line("policy", "decoded from %s:", map[bool]string{true: signer.CookiePolicy, false: signer.ParamPolicy}[res.Source == signer.SourceCookies])
		x.json(res.PolicyJSON)
	}
	if res.Form != 0 && res.PolicyErr != nil {
		x.line("", "cannot be read: %v", res.PolicyErr)
	}
	if !r.hasPolicy() {
		return
	}
	p := res.Policy
	x.line("resource", "%s", p.Resource)
	if p.NotBefore.IsZero() {
		x.line("not before", "none")
	} else {
		x.line("not before", "%s", x.at(p.NotBefore))
	}
	x.line("expires", "%s", x.at(p.Expires))
	if p.SourceIP.IsValid() {
		x.line("source IP", "%s", p.SourceIP)
	} else {
		x.line("source IP", "any")
	}
	if x.atGiven {
		x.line("judged at", "%s (-at; %s)", x.when.Format(time.RFC3339), relTime(x.when, x.now))
	} else {
		x.line("judged at", "%s (now)", x.when.Format(time.RFC3339))
	}
	if x.ip.IsValid() {
		x.line("viewer IP", "%s", x.ip)
	}
}

func sourceName(s signer.Source) string {
	if s == signer.SourceCookies {
		return "cookies"
	}
	return "the URL's query"
}

// json writes policy JSON pretty-printed, or as it is when it is not JSON.
func (x *explainer) json(doc []byte) {
	var buf bytes.Buffer
	if err := json.Indent(&buf, doc, "  ", "  "); err != nil {
		fmt.Fprintf(x.w, "  %s\n", doc)
		return
	}
	fmt.Fprintf(x.w, "  %s\n", buf.Bytes())
}

func (x *explainer) mark(ok bool, format string, args ...any) {
	m := "ok  "
	if !ok {
		m = "FAIL"
	}
	fmt.Fprintf(x.w, "  %s  %s\n", m, fmt.Sprintf(format, args...))
}

func (x *explainer) skip(format string, args ...any) {
	fmt.Fprintf(x.w, "  --    %s\n", fmt.Sprintf(format, args...))
}

// checks writes one line per thing CloudFront checks.
func (x *explainer) checks(verdict error) {
	r, res := x.r, x.r.res
	fmt.Fprintln(x.w, "\nchecks:")
	switch {
	case errors.Is(r.err, signer.ErrDotSegment):
		x.mark(false, "path: %v", r.err)
		return
	case res.Source == "":
		x.mark(false, "credentials: %v (give -cookie for cookies)", r.err)
		return
	case r.err != nil:
		x.mark(false, "credentials: %v", r.err)
	default:
		x.mark(true, "credentials complete (Key-Pair-Id, Signature, %s)", map[bool]string{true: "Expires", false: "Policy"}[r.canned()])
	}
	switch {
	case r.hasPolicy():
		x.mark(true, "policy readable")
	case res.Form != 0 && res.PolicyErr != r.err: // not said just above
		x.mark(false, "policy: %v", res.PolicyErr)
	}
	switch {
	case x.pub == nil:
		x.skip("key pair id and signature not checked: give -public-key FILE")
	case errors.Is(verdict, signer.ErrMissingKeyPairID), errors.Is(verdict, signer.ErrMalformedPolicy):
		x.skip("signature not checked: the credentials are incomplete or unreadable")
	case errors.Is(verdict, signer.ErrUnknownKey):
		x.mark(false, "key pair id %s is not the key in %s%s", orMissing(res.KeyPairID), x.pubFile, x.idNote())
	case errors.Is(verdict, signer.ErrBadSignature):
		x.mark(true, "%s", x.keyLine())
		x.mark(false, "signature does not verify with %s (%s)", x.pubFile, keyDesc(x.pub))
	default:
		// The verifier checks the signature before the policy's conditions.
		x.mark(true, "%s", x.keyLine())
		x.mark(true, "signature verifies with %s (%s)", x.pubFile, keyDesc(x.pub))
	}
	if r.hasPolicy() {
		x.conditions(res.Policy)
	}
}

// conditions writes the verdict on each of p's conditions. Evaluate stops
// at the first condition that fails, and the report shows them all; so each
// verdict is Evaluate's on a copy of p that keeps that one condition, every
// other condition set to a value that passes: an expiry after the time of
// judgement, no start time, any address, the resource "*".
func (x *explainer) conditions(p policy.Policy) {
	only := func(keep func(q *policy.Policy)) error {
		q := policy.Policy{Resource: "*", Expires: x.when.Add(time.Second)}
		keep(&q)
		return q.Evaluate(x.r.res.URL, x.ip, x.when)
	}
	if errors.Is(only(func(q *policy.Policy) { q.Expires = p.Expires }), policy.ErrExpired) {
		x.mark(false, "expired %s", relTime(p.Expires, x.when))
	} else {
		x.mark(true, "not expired: expires %s", relTime(p.Expires, x.when))
	}
	switch {
	case p.NotBefore.IsZero():
		x.mark(true, "no start time")
	case errors.Is(only(func(q *policy.Policy) { q.NotBefore = p.NotBefore }), policy.ErrNotYetValid):
		x.mark(false, "not valid yet: starts %s", relTime(p.NotBefore, x.when))
	default:
		x.mark(true, "started %s", relTime(p.NotBefore, x.when))
	}
	switch {
	case !p.SourceIP.IsValid():
		x.mark(true, "any viewer IP address")
	case !x.ip.IsValid():
		x.skip("viewer IP not checked: the policy allows %s only; give -ip", p.SourceIP)
	case errors.Is(only(func(q *policy.Policy) { q.SourceIP = p.SourceIP }), policy.ErrSourceIP):
		x.mark(false, "viewer IP %s is outside %s", x.ip, p.SourceIP)
	default:
		x.mark(true, "viewer IP %s is in %s", x.ip, p.SourceIP)
	}
	switch {
	case x.r.canned():
		x.mark(true, "resource: a canned policy is rebuilt from the URL itself (a changed URL shows as a bad signature)")
	case errors.Is(only(func(q *policy.Policy) { q.Resource = p.Resource }), policy.ErrResource):
		x.mark(false, "resource %s does not match the URL", p.Resource)
	default:
		x.mark(true, "resource %s matches the URL", p.Resource)
	}
}

func (x *explainer) keyLine() string {
	if x.keyPairID != "" {
		return fmt.Sprintf("key pair id %s is -key-pair-id, the key in %s", x.r.res.KeyPairID, x.pubFile)
	}
	return fmt.Sprintf("key pair id %s taken as the key in %s (give -key-pair-id to check the ID)", x.r.res.KeyPairID, x.pubFile)
}

func (x *explainer) idNote() string {
	if x.keyPairID != "" {
		return " (-key-pair-id " + x.keyPairID + ")"
	}
	return ""
}

// reason says in words why CloudFront refuses.
func (x *explainer) reason(err error) string {
	r, p := x.r, x.r.res.Policy
	switch {
	case errors.Is(err, signer.ErrMissingKeyPairID):
		return `CloudFront answers 403 "Missing Key-Pair-Id query parameter or cookie value": the request carries no complete credentials`
	case errors.Is(err, signer.ErrUnknownKey):
		return fmt.Sprintf(`CloudFront answers 403 "Unknown Key": Key-Pair-Id %s is not in the trusted key group (here: the key in %s%s)`, orMissing(r.res.KeyPairID), x.pubFile, x.idNote())
	case errors.Is(err, signer.ErrMalformedPolicy):
		return `CloudFront answers 403 "Malformed Policy": the credentials cannot be read`
	case errors.Is(err, signer.ErrBadSignature) && x.pub == nil:
		return "no usable signature: CloudFront would refuse the request whatever the key"
	case errors.Is(err, signer.ErrBadSignature):
		s := fmt.Sprintf("bad signature: it does not verify over the policy with the key in %s. The signature was damaged (copy and paste, escaping), the policy was edited, or it was signed with another key", x.pubFile)
		if r.canned() {
			s += "; and a canned signature covers the URL byte for byte, so any change to its scheme, host, path or query after signing breaks it"
		}
		return s
	case errors.Is(err, policy.ErrExpired):
		return fmt.Sprintf("expired %s (DateLessThan %s)", relTime(p.Expires, x.when), p.Expires.UTC().Format(time.RFC3339))
	case errors.Is(err, policy.ErrNotYetValid):
		return fmt.Sprintf("not valid yet: starts %s (DateGreaterThan %s)", relTime(p.NotBefore, x.when), p.NotBefore.UTC().Format(time.RFC3339))
	case errors.Is(err, policy.ErrSourceIP):
		return fmt.Sprintf("viewer IP %s is outside the policy's source IP range %s", x.ip, p.SourceIP)
	case errors.Is(err, policy.ErrResource):
		// The URL on a line of its own: with carried copies it is long.
		return fmt.Sprintf("the policy's resource %s does not match the URL\n  %s", p.Resource, shortURLs(r.res.URL))
	}
	return shortURLs(err.Error())
}

// detail is the error behind a refusal, to show under its reason: none when
// the reason says it all already (the policy's conditions, told with times
// relative to the time of judgement and the request URL shortened).
func (x *explainer) detail(err error) string {
	for _, e := range []error{policy.ErrExpired, policy.ErrNotYetValid, policy.ErrSourceIP, policy.ErrResource} {
		if errors.Is(err, e) {
			return ""
		}
	}
	if d := shortURLs(err.Error()); d != x.reason(err) {
		return d
	}
	return ""
}

func orMissing(s string) string {
	if s == "" {
		return "(missing)"
	}
	return s
}

// abbrev shortens a long base64 value for display.
func abbrev(s string) string {
	if len(s) <= 24 {
		return s
	}
	return s[:10] + "…" + s[len(s)-10:]
}

func keyDesc(pub crypto.PublicKey) string {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return fmt.Sprintf("RSA %d", k.N.BitLen())
	case *ecdsa.PublicKey:
		return "ECDSA " + k.Curve.Params().Name
	}
	return fmt.Sprintf("%T", pub)
}
