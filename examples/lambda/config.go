package main

import (
	"crypto"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/cfhls/cfhls/playlist"
	"github.com/cfhls/cfhls/signer"
)

// config is the function's configuration, from environment variables.
type config struct {
	// CFHLS_KEY_PAIR_ID: the public key's ID in the distribution's key group.
	keyPairID string
	// Exactly one of the four key sources: CFHLS_PRIVATE_KEY (PEM),
	// CFHLS_PRIVATE_KEY_SECRET (Secrets Manager), CFHLS_PRIVATE_KEY_PARAMETER
	// (SSM Parameter Store) or CFHLS_KMS_KEY_ID (an asymmetric KMS key that
	// signs without the private key ever leaving KMS).
	keyPEM, keySecret, keyParameter, keyKMS string
	// hash is the digest credentials are signed over: SHA-1 (what every
	// distribution accepts) for a key the function holds, SHA-256
	// (Hash-Algorithm=SHA256) with CFHLS_KMS_KEY_ID, as KMS cannot sign
	// SHA-1.
	hash crypto.Hash
	// CFHLS_CDN_URL: the distribution's URL, e.g. https://d111111abcdef8.cloudfront.net.
	cdn *url.URL
	// CFHLS_ORIGIN_BUCKET: the S3 bucket playlists are read from with the
	// function's role (s3:GetObject), so the bucket stays private; or
	// CFHLS_ORIGIN_URL: an HTTP origin that serves them (a packager, say).
	bucket string
	origin *url.URL
	// CFHLS_ORIGIN_SECRET: the value of the X-Cfhls-Origin-Secret custom
	// header CloudFront adds to its origin requests. The playlist origin
	// refuses requests without it, so nobody can reach it around CloudFront
	// (in server-side mode it would sign for them).
	originSecret string
	// CFHLS_PLAYLIST: path of a presentation's playlist with {id}, default
	// /movies/{id}/index.m3u8.
	playlist string
	// CFHLS_MODE: propagate (default), server-side or cookies.
	mode playlist.Mode
	// CFHLS_CARRY: the marker of carried parameters, default -PREFIX.
	carry string
	// CFHLS_TTL: credential lifetime, default 6h.
	ttl time.Duration
	// CFHLS_VIEWER_TOKEN: the bearer token the demo Authorize accepts.
	// Replace authorize() with your own session check.
	viewerToken string
	// CFHLS_ALLOW_ORIGINS: comma-separated CORS origins for the sign endpoint.
	allowOrigins []string
	// CFHLS_TRUSTED_PUBLIC_KEYS: the key group's other public keys, as
	// comma-separated ID=KEY pairs (KEY: the base64 of the DER public key,
	// as `openssl pkey -pubin -outform DER | base64 -w0` prints it). In
	// server-side mode the origin checks viewers' credentials against
	// them as well as its own key, so that a rotation refuses nobody.
	trusted map[string]crypto.PublicKey
	// CFHLS_QUERY_IN_CACHE_KEY: true when the playlist behavior's cache
	// policy puts every query string in the cache key (the Terraform
	// module's does in propagate and server-side modes), so that
	// playlist.Handler may let CloudFront share answers that depend on it
	// (playlist.Handler.QueryInCacheKey).
	queryInCacheKey bool
}

// loadConfig reads and checks the environment, naming the variable at fault.
func loadConfig(getenv func(string) string) (config, error) {
	c := config{
		keyPairID:    getenv("CFHLS_KEY_PAIR_ID"),
		keyPEM:       getenv("CFHLS_PRIVATE_KEY"),
		keySecret:    getenv("CFHLS_PRIVATE_KEY_SECRET"),
		keyParameter: getenv("CFHLS_PRIVATE_KEY_PARAMETER"),
		keyKMS:       getenv("CFHLS_KMS_KEY_ID"),
		hash:         crypto.SHA1,
		playlist:     or(getenv("CFHLS_PLAYLIST"), "/movies/{id}/index.m3u8"),
		carry:        or(getenv("CFHLS_CARRY"), "-PREFIX"),
		viewerToken:  getenv("CFHLS_VIEWER_TOKEN"),
		bucket:       getenv("CFHLS_ORIGIN_BUCKET"),
		originSecret: getenv("CFHLS_ORIGIN_SECRET"),
	}
	var errs []error
	if c.keyPairID == "" {
		errs = append(errs, errors.New("CFHLS_KEY_PAIR_ID is not set: use the ID of the public key in the key group"))
	}
	sources := 0
	for _, s := range []string{c.keyPEM, c.keySecret, c.keyParameter, c.keyKMS} {
		if s != "" {
			sources++
		}
	}
	if sources != 1 {
		errs = append(errs, fmt.Errorf("set exactly one of CFHLS_PRIVATE_KEY, CFHLS_PRIVATE_KEY_SECRET, CFHLS_PRIVATE_KEY_PARAMETER, CFHLS_KMS_KEY_ID (%d set)", sources))
	}
	if c.keyKMS != "" {
		if strings.ContainsAny(c.keyKMS, " \t\r\n") || strings.Contains(c.keyKMS, "-----BEGIN") {
			errs = append(errs, errors.New("CFHLS_KMS_KEY_ID must name a KMS key (key ID, key ARN, alias/NAME or alias ARN), not hold a key"))
		}
		// KMS has no SHA-1 signing algorithm: CloudFront's SHA-256
		// signatures (Hash-Algorithm=SHA256) are the only ones it can make.
		c.hash = crypto.SHA256
	}
	var err error
	if c.cdn, err = absURL("CFHLS_CDN_URL", getenv("CFHLS_CDN_URL")); err != nil {
		errs = append(errs, err)
	}
	switch raw := getenv("CFHLS_ORIGIN_URL"); {
	case c.bucket != "" && raw != "":
		errs = append(errs, errors.New("set one of CFHLS_ORIGIN_BUCKET and CFHLS_ORIGIN_URL, not both"))
	case c.bucket == "" && raw == "":
		errs = append(errs, errors.New("set CFHLS_ORIGIN_BUCKET (a private S3 bucket) or CFHLS_ORIGIN_URL (an HTTP origin)"))
	case raw != "":
		if c.origin, err = absURL("CFHLS_ORIGIN_URL", raw); err != nil {
			errs = append(errs, err)
		}
	}
	if len(c.originSecret) < 16 {
		errs = append(errs, errors.New("CFHLS_ORIGIN_SECRET must hold at least 16 characters: the custom origin header CloudFront sends, so nobody reaches the playlist origin around it"))
	}
	if !strings.HasPrefix(c.playlist, "/") || !strings.Contains(c.playlist, "{id}") {
		errs = append(errs, fmt.Errorf("CFHLS_PLAYLIST %q must be a path with {id}, like /movies/{id}/index.m3u8", c.playlist))
	}
	if c.mode, err = playlist.ParseMode(or(getenv("CFHLS_MODE"), "propagate")); err != nil {
		errs = append(errs, fmt.Errorf("CFHLS_MODE: %w", err))
	}
	if c.ttl, err = time.ParseDuration(or(getenv("CFHLS_TTL"), "6h")); err != nil || c.ttl <= 0 {
		errs = append(errs, fmt.Errorf("CFHLS_TTL %q: want a positive duration like 6h", getenv("CFHLS_TTL")))
	}
	if c.viewerToken == "" {
		errs = append(errs, errors.New("CFHLS_VIEWER_TOKEN is not set: the demo sign endpoint refuses everyone without it (replace authorize with your own check)"))
	}
	switch v := getenv("CFHLS_QUERY_IN_CACHE_KEY"); v {
	case "", "false":
	case "true":
		c.queryInCacheKey = true
	default:
		errs = append(errs, fmt.Errorf("CFHLS_QUERY_IN_CACHE_KEY %q: want true or false", v))
	}
	if c.trusted, err = trustedKeys(getenv("CFHLS_TRUSTED_PUBLIC_KEYS")); err != nil {
		errs = append(errs, err)
	}
	for _, o := range strings.Split(getenv("CFHLS_ALLOW_ORIGINS"), ",") {
		if o = strings.TrimSpace(o); o != "" {
			c.allowOrigins = append(c.allowOrigins, o)
		}
	}
	return c, errors.Join(errs...)
}

// absURL parses s, the value of the variable name, as an absolute http(s)
// URL, with an error naming the variable.
func absURL(name, s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if s == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("%s %q: want an absolute http(s) URL", name, s)
	}
	return u, nil
}

// or returns s, or def when s is empty.
func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// trustedKeys reads CFHLS_TRUSTED_PUBLIC_KEYS: comma-separated ID=KEY
// pairs, KEY the base64 (standard alphabet) of a DER public key; at most 4,
// as a CloudFront key group holds 5 keys with the function's own.
func trustedKeys(raw string) (map[string]crypto.PublicKey, error) {
	keys := map[string]crypto.PublicKey{}
	for i, pair := range strings.Split(raw, ",") {
		if pair = strings.TrimSpace(pair); pair == "" {
			continue
		}
		id, b64, ok := strings.Cut(pair, "=")
		if !ok || id == "" {
			return nil, fmt.Errorf("CFHLS_TRUSTED_PUBLIC_KEYS entry %d: want ID=BASE64_DER_PUBLIC_KEY", i+1)
		}
		der, err := base64.StdEncoding.DecodeString(strings.TrimSpace(b64))
		if err != nil {
			return nil, fmt.Errorf("CFHLS_TRUSTED_PUBLIC_KEYS %s: not base64: %w", id, err)
		}
		pub, err := signer.ParsePublicKey(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
		if err != nil {
			return nil, fmt.Errorf("CFHLS_TRUSTED_PUBLIC_KEYS %s: %w", id, err)
		}
		keys[strings.TrimSpace(id)] = pub
	}
	if len(keys) > 4 {
		return nil, fmt.Errorf("CFHLS_TRUSTED_PUBLIC_KEYS has %d keys: a key group holds 5 with the function's own", len(keys))
	}
	return keys, nil
}
