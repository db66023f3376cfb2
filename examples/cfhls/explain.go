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
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cfhls/cfhls/policy"
	"github.com/cfhls/cfhls/signer"
)

var explainCommand = &command{
	name:     "explain",
	synopsis: "[-public-key FILE] [-key-pair-id ID] [-ip IP] [-at TIME] [-cookie 'CloudFront-Policy=…; …'] URL",
	summary:  "decode a signed URL or signed cookies and say whether CloudFront would accept them",
	help: `Decodes the credentials of a request for URL, from its query or, when the
URL has no signing parameters, from -cookie: the policy (pretty-printed), its
resource, times relative to now (or to -at), source IP, key pair ID, hash, and
canned or custom form. Then says whether CloudFront would serve the request
and, if not, exactly why. Exit status 0: it would be accepted; 1: refused.

With -public-key the signature is verified as CloudFront does; without it,
everything but the signature is checked and the output says so. A policy
limited to an IP range is checked against -ip when given.

examples:
  cfhls explain 'https://d111111abcdef8.cloudfront.net/movies/1/index.m3u8?Expires=1900000000&Signature=…&Key-Pair-Id=K2JCJMDEHXQW5F'

  cfhls explain -public-key cloudfront.pub.pem -ip 192.0.2.7 -at 2030-01-01T00:00:00Z "$url"

  cfhls explain -public-key cloudfront.pub.pem \
      -cookie 'CloudFront-Policy=eyJ…; CloudFront-Signature=…; CloudFront-Key-Pair-Id=K2JCJMDEHXQW5F' \
      https://d111111abcdef8.cloudfront.net/movies/1/seg-1.ts
`,
	run: runExplain,
}

// addrValue is a flag holding an IP address.
type addrValue struct{ a netip.Addr }

func (v *addrValue) String() string {
	if v == nil || !v.a.IsValid() {
		return ""
	}
	return v.a.String()
}

func (v *addrValue) Set(s string) error {
	a, err := netip.ParseAddr(strings.TrimSpace(s))
	if err != nil {
		return fmt.Errorf("%q is not an IP address such as 192.0.2.7", s)
	}
	v.a = a.Unmap()
	return nil
}

// cookieList is a flag collecting cookies: a Cookie header value
// ("a=1; b=2", optionally starting "Cookie:"), or a "Set-Cookie: …" line as
// cfhls cookies prints them. It may be repeated.
type cookieList []*http.Cookie

func (l *cookieList) String() string {
	if l == nil {
		return ""
	}
	var parts []string
	for _, c := range *l {
		parts = append(parts, c.Name+"="+c.Value)
	}
	return strings.Join(parts, "; ")
}

func (l *cookieList) Set(s string) error {
	s = strings.TrimSpace(s)
	if len(s) >= len("Set-Cookie:") && strings.EqualFold(s[:len("Set-Cookie:")], "Set-Cookie:") {
		c, err := http.ParseSetCookie(strings.TrimSpace(s[len("Set-Cookie:"):]))
		if err != nil {
			return fmt.Errorf("%q: %v", s, err)
		}
		*l = append(*l, c)
		return nil
	}
	if len(s) >= len("Cookie:") && strings.EqualFold(s[:len("Cookie:")], "Cookie:") {
		s = strings.TrimSpace(s[len("Cookie:"):])
	}
	cs, err := http.ParseCookie(s)
	if err != nil {
		return fmt.Errorf("%q is not a Cookie header value such as 'CloudFront-Policy=…; CloudFront-Signature=…; CloudFront-Key-Pair-Id=…': %v", s, err)
	}
	*l = append(*l, cs...)
	return nil
}

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

func runExplain(e *env, c *command, args []string) int {
	fs := c.flags()
	var pubFile, keyPairID string
	var ip addrValue
	var at timeValue
	var cookies cookieList
	fs.StringVar(&pubFile, "public-key", "", "verify the signature with the public key in `FILE` (PEM; a private key file works too)")
	fs.StringVar(&keyPairID, "key-pair-id", "", "the `ID` of -public-key in CloudFront (default: whatever ID the credentials name)")
	fs.Var(&ip, "ip", "the viewer's `IP` address, checked against the policy's source IP range")
	fs.Var(&at, "at", "judge the request at `TIME` (Unix seconds or RFC 3339) instead of now")
	fs.Var(&cookies, "cookie", "cookies sent with the request: a Cookie header `VALUE` ('CloudFront-Policy=…; CloudFront-Signature=…') or a 'Set-Cookie: …' line; may be repeated")
	rest, code, ok := e.parse(c, fs, args, 1)
	if !ok {
		return code
	}
	if keyPairID != "" && pubFile == "" {
		return e.usageError(c, fs, "-key-pair-id names the key in -public-key: give -public-key FILE too")
	}
	rawURL := rest[0]
	target, _, _ := strings.Cut(rawURL, "#")
	if err := checkURL(target); err != nil {
		return e.fail(c, "%v", err)
	}
	var pub crypto.PublicKey
	if pubFile != "" {
		var err error
		if pub, err = loadPublicKey(pubFile); err != nil {
			return e.fail(c, "-public-key: %v", err)
		}
	}
	now := time.Now().UTC().Truncate(time.Second)
	when := now
	if !at.t.IsZero() {
		when = at.t.UTC()
	}

	r := readRequest(rawURL, cookies)

	// The client address to judge with. Without -ip, an address inside the
	// policy's range, so that the rest still gets checked.
	client := ip.a
	if !client.IsValid() && r.hasPolicy && r.pol.SourceIP.IsValid() {
		client = r.pol.SourceIP.Addr()
	}

	var verdict error
	if pub != nil {
		v := signer.NewVerifier()
		id := keyPairID
		if id == "" {
			id = r.keyPairID
		}
		if id != "" {
			if err := v.AddKey(id, pub); err != nil && keyPairID != "" {
				return e.usageError(c, fs, "-key-pair-id: %v", err)
			}
		}
		_, verdict = v.Verify(rawURL, cookies, client, when)
	} else {
		verdict = r.credsErr
		if verdict == nil && r.polErr != nil {
			verdict = fmt.Errorf("%w: %w", signer.ErrMalformedPolicy, r.polErr)
		}
		if verdict == nil {
			verdict = r.pol.Evaluate(r.reqURL, client, when)
		}
	}

	w := e.stdout
	ex := explainer{w: w, r: r, when: when, now: now, atGiven: !at.t.IsZero(), ip: ip.a, pubFile: pubFile, pub: pub, keyPairID: keyPairID}
	ex.describe()
	ex.checks(verdict)
	if verdict != nil {
		fmt.Fprintf(w, "\nREFUSED: %s\n  (%v)\n", ex.reason(verdict), verdict)
		return exitFailed
	}
	var unchecked []string
	if pub == nil {
		unchecked = append(unchecked, "the signature (give -public-key FILE)")
	}
	if !ip.a.IsValid() && r.pol.SourceIP.IsValid() {
		unchecked = append(unchecked, "the viewer's IP address (give -ip IP)")
	}
	switch len(unchecked) {
	case 0:
		fmt.Fprintf(w, "\nACCEPTED: CloudFront would serve this request.\n")
	case 1:
		fmt.Fprintf(w, "\nACCEPTED, as far as checked: CloudFront would serve this request, but %s was not checked.\n", unchecked[0])
	default:
		fmt.Fprintf(w, "\nACCEPTED, as far as checked: CloudFront would serve this request, but %s were not checked.\n", strings.Join(unchecked, " and "))
	}
	return exitOK
}

// loadPublicKey reads a public key, or the public half of a private key.
func loadPublicKey(path string) (crypto.PublicKey, error) {
	pub, err := signer.LoadPublicKey(path)
	if err == nil || !errors.Is(err, signer.ErrNoKey) {
		return pub, err
	}
	priv, perr := signer.LoadPrivateKey(path)
	switch {
	case perr == nil:
		return priv.Public(), nil
	case !errors.Is(perr, signer.ErrNoKey):
		return nil, perr // a private key, but not one to use (encrypted, unsupported)
	}
	return nil, err
}

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
