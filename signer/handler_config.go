package signer

import (
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/cfhls/cfhls/policy"
)

// examplePlaylist is the Playlist the configuration errors show.
const examplePlaylist = "https://d111111abcdef8.cloudfront.net/movies/{id}/index.m3u8"

// Validate reports the first problem in h's configuration, wrapping
// ErrConfig with the field at fault and what to do: a nil Signer; a
// Playlist that is empty, not an absolute http(s) URL, without "{id}"
// (outside its fragment), with user information, already carrying
// CloudFront's signing parameters, or that the policy for its own
// directory would not cover (characters that are not percent-encoded); a
// negative TTL or Bucket; a Format that is not one; and FormatCookies as
// Format with "*" as the only entry of AllowOrigins, which no browser
// accepts with cookies. A nil Authorize is valid: it refuses every request
// (fail closed). Call it when building the Handler to fail at startup;
// ServeHTTP runs it once, before the first request, and while it fails
// answers every request 500.
func (h *Handler) Validate() error {
	if h.Signer == nil {
		return handlerConfigError("Handler.Signer is nil: the endpoint signs with it; set it (signer.New)")
	}
	if err := checkPlaylistTemplate(h.Playlist); err != nil {
		return err
	}
	switch {
	case h.TTL < 0:
		return handlerConfigError("Handler.TTL is negative (%v): set a positive duration, or zero for DefaultTTL (%v)", h.TTL, DefaultTTL)
	case h.Bucket < 0:
		return handlerConfigError("Handler.Bucket is negative (%v): set a positive duration, or zero for DefaultBucket (%v)", h.Bucket, DefaultBucket)
	}
	switch h.Format {
	case "", FormatJSON, FormatRedirect:
	case FormatCookies:
		if slices.Contains(h.AllowOrigins, "*") && !slices.ContainsFunc(h.AllowOrigins, func(o string) bool { return o != "*" }) {
			return handlerConfigError("Handler.AllowOrigins is only \"*\" while Handler.Format is FormatCookies: browsers refuse \"*\" with credentials, so a page on another origin never gets the cookies; list the player's origins explicitly (\"https://player.example\"), or choose another Format")
		}
	default:
		return handlerConfigError("Handler.Format is %q, not a format: choose FormatJSON, FormatRedirect or FormatCookies (empty means FormatJSON)", h.Format)
	}
	return nil
}

// checkPlaylistTemplate checks Handler.Playlist: that every identifier
// CheckID accepts makes of it a URL that Handler signs.
func checkPlaylistTemplate(tmpl string) error {
	if tmpl == "" {
		return handlerConfigError("Handler.Playlist is empty: set the URL of the playlist to sign, with {id} where the identifier goes, e.g. %s", examplePlaylist)
	}
	u, err := url.Parse(tmpl)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return handlerConfigError("Handler.Playlist %q is not a URL (%v): set an absolute https URL with {id} in its path, e.g. %s", tmpl, err, examplePlaylist)
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return handlerConfigError("Handler.Playlist %q is not an absolute http or https URL: set the playlist's URL on the distribution, e.g. %s", tmpl, examplePlaylist)
	}
	if strings.Contains(tmpl, "*") {
		return handlerConfigError("Handler.Playlist %q holds '*', which the policy for its directory would read as a wildcard covering other presentations: percent-encode it as %%2A", tmpl)
	}
	if u.User != nil {
		return handlerConfigError("Handler.Playlist %q has user information before its host: CloudFront URLs have none, and no policy covers it; remove it", tmpl)
	}
	if beforeFragment, _, _ := strings.Cut(tmpl, "#"); !strings.Contains(beforeFragment, "{id}") {
		return handlerConfigError("Handler.Playlist %q has no {id} outside its fragment: every viewer would get the same playlist; put {id} where the identifier goes, e.g. %s", tmpl, examplePlaylist)
	}
	// Identifiers are letters, digits, '.', '_', '-' and '/' (CheckID), which
	// need no escaping: one stands for all of them.
	target := strings.ReplaceAll(tmpl, "{id}", "id")
	requestURL, params := SplitSignedURL(target)
	if len(params) > 0 {
		return handlerConfigError("Handler.Playlist %q carries CloudFront signing parameters (%s): the Handler signs the URL itself; remove them", tmpl, strings.Join(slices.Sorted(maps.Keys(params)), ", "))
	}
	scope, err := policy.DirScope(target)
	if err == nil {
		err = policy.New(scope, time.Unix(2000000000, 0)).Validate()
	}
	if err != nil {
		return handlerConfigError("Handler.Playlist %q makes no valid policy for its directory (%v): percent-encode the URL", tmpl, err)
	}
	if !policy.Match(scope, requestURL) {
		return handlerConfigError("Handler.Playlist %q is not covered by the policy for its directory (%s), so CloudFront would refuse what the Handler signs: write the URL percent-encoded, as it goes on the wire", tmpl, scope)
	}
	return nil
}

// handlerConfigError wraps ErrConfig with a description of the problem.
func handlerConfigError(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrConfig, fmt.Sprintf(format, args...))
}

// configErr is Validate's verdict, reached once: a Handler is configured
// before its first request.
func (h *Handler) configErr() error {
	h.checked.Do(func() { h.invalid = h.Validate() })
	return h.invalid
}
