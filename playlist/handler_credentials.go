package playlist

import (
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/cfhls/cfhls/policy"
	"github.com/cfhls/cfhls/signer"
)

var (
	// errNoCarried is the 403 message when Propagate finds nothing to carry.
	errNoCarried = errors.New("no credentials: the playlist request carries no prefixed copies of the signing parameters")
	// errCanned refuses carried credentials in canned form in ModePropagate.
	errCanned = errors.New("carried credentials are canned: a canned policy covers exactly the URL it was signed for, never the URIs of the playlist, nor this playlist's URL once a player adds _HLS_msn or other parameters; sign a wildcard custom policy for the presentation instead (the sign endpoint's default: the playlist's directory, policy.DirScope)")
	// errNoScope marks a playlist that Scope places outside every presentation.
	errNoScope = errors.New("no scope for this playlist")
	// errSigning marks a failure of the Signer itself.
	errSigning = errors.New("signing failed")
	// errUnbindable marks a viewer whose address BindViewerIP cannot put in
	// a policy: IPv6 or unknown.
	errUnbindable = errors.New("cannot bind credentials to the viewer's address: CloudFront's AWS:SourceIp takes IPv4 only")
)

// carried reads the credentials the request carries as the copies c names
// and, when c has a Verifier, checks them as CloudFront would for the
// playlist's public URL from the viewer's address; the result then holds
// their policy. Canned credentials are refused unless canned is set.
func (h *Handler) carried(r *http.Request, public *url.URL, c Carried, canned bool) (signer.Credentials, signer.Result, error) {
	var res signer.Result
	creds, err := c.Carrier.Extract(r.URL.Query())
	if errors.Is(err, signer.ErrNoCredentials) {
		return creds, res, errNoCarried
	}
	if err != nil {
		return creds, res, fmt.Errorf("carried credentials: %w", err)
	}
	if !canned && creds.Form() == policy.FormCanned {
		return creds, res, fmt.Errorf("%w (Expires=%d)", errCanned, creds.Expires)
	}
	if c.Verifier != nil {
		u := *public
		u.RawQuery, u.Fragment = "", ""
		if res, err = c.Verifier.VerifyCredentials(u.String(), creds, h.clientIP(r), h.now()); err != nil {
			return creds, res, fmt.Errorf("carried credentials refused: %w", err)
		}
	}
	return creds, res, nil
}

// propagate reads the carried credentials, verifies them when Propagate has
// a Verifier, and puts them (and their carried copies) on the rewriter.
func (h *Handler) propagate(r *http.Request, public *url.URL, rw *Rewriter) error {
	creds, _, err := h.carried(r, public, h.Propagate, false)
	if err != nil {
		return err
	}
	rw.Query = creds.Encode()
	rw.Carry = h.Propagate.Carrier.Encode(creds)
	return nil
}

// viewerPolicy is ModeServerSide's reading of the viewer's own policy from
// the carried copies, which are required and verified (Validate makes sure
// ServerSide.Viewer has a Verifier): it returns the policy that caps what
// serverSide mints, and puts the copies on the rewriter for nested
// playlists, so the cap holds at every hop.
func (h *Handler) viewerPolicy(r *http.Request, public *url.URL, rw *Rewriter) (*policy.Policy, error) {
	creds, res, err := h.carried(r, public, h.ServerSide.Viewer, true)
	if err != nil {
		return nil, err
	}
	rw.Carry = h.ServerSide.Viewer.Carrier.Encode(creds)
	return &res.Policy, nil
}

// serverSide signs, at now, the playlist's scope with a bucketed expiry, no wider
// than viewer (when not nil) allows, bound to the viewer's address when
// BindViewerIP is set. For a live media playlist, the URIs of its segments
// get credentials of their own, whose expiry follows from when each segment
// appeared (see [Handler.segmentQuery]).
//
// It returns how much longer than TTL the minted credentials last: their
// expiry is now+TTL rounded up to Bucket.
func (h *Handler) serverSide(r *http.Request, public *url.URL, rw *Rewriter, viewer *policy.Policy, info mediaInfo, now time.Time) (time.Duration, error) {
	ss := &h.ServerSide
	var scope string
	var err error
	if ss.Scope != nil {
		scope, err = ss.Scope(r, public)
	} else {
		scope, err = policy.DirScope(public.String())
	}
	if err != nil {
		return 0, fmt.Errorf("%w: %w", errNoScope, err)
	}
	ttl, bucket := ss.TTL, ss.Bucket // never negative: Validate
	if ttl == 0 {
		ttl = signer.DefaultTTL
	}
	if bucket == 0 {
		bucket = signer.DefaultBucket
	}
	g := grant{signer: ss.Signer, scope: scope, viewer: viewer}
	if ss.BindViewerIP {
		a := h.clientIP(r)
		if !a.Is4() {
			return 0, fmt.Errorf("%w (BindViewerIP is set; viewer address %v)", errUnbindable, a)
		}
		g.ip = netip.PrefixFrom(a, 32)
	}
	expires := policy.RoundUp(now.Add(ttl), bucket)
	if rw.Query, err = g.query(expires); err != nil {
		return 0, err
	}
	if info.live {
		rw.segmentQuery = h.segmentQuery(g, playlistKey(public), info.dated, now, ttl, bucket)
	}
	return expires.Sub(now.Add(ttl)), nil
}

// grant is what ModeServerSide mints for one request, but the expiry.
type grant struct {
	signer *signer.Signer
	scope  string
	viewer *policy.Policy // caps the grant, when not nil
	ip     netip.Prefix   // the viewer's address, when bound
}

// query signs the grant until expires, capped by the viewer's policy.
func (g grant) query(expires time.Time) (string, error) {
	p := policy.New(g.scope, expires)
	if g.viewer != nil {
		p = capPolicy(p, *g.viewer)
	}
	if g.ip.IsValid() {
		p.SourceIP = g.ip
	}
	q, err := g.signer.Query(p)
	if err != nil {
		return "", fmt.Errorf("%w: %w", errSigning, err)
	}
	return q, nil
}

// capPolicy narrows minted to what viewer allows: the earlier expiry, the
// later start, the viewer's source IP, and minted's resource only when it
// is provably within the viewer's (else the viewer's own).
func capPolicy(minted, viewer policy.Policy) policy.Policy {
	if viewer.Expires.Before(minted.Expires) {
		minted.Expires = viewer.Expires
	}
	if viewer.NotBefore.After(minted.NotBefore) {
		minted.NotBefore = viewer.NotBefore
	}
	if viewer.SourceIP.IsValid() {
		minted.SourceIP = viewer.SourceIP
	}
	if !within(minted.Resource, viewer.Resource) {
		minted.Resource = viewer.Resource
	}
	return minted
}

// within reports whether every URL resource matches, outer matches too: the
// two are equal, or outer is a literal prefix (no '*' or '?') followed by
// one trailing '*', and resource starts with that prefix.
func within(resource, outer string) bool {
	if resource == outer {
		return true
	}
	prefix, ok := strings.CutSuffix(outer, "*")
	return ok && !strings.ContainsAny(prefix, "*?") && strings.HasPrefix(resource, prefix)
}

// sendKeys points in-scope key URIs (and those on KeyHosts) at the key
// server, with the credentials the key's URI would have had (the
// request's, or in a live media playlist those of the segment the key
// applies to).
func (h *Handler) sendKeys(r *http.Request, rw *Rewriter) {
	inner, base, rebase := rw.InScope, rw.Base, rw.Rebase
	rw.InScope = func(u *url.URL, k Kind) bool {
		if (k == KindKey || k == KindSessionKey) && (u.Scheme == "http" || u.Scheme == "https") &&
			slices.ContainsFunc(h.KeyHosts, func(host string) bool { return strings.EqualFold(host, u.Host) }) {
			return true
		}
		if inner != nil {
			return inner(u, k)
		}
		return sameOrigin(u, base) || (rebase != nil && sameOrigin(u, rebase))
	}
	rw.KeyURI = nil
	rw.keyQuery = func(u *url.URL, query string) (string, error) {
		to, err := h.Keys(r, u)
		if err != nil {
			return "", err
		}
		return AddQuery(to, query), nil
	}
}

// sameOrigin reports whether u (resolved) is relative or on base's scheme
// and host.
func sameOrigin(u, base *url.URL) bool {
	if !u.IsAbs() {
		return u.Host == ""
	}
	return base != nil && strings.EqualFold(u.Scheme, base.Scheme) && strings.EqualFold(u.Host, base.Host)
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
	return viewerIP(r)
}

// viewerIP is CloudFront-Viewer-Address ("ip:port", IPv6 unbracketed) when
// present, else the connection's address. The header is taken as sent: only
// Admit keeping out everyone but CloudFront (which sets it) makes it true;
// see Handler.ClientIP.
func viewerIP(r *http.Request) netip.Addr {
	if v := r.Header.Get("CloudFront-Viewer-Address"); v != "" {
		if i := strings.LastIndexByte(v, ':'); i > 0 {
			if a, err := netip.ParseAddr(v[:i]); err == nil {
				return a.Unmap()
			}
		}
	}
	return signer.RemoteIP(r)
}

// now reads the Handler's clock, the one clock of everything it decides:
// verification and the expiry of what it mints.
func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

// stripCarried removes from raw, a query as the viewer sent it, the
// parameters c names, and keeps every other one as it was sent: in its
// order, with its escaping (LL-HLS's _HLS_msn, _HLS_part and _HLS_skip,
// and whatever else the origin reads, reach it unchanged).
func stripCarried(raw string, c *signer.Carrier) string {
	var b strings.Builder
	dropped := false
	for rest := raw; rest != ""; {
		var p string
		p, rest, _ = strings.Cut(rest, "&")
		name, _, _ := strings.Cut(p, "=")
		if n, err := url.QueryUnescape(name); err == nil {
			name = n
		}
		if p != "" && carriedName(c, name) {
			dropped = true
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p)
	}
	if !dropped {
		return raw
	}
	return b.String()
}

// carriedName reports whether name is one of the parameters c names.
func carriedName(c *signer.Carrier, name string) bool {
	for _, p := range []string{signer.ParamExpires, signer.ParamPolicy, signer.ParamSignature, signer.ParamKeyPairID, signer.ParamHashAlgorithm} {
		if name == c.Name(p) {
			return true
		}
	}
	return false
}
