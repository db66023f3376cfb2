package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/cfhls/cfhls/policy"
	"github.com/cfhls/cfhls/signer"
)

var signCommand = &command{
	name:     "sign",
	synopsis: "-key FILE -key-pair-id ID (-expires TIME | -ttl DURATION) [-resource PATTERN] [-not-before TIME] [-ip CIDR] [-sha256] [-carry SUFFIX] URL",
	summary:  "print a signed URL",
	help: `Signs URL and prints it with CloudFront's parameters appended. Without
-resource, -not-before and -ip the policy is canned (Expires=…): good for
exactly this URL, and the same signature "aws cloudfront sign" makes. Otherwise
it is custom (Policy=…); with a wildcard -resource the parameters also work on
every other URL the pattern matches (the rest of the presentation).

examples:
  cfhls sign -key key.pem -key-pair-id K2JCJMDEHXQW5F -ttl 6h \
      https://d111111abcdef8.cloudfront.net/movies/1/index.m3u8

  cfhls sign -key key.pem -key-pair-id K2JCJMDEHXQW5F -expires 2030-03-17T17:46:40Z \
      -resource 'https://d111111abcdef8.cloudfront.net/movies/1/*' -ip 192.0.2.0/24 \
      -carry=-PREFIX https://d111111abcdef8.cloudfront.net/movies/1/index.m3u8
`,
	run: runSign,
}

func runSign(e *env, c *command, args []string) int {
	fs := c.flags()
	var pf policyFlags
	pf.register(fs, true)
	rest, code, ok := e.parse(c, fs, args, 1)
	if !ok {
		return code
	}
	if err := pf.check(); err != nil {
		return e.usageError(c, "%v", err)
	}
	rawURL := rest[0]
	target, _, _ := strings.Cut(rawURL, "#")
	p, err := pf.policy(target, time.Now())
	if err != nil {
		return e.fail(c, "%v", err)
	}
	// The URL on a line of its own in these: it may carry long copies.
	if _, params := signer.SplitSignedURL(target); len(params) > 0 {
		return e.fail(c, "the URL already has signing parameters (%s): sign it without them:\n  %s", strings.Join(paramNames(params), ", "), rawURL)
	} else if pf.resource != "" && !policy.Match(pf.resource, target) {
		return e.fail(c, "-resource %q does not cover the URL (-resource must match the URL being signed):\n  %s", pf.resource, target)
	}
	if err := checkMarker(pf.carry); err != nil {
		return e.usageError(c, "-carry: %v", err)
	}
	if pf.carry != "" && p.Form() == policy.FormCanned {
		return e.usageError(c, "-carry needs a wildcard -resource (such as 'https://host/movies/1/*'): canned credentials are good for one URL only, and CloudFront refuses a canned URL with parameters added after signing")
	}
	s, err := pf.signer()
	if err != nil {
		return e.fail(c, "%v", err)
	}
	signed, err := s.SignURL(rawURL, p)
	if err != nil {
		return e.fail(c, "%s", signError(err, p))
	}
	if pf.carry != "" {
		signed, err = appendCarry(signed, s, p, pf.carry)
		if err != nil {
			return e.fail(c, "%v", err)
		}
	}
	fmt.Fprintln(e.stdout, signed)
	return exitOK
}

// appendCarry appends the carried copies of p's credentials to a signed URL
// (before any fragment) and checks that p still covers the URL CloudFront
// will see, which now includes the copies.
func appendCarry(signed string, s *signer.Signer, p policy.Policy, suffix string) (string, error) {
	creds, err := s.Credentials(p) // cached: the same credentials SignURL used
	if err != nil {
		return "", err
	}
	carried := signer.Suffix(suffix).Encode(creds)
	target, frag, hasFrag := strings.Cut(signed, "#")
	out := target + "&" + carried
	if hasFrag {
		out += "#" + frag
	}
	// CloudFront matches the policy against the URL without its own
	// parameters but with the copies.
	if reqURL, _ := signer.SplitSignedURL(out); !policy.Match(p.Resource, reqURL) {
		return "", fmt.Errorf("-resource %q does not match the URL CloudFront checks once the -carry parameters are on it (end the pattern with '*'):\n  %s", p.Resource, reqURL)
	}
	return out, nil
}

// checkMarker accepts a -carry marker that can go into a query parameter name
// as it is.
func checkMarker(m string) error {
	for i := 0; i < len(m); i++ {
		switch c := m[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_', c == '.', c == '~':
		default:
			return fmt.Errorf("%q has %q: use letters, digits, '-', '_', '.' or '~' (such as -PREFIX)", m, c)
		}
	}
	return nil
}
