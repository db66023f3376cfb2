package main

import (
	"crypto"
	"errors"
	"fmt"
	"strings"
	"time"

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
		return e.usageError(c, "-key-pair-id names the key in -public-key: give -public-key FILE too")
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
	res := r.res

	// The client address to judge with. Without -ip, an address inside the
	// policy's range, so that the rest still gets checked.
	client := ip.a
	if !client.IsValid() && res.Policy.SourceIP.IsValid() {
		client = res.Policy.SourceIP.Addr()
	}

	var verdict error
	if pub != nil {
		v := signer.NewVerifier()
		id := keyPairID
		if id == "" {
			id = res.KeyPairID
		}
		if id != "" {
			if err := v.AddKey(id, pub); err != nil && keyPairID != "" {
				return e.usageError(c, "-key-pair-id: %v", err)
			}
		}
		_, verdict = v.Verify(rawURL, cookies, client, when)
	} else if verdict = r.err; verdict == nil {
		// Without a key, all but the key and the signature: what the
		// Verifier could not read, else the policy's conditions.
		verdict = res.Policy.Evaluate(res.URL, client, when)
	}

	w := e.stdout
	ex := explainer{w: w, r: r, when: when, now: now, atGiven: !at.t.IsZero(), ip: ip.a, pubFile: pubFile, pub: pub, keyPairID: keyPairID}
	ex.describe()
	ex.checks(verdict)
	if verdict != nil {
		fmt.Fprintf(w, "\nREFUSED: %s\n", ex.reason(verdict))
		if d := ex.detail(verdict); d != "" {
			fmt.Fprintf(w, "  (%s)\n", d)
		}
		return exitFailed
	}
	var unchecked []string
	if pub == nil {
		unchecked = append(unchecked, "the signature (give -public-key FILE)")
	}
	if !ip.a.IsValid() && res.Policy.SourceIP.IsValid() {
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
