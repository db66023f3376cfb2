package main

import (
	"crypto"
	"errors"
	"flag"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/cfhls/cfhls/policy"
	"github.com/cfhls/cfhls/signer"
)

// timeValue is a flag holding a point in time, given as Unix seconds or
// RFC 3339.
type timeValue struct{ t time.Time }

func (v *timeValue) String() string {
	if v == nil || v.t.IsZero() {
		return ""
	}
	return v.t.UTC().Format(time.RFC3339)
}

func (v *timeValue) Set(s string) error {
	t, err := parseTime(s)
	if err != nil {
		return err
	}
	v.t = t
	return nil
}

// parseTime reads Unix seconds ("1900000000") or RFC 3339
// ("2030-03-17T17:46:40Z").
func parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, errors.New("empty time: give Unix seconds (1900000000) or RFC 3339 (2030-03-17T17:46:40Z)")
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n <= 0 {
			return time.Time{}, fmt.Errorf("time %d is not after 1970-01-01", n)
		}
		if n > 253402300799 {
			return time.Time{}, fmt.Errorf("time %d is beyond year 9999: milliseconds? give Unix seconds", n)
		}
		return time.Unix(n, 0).UTC(), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither Unix seconds (1900000000) nor RFC 3339 (2030-03-17T17:46:40Z)", s)
	}
	return t, nil
}

// prefixValue is a flag holding an IPv4 CIDR block; a single address means
// that address alone (/32).
type prefixValue struct{ p netip.Prefix }

func (v *prefixValue) String() string {
	if v == nil || !v.p.IsValid() {
		return ""
	}
	return v.p.String()
}

func (v *prefixValue) Set(s string) error {
	p, err := netip.ParsePrefix(s)
	if err != nil {
		a, aerr := netip.ParseAddr(s)
		if aerr != nil {
			return fmt.Errorf("%q is not an IPv4 CIDR block such as 192.0.2.0/24", s)
		}
		p = netip.PrefixFrom(a, a.BitLen())
	}
	if !p.Addr().Is4() {
		return fmt.Errorf("%q is not IPv4: CloudFront's AWS:SourceIp takes IPv4 CIDR blocks only", s)
	}
	if p.Masked() != p {
		return fmt.Errorf("%q has host bits set: did you mean %s?", s, p.Masked())
	}
	v.p = p
	return nil
}

// policyFlags are the flags sign and cookies share: the key and the policy.
type policyFlags struct {
	key       string
	keyPairID string
	expires   timeValue
	ttl       time.Duration
	resource  string
	notBefore timeValue
	ip        prefixValue
	sha256    bool
	carry     string
}

func (pf *policyFlags) register(fs *flag.FlagSet, carry bool) {
	fs.StringVar(&pf.key, "key", "", "private key `FILE` (PEM: PKCS#8, PKCS#1 or SEC1; RSA 2048 or ECDSA P-256); required")
	fs.StringVar(&pf.keyPairID, "key-pair-id", "", "`ID` CloudFront shows for the public key, e.g. K2JCJMDEHXQW5F; required")
	fs.Var(&pf.expires, "expires", "expiry `TIME`: Unix seconds or RFC 3339 (this or -ttl is required)")
	fs.DurationVar(&pf.ttl, "ttl", 0, "expire `DURATION` from now, e.g. 6h or 90m (this or -expires is required)")
	fs.StringVar(&pf.resource, "resource", "", "custom policy for `PATTERN`, a URL with * and ? wildcards, e.g. 'https://d111111abcdef8.cloudfront.net/movies/1/*' (default: a canned policy for exactly the URL)")
	fs.Var(&pf.notBefore, "not-before", "valid from `TIME` on (Unix seconds or RFC 3339); makes a custom policy")
	fs.Var(&pf.ip, "ip", "only viewers from `CIDR` (IPv4, e.g. 192.0.2.0/24; one address means /32); makes a custom policy")
	fs.BoolVar(&pf.sha256, "sha256", false, "sign SHA-256 digests (adds Hash-Algorithm=SHA256) instead of SHA-1")
	if carry {
		fs.StringVar(&pf.carry, "carry", "", "also append prefixed copies named with `SUFFIX`: -carry=-PREFIX adds Policy-PREFIX=…&Signature-PREFIX=…&Key-Pair-Id-PREFIX=…, which CloudFront forwards to the origin (needs a wildcard -resource)")
	}
}

// check reports a missing or contradictory flag, as a usage error message.
func (pf *policyFlags) check() error {
	switch {
	case pf.key == "":
		return errors.New("missing -key FILE: the private key whose public key is in the distribution's trusted key group")
	case pf.keyPairID == "":
		return errors.New("missing -key-pair-id ID: the ID CloudFront shows for the public key (e.g. K2JCJMDEHXQW5F)")
	case pf.expires.t.IsZero() && pf.ttl == 0:
		return errors.New("missing expiry: give -expires TIME or -ttl DURATION")
	case !pf.expires.t.IsZero() && pf.ttl != 0:
		return errors.New("-expires and -ttl both given: give one")
	case pf.ttl < 0:
		return fmt.Errorf("-ttl %v is negative: give how long the credentials should work, e.g. 6h", pf.ttl)
	case pf.ttl != 0 && pf.ttl < time.Second:
		return fmt.Errorf("-ttl %v is under a second: CloudFront counts whole seconds", pf.ttl)
	}
	return nil
}

// signer loads the key and returns a Signer for it.
func (pf *policyFlags) signer() (*signer.Signer, error) {
	key, err := signer.LoadPrivateKey(pf.key)
	if err != nil {
		return nil, fmt.Errorf("-key: %w", err)
	}
	var opts []signer.Option
	if pf.sha256 {
		opts = append(opts, signer.WithHash(crypto.SHA256))
	}
	s, err := signer.New(pf.keyPairID, key, opts...)
	if err != nil {
		return nil, fmt.Errorf("-key-pair-id: %w", err)
	}
	return s, nil
}

// policy returns the policy the flags describe for target (a URL without
// fragment): for exactly target (canned form) unless -resource, -not-before
// or -ip ask for more. An expiry already past at now is refused: the Signer
// reads no clock, and CloudFront would refuse the credentials.
func (pf *policyFlags) policy(target string, now time.Time) (policy.Policy, error) {
	expires := pf.expires.t
	if expires.IsZero() {
		expires = now.Add(pf.ttl)
	}
	res := pf.resource
	if res == "" {
		if strings.Contains(target, "*") {
			return policy.Policy{}, fmt.Errorf("the URL holds '*', which a policy for exactly that URL would read as a wildcard (a canned policy has no wildcards): sign the URL the viewer opens, with '*' percent-encoded as %%2A, and put a pattern in -resource")
		}
		res = target
	}
	p := policy.New(res, expires)
	p.NotBefore = pf.notBefore.t
	p.SourceIP = pf.ip.p
	if !now.Before(p.Expires) {
		return p, fmt.Errorf("the policy would have expired %s (%s): give a later -expires, or -ttl", relTime(p.Expires, now), p.Expires.UTC().Format(time.RFC3339))
	}
	return p, nil
}

// signError explains a signing error, with what to do about the common ones.
func signError(err error, p policy.Policy) string {
	switch {
	case errors.Is(err, signer.ErrResource):
		return fmt.Sprintf("%v\n(-resource must match the URL being signed)", err)
	}
	return err.Error()
}
