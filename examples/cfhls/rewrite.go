package main

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/cfhls/cfhls/playlist"
	"github.com/cfhls/cfhls/policy"
	"github.com/cfhls/cfhls/signer"
)

var rewriteCommand = &command{
	name:     "rewrite",
	synopsis: "-base URL (-query Q | -from SIGNED_URL) [-carry SUFFIX] < in.m3u8 > out.m3u8",
	summary:  "put credentials on every URI of a playlist (stdin to stdout)",
	help: `Reads a playlist on stdin and writes it to stdout with credentials added to
every URI on the playlist's own host (and every relative URI): segments,
variant and rendition playlists, keys, maps, parts, and the rest. Everything
else is copied byte for byte. With -carry the URIs of nested playlists also
get the prefixed copies that let the next playlist be rewritten in turn.

-base is the URL the playlist is served from. -query gives the parameters to
append; -from takes them from a signed URL (a wildcard policy covering the
presentation, as "cfhls sign -resource 'https://…/movies/1/*'" makes). A
playlist that cannot be read fails with its line number and exit status 1.

examples:
  cfhls rewrite -base https://d111111abcdef8.cloudfront.net/movies/1/index.m3u8 \
      -query 'Policy=eyJTd…&Signature=Qx9…&Key-Pair-Id=K2JCJMDEHXQW5F' \
      < index.m3u8 > signed.m3u8

  url=$(cfhls sign -key key.pem -key-pair-id K2JCJMDEHXQW5F -ttl 6h \
      -resource 'https://d111111abcdef8.cloudfront.net/movies/1/*' \
      https://d111111abcdef8.cloudfront.net/movies/1/index.m3u8)
  cfhls rewrite -base https://d111111abcdef8.cloudfront.net/movies/1/index.m3u8 \
      -from "$url" -carry=-PREFIX < index.m3u8 > signed.m3u8
`,
	run: runRewrite,
}

func runRewrite(e *env, c *command, args []string) int {
	fs := c.flags()
	var base, query, from, carry string
	fs.StringVar(&base, "base", "", "`URL` of the playlist: relative URIs resolve against it, and its host is the one whose URIs get credentials; required")
	fs.StringVar(&query, "query", "", "parameters `Q` to append to each URI, e.g. 'Policy=…&Signature=…&Key-Pair-Id=…'")
	fs.StringVar(&from, "from", "", "take the parameters from the signing parameters of `SIGNED_URL` (or, with -carry, from its carried copies when it has only those)")
	fs.StringVar(&carry, "carry", "", "also put the credentials, named with `SUFFIX` (-carry=-PREFIX: Policy-PREFIX=…), on URIs of nested playlists")
	if _, code, ok := e.parse(c, fs, args, 0); !ok {
		return code
	}
	switch {
	case base == "":
		return e.usageError(c, "missing -base URL: the URL the playlist is served from")
	case query == "" && from == "":
		return e.usageError(c, "missing credentials: give -query Q or -from SIGNED_URL")
	case query != "" && from != "":
		return e.usageError(c, "-query and -from both given: give one")
	}
	if err := checkMarker(carry); err != nil {
		return e.usageError(c, "-carry: %v", err)
	}
	baseURL, err := url.Parse(base)
	if err != nil || (baseURL.Scheme != "https" && baseURL.Scheme != "http") || baseURL.Host == "" {
		return e.usageError(c, "-base %q is not an absolute http or https URL", base)
	}

	rw := playlist.Rewriter{Base: baseURL}
	if from != "" {
		creds, err := credentialsFrom(from, carry)
		if err != nil {
			return e.fail(c, "-from: %v", err)
		}
		if exp := creds.Expiry(); !exp.IsZero() && !time.Now().Before(exp) {
			e.warn(c, "the -from credentials expired %s (%s)", exp.UTC().Format(time.RFC3339), relTime(exp, time.Now()))
		}
		if doc, err := policy.Decode(creds.Policy); err == nil {
			if p, err := policy.Parse(doc); err == nil {
				plain := (&url.URL{Scheme: baseURL.Scheme, Host: baseURL.Host, Path: baseURL.Path, RawPath: baseURL.RawPath}).String()
				if !policy.Match(p.Resource, plain) {
					e.warn(c, "the -from policy's resource %s does not cover -base %s: CloudFront would refuse the playlist's URIs", p.Resource, plain)
				}
			}
		}
		rw.Query = creds.Encode()
		if carry != "" {
			rw.Carry = signer.Suffix(carry).Encode(creds)
		}
	} else {
		rw.Query = strings.TrimLeft(query, "?&")
		if carry != "" {
			q, err := url.ParseQuery(rw.Query)
			if err != nil {
				return e.usageError(c, "-query: %v", err)
			}
			creds, err := signer.FromQuery(q)
			if err != nil {
				return e.usageError(c, "-carry copies the credentials in -query, but -query has none readable: %v", err)
			}
			rw.Carry = signer.Suffix(carry).Encode(creds)
		}
	}

	// Check -query and -carry before reading stdin: a bad one is a usage
	// error.
	if _, err := rw.AppendRewrite(nil, []byte("#EXTM3U\n")); err != nil {
		return e.usageError(c, "-query: %v", err)
	}
	if err := rw.Rewrite(e.stdout, e.stdin); err != nil {
		var pe *playlist.ParseError
		if errors.As(err, &pe) {
			return e.fail(c, "stdin: %v", err)
		}
		return e.fail(c, "%v", err)
	}
	return exitOK
}

// credentialsFrom reads the credentials of a signed URL: CloudFront's own
// parameters, or the copies carried with suffix when there are none.
func credentialsFrom(signedURL, suffix string) (signer.Credentials, error) {
	target, _, _ := strings.Cut(signedURL, "#")
	u, err := url.Parse(target)
	if err != nil {
		return signer.Credentials{}, err
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return signer.Credentials{}, fmt.Errorf("query of %q: %v", signedURL, err)
	}
	creds, err := signer.FromQuery(q)
	if errors.Is(err, signer.ErrNoCredentials) && suffix != "" {
		creds, err = signer.Suffix(suffix).Extract(q)
	}
	if errors.Is(err, signer.ErrNoCredentials) {
		return signer.Credentials{}, fmt.Errorf("the URL has no signing parameters (Expires or Policy, Signature, Key-Pair-Id):\n  %s", signedURL)
	}
	if err != nil {
		return signer.Credentials{}, err
	}
	if creds.Form() == policy.FormCanned {
		return signer.Credentials{}, fmt.Errorf("the credentials are canned (Expires=%d): they are good for that one URL only, and CloudFront would refuse every URI of the playlist with them; sign a wildcard policy (cfhls sign -resource 'https://…/movies/1/*')", creds.Expires)
	}
	return creds, nil
}
