package main

import (
	"crypto"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/cfhls/cfhls/playlist"
	"github.com/cfhls/cfhls/signer"
)

// newOrigin returns where playlists are read: the private bucket through the
// S3 API, or the HTTP origin through a reverse proxy.
func newOrigin(c config, s stores) (http.Handler, error) {
	if c.bucket == "" {
		return playlist.RemoteOrigin(c.origin), nil
	}
	client, err := s.objects()
	if err != nil {
		return nil, fmt.Errorf("s3 client: %w", err)
	}
	return &s3Origin{client: client, bucket: c.bucket}, nil
}

// originSecretHeader is the custom header CloudFront adds to origin requests.
const originSecretHeader = "X-Cfhls-Origin-Secret"

// newApp wires the sign endpoint (GET /sign?id=…) and the playlist origin
// (every other path; CloudFront sends *.m3u8 here, with the origin secret).
func newApp(c config, key crypto.Signer, originFiles http.Handler) (http.Handler, error) {
	s, err := signer.New(c.keyPairID, key, signer.WithHash(c.hash))
	if err != nil {
		return nil, err
	}
	carrier := signer.Suffix(c.carry)
	sign := &signer.Handler{
		Signer:       s,
		Authorize:    authorize(c.viewerToken),
		Playlist:     strings.TrimSuffix(c.cdn.String(), "/") + c.playlist,
		TTL:          c.ttl,
		AllowOrigins: c.allowOrigins,
	}
	origin := &playlist.Handler{
		Origin: originFiles,
		// Only CloudFront knows the secret: requests around it are refused
		// (in server-side mode the handler would otherwise sign for anyone).
		Admit: func(r *http.Request) error {
			if subtle.ConstantTimeCompare([]byte(r.Header.Get(originSecretHeader)), []byte(c.originSecret)) != 1 {
				return errors.New("request did not come through CloudFront (no origin secret)")
			}
			return nil
		},
		Mode:            c.mode,
		QueryInCacheKey: c.queryInCacheKey,
		// Behind CloudFront the viewer asked for the CDN URL, whatever host
		// API Gateway or the function URL sees.
		Public: func(r *http.Request) *url.URL {
			return &url.URL{Scheme: c.cdn.Scheme, Host: c.cdn.Host, Path: r.URL.Path, RawPath: r.URL.RawPath}
		},
	}
	switch c.mode {
	case playlist.ModePropagate:
		sign.Carrier = &carrier
		origin.Propagate = playlist.Carried{Carrier: &carrier}
	case playlist.ModeServerSide:
		// The signed URL carries the viewer's own policy as copies, and the
		// origin never mints more than that policy allows (a narrower path,
		// an IP condition, an earlier expiry), after checking it.
		// Its own key, and the key group's others: during a rotation a
		// viewer may hold credentials of the key being retired.
		v := signer.NewVerifier()
		if err := v.AddKey(c.keyPairID, key.Public()); err != nil {
			return nil, err
		}
		for id, pub := range c.trusted {
			if err := v.AddKey(id, pub); err != nil {
				return nil, fmt.Errorf("CFHLS_TRUSTED_PUBLIC_KEYS %s: %w", id, err)
			}
		}
		sign.Carrier = &carrier
		origin.ServerSide = playlist.ServerSide{
			Signer: s,
			TTL:    c.ttl,
			// Sign the whole presentation the sign endpoint covers (the
			// {id} folder), not just the playlist's own folder, so
			// renditions and keys in sibling folders are covered too.
			Scope: func(_ *http.Request, public *url.URL) (string, error) {
				return presentationScope(c, public)
			},
			Viewer: playlist.Carried{Carrier: &carrier, Verifier: v},
		}
	case playlist.ModeCookies:
		sign.Format = signer.FormatCookies
	}
	// A bad environment variable fails here, at startup, not as a 500 on
	// every request.
	if err := sign.Validate(); err != nil {
		return nil, fmt.Errorf("sign endpoint: %w", err)
	}
	if err := origin.Validate(); err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/sign", sign)
	mux.Handle("/", origin)
	return mux, nil
}

// authorize is the demo check: a shared bearer token. Replace it with your
// session or entitlement check; return an error to refuse.
func authorize(token string) func(*http.Request, string) (signer.Grant, error) {
	return func(r *http.Request, id string) (signer.Grant, error) {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || token == "" || subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
			return signer.Grant{}, signer.ErrNotAuthorized
		}
		return signer.Grant{}, nil
	}
}

// presentationScope returns the wildcard resource of the presentation a
// playlist path belongs to: with CFHLS_PLAYLIST /movies/{id}/index.m3u8,
// /movies/7/video/720p/index.m3u8 gives CDN/movies/7/*.
func presentationScope(c config, public *url.URL) (string, error) {
	prefix := c.playlist[:strings.Index(c.playlist, "{id}")]
	rest, ok := strings.CutPrefix(public.EscapedPath(), prefix)
	id, _, more := strings.Cut(rest, "/")
	if !ok || id == "" || !more {
		return "", fmt.Errorf("playlist %s is outside %s", public.Path, c.playlist)
	}
	return strings.TrimSuffix(c.cdn.String(), "/") + prefix + id + "/*", nil
}
