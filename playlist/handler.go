package playlist

import (
	"bytes"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cfhls/cfhls/policy"
	"github.com/cfhls/cfhls/signer"
)

// DefaultMaxBytes is the largest playlist a Handler rewrites unless
// Handler.MaxBytes says otherwise.
const DefaultMaxBytes = 16 << 20

// Handler serves playlists from an origin with credentials on every URI. Put
// it behind CloudFront for the *.m3u8 behavior (all query strings
// forwarded). Requests for other paths go to the origin untouched.
//
// Configuration: Origin and Mode are required, and Mode alone decides
// where credentials come from; each mode reads its own group of settings
// and the other groups must stay zero: Propagate for ModePropagate (its
// Carrier required), ServerSide for ModeServerSide (its Signer required),
// none for ModeCookies. The settings after those apply to every mode.
// Validate reports a configuration that does not fit its Mode: call it when
// building the Handler. ServeHTTP checks the same once, at the first
// request; a Handler that fails it answers every request (playlists and
// pass-through alike, without asking the origin) 500 and logs why to
// ErrorLog, on every request.
//
// A playlist answer is complete or not sent: the origin's playlist is read
// whole (up to MaxBytes) and rewritten into memory before the first byte goes
// out, so a viewer never gets a half-written 200. Only the origin's final
// status counts (informational answers such as 103 Early Hints are dropped)
// and only a 200 is rewritten. Origin 404 (and other 4xx) pass through with
// their status; any other 2xx (201, 203, 206, ...), 1xx as a final status,
// 3xx (304 included: the Handler sends the origin no conditional headers),
// 5xx, origin failures, malformed playlists and oversized playlists answer
// 502 with the reason logged; missing or forged credentials answer 403. An
// origin answer cut short (a reset, a body shorter than its Content-Length)
// answers 502 too, with or without a net/http server around the Handler (a
// Lambda adapter, say). Error bodies are fixed texts that echo nothing the
// viewer sent, with X-Content-Type-Options: nosniff; the details go to
// ErrorLog.
//
// Live media playlists (see Live in the package documentation): the
// viewer's query (LL-HLS's _HLS_msn, _HLS_part, _HLS_skip, anything else)
// reaches the origin as sent, less the carried copies, and takes no part
// in credentials; a blocking reload waits as long as the origin holds it
// (the Handler sets no timeout; the request's context ends it); in
// ModeServerSide each segment's URI keeps its credentials from one reload
// to the next (see ServerSide); and CacheControl's lifetimes are capped to
// half the target duration.
//
// Trust: in ModePropagate the Handler passes on what the viewer already
// holds (checked by Propagate.Verifier when set); it grants nothing. In
// ModeServerSide it signs, and the credentials it mints grant whoever
// reaches it ServerSide.Scope's resource until now+TTL rounded up to
// Bucket (never later, for live segments too), from any address unless
// ServerSide.BindViewerIP is set, renewed on every playlist fetch: Admit
// must keep out everyone but CloudFront. To
// keep a viewer within what was signed for them (a narrower path, a source
// IP, a short expiry), set ServerSide.Viewer (Carrier and Verifier): each
// request must then carry the viewer's own credentials as verified copies,
// which cap what is minted.
//
// It is safe for concurrent use once configured; set fields before the first
// request, and do not copy a Handler after its first request.
type Handler struct {
	// Origin serves the playlists and, for other paths, everything else: any
	// http.Handler, FSOrigin for an fs.FS, RemoteOrigin for a server
	// elsewhere. Required.
	Origin http.Handler
	// Mode selects where credentials come from. Required: the zero Mode is
	// a configuration error, never a guess from the other fields.
	Mode Mode
	// Propagate configures ModePropagate: the viewer's credentials arrive
	// as the carried copies Propagate.Carrier names (required) and go on
	// every URI, the copies again on URIs of nested playlists;
	// Propagate.Verifier, when set, checks them first (nil trusts
	// CloudFront). Copies in canned form (Expires=…) answer 403, with
	// advice in ErrorLog: a canned policy covers exactly the URL it was
	// signed for, never the playlist's URIs, nor its own URL once an LL-HLS
	// player adds _HLS_msn; sign a wildcard custom policy (the sign
	// endpoint's default). Zero in every other mode.
	Propagate Carried
	// ServerSide configures ModeServerSide: what the Handler signs with,
	// for which resource and how long, and what caps it. Zero in every
	// other mode.
	ServerSide ServerSide
	// Public returns the URL the viewer asked for: the base for relative URIs,
	// the default scope, and what the Verifiers check. Nil means the request
	// as received: scheme (X-Forwarded-Proto or TLS), Host, path. Behind
	// CloudFront the Host an origin sees is the origin's own domain unless the
	// origin request policy forwards the viewer's Host: set Public to build
	// the distribution's URL then.
	Public func(r *http.Request) *url.URL
	// ClientIP returns the viewer's address for the Verifiers' IP check and
	// for ServerSide.BindViewerIP. Nil means the CloudFront-Viewer-Address
	// header when present (add it to the origin request policy), else the
	// connection's address. X-Forwarded-For is not used: its first entries
	// are whatever the viewer sent.
	//
	// That header is trusted whenever present: CloudFront sets it itself,
	// replacing any a viewer sent, but a client that reaches the Handler
	// some other way names whatever address it likes, for the Verifiers' IP
	// check, for the address BindViewerIP binds to and in the logs. Admit
	// must keep out everyone but CloudFront for it to be true; behind
	// anything else, set ClientIP.
	ClientIP func(r *http.Request) netip.Addr
	// Admit, when set, is asked first about every request (playlists and
	// what passes through to the origin; not CORS preflights); an error
	// answers 403. Use it to accept only requests that come through
	// CloudFront, for example by checking a secret custom origin header. In
	// ModeServerSide the Handler signs for whoever reaches it, so it must
	// not be reachable except through CloudFront: set Admit unless the
	// network already guarantees that.
	Admit func(r *http.Request) error
	// Rewriter is the template for each request's rewriter: set InScope,
	// Rebase, Hook, AllowSteering or MaxLineBytes on it. Base, Query and
	// Carry are the Handler's to set per request (from the mode), so Query
	// and Carry set here are a configuration error; a KeyURI set here is
	// replaced when Keys is set.
	Rewriter Rewriter
	// Keys, when set, sends EXT-X-KEY and EXT-X-SESSION-KEY URIs to a key
	// server: it gets each in-scope key URI, resolved, and returns the key's
	// new URL, to which the request's credentials are appended so that the
	// key server can check them. Keys on other hosts than the playlist's are
	// left alone (and get no credentials) unless their host is in KeyHosts.
	Keys func(r *http.Request, key *url.URL) (string, error)
	// KeyHosts lists further hosts whose key URIs go to Keys, such as a
	// placeholder a packager wrote ("keys.invalid"). It needs Keys.
	KeyHosts []string
	// MaxBytes is the largest playlist accepted from the origin (after gzip
	// decoding). Zero means DefaultMaxBytes; negative is an error.
	MaxBytes int64
	// CacheControl is sent with rewritten playlists. Empty means what the
	// mode allows, safely for every viewer of a shared cache (CloudFront)
	// that checks credentials before its cache, as CloudFront does:
	//   - ModeServerSide, VOD and multivariant: "public, max-age=M,
	//     s-maxage=S" where S is how long the minted credentials still
	//     last TTL (their expiry is rounded up to Bucket, so S is between
	//     0 and Bucket) and M is S up to BrowserMaxAge: every viewer gets
	//     credentials that last at least TTL, and each playlist costs one
	//     origin fetch and one signature per bucket;
	//   - ModePropagate: the same for signer.DefaultBucket, only with
	//     QueryInCacheKey (the answer holds the viewer's credentials);
	//   - live media playlists in both: half the target duration, as
	//     below;
	//   - "private, no-cache" when no shared cache may keep the answer:
	//     ModePropagate without QueryInCacheKey; ModeServerSide with
	//     BindViewerIP, or with ServerSide.Viewer but not QueryInCacheKey;
	//     an LL-HLS request (_HLS_msn, _HLS_part, _HLS_skip), or a live
	//     playlist offering blocking reloads or parts, without
	//     QueryInCacheKey; with AllowOrigins (the answer's CORS headers are
	//     the viewer's: use CloudFront's response headers policy for CORS
	//     instead); when the origin said private, no-store or no-cache;
	//     credentials that would not last TTL once cached;
	//   - ModeCookies: the origin's Cache-Control, or none (the playlist
	//     holds no credentials: it is the same for every viewer).
	// Set, it is sent as it is, but for a live media playlist
	// (EXT-X-TARGETDURATION without EXT-X-ENDLIST or
	// EXT-X-PLAYLIST-TYPE:VOD) every max-age, s-maxage,
	// stale-while-revalidate and stale-if-error in it is capped to half the
	// target duration, in whole seconds rounded down (0 for a
	// target of 1), and a value with neither (and without no-cache or
	// no-store) gets max-age of that much, so that no cache (CloudFront's
	// default TTL included) serves a live playlist older than that;
	// multivariant and VOD playlists get it as it is. A shared cache may
	// keep an answer only if every viewer it serves may have its
	// credentials: not with BindViewerIP, and only with all query strings
	// in the cache key. See Caching in the package documentation for the
	// CloudFront cache policy that goes with each mode.
	CacheControl string
	// QueryInCacheKey says that CloudFront's cache policy for the playlist
	// behavior puts every query string in the cache key (or at least the
	// carried copies and _HLS_msn, _HLS_part and _HLS_skip): answers that
	// depend on the query may then be shared (see CacheControl).
	QueryInCacheKey bool
	// Answers, when its MaxBytes is positive, keeps origin playlists and
	// the playlists rewritten from them, so that a warm request costs no
	// origin fetch (within Answers.Revalidate, or a 304) and no rewrite.
	// See AnswerCache for what is kept and what it assumes.
	Answers AnswerCache
	// AllowOrigins lists the origins allowed by CORS ("*" for any), applied
	// to every answer including errors and preflights. Empty sends none
	// (CloudFront's response headers policy may add them instead).
	AllowOrigins []string
	// ErrorLog receives failures; nil uses the log package.
	ErrorLog *log.Logger
	// Now is the Handler's one clock, for everything it decides: what the
	// Verifiers check carried credentials against, and the expiry of what
	// ModeServerSide mints. Nil means time.Now.
	Now func() time.Time

	checked sync.Once   // Validate has run, at the first request
	invalid error       // what it said
	seen    seenCache   // when live segments appeared, for ModeServerSide
	kept    answerStore // what Answers keeps
}

// bufPool holds origin bodies; outPool rewritten playlists.
var (
	bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}
	outPool = sync.Pool{New: func() any { return new([]byte) }}
)

// ServeHTTP rewrites playlist requests and passes others to the origin. A
// Handler that fails Validate answers every request 500.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := h.configErr(); err != nil {
		signer.AddCORSHeaders(w, r, h.AllowOrigins)
		h.fail(w, http.StatusInternalServerError, "playlist handler misconfigured", err)
		return
	}
	if h.Admit != nil && r.Method != http.MethodOptions {
		if err := h.Admit(r); err != nil {
			signer.AddCORSHeaders(w, r, h.AllowOrigins)
			h.fail(w, http.StatusForbidden, "not admitted", err)
			return
		}
	}
	if !IsPlaylistPath(r.URL.Path) {
		signer.AddCORSHeaders(w, r, h.AllowOrigins)
		h.Origin.ServeHTTP(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead && r.Method != http.MethodOptions {
		w.Header().Set("X-Content-Type-Options", "nosniff") // on ServeCORS's 405
	}
	if signer.ServeCORS(w, r, h.AllowOrigins) {
		return
	}
	public := h.public(r)
	rw := h.Rewriter
	rw.Base = public
	// Credentials the request carries are checked before the origin is
	// asked: a refused viewer costs no origin fetch.
	var viewer *policy.Policy
	var err error
	switch {
	case h.Mode == ModePropagate:
		err = h.propagate(r, public, &rw)
	case h.Mode == ModeServerSide && h.ServerSide.Viewer.Carrier != nil:
		viewer, err = h.viewerPolicy(r, public, &rw)
	}
	if err != nil {
		h.failCredentials(w, err)
		return
	}

	now := h.now()
	src, ans, ok := h.load(w, r, public, now)
	if ans != nil {
		defer bufPool.Put(ans.buf)
	}
	if !ok {
		return
	}
	// Server-side credentials only for playlists the origin has: unknown
	// paths cost no signature and do not push real entries out of the cache.
	info := src.info
	var slack time.Duration
	if h.Mode == ModeServerSide {
		if slack, err = h.serverSide(r, public, &rw, viewer, info, now); err != nil {
			h.failCredentials(w, err)
			return
		}
	}
	if h.Keys != nil {
		h.sendKeys(r, &rw)
	}
	var out []byte
	var rkey string
	if src.kept != nil {
		rkey = renderKey(src.kept, src.key, &rw)
		if it := h.kept.get(rkey); it != nil {
			out = it.out
		}
	}
	if out == nil {
		outBuf := outPool.Get().(*[]byte)
		defer outPool.Put(outBuf)
		out, err = rw.AppendRewrite((*outBuf)[:0], src.body)
		*outBuf = out
		if errors.Is(err, errSigning) { // signing a live segment's credentials
			h.failCredentials(w, fmt.Errorf("%s: %w", r.URL.Path, err))
			return
		}
		if err != nil {
			h.fail(w, http.StatusBadGateway, "origin served a malformed playlist", fmt.Errorf("%s: %w", r.URL.Path, err))
			return
		}
		if src.kept != nil {
			h.kept.put(&keptItem{key: rkey, out: bytes.Clone(out)}, h.Answers.MaxBytes)
		}
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "application/vnd.apple.mpegurl")
	hdr.Set("Content-Length", strconv.Itoa(len(out)))
	if cc := h.cacheControl(r, info, src.cacheControl, slack); cc != "" {
		hdr.Set("Cache-Control", cc)
	}
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(out)
	}
}

// IsPlaylistPath reports whether a URL path names an HLS playlist (.m3u8 or
// .m3u, any case).
func IsPlaylistPath(p string) bool {
	i := strings.LastIndexByte(p, '.')
	if i < 0 {
		return false
	}
	ext := strings.ToLower(p[i:])
	return ext == ".m3u8" || ext == ".m3u"
}

// carrier names the carried copies of the Handler's mode: read (and
// stripped from the origin request) in ModePropagate, and in
// ModeServerSide with a Viewer; nil otherwise.
func (h *Handler) carrier() *signer.Carrier {
	switch h.Mode {
	case ModePropagate:
		return h.Propagate.Carrier
	case ModeServerSide:
		return h.ServerSide.Viewer.Carrier
	}
	return nil
}
