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
	"strconv"
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
	r := x.r
	x.line("URL", "%s", r.reqURL)
	form := "custom policy (Policy)"
	switch {
	case r.canned:
		form = "canned policy (Expires)"
	case r.policy == "" && r.expires == "":
		form = "neither Expires nor Policy"
	}
	if r.source == "nowhere" {
		x.line("credentials", "none: no signing parameters in the URL, and no CloudFront-* cookies")
		return
	}
	x.line("credentials", "from %s, %s", r.source, form)
	if r.ignored > 0 {
		x.line("", "(-cookie ignored: a URL with signing parameters is verified on its own, without cookies)")
	}
	x.line("key pair id", "%s", orMissing(r.keyPairID))
	switch r.hash {
	case "", "SHA1":
		x.line("hash", "SHA-1")
	case "SHA256":
		x.line("hash", "SHA-256")
	default:
		x.line("hash", "%q (CloudFront knows SHA1 and SHA256)", r.hash)
	}
	if r.signature == "" {
		x.line("signature", "missing")
	} else if sig, err := policy.Decode(r.signature); err != nil {
		x.line("signature", "%s (not CloudFront base64)", abbrev(r.signature))
	} else {
		x.line("signature", "%s (%d bytes)", abbrev(r.signature), len(sig))
	}
	switch {
	case r.policyJSON != nil && r.canned:
		x.line("policy", "rebuilt from the URL and Expires, as CloudFront does:")
		x.json(r.policyJSON)
	case r.policyJSON != nil:
		x.line("policy", "decoded from %s:", map[bool]string{true: signer.CookiePolicy, false: signer.ParamPolicy}[r.source == "cookies"])
		x.json(r.policyJSON)
	}
	if r.polErr != nil {
		x.line("", "cannot be read: %v", r.polErr)
	}
	if !r.hasPolicy {
		return
	}
	p := r.pol
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

// json writes policy JSON pretty-printed, or as it is when it is not JSON.
func (x *explainer) json(doc []byte) {
	var buf bytes.Buffer
	if err := json.Indent(&buf, doc, "  ", "  "); err != nil {
		fmt.Fprintf(x.w, "  %s\n", doc)
		return
	}
	fmt.Fprintf(x.w, "  %s\n", buf.Bytes())
}

// checks writes one line per thing CloudFront checks.
func (x *explainer) checks(verdict error) {
	r := x.r
	fmt.Fprintln(x.w, "\nchecks:")
	mark := func(ok bool, format string, args ...any) {
		m := "ok  "
		if !ok {
			m = "FAIL"
		}
		fmt.Fprintf(x.w, "  %s  %s\n", m, fmt.Sprintf(format, args...))
	}
	skip := func(format string, args ...any) {
		fmt.Fprintf(x.w, "  --    %s\n", fmt.Sprintf(format, args...))
	}
	if r.credsErr != nil {
		mark(false, "credentials: %v", r.credsErr)
	} else {
		mark(true, "credentials complete (Key-Pair-Id, Signature, %s)", map[bool]string{true: "Expires", false: "Policy"}[r.canned])
	}
	if r.hasPolicy {
		mark(true, "policy readable")
	} else if r.polErr != nil {
		mark(false, "policy: %v", r.polErr)
	}
	switch {
	case r.source == "nowhere":
	case x.pub == nil:
		skip("key pair id and signature not checked: give -public-key FILE")
	case errors.Is(verdict, signer.ErrMissingKeyPairID), errors.Is(verdict, signer.ErrMalformedPolicy):
		skip("signature not checked: the credentials are incomplete or unreadable")
	case errors.Is(verdict, signer.ErrUnknownKey):
		mark(false, "key pair id %s is not the key in %s%s", orMissing(r.keyPairID), x.pubFile, x.idNote())
	case errors.Is(verdict, signer.ErrBadSignature):
		mark(true, "%s", x.keyLine())
		mark(false, "signature does not verify with %s (%s)", x.pubFile, keyDesc(x.pub))
	default:
		// The verifier checks the signature before the policy's conditions.
		mark(true, "%s", x.keyLine())
		mark(true, "signature verifies with %s (%s)", x.pubFile, keyDesc(x.pub))
	}
	if !r.hasPolicy {
		return
	}
	p := r.pol
	t := x.when.Unix()
	if t >= p.Expires.Unix() {
		mark(false, "expired %s", relTime(p.Expires, x.when))
	} else {
		mark(true, "not expired: expires %s", relTime(p.Expires, x.when))
	}
	switch {
	case p.NotBefore.IsZero():
		mark(true, "no start time")
	case t < p.NotBefore.Unix():
		mark(false, "not valid yet: starts %s", relTime(p.NotBefore, x.when))
	default:
		mark(true, "started %s", relTime(p.NotBefore, x.when))
	}
	switch {
	case !p.SourceIP.IsValid():
		mark(true, "any viewer IP address")
	case !x.ip.IsValid():
		skip("viewer IP not checked: the policy allows %s only; give -ip", p.SourceIP)
	case p.SourceIP.Contains(x.ip):
		mark(true, "viewer IP %s is in %s", x.ip, p.SourceIP)
	default:
		mark(false, "viewer IP %s is outside %s", x.ip, p.SourceIP)
	}
	switch {
	case r.canned:
		mark(true, "resource: a canned policy is rebuilt from the URL itself (a changed URL shows as a bad signature)")
	case policy.Match(p.Resource, r.reqURL):
		mark(true, "resource %s matches the URL", p.Resource)
	default:
		mark(false, "resource %s does not match the URL", p.Resource)
	}
}

func (x *explainer) keyLine() string {
	if x.keyPairID != "" {
		return fmt.Sprintf("key pair id %s is -key-pair-id, the key in %s", x.r.keyPairID, x.pubFile)
	}
	return fmt.Sprintf("key pair id %s taken as the key in %s (give -key-pair-id to check the ID)", x.r.keyPairID, x.pubFile)
}

func (x *explainer) idNote() string {
	if x.keyPairID != "" {
		return " (-key-pair-id " + x.keyPairID + ")"
	}
	return ""
}

// reason says in words why CloudFront refuses.
func (x *explainer) reason(err error) string {
	r, p := x.r, x.r.pol
	switch {
	case errors.Is(err, signer.ErrMissingKeyPairID):
		return `CloudFront answers 403 "Missing Key-Pair-Id query parameter or cookie value": the request carries no complete credentials`
	case errors.Is(err, signer.ErrUnknownKey):
		return fmt.Sprintf(`CloudFront answers 403 "Unknown Key": Key-Pair-Id %s is not in the trusted key group (here: the key in %s%s)`, orMissing(r.keyPairID), x.pubFile, x.idNote())
	case errors.Is(err, signer.ErrMalformedPolicy):
		return `CloudFront answers 403 "Malformed Policy": the credentials cannot be read`
	case errors.Is(err, signer.ErrBadSignature) && x.pub == nil:
		return "no usable signature: CloudFront would refuse the request whatever the key"
	case errors.Is(err, signer.ErrBadSignature):
		s := fmt.Sprintf("bad signature: it does not verify over the policy with the key in %s. The signature was damaged (copy and paste, escaping), the policy was edited, or it was signed with another key", x.pubFile)
		if r.canned {
			s += "; and a canned signature covers the URL byte for byte, so any change to its scheme, host, path or query after signing breaks it"
		}
		return s
	case errors.Is(err, signer.ErrExpired):
		return fmt.Sprintf("expired %s (DateLessThan %s)", relTime(p.Expires, x.when), p.Expires.UTC().Format(time.RFC3339))
	case errors.Is(err, signer.ErrNotYetValid):
		return fmt.Sprintf("not valid yet: starts %s (DateGreaterThan %s)", relTime(p.NotBefore, x.when), p.NotBefore.UTC().Format(time.RFC3339))
	case errors.Is(err, signer.ErrSourceIP):
		return fmt.Sprintf("viewer IP %s is outside the policy's source IP range %s", x.ip, p.SourceIP)
	case errors.Is(err, signer.ErrResource):
		return fmt.Sprintf("the policy's resource %s does not match the URL %s", p.Resource, r.reqURL)
	}
	return err.Error()
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

// relTime says how far t is from ref: "in 3y 3mo", "5m ago", "just now".
func relTime(t, ref time.Time) string {
	t, ref = t.Truncate(time.Second), ref.Truncate(time.Second)
	switch {
	case t.Equal(ref):
		return "just now"
	case t.After(ref):
		return "in " + span(ref, t)
	}
	return span(t, ref) + " ago"
}

// span formats the time from a to b (a before b) in its two largest calendar
// units: "3y 3mo", "2d 4h", "5m", "12s".
func span(a, b time.Time) string {
	a, b = a.UTC(), b.UTC()
	years := b.Year() - a.Year()
	for years > 0 && a.AddDate(years, 0, 0).After(b) {
		years--
	}
	c := a.AddDate(years, 0, 0)
	months := 0
	for months < 12 && !c.AddDate(0, months+1, 0).After(b) {
		months++
	}
	c = c.AddDate(0, months, 0)
	d := b.Sub(c)
	days := int(d / (24 * time.Hour))
	d -= time.Duration(days) * 24 * time.Hour
	units := []struct {
		n    int
		name string
	}{
		{years, "y"}, {months, "mo"}, {days, "d"},
		{int(d / time.Hour), "h"}, {int(d % time.Hour / time.Minute), "m"}, {int(d % time.Minute / time.Second), "s"},
	}
	for i, u := range units {
		if u.n == 0 {
			continue
		}
		s := strconv.Itoa(u.n) + u.name
		if i+1 < len(units) && units[i+1].n != 0 {
			s += " " + strconv.Itoa(units[i+1].n) + units[i+1].name
		}
		return s
	}
	return "0s"
}
