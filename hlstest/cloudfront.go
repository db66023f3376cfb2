package hlstest

import (
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cfhls/cfhls/signer"
)

// via is what the simulator puts in Via headers, to origins and to viewers.
const via = "1.1 hlstest.cloudfront.net (CloudFront)"

// CloudFront is a simulated CloudFront distribution listening on a loopback
// address, configured and run the way httptest.Server is: NewCloudFront
// starts one with the common settings, NewUnstartedCloudFront returns one
// whose exported fields the caller sets before calling Start. Start reads
// every field but URL, which it sets; changing them afterwards has no
// effect. It verifies signed URLs and cookies, routes requests by behavior
// to origin handlers, strips the signing parameters before an origin sees a
// request, refuses with CloudFront's 403 bodies and logs every request. Once
// started it is safe for concurrent use.
//
// An origin sees the viewer's request with the query its behavior forwards,
// the viewer's Host header (as with an origin request policy that forwards
// Host; CloudFront's default sends the origin's own domain), no Cookie or
// Authorization header (CloudFront's defaults; but the cookies and headers
// a behavior's Cache key names), and Via, X-Amz-Cf-Id,
// X-Forwarded-For (the client IP appended to what the viewer sent, as
// CloudFront does) and CloudFront-Viewer-Address (ip:port, as when the origin
// request policy adds it) set.
// Viewers get Via, X-Amz-Cf-Id and X-Cache ("Miss from cloudfront", or
// "Error from cloudfront" for refusals and origin errors). Nothing is cached
// unless a behavior has a Cache policy: by default every request reaches
// the origin, which is what most tests want to see. With one, answers come
// from the cache ("Hit from cloudfront", with Age) after the credentials
// are checked; see CachePolicy, Stats and CacheSize.
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
	// "http://127.0.0.1:PORT", or "https://" + Domain. Start sets it.
	URL string

	// Origin serves the requests of the default behavior and of every
	// behavior without an Origin of its own. NewCloudFront and
	// NewUnstartedCloudFront set it to their argument.
	Origin http.Handler

	// Keys is the distribution's trusted key group: credentials signed by
	// any of these keys verify. Only Key.ID and Key.Public are read, so a
	// key whose private half lives elsewhere is
	// hlstest.Key{ID: "K2JCJMDEHXQW5F", Public: pub}. Public must be an RSA
	// 2048 or ECDSA P-256 public key. Empty trusts no key: every behavior
	// that is not Public refuses every request.
	Keys []Key

	// Behaviors are the cache behaviors, tried in order before Default; the
	// first whose PathPattern matches serves the request. Each needs a
	// PathPattern. Empty: Default serves every request.
	Behaviors []Behavior

	// Default is the default behavior, which serves what no behavior in
	// Behaviors matches. Its PathPattern is ignored. The zero Behavior is
	// CloudFront's secure default: Origin, signed requests required, no
	// query parameter forwarded, no CORS headers.
	Default Behavior

	// Domain, when set, is the distribution's domain name, such as
	// "d111111abcdef8.cloudfront.net" or "cdn.example.com". The simulator
	// then speaks HTTPS with a certificate for that name, URL is "https://"
	// + Domain (no port), and the clients from Client and ClientFrom trust
	// the certificate and reach the simulator whatever port the URL names.
	// Policies are checked against the host the viewer sent, so a policy for
	// "https://d111111abcdef8.cloudfront.net/movies/1/*" works as it would
	// on AWS. Empty: plain HTTP on a loopback address, as httptest.NewServer
	// serves.
	Domain string

	// Listener, when set, is where the simulator serves, instead of a new
	// loopback listener, so a long-running program (like examples/server)
	// can put it on a fixed address. Close closes it.
	Listener net.Listener

	// Now is the clock policies are checked against (DateLessThan,
	// DateGreaterThan) and log entries are stamped with. Nil means
	// time.Now. It does not affect TLS.
	Now func() time.Time

	// Observe, when set, is called with each log entry once its request is
	// answered, from the request's goroutine; it must be safe for
	// concurrent use.
	Observe func(Entry)

	// LogLimit, when positive, keeps only the newest LogLimit entries in the
	// log (Log, Refusals), for long-running programs. Zero or negative keeps
	// every entry.
	LogLimit int

	// CacheSize bounds the memory of the behaviors' caches together, in
	// bytes of stored bodies, headers and keys; the least recently used
	// answers are evicted first, and an answer larger than CacheSize is not
	// stored. Zero or negative means 64 MiB. Only behaviors with a Cache
	// policy cache anything.
	CacheSize int64

	// What Start made of the fields above.
	srv      *httptest.Server
	addr     string // the listener's address, what clients really dial
	host     string // Domain, lower-cased
	verifier *signer.Verifier
	clock    func() time.Time
	routes   []Behavior // Behaviors, each with an origin
	fallback Behavior   // Default, with an origin and DefaultPathPattern
	limits   serverLimits
	log      requestLog
	cache    answerCache
	ids      atomic.Uint64

	clientIPs sync.Map // client-side local address of a connection -> netip.Addr

	mu         sync.Mutex
	client     *http.Client
	transports []*http.Transport
}

// NewCloudFront starts and returns a new simulated distribution in front of
// origin that trusts keys. The caller should call Close when finished, to
// shut it down.
//
// It is NewUnstartedCloudFront(origin) with Keys set to keys, then Start,
// and panics when Start does. For behaviors, a domain or a clock, use
// NewUnstartedCloudFront.
func NewCloudFront(origin http.Handler, keys ...Key) *CloudFront {
	cf := NewUnstartedCloudFront(origin)
	cf.Keys = slices.Clone(keys)
	cf.Start()
	return cf
}

// NewUnstartedCloudFront returns a new simulated distribution in front of
// origin but doesn't start it.
//
// After changing its configuration, the caller should call Start.
//
// The caller should call Close when finished, to shut it down.
func NewUnstartedCloudFront(origin http.Handler) *CloudFront {
	return &CloudFront{Origin: origin}
}

// Client returns an HTTP client for viewers of the distribution, with the
// connection's loopback address as client IP. It trusts the simulator's
// certificate and, with a Domain, reaches the simulator for that name;
// other hosts are dialed normally. Every call returns the same client.
// It panics before Start.
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
// connections. It panics before Start.
func (cf *CloudFront) ClientFrom(ip netip.Addr) *http.Client {
	cf.mu.Lock()
	defer cf.mu.Unlock()
	return cf.newClientLocked(ip)
}

// Certificate returns the certificate the simulator serves with a Domain,
// or nil when it speaks plain HTTP or was not started.
func (cf *CloudFront) Certificate() *x509.Certificate {
	if cf.srv == nil {
		return nil
	}
	return cf.srv.Certificate()
}

// Close shuts the simulator down and blocks until every request in flight
// has completed. The log stays readable. Closing a simulator that was never
// started closes Listener, if set.
func (cf *CloudFront) Close() {
	if cf.srv == nil {
		if cf.Listener != nil {
			_ = cf.Listener.Close()
		}
		return
	}
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
	for i := range cf.routes {
		if matchPath(cf.routes[i].PathPattern, path) {
			return &cf.routes[i]
		}
	}
	return &cf.fallback
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
	now := cf.clock()
	e := Entry{Time: now, Method: r.Method, URL: signer.RequestURL(r), ClientIP: cf.clientIP(r)}
	defer func() { cf.log.add(e) }()

	b := cf.behavior(r.URL.EscapedPath())
	e.Behavior = b.PathPattern
	var originBytes int64
	defer func() { b.stats.count(&e, originBytes) }()
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
		e.Decision, e.Status = DecisionPreflight, http.StatusOK
		b.CORS.preflight(w, r)
		return
	case r.Method != http.MethodGet && r.Method != http.MethodHead:
		cf.refuse(w, &e, fmt.Errorf("%w: %s on behavior %q (GET and HEAD are allowed)", ErrMethodNotAllowed, r.Method, b.PathPattern))
		return
	case b.Public:
		e.Decision = DecisionUnchecked
	default:
		res, err := cf.verifier.Verify(e.URL, r.Cookies(), e.ClientIP, now)
		e.Source, e.KeyPairID = res.Source, res.KeyPairID
		if err != nil {
			cf.refuse(w, &e, err)
			return
		}
		e.Decision = DecisionAllowed
	}

	out := cf.originRequest(r, b, id, e.ClientIP)
	if b.Cache != nil {
		originBytes = cf.serveCached(w, r, out, b, &e)
		return
	}
	e.OriginURI = out.RequestURI
	sw := &statusWriter{ResponseWriter: w}
	b.Origin.ServeHTTP(sw, out)
	e.Status = sw.code()
	originBytes = sw.bytes
}

// refuse answers 403 with CloudFront's XML body and records why.
func (cf *CloudFront) refuse(w http.ResponseWriter, e *Entry, err error) {
	e.Decision, e.Err, e.Status = DecisionRefused, err, http.StatusForbidden
	code, msg := denial(err)
	body := errorBody(code, msg)
	h := w.Header()
	h.Set("Content-Type", "text/xml")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("X-Cache", "Error from cloudfront")
	w.WriteHeader(http.StatusForbidden)
	_, _ = io.WriteString(w, body)
}
