package playlist

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
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

// Mode says where a Handler gets the credentials it puts on playlist URIs.
type Mode int

const (
	// Propagate reads the credentials the viewer's request carries as
	// prefixed copies (Handler.Carrier), puts them on every URI and the copies
	// again on URIs of nested playlists: the AWS blog's design.
	Propagate Mode = iota + 1
	// ServerSide signs one wildcard policy for the presentation's directory
	// with Handler.Signer (cached per expiry bucket) and puts it on every URI.
	ServerSide
	// Cookies leaves URIs alone: signed cookies carry the credentials. The
	// playlist is still checked and served with the right headers.
	Cookies
)

// String returns the mode's name as used in flags: propagate, server-side,
// cookies.
func (m Mode) String() string {
	switch m {
	case Propagate:
		return "propagate"
	case ServerSide:
		return "server-side"
	case Cookies:
		return "cookies"
	}
	return "Mode(" + strconv.Itoa(int(m)) + ")"
}

// ParseMode reads a mode name as String writes it.
func ParseMode(s string) (Mode, error) {
	for _, m := range []Mode{Propagate, ServerSide, Cookies} {
		if s == m.String() {
			return m, nil
		}
	}
	return 0, fmt.Errorf("playlist: mode %q: use propagate, server-side or cookies", s)
}

// DefaultMaxBytes is the largest playlist a Handler rewrites unless
// Handler.MaxBytes says otherwise.
const DefaultMaxBytes = 16 << 20

// Handler serves playlists from an origin with credentials on every URI. Put
// it behind CloudFront for the *.m3u8 behavior (all query strings
// forwarded). Requests for other paths go to the origin untouched.
//
// A playlist answer is complete or not sent: the origin's playlist is read
// whole (up to MaxBytes) and rewritten into memory before the first byte goes
// out, so a viewer never gets a half-written 200. Origin 404 (and other 4xx)
// pass through with their status; origin failures, malformed playlists and
// oversized playlists answer 502 with the reason logged; missing or forged
// credentials answer 403.
//
// It is safe for concurrent use once configured; set fields before the first
// request.
type Handler struct {
	// Origin serves the playlists and, for other paths, everything else: any
	// http.Handler, FSOrigin for an fs.FS, RemoteOrigin for a server
	// elsewhere. Required.
	Origin http.Handler
	// Mode selects where credentials come from. Zero means Propagate when
	// Carrier is set, ServerSide when Signer is set, Cookies otherwise.
	Mode Mode
	// Carrier names the prefixed copies read in Propagate mode and written on
	// nested playlist URIs.
	Carrier *signer.Carrier
	// Verifier, when set, checks the carried credentials in Propagate mode as
	// CloudFront would for this playlist's public URL (signature, expiry, IP,
	// resource): forged or stolen copies answer 403. Nil trusts CloudFront,
	// which verified the plain parameters before stripping them.
	Verifier *signer.Verifier
	// Signer signs in ServerSide mode.
	Signer *signer.Signer
	// Scope returns the policy resource for ServerSide mode from the
	// playlist's public URL. Nil means policy.DirScope: the playlist's
	// directory.
	Scope func(r *http.Request, public *url.URL) (string, error)
	// TTL and Bucket set ServerSide expiries: now+TTL rounded up to Bucket.
	// Zero means 6 hours and 15 minutes.
	TTL, Bucket time.Duration
	// Public returns the URL the viewer asked for: the base for relative URIs,
	// the default scope, and what the Verifier checks. Nil means the request
	// as received: scheme (X-Forwarded-Proto or TLS), Host, path.
	Public func(r *http.Request) *url.URL
	// ClientIP returns the viewer's address for the Verifier's IP check. Nil
	// means the first X-Forwarded-For address (CloudFront adds it), else the
	// connection's.
	ClientIP func(r *http.Request) netip.Addr
	// Rewriter is the template for each request's rewriter: set InScope,
	// Rebase, Hook or MaxLineBytes on it. Base, Query and Carry are set per
	// request; a KeyURI set here is replaced when Keys is set.
	Rewriter Rewriter
	// Keys, when set, sends EXT-X-KEY and EXT-X-SESSION-KEY URIs (of any
	// host) to a key server: it returns the key's new URL, and the request's
	// credentials are appended to it so the key server can check them.
	Keys func(r *http.Request, key *url.URL) (string, error)
	// MaxBytes is the largest playlist accepted from the origin (after gzip
	// decoding). Zero means DefaultMaxBytes.
	MaxBytes int64
	// CacheControl is sent with rewritten playlists. Empty means
	// "private, no-cache": answers hold credentials, so shared caches must
	// not keep them and players revalidate.
	CacheControl string
	// AllowOrigins lists the origins allowed by CORS ("*" for any), applied
	// to every answer including errors and preflights. Empty sends none
	// (CloudFront's response headers policy may add them instead).
	AllowOrigins []string
	// ErrorLog receives failures; nil uses the log package.
	ErrorLog *log.Logger
	// Now is the Verifier's clock; nil means time.Now.
	Now func() time.Time
}

// bufPool holds origin bodies; outPool rewritten playlists.
var (
	bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}
	outPool = sync.Pool{New: func() any { return new([]byte) }}
)

// ServeHTTP rewrites playlist requests and passes others to the origin.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !IsPlaylistPath(r.URL.Path) {
		signer.AddCORSHeaders(w, r, h.AllowOrigins)
		h.Origin.ServeHTTP(w, r)
		return
	}
	if signer.ServeCORS(w, r, h.AllowOrigins) {
		return
	}
	public := h.public(r)
	rw := h.Rewriter
	rw.Base = public
	switch h.mode() {
	case Propagate:
		if err := h.propagate(r, public, &rw); err != nil {
			h.fail(w, http.StatusForbidden, err.Error(), err)
			return
		}
	case ServerSide:
		if err := h.serverSide(r, public, &rw); err != nil {
			h.fail(w, http.StatusInternalServerError, "signing failed", err)
			return
		}
	}
	if h.Keys != nil {
		h.sendKeys(r, &rw)
	}

	body, status, originType, err := h.fetch(r)
	if err != nil {
		h.fail(w, http.StatusBadGateway, "origin failed", fmt.Errorf("%s: %w", r.URL.Path, err))
		return
	}
	defer bufPool.Put(body)
	if status != http.StatusOK {
		// Pass the origin's refusal through (404 stays 404); never rewrite it.
		if status >= 500 {
			h.fail(w, http.StatusBadGateway, "origin failed", fmt.Errorf("%s: origin answered %d", r.URL.Path, status))
			return
		}
		ct := originType
		if ct == "" {
			ct = "text/plain; charset=utf-8"
		}
		w.Header().Set("Content-Type", ct)
		w.WriteHeader(status)
		if r.Method != http.MethodHead {
			_, _ = w.Write(body.Bytes())
		}
		return
	}
	outBuf := outPool.Get().(*[]byte)
	defer outPool.Put(outBuf)
	out, err := rw.AppendRewrite((*outBuf)[:0], body.Bytes())
	*outBuf = out
	if err != nil {
		h.fail(w, http.StatusBadGateway, "origin served a malformed playlist", fmt.Errorf("%s: %w", r.URL.Path, err))
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "application/vnd.apple.mpegurl")
	hdr.Set("Content-Length", strconv.Itoa(len(out)))
	cc := h.CacheControl
	if cc == "" {
		cc = "private, no-cache"
	}
	hdr.Set("Cache-Control", cc)
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

func (h *Handler) mode() Mode {
	switch {
	case h.Mode != 0:
		return h.Mode
	case h.Carrier != nil:
		return Propagate
	case h.Signer != nil:
		return ServerSide
	}
	return Cookies
}

// errNoCarried is the 403 message when Propagate finds nothing to carry.
var errNoCarried = errors.New("no credentials: the playlist request carries no prefixed copies of the signing parameters")

func (h *Handler) propagate(r *http.Request, public *url.URL, rw *Rewriter) error {
	if h.Carrier == nil {
		return errors.New("playlist.Handler: Propagate mode needs a Carrier")
	}
	creds, err := h.Carrier.Extract(r.URL.Query())
	if errors.Is(err, signer.ErrNoCredentials) {
		return errNoCarried
	}
	if err != nil {
		return fmt.Errorf("carried credentials: %w", err)
	}
	if h.Verifier != nil {
		u := *public
		u.RawQuery, u.Fragment = "", ""
		now := time.Now
		if h.Now != nil {
			now = h.Now
		}
		if _, err := h.Verifier.VerifyURL(u.String()+"?"+creds.Encode(), h.clientIP(r), now()); err != nil {
			return fmt.Errorf("carried credentials refused: %w", err)
		}
	}
	rw.Query = creds.Encode()
	rw.Carry = h.Carrier.Encode(creds)
	return nil
}

func (h *Handler) serverSide(r *http.Request, public *url.URL, rw *Rewriter) error {
	if h.Signer == nil {
		return errors.New("playlist.Handler: ServerSide mode needs a Signer")
	}
	var scope string
	var err error
	if h.Scope != nil {
		scope, err = h.Scope(r, public)
	} else {
		scope, err = policy.DirScope(public.String())
	}
	if err != nil {
		return err
	}
	ttl, bucket := h.TTL, h.Bucket
	if ttl <= 0 {
		ttl = 6 * time.Hour
	}
	if bucket <= 0 {
		bucket = 15 * time.Minute
	}
	creds, err := h.Signer.Credentials(policy.Custom(scope, policy.RoundUp(h.Signer.Now().Add(ttl), bucket)))
	if err != nil {
		return err
	}
	rw.Query = creds.Encode()
	return nil
}

// sendKeys points key URIs of any host at the key server, with the
// request's credentials.
func (h *Handler) sendKeys(r *http.Request, rw *Rewriter) {
	inner, base, query := rw.InScope, rw.Base, rw.Query
	rw.InScope = func(u *url.URL, k Kind) bool {
		if k == Key || k == SessionKey {
			return u.Scheme == "http" || u.Scheme == "https" || u.Scheme == ""
		}
		if inner != nil {
			return inner(u, k)
		}
		return sameOrigin(u, base) || (rw.Rebase != nil && sameOrigin(u, rw.Rebase))
	}
	rw.KeyURI = func(u *url.URL) (string, error) {
		to, err := h.Keys(r, u)
		if err != nil {
			return "", err
		}
		return AddQuery(to, query), nil
	}
}

func sameOrigin(u, base *url.URL) bool {
	if !u.IsAbs() {
		return u.Host == ""
	}
	return base != nil && strings.EqualFold(u.Scheme, base.Scheme) && strings.EqualFold(u.Host, base.Host)
}

// fetch asks the origin for the playlist and returns its body (gzip
// decoded), bounded by MaxBytes.
func (h *Handler) fetch(r *http.Request) (*bytes.Buffer, int, string, error) {
	sub := r.Clone(r.Context())
	sub.Method = http.MethodGet
	for _, k := range []string{"Range", "If-Range", "If-None-Match", "If-Modified-Since"} {
		sub.Header.Del(k)
	}
	if h.Carrier != nil {
		q := sub.URL.Query()
		h.Carrier.Strip(q)
		sub.URL.RawQuery = q.Encode()
		sub.RequestURI = sub.URL.RequestURI()
	}
	max := h.MaxBytes
	if max <= 0 {
		max = DefaultMaxBytes
	}
	rec := &recorder{header: http.Header{}, max: max, buf: bufPool.Get().(*bytes.Buffer)}
	rec.buf.Reset()
	if err := serveOrigin(h.Origin, rec, sub); err != nil {
		return rec.buf, 0, "", err
	}
	if err := r.Context().Err(); err != nil {
		return rec.buf, 0, "", err
	}
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	if rec.over {
		return rec.buf, 0, "", fmt.Errorf("playlist is over the %d-byte limit", max)
	}
	if rec.status == http.StatusOK && strings.EqualFold(rec.header.Get("Content-Encoding"), "gzip") {
		zr, err := gzip.NewReader(bytes.NewReader(rec.buf.Bytes()))
		if err != nil {
			return rec.buf, 0, "", fmt.Errorf("gzip: %w", err)
		}
		plain := bufPool.Get().(*bytes.Buffer)
		plain.Reset()
		n, err := io.Copy(plain, io.LimitReader(zr, max+1))
		bufPool.Put(rec.buf)
		if err != nil {
			return plain, 0, "", fmt.Errorf("gzip: %w", err)
		}
		if n > max {
			return plain, 0, "", fmt.Errorf("playlist is over the %d-byte limit once decompressed", max)
		}
		return plain, rec.status, rec.header.Get("Content-Type"), nil
	}
	return rec.buf, rec.status, rec.header.Get("Content-Type"), nil
}

// ReadFrom lets io.Copy (http.ServeContent, httputil.ReverseProxy) fill the
// buffer directly, without a 32 KiB copy buffer per request.
func (rc *recorder) ReadFrom(src io.Reader) (int64, error) {
	if rc.status == 0 {
		rc.status = http.StatusOK
	}
	if rc.over {
		return 0, errors.New("playlist: over the size limit")
	}
	n, err := rc.buf.ReadFrom(io.LimitReader(src, rc.max-int64(rc.buf.Len())+1))
	if int64(rc.buf.Len()) > rc.max {
		rc.over = true
		return n, errors.New("playlist: over the size limit")
	}
	return n, err
}

// serveOrigin runs the origin into rec. httputil.ReverseProxy aborts with
// http.ErrAbortHandler when rec refuses an oversized body; that becomes an
// error here instead of a dropped connection.
func serveOrigin(origin http.Handler, rec *recorder, r *http.Request) (err error) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler && rec.over {
				err = fmt.Errorf("playlist is over the %d-byte limit", rec.max)
				return
			}
			panic(v)
		}
	}()
	origin.ServeHTTP(rec, r)
	return nil
}

// recorder captures an origin's answer in memory, up to max bytes.
type recorder struct {
	header http.Header
	status int
	buf    *bytes.Buffer
	max    int64
	over   bool
}

func (rc *recorder) Header() http.Header { return rc.header }

func (rc *recorder) WriteHeader(status int) {
	if rc.status == 0 {
		rc.status = status
	}
}

func (rc *recorder) Write(p []byte) (int, error) {
	if rc.status == 0 {
		rc.status = http.StatusOK
	}
	if rc.over || int64(rc.buf.Len()+len(p)) > rc.max {
		rc.over = true
		return 0, errors.New("playlist: over the size limit")
	}
	return rc.buf.Write(p)
}

func (h *Handler) public(r *http.Request) *url.URL {
	if h.Public != nil {
		return h.Public(r)
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p == "https" || p == "http" {
		scheme = p
	}
	return &url.URL{Scheme: scheme, Host: r.Host, Path: r.URL.Path, RawPath: r.URL.RawPath}
}

func (h *Handler) clientIP(r *http.Request) netip.Addr {
	if h.ClientIP != nil {
		return h.ClientIP(r)
	}
	if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
		first, _, _ := strings.Cut(xff, ",")
		if a, err := netip.ParseAddr(strings.TrimSpace(first)); err == nil {
			return a.Unmap()
		}
	}
	return signer.RemoteIP(r)
}

func (h *Handler) fail(w http.ResponseWriter, status int, msg string, cause error) {
	if cause != nil {
		if h.ErrorLog != nil {
			h.ErrorLog.Printf("playlist: %d %s: %v", status, msg, cause)
		} else {
			log.Printf("playlist: %d %s: %v", status, msg, cause)
		}
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	fmt.Fprintln(w, msg)
}
