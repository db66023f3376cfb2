package signer

import (
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/cfhls/cfhls/policy"
)

// Defaults for the expiry of credentials that a Handler here, or a
// playlist.Handler in server-side mode, signs: now+TTL rounded up to Bucket.
const (
	// DefaultTTL is how long credentials last when no TTL is set: long
	// enough for a film with pauses.
	DefaultTTL = 6 * time.Hour
	// DefaultBucket is the step expiries are rounded up to when no Bucket is
	// set: every viewer in the same 15 minutes shares one signature and one
	// set of stable URLs.
	DefaultBucket = 15 * time.Minute
)

// Format is how the sign endpoint answers; a request names one with
// ?format=.
type Format string

// Response formats of the sign endpoint.
const (
	// FormatJSON answers {"url": signed URL, "expires": Unix seconds}.
	FormatJSON Format = "json"
	// FormatRedirect answers 302 Found to the signed URL, what a player that
	// opens the sign endpoint as its playlist URL expects.
	FormatRedirect Format = "redirect"
	// FormatCookies sets CloudFront signed cookies for the scope and answers
	// JSON with the unsigned playlist URL.
	FormatCookies Format = "cookies"
)

// Grant is what a viewer may watch, as decided by Handler.Authorize.
type Grant struct {
	// Scope is the policy resource. Empty means the directory of the
	// playlist URL (policy.DirScope), which covers a presentation laid out in
	// one folder.
	Scope string
	// TTL overrides Handler.TTL when positive.
	TTL time.Duration
	// SourceIP binds the credentials to a network (IPv4 CIDR); zero for none.
	SourceIP netip.Prefix
}

// ErrNotAuthorized may be returned, wrapped, by Handler.Authorize.
var ErrNotAuthorized = errors.New("signer: not authorized")

// Handler is the sign endpoint: a viewer asks for content by identifier
// (GET ?id=movie_1), Authorize decides whether and what they may watch, and
// the answer carries credentials for the presentation as JSON, a redirect or
// cookies.
//
// Configuration: Signer and Playlist are required; the other fields have
// documented zero values. Validate reports a configuration that cannot work
// (wrapping ErrConfig, naming the field): call it when building the
// Handler. ServeHTTP runs it once, at the first request; a Handler that
// fails it answers every request (preflights included, without asking
// Authorize or signing anything) 500 with a fixed JSON error and logs why to
// ErrorLog, on every request. A nil Authorize is valid: it refuses every
// request with 403 (fail closed).
//
// It is safe for concurrent use once configured; set fields before the first
// request, and do not copy a Handler after its first request.
//
// Identifiers are checked before Authorize sees them: path segments of
// letters, digits, '.', '_' and '-', separated by '/', at most 256 bytes,
// never "." or "..", never absolute. Answers carry Cache-Control: no-store.
type Handler struct {
	// Signer signs the credentials. Required.
	Signer *Signer
	// Authorize decides what the viewer of r may watch for id. Nil refuses
	// every request (fail closed): there is no anonymous default. An error
	// answers 403 (the error is logged, not shown to the viewer).
	Authorize func(r *http.Request, id string) (Grant, error)
	// Playlist is the URL of the playlist to sign, an absolute http(s) URL
	// with "{id}" where the identifier goes (in its path or query), e.g.
	// "https://d111111abcdef8.cloudfront.net/movies/{id}/index.m3u8".
	// Required.
	Playlist string
	// TTL is how long credentials last, before rounding up to Bucket.
	// Zero means DefaultTTL; negative is a configuration error.
	TTL time.Duration
	// Bucket rounds expiries up so that viewers in the same bucket share one
	// signature and stable URLs. Zero means DefaultBucket; negative is a
	// configuration error.
	Bucket time.Duration
	// Format is the default answer (FormatJSON, FormatRedirect or
	// FormatCookies); a request may ask for another with ?format=. Empty means
	// FormatJSON; any other value is a configuration error.
	Format Format
	// Carrier, when set, appends prefixed copies of the credentials to the
	// signed URL, for origins that propagate them through playlists.
	Carrier *Carrier
	// Cookies shapes the cookies of FormatCookies.
	Cookies CookieOptions
	// AllowOrigins lists the origins allowed by CORS ("*" for any; with
	// FormatCookies list origins explicitly, browsers refuse "*" with
	// credentials, so "*" alone with Format FormatCookies is a configuration
	// error). Empty sends no CORS headers.
	AllowOrigins []string
	// ErrorLog receives refusals and failures; nil uses the log package.
	ErrorLog *log.Logger
	// Now is the clock expiries are computed from; nil means time.Now.
	Now func() time.Time

	checked sync.Once // Validate has run, at the first request
	invalid error     // what it said
}

// signResponse is the JSON answer.
type signResponse struct {
	URL     string `json:"url"`
	Expires int64  `json:"expires"`
}

type errorResponse struct {
	Error string `json:"error"`
}

// ServeHTTP answers GET, HEAD and CORS preflight requests. A Handler that
// fails Validate answers every request 500.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if err := h.configErr(); err != nil {
		AddCORSHeaders(w, r, h.AllowOrigins)
		h.fail(w, http.StatusInternalServerError, "sign endpoint misconfigured", err)
		return
	}
	if ServeCORS(w, r, h.AllowOrigins) {
		return
	}
	id := r.URL.Query().Get("id")
	if err := CheckID(id); err != nil {
		h.fail(w, http.StatusBadRequest, err.Error(), nil)
		return
	}
	format := Format(r.URL.Query().Get("format"))
	if format == "" {
		format = h.Format
	}
	if format == "" {
		format = FormatJSON
	}
	if format != FormatJSON && format != FormatRedirect && format != FormatCookies {
		h.fail(w, http.StatusBadRequest, fmt.Sprintf("format %q: use json, redirect or cookies", format), nil)
		return
	}
	if h.Authorize == nil {
		h.fail(w, http.StatusForbidden, "not authorized", errors.New("signer.Handler: Authorize is not set; refusing every request"))
		return
	}
	g, err := h.Authorize(r, id)
	if err != nil {
		h.fail(w, http.StatusForbidden, "not authorized", fmt.Errorf("id %q: %w", id, err))
		return
	}
	target := strings.ReplaceAll(h.Playlist, "{id}", id)
	scope := g.Scope
	if scope == "" {
		if scope, err = policy.DirScope(target); err != nil {
			h.fail(w, http.StatusInternalServerError, "sign endpoint misconfigured", err)
			return
		}
	}
	ttl, bucket := g.TTL, h.Bucket
	if ttl <= 0 {
		ttl = h.TTL
	}
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	if bucket <= 0 {
		bucket = DefaultBucket
	}
	p := policy.New(scope, policy.RoundUp(h.now().Add(ttl), bucket))
	p.SourceIP = g.SourceIP
	res := signResponse{URL: target, Expires: p.Expires.Unix()}
	if format == FormatCookies {
		cookies, err := h.Signer.Cookies(p, h.Cookies)
		if err != nil {
			h.fail(w, http.StatusInternalServerError, "signing failed", err)
			return
		}
		for _, c := range cookies {
			http.SetCookie(w, c)
		}
		h.json(w, http.StatusOK, res)
		return
	}
	if res.URL, err = h.Signer.SignURL(target, p); err != nil {
		h.fail(w, http.StatusInternalServerError, "signing failed", err)
		return
	}
	if h.Carrier != nil {
		c, err := h.Signer.Credentials(p)
		if err != nil {
			h.fail(w, http.StatusInternalServerError, "signing failed", err)
			return
		}
		res.URL = string(h.Carrier.AppendQuery([]byte(res.URL), c))
	}
	if format == FormatRedirect {
		w.Header().Set("Location", res.URL)
		w.WriteHeader(http.StatusFound)
		return
	}
	h.json(w, http.StatusOK, res)
}

// CheckID reports whether id is a safe content identifier: one or more path
// segments of letters, digits, '.', '_' and '-' separated by single '/', at
// most 256 bytes, with no "." or ".." segment. This rules out traversal,
// absolute URLs ("https:", "//host") and anything needing escaping.
func CheckID(id string) error {
	if id == "" {
		return errors.New("id is missing: ask for ?id=")
	}
	if len(id) > 256 {
		return fmt.Errorf("id is %d bytes; at most 256", len(id))
	}
	for _, seg := range strings.Split(id, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return fmt.Errorf("id %q: empty, '.' or '..' path segment", id)
		}
		for i := 0; i < len(seg); i++ {
			c := seg[i]
			if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
				return fmt.Errorf("id %q: byte %q is not allowed (letters, digits, '.', '_', '-', '/')", id, c)
			}
		}
	}
	return nil
}

func (h *Handler) json(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (h *Handler) fail(w http.ResponseWriter, status int, msg string, cause error) {
	if cause != nil {
		if h.ErrorLog != nil {
			h.ErrorLog.Printf("sign: %d %s: %v", status, msg, cause)
		} else {
			log.Printf("sign: %d %s: %v", status, msg, cause)
		}
	}
	h.json(w, status, errorResponse{Error: msg})
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}
