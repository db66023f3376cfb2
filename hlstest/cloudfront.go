package hlstest

import (
	"crypto/x509"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cfhls/cfhls/signer"
)

// via is what the simulator puts in Via headers, to origins and to viewers.
const via = "1.1 hlstest.cloudfront.net (CloudFront)"

// CloudFront is a simulated CloudFront distribution listening on a loopback
// address, shaped like httptest.Server. It verifies signed URLs and cookies,
// routes requests by behavior to origin handlers, strips the signing
// parameters before an origin sees a request, refuses with CloudFront's 403
// bodies and logs every request. It is safe for concurrent use.
//
// An origin sees the viewer's request with the query its behavior forwards,
// the viewer's Host header (as with an origin request policy that forwards
// Host; CloudFront's default sends the origin's own domain), no Cookie or
// Authorization header (CloudFront's defaults), and Via, X-Amz-Cf-Id,
// X-Forwarded-For (the client IP appended to what the viewer sent, as
// CloudFront does) and CloudFront-Viewer-Address (ip:port, as when the origin
// request policy adds it) set.
// Viewers get Via, X-Amz-Cf-Id and X-Cache ("Miss from cloudfront", or
// "Error from cloudfront" for refusals and origin errors). Nothing is cached:
// every request reaches the origin, which is what a test wants to see.
//
// A request whose path holds a dot segment or a backslash in any spelling
// (literal "..", "%2e%2e", "..%2f", "..%5c", ...; see signer.CheckPath), or
// a literal '#' anywhere in its target (players never send one; a Go server
// keeps it in the path, "/movies/1/#/../../2/a.ts"; "%23" is fine), is
// refused with 403 AccessDenied before any credential check and before any
// origin sees it, on public behaviors too; its Err wraps
// signer.ErrDotSegment. That is stricter than CloudFront, whose handling of
// such paths (normalized for behavior matching or not, forwarded raw or
// resolved) a deployment should not rely on: the simulator fails closed, so
// a test cannot pass on a path traversal real CloudFront might let through.
//
// The listener has a header timeout, an idle timeout and a header size limit
// near CloudFront's 20,480 bytes (431 beyond it), and no read or write
// timeout, so long-polling requests work.
type CloudFront struct {
	// URL is the distribution's base URL, with no trailing slash:
	// "http://127.0.0.1:PORT", or "https://NAME" with WithDomain.
	URL string

	srv       *httptest.Server
	addr      string // the listener's address, what clients really dial
	domain    string
	verifier  *signer.Verifier
	now       func() time.Time
	behaviors []Behavior
	def       Behavior
	log       requestLog
	ids       atomic.Uint64

	clientIPs sync.Map // client-side local address of a connection -> netip.Addr

	mu         sync.Mutex
	client     *http.Client
	transports []*http.Transport
}

// NewCloudFront starts a simulated distribution in front of origin, the
// origin of the default behavior and of every behavior without its own.
// The caller should call Close when finished.
//
// Like httptest.NewServer, it panics when it cannot start: when a key given to
// WithKey is not one CloudFront accepts, when WithDomain names no valid host,
// or when a behavior has no origin (origin is nil and the behavior has none)
// or no PathPattern.
func NewCloudFront(origin http.Handler, opts ...Option) *CloudFront {
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	cf := &CloudFront{verifier: signer.NewVerifier(), now: cfg.clock, domain: strings.ToLower(cfg.domain)}
	if cf.now == nil {
		cf.now = time.Now
	}
	for _, k := range cfg.keys {
		if err := cf.verifier.AddKey(k.id, k.pub); err != nil {
			panic(fmt.Sprintf("hlstest: WithKey(%q): %v", k.id, err))
		}
	}
	cf.def = cfg.def
	cf.def.PathPattern = DefaultPathPattern
	if cf.def.Origin == nil {
		cf.def.Origin = origin
	}
	if cf.def.Origin == nil {
		panic("hlstest: NewCloudFront: the default behavior has no origin")
	}
	for _, b := range cfg.behaviors {
		if b.PathPattern == "" {
			panic("hlstest: WithBehavior: a behavior needs a PathPattern")
		}
		if b.Origin == nil {
			b.Origin = origin
		}
		if b.Origin == nil {
			panic(fmt.Sprintf("hlstest: WithBehavior(%q): the behavior has no origin", b.PathPattern))
		}
		cf.behaviors = append(cf.behaviors, b)
	}

	cf.log.limit, cf.log.observe = cfg.logLimit, cfg.observe
	cf.srv = httptest.NewUnstartedServer(http.HandlerFunc(cf.serve))
	if cfg.listener != nil {
		_ = cf.srv.Listener.Close()
		cf.srv.Listener = cfg.listener
	}
	cf.srv.Config.ErrorLog = log.New(quietTLS{os.Stderr}, "", log.LstdFlags)
	applyLimits(cf.srv.Config, cfg.limits)
	if cf.domain != "" {
		if err := checkDomain(cf.domain); err != nil {
			panic(fmt.Sprintf("hlstest: WithDomain: %v", err))
		}
		cert, err := selfSignedCert(cf.domain)
		if err != nil {
			panic(fmt.Sprintf("hlstest: WithDomain: %v", err))
		}
		cf.srv.TLS = cert
		cf.srv.StartTLS()
		cf.URL = "https://" + cf.domain
	} else {
		cf.srv.Start()
		cf.URL = cf.srv.URL
	}
	cf.addr = cf.srv.Listener.Addr().String()
	return cf
}

// Client returns an HTTP client for viewers of the distribution, with the
// connection's loopback address as client IP. It trusts the simulator's
// certificate and, with WithDomain, reaches the simulator for that name;
// other hosts are dialed normally. Every call returns the same client.
func (cf *CloudFront) Client() *http.Client {
	cf.mu.Lock()
	defer cf.mu.Unlock()
	if cf.client == nil {
		cf.client = cf.newClientLocked(netip.Addr{})
	}
	return cf.client
}

// ClientFrom returns a new client like Client whose requests the simulator
// treats as coming from ip, so policies with AWS:SourceIp can be tested.
// No header carries the address: the simulator recognises the client's
// connections.
func (cf *CloudFront) ClientFrom(ip netip.Addr) *http.Client {
	cf.mu.Lock()
	defer cf.mu.Unlock()
	return cf.newClientLocked(ip)
}

// Certificate returns the certificate the simulator serves with WithDomain,
// or nil when it speaks plain HTTP.
func (cf *CloudFront) Certificate() *x509.Certificate { return cf.srv.Certificate() }

// Close shuts the simulator down and blocks until every request in flight
// has completed. The log stays readable.
func (cf *CloudFront) Close() {
	cf.closeIdle()
	cf.srv.Close()
	cf.closeIdle()
}

func (cf *CloudFront) closeIdle() {
	cf.mu.Lock()
	defer cf.mu.Unlock()
	for _, t := range cf.transports {
		t.CloseIdleConnections()
	}
}

// behavior returns the behavior serving a path: the first that matches, or
// the default.
func (cf *CloudFront) behavior(path string) *Behavior {
	for i := range cf.behaviors {
		if matchPath(cf.behaviors[i].PathPattern, path) {
			return &cf.behaviors[i]
		}
	}
	return &cf.def
}

// clientIP returns the address policies see for a request.
func (cf *CloudFront) clientIP(r *http.Request) netip.Addr {
	if v, ok := cf.clientIPs.Load(r.RemoteAddr); ok {
		return v.(netip.Addr)
	}
	return signer.RemoteIP(r)
}

// serve handles one viewer request as CloudFront would.
func (cf *CloudFront) serve(w http.ResponseWriter, r *http.Request) {
	now := cf.now()
	e := Entry{Time: now, Method: r.Method, URL: signer.RequestURL(r), ClientIP: cf.clientIP(r)}
	defer func() { cf.log.add(e) }()

	b := cf.behavior(r.URL.EscapedPath())
	e.Behavior = b.PathPattern
	id := "hlstest-" + strconv.FormatUint(cf.ids.Add(1), 10)
	h := w.Header()
	h.Set("Via", via)
	h.Set("X-Amz-Cf-Id", id)
	b.CORS.apply(h, r)

	// Before anything else, on every behavior: no origin may see a path that
	// could resolve outside the directory a policy appears to cover.
	if err := signer.CheckRequest(r); err != nil {
		cf.refuse(w, &e, err)
		return
	}
	switch {
	case b.CORS != nil && isPreflight(r):
		e.Decision, e.Status = Preflight, http.StatusOK
		b.CORS.preflight(w, r)
		return
	case r.Method != http.MethodGet && r.Method != http.MethodHead:
		cf.refuse(w, &e, fmt.Errorf("%w: %s on behavior %q (GET and HEAD are allowed)", ErrMethodNotAllowed, r.Method, b.PathPattern))
		return
	case b.Public:
		e.Decision = Unchecked
	default:
		res, err := cf.verifier.Verify(e.URL, r.Cookies(), e.ClientIP, now)
		e.Source, e.KeyPairID = res.Source, res.KeyPairID
		if err != nil {
			cf.refuse(w, &e, err)
			return
		}
		e.Decision = Allowed
	}

	out := r.Clone(r.Context())
	out.URL.RawQuery = b.Query.filter(r.URL.RawQuery)
	out.URL.ForceQuery = false
	out.RequestURI = out.URL.RequestURI()
	out.Header.Del("Cookie")
	out.Header.Del("Authorization")
	out.Header.Set("Via", via)
	out.Header.Set("X-Amz-Cf-Id", id)
	if e.ClientIP.IsValid() {
		ip := e.ClientIP.String()
		xff := ip
		if prior := r.Header.Get("X-Forwarded-For"); prior != "" {
			xff = prior + ", " + ip
		}
		out.Header.Set("X-Forwarded-For", xff)
		port := "0"
		if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
			port = strconv.Itoa(int(ap.Port()))
		}
		out.Header.Set("CloudFront-Viewer-Address", ip+":"+port)
	}
	e.OriginURI = out.RequestURI
	sw := &statusWriter{ResponseWriter: w}
	b.Origin.ServeHTTP(sw, out)
	e.Status = sw.code()
}

// refuse answers 403 with CloudFront's XML body and records why.
func (cf *CloudFront) refuse(w http.ResponseWriter, e *Entry, err error) {
	e.Decision, e.Err, e.Status = Refused, err, http.StatusForbidden
	code, msg := denial(err)
	body := errorBody(code, msg)
	h := w.Header()
	h.Set("Content-Type", "text/xml")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("X-Cache", "Error from cloudfront")
	w.WriteHeader(http.StatusForbidden)
	_, _ = io.WriteString(w, body)
}
