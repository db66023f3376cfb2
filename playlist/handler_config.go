package playlist

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cfhls/cfhls/signer"
)

// ErrConfig is wrapped by every error of Handler.Validate and
// KeyServer.Validate: the configuration cannot work (for a Handler, it does
// not fit its Mode).
var ErrConfig = errors.New("playlist: invalid configuration")

// Carried names the copies of a viewer's credentials that travel past
// CloudFront on playlist URLs (CloudFront verifies and strips Policy,
// Signature and Key-Pair-Id, but forwards Policy-PREFIX and the like; see
// signer.Carrier) and the Verifier that checks them.
type Carried struct {
	// Carrier names the copies: read from each playlist request, removed
	// from the request to the origin, and written again on the URIs of
	// nested playlists. Required wherever a Carried is used.
	Carrier *signer.Carrier
	// Verifier checks the copies as CloudFront would for the playlist's
	// public URL (Handler.Public), from the viewer's address
	// (Handler.ClientIP), at Handler.Now: signature, expiry, IP, resource.
	// Forged or stolen copies answer 403. In Handler.Propagate it is
	// optional: nil trusts CloudFront, which verified the plain parameters
	// before stripping them. In ServerSide.Viewer it is required: unverified
	// copies could be forged to lift the cap.
	Verifier *signer.Verifier
}

// set names the fields of c that are set, each after prefix.
func (c Carried) set(prefix string) []string {
	var names []string
	if c.Carrier != nil {
		names = append(names, prefix+".Carrier")
	}
	if c.Verifier != nil {
		names = append(names, prefix+".Verifier")
	}
	return names
}

// ServerSide configures ModeServerSide: the Handler signs one wildcard
// policy for the presentation with Signer (which caches it per expiry
// bucket) and puts it on every URI.
//
// What it mints is a grant of its own: to whoever reaches the Handler
// (hence Handler.Admit), for Scope's resource, until now+TTL rounded up to
// Bucket, from any address unless BindViewerIP, renewed on every playlist
// fetch, so for as long as the viewer can fetch playlists. Viewer caps each
// grant by the viewer's own signed policy.
//
// Live media playlists (EXT-X-TARGETDURATION without EXT-X-ENDLIST or
// EXT-X-PLAYLIST-TYPE:VOD) are signed per segment: a player keeps the URIs
// of the segments it has listed, and RFC 8216 lets a live playlist only
// append and remove segments, so a segment's URI, query included, must not
// change between reloads. The URIs of a segment (the segment, its parts
// and preload hints; see URI.MediaSequence) get credentials that expire at
// RoundUp(appeared+TTL, Bucket), where appeared is when the segment
// appeared: its EXT-X-PROGRAM-DATE-TIME (the last date tag plus the EXTINF
// durations since), or, for a playlist without dates, the first time this
// Handler listed the segment (by the playlist's path and the media
// sequence number). Appeared is decided the first time the Handler lists
// the segment and remembered, in a cache of the newest 8192 entries, so
// that reloads and delta updates (which may not date the segments after
// EXT-X-SKIP) sign it alike. An EXT-X-MAP or EXT-X-KEY URI, which serves
// many segments, appeared when the Handler first listed that URI in that
// playlist, and keeps its credentials while at least half the TTL is left:
// its URI changes at most once per half TTL, and a player that starts with
// it has half the TTL at least. A date later than the
// Handler's clock, or so early that credentials from it would already have
// expired, is not taken: the Handler's clock then is. A playlist at a
// bucket boundary therefore holds two credential sets (or more), and the
// Signer's cache keeps that at one signature per set. Everything else
// (the multivariant playlist's URIs, VOD and ended playlists, rendition
// reports) is signed from now as before; Viewer and BindViewerIP apply to
// every grant alike.
//
// Two consequences. A segment's credentials run out TTL after it
// appeared, not after the reload that lists it, so TTL must exceed the
// time a segment stays in the playlist (the window) plus the player's
// hold back (about three target durations, or PART-HOLD-BACK for
// LL-HLS) plus some slack, or players get 403 for the oldest segments
// they fetch; for a DVR window of hours, TTL must be hours too. And
// without dates, stability rests on the cache: behind several instances
// (AWS Lambda), after a restart, or with more than 8192 live segments
// listed across playlists at once, the same segment may be signed twice
// differently. Have the packager write EXT-X-PROGRAM-DATE-TIME (on every
// segment, or at least at the start of each playlist and after each
// EXT-X-SKIP) and keep the clocks of packager and Handler in step.
type ServerSide struct {
	// Signer signs the minted policies. Required.
	Signer *signer.Signer
	// Scope returns the policy resource from the playlist's public URL; an
	// error answers 404 (a playlist outside every presentation). Nil means
	// policy.DirScope: the playlist's directory.
	Scope func(r *http.Request, public *url.URL) (string, error)
	// TTL and Bucket set expiries: now+TTL rounded up to Bucket (for a
	// live segment, when it appeared plus TTL: see above, TTL must then
	// exceed the window plus the player's hold back). Zero means
	// signer.DefaultTTL and signer.DefaultBucket; negative is a
	// configuration error.
	TTL, Bucket time.Duration
	// BindViewerIP adds AWS:SourceIp with the viewer's address
	// (Handler.ClientIP, so CloudFront-Viewer-Address by default: add it to
	// the origin request policy; trusted as sent, see Handler.ClientIP) as
	// a /32 to every minted policy, so minted credentials work from that
	// address only; it costs one signature per viewer address per Bucket.
	// CloudFront policies take IPv4 only: a viewer with an IPv6 (or
	// unknown) address answers 403, with the address in ErrorLog; turn IPv6
	// off on the distribution to serve everyone. False mints for any
	// address (or the viewer's policy's own AWS:SourceIp, see Viewer).
	BindViewerIP bool
	// Viewer, when its Carrier is set, makes the viewer's own credentials
	// (as the sign endpoint issued them, in carried copies) required on
	// every playlist request, verified by its Verifier (then required too),
	// and caps what is minted by them: a request without them answers 403,
	// so that a viewer cannot escape the cap by dropping them. Minted
	// credentials then expire no later than the viewer's, keep its
	// AWS:SourceIp, and cover Scope only when that lies within the viewer's
	// resource (a literal prefix and one trailing '*'), else the viewer's
	// resource itself; the copies go on to nested playlists. Unset, the
	// Handler mints without a cap.
	Viewer Carried
}

// set names the fields of s that are set.
func (s ServerSide) set() []string {
	var names []string
	if s.Signer != nil {
		names = append(names, "ServerSide.Signer")
	}
	if s.Scope != nil {
		names = append(names, "ServerSide.Scope")
	}
	if s.TTL != 0 {
		names = append(names, "ServerSide.TTL")
	}
	if s.Bucket != 0 {
		names = append(names, "ServerSide.Bucket")
	}
	if s.BindViewerIP {
		names = append(names, "ServerSide.BindViewerIP")
	}
	return append(names, s.Viewer.set("ServerSide.Viewer")...)
}

// Validate reports the first problem in h's configuration, wrapping
// ErrConfig with the field at fault and what to do: a nil Origin, a Mode
// that is not set or unknown, a setting the Mode needs missing
// (Propagate.Carrier, ServerSide.Signer, the Verifier of
// ServerSide.Viewer), a negative ServerSide.TTL or Bucket, or the settings
// of another mode set (Propagate outside ModePropagate, ServerSide outside
// ModeServerSide): a setting the Mode would ignore is an error, not a
// silent no-op. Call it when building the Handler to fail at startup;
// ServeHTTP runs it once, before the first request, and while it fails
// answers every request 500.
func (h *Handler) Validate() error {
	if h.Origin == nil {
		return configError("Origin is nil: set the http.Handler that serves the playlists and everything else (FSOrigin, RemoteOrigin or your own)")
	}
	if h.MaxBytes < 0 {
		return configError("MaxBytes is negative (%d): set a positive size, or zero for DefaultMaxBytes", h.MaxBytes)
	}
	if h.Answers.MaxBytes < 0 || h.Answers.Revalidate < 0 {
		return configError("Answers.MaxBytes (%d) or Answers.Revalidate (%v) is negative: set MaxBytes to zero to keep no answers, Revalidate to zero to ask the origin every time", h.Answers.MaxBytes, h.Answers.Revalidate)
	}
	if h.Rewriter.Query != "" || h.Rewriter.Carry != "" {
		return configError("Rewriter.Query or Rewriter.Carry is set: the Handler sets them per request from its Mode; leave them empty in the template")
	}
	if len(h.KeyHosts) > 0 && h.Keys == nil {
		return configError("KeyHosts is set without Keys: key URIs on those hosts go to Keys; set Keys, or remove KeyHosts")
	}
	switch h.Mode {
	case ModePropagate:
		if h.Propagate.Carrier == nil {
			return configError("Propagate.Carrier is nil: ModePropagate reads the viewer's credentials as carried copies; set the signer.Carrier the sign endpoint writes them with (signer.Suffix(\"-PREFIX\"), say)")
		}
		return otherMode(h.Mode, h.ServerSide.set(), "ServerSide", ModeServerSide)
	case ModeServerSide:
		if err := h.ServerSide.validate(); err != nil {
			return err
		}
		if names := h.Propagate.set("Propagate"); len(names) > 0 {
			return configError("%s set, but Mode is %s: Propagate configures ModePropagate only; to require the viewer's own credentials in ModeServerSide, set ServerSide.Viewer instead", are(names), modeName(h.Mode))
		}
		return nil
	case ModeCookies:
		if err := otherMode(h.Mode, h.Propagate.set("Propagate"), "Propagate", ModePropagate); err != nil {
			return err
		}
		return otherMode(h.Mode, h.ServerSide.set(), "ServerSide", ModeServerSide)
	case 0:
		return configError("Mode is not set: choose ModePropagate, ModeServerSide or ModeCookies")
	}
	return configError("Mode is %v, not a mode: choose ModePropagate, ModeServerSide or ModeCookies", h.Mode)
}

// validate checks the settings of ModeServerSide.
func (s ServerSide) validate() error {
	switch {
	case s.Signer == nil:
		return configError("ServerSide.Signer is nil: ModeServerSide signs with it; set it (signer.New)")
	case s.TTL < 0:
		return configError("ServerSide.TTL is negative (%v): set a positive duration, or zero for signer.DefaultTTL", s.TTL)
	case s.Bucket < 0:
		return configError("ServerSide.Bucket is negative (%v): set a positive duration, or zero for signer.DefaultBucket", s.Bucket)
	case s.Viewer.Carrier != nil && s.Viewer.Verifier == nil:
		return configError("ServerSide.Viewer.Carrier is set without ServerSide.Viewer.Verifier: unverified copies could be forged to lift the cap; set the Verifier")
	case s.Viewer.Carrier == nil && s.Viewer.Verifier != nil:
		return configError("ServerSide.Viewer.Verifier is set without ServerSide.Viewer.Carrier: there are no copies to verify; set the Carrier the sign endpoint writes them with, or remove the Verifier")
	}
	return nil
}

// otherMode is the error for names, settings of group (which configures
// mode other), set while the Handler's Mode is m; nil when names is empty.
func otherMode(m Mode, names []string, group string, other Mode) error {
	if len(names) == 0 {
		return nil
	}
	return configError("%s set, but Mode is %s: %s configures %s only; remove it or set Mode to %s",
		are(names), modeName(m), group, modeName(other), modeName(other))
}

// are joins names with "is" or "are" after them.
func are(names []string) string {
	if len(names) == 1 {
		return names[0] + " is"
	}
	return strings.Join(names, ", ") + " are"
}

// modeName is a valid mode's name as a Go identifier (ModePropagate).
func modeName(m Mode) string {
	switch m {
	case ModePropagate:
		return "ModePropagate"
	case ModeServerSide:
		return "ModeServerSide"
	case ModeCookies:
		return "ModeCookies"
	}
	return m.String()
}

// configError wraps ErrConfig with a description of the problem.
func configError(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrConfig, fmt.Sprintf(format, args...))
}

// configErr is Validate's verdict, reached once: a Handler is configured
// before its first request.
func (h *Handler) configErr() error {
	h.checked.Do(func() { h.invalid = h.Validate() })
	return h.invalid
}
