package main

import (
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cfhls/cfhls/policy"
	"github.com/cfhls/cfhls/signer"
)

var cookiesCommand = &command{
	name:     "cookies",
	synopsis: "-key FILE -key-pair-id ID (-expires TIME | -ttl DURATION) [-resource PATTERN] [-not-before TIME] [-ip CIDR] [-sha256] [-domain D] [-path P] [-samesite MODE] [-insecure] [-scriptable] [-persistent] URL",
	summary:  "print Set-Cookie headers for signed cookies",
	help: `Signs a policy for URL and prints it as CloudFront signed cookies, one
"Set-Cookie:" header line each. Cookies usually carry a wildcard -resource
covering a whole presentation; without -resource (and -not-before, -ip) the
policy is canned and the cookies work for exactly URL. The defaults follow
CloudFront's advice: Secure, HttpOnly, Path=/, host-only, no expiry.

examples:
  cfhls cookies -key key.pem -key-pair-id K2JCJMDEHXQW5F -ttl 6h \
      -resource 'https://d111111abcdef8.cloudfront.net/movies/1/*' \
      https://d111111abcdef8.cloudfront.net/movies/1/index.m3u8

  cfhls cookies -key key.pem -key-pair-id K2JCJMDEHXQW5F -ttl 2h \
      -resource 'https://video.example.com/movies/*' -domain .example.com \
      -path /movies -samesite none https://video.example.com/movies/1/index.m3u8
`,
	run: runCookies,
}

// sameSiteValue is a flag holding a SameSite mode.
type sameSiteValue struct{ m http.SameSite }

func (v *sameSiteValue) String() string {
	if v == nil {
		return ""
	}
	switch v.m {
	case http.SameSiteLaxMode:
		return "lax"
	case http.SameSiteStrictMode:
		return "strict"
	case http.SameSiteNoneMode:
		return "none"
	}
	return ""
}

func (v *sameSiteValue) Set(s string) error {
	switch strings.ToLower(s) {
	case "lax":
		v.m = http.SameSiteLaxMode
	case "strict":
		v.m = http.SameSiteStrictMode
	case "none":
		v.m = http.SameSiteNoneMode
	default:
		return fmt.Errorf("%q is not lax, strict or none", s)
	}
	return nil
}

func runCookies(e *env, c *command, args []string) int {
	fs := c.flags()
	var pf policyFlags
	pf.register(fs, false)
	var o signer.CookieOptions
	var sameSite sameSiteValue
	fs.StringVar(&o.Domain, "domain", "", "cookie `DOMAIN`, e.g. .example.com to share them with subdomains (default: host-only)")
	fs.StringVar(&o.Path, "path", "", "cookie `PATH` (default /)")
	fs.Var(&sameSite, "samesite", "SameSite `MODE`: lax, strict or none (default: no attribute)")
	fs.BoolVar(&o.Insecure, "insecure", false, "leave out Secure (plain-http testing only)")
	fs.BoolVar(&o.Scriptable, "scriptable", false, "leave out HttpOnly, so page scripts can read the cookies")
	fs.BoolVar(&o.Persistent, "persistent", false, "set Expires to the policy's expiry (default: session cookies)")
	rest, code, ok := e.parse(c, fs, args, 1)
	if !ok {
		return code
	}
	if err := pf.check(); err != nil {
		return e.usageError(c, "%v", err)
	}
	if err := checkCookieOptions(o); err != nil {
		return e.usageError(c, "%v", err)
	}
	o.SameSite = sameSite.m
	rawURL := rest[0]
	target, _, _ := strings.Cut(rawURL, "#")
	if err := checkURL(target); err != nil {
		return e.fail(c, "%v", err)
	}
	if reqURL, params := signer.SplitSignedURL(target); len(params) > 0 {
		return e.fail(c, "the URL carries signing parameters (%s): with them CloudFront ignores cookies; give the URL without them:\n  %s", strings.Join(paramNames(params), ", "), rawURL)
	} else if pf.resource != "" && !policy.Match(pf.resource, reqURL) {
		return e.fail(c, "-resource %q does not match the URL, so the cookies would not work for it:\n  %s", pf.resource, reqURL)
	}
	p, err := pf.policy(target, time.Now())
	if err != nil {
		return e.fail(c, "%v", err)
	}
	s, err := pf.signer()
	if err != nil {
		return e.fail(c, "%v", err)
	}
	cookies, err := s.Cookies(p, o)
	if err != nil {
		return e.fail(c, "%s", signError(err, p))
	}
	for _, ck := range cookies {
		if err := ck.Valid(); err != nil {
			return e.fail(c, "cookie %s: %v", ck.Name, err)
		}
		fmt.Fprintf(e.stdout, "Set-Cookie: %s\n", ck.String())
	}
	if host := urlHost(target); o.Domain != "" && !domainCovers(o.Domain, host) {
		e.warn(c, "-domain %s does not cover %s: a browser would not send these cookies to it (give that host, or a parent domain of it)", o.Domain, host)
	}
	if p.Form() == policy.FormCanned {
		fmt.Fprintf(e.stderr, "cfhls cookies: note: a canned policy: these cookies work for %s only; give -resource 'PATTERN*' to cover a whole presentation\n", target)
	}
	return exitOK
}

// checkCookieOptions refuses a domain or path that would break the header.
func checkCookieOptions(o signer.CookieOptions) error {
	if strings.ContainsAny(o.Domain, " ;,\"\t\r\n/:") {
		return fmt.Errorf("-domain %q is not a domain name such as .example.com", o.Domain)
	}
	if o.Path != "" && (!strings.HasPrefix(o.Path, "/") || strings.ContainsAny(o.Path, ";\r\n\t")) {
		return fmt.Errorf("-path %q is not a URL path such as /movies", o.Path)
	}
	return nil
}

// domainCovers reports whether a browser sends a cookie with Domain domain
// to host (RFC 6265 domain matching): host is the domain, without its
// leading dot, or a subdomain of it. Case does not matter.
func domainCovers(domain, host string) bool {
	d := strings.ToLower(strings.TrimPrefix(domain, "."))
	h := strings.ToLower(host)
	return d != "" && (h == d || strings.HasSuffix(h, "."+d))
}

// urlHost returns the host name of rawURL, without port.
func urlHost(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return ""
	}
	return u.Hostname()
}

// checkURL checks that rawURL is an absolute http or https URL.
func checkURL(rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return fmt.Errorf("URL: %v", err)
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("URL %q is not an absolute http or https URL (such as https://d111111abcdef8.cloudfront.net/movies/1/index.m3u8)", rawURL)
	}
	return nil
}

// sameSiteValue is a flag.Value.
var _ flag.Value = (*sameSiteValue)(nil)
