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
// their policy.
func (h *Handler) carried(r *http.Request, public *url.URL, c Carried) (signer.Credentials, signer.Result, error) {
	var res signer.Result
	creds, err := c.Carrier.Extract(r.URL.Query())
	if errors.Is(err, signer.ErrNoCredentials) {
		return creds, res, errNoCarried
	}
	if err != nil {
		return creds, res, fmt.Errorf("carried credentials: %w", err)
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
	creds, _, err := h.carried(r, public, h.Propagate)
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
	creds, res, err := h.carried(r, public, h.ServerSide.Viewer)
	if err != nil {
		return nil, err
	}
	rw.Carry = h.ServerSide.Viewer.Carrier.Encode(creds)
	return &res.Policy, nil
}

// serverSide signs the playlist's scope with a bucketed expiry, no wider
// than viewer (when not nil) allows, bound to the viewer's address when
// BindViewerIP is set.
func (h *Handler) serverSide(r *http.Request, public *url.URL, rw *Rewriter, viewer *policy.Policy) error {
	ss := &h.ServerSide
	var scope string
	var err error
	if ss.Scope != nil {
		scope, err = ss.Scope(r, public)
	} else {
		scope, err = policy.DirScope(public.String())
	}
	if err != nil {
		return fmt.Errorf("%w: %w", errNoScope, err)
	}
	ttl, bucket := ss.TTL, ss.Bucket // never negative: Validate
	if ttl == 0 {
		ttl = signer.DefaultTTL
	}
	if bucket == 0 {
		bucket = signer.DefaultBucket
	}
	p := policy.New(scope, policy.RoundUp(h.now().Add(ttl), bucket))
	if viewer != nil {
		p = capPolicy(p, *viewer)
	}
	if ss.BindViewerIP {
		a := h.clientIP(r)
		if !a.Is4() {
			return fmt.Errorf("%w (BindViewerIP is set; viewer address %v)", errUnbindable, a)
		}
		p.SourceIP = netip.PrefixFrom(a, 32)
	}
	rw.Query, err = ss.Signer.Query(p)
	if err != nil {
		return fmt.Errorf("%w: %w", errSigning, err)
	}
	return nil
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
// server, with the request's credentials.
func (h *Handler) sendKeys(r *http.Request, rw *Rewriter) {
	inner, base, rebase, query := rw.InScope, rw.Base, rw.Rebase, rw.Query
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
	rw.KeyURI = func(u *url.URL) (string, error) {
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
