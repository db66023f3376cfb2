package hlstest

import (
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/cfhls/cfhls/signer"
)

// Decision is what the simulator decided about a request.
type Decision int

// Decisions, as recorded in an Entry.
const (
	// DecisionAllowed: the credentials verified and the origin was asked.
	DecisionAllowed Decision = iota + 1
	// DecisionRefused: CloudFront answered 403 itself; Entry.Err says why.
	DecisionRefused
	// DecisionUnchecked: the behavior is Public, so no credentials were
	// needed.
	DecisionUnchecked
	// DecisionPreflight: a CORS preflight request, answered by CloudFront.
	DecisionPreflight
)

// String returns "allowed", "refused", "unchecked" or "preflight".
func (d Decision) String() string {
	switch d {
	case DecisionAllowed:
		return "allowed"
	case DecisionRefused:
		return "refused"
	case DecisionUnchecked:
		return "unchecked"
	case DecisionPreflight:
		return "preflight"
	}
	return fmt.Sprintf("Decision(%d)", int(d))
}

// CacheResult says how a behavior's cache took part in an answer.
type CacheResult int

// Cache results, as recorded in an Entry.
const (
	// CacheNone: the behavior has no Cache policy, or the request never
	// reached it (refused, preflight).
	CacheNone CacheResult = iota
	// CacheMiss: the origin answered ("Miss from cloudfront", or "Error
	// from cloudfront" for 4xx and 5xx), whether or not the answer was
	// stored.
	CacheMiss
	// CacheHit: the cache answered without asking the origin ("Hit from
	// cloudfront").
	CacheHit
	// CacheRefreshHit: the cached answer had expired, the origin confirmed
	// it with 304 Not Modified, and the cache answered ("RefreshHit from
	// cloudfront").
	CacheRefreshHit
)

// String returns "", "Miss", "Hit" or "RefreshHit".
func (c CacheResult) String() string {
	switch c {
	case CacheNone:
		return ""
	case CacheMiss:
		return "Miss"
	case CacheHit:
		return "Hit"
	case CacheRefreshHit:
		return "RefreshHit"
	}
	return fmt.Sprintf("CacheResult(%d)", int(c))
}

// Entry records one viewer request.
type Entry struct {
	// Time is the simulator's clock when the request arrived.
	Time time.Time
	// Method is the viewer's HTTP method.
	Method string
	// URL is the URL as the viewer sent it: scheme, host and request URI,
	// signing parameters included.
	URL string
	// ClientIP is the viewer address policies were checked against.
	ClientIP netip.Addr
	// Behavior is the PathPattern of the behavior that served the request
	// (DefaultPathPattern for the default behavior).
	Behavior string
	// Decision is what the simulator decided.
	Decision Decision
	// Source is where the credentials were read from, signer.SourceURL or
	// signer.SourceCookies; empty when the behavior is public or the
	// request had none.
	Source signer.Source
	// KeyPairID is the key the credentials named, when they named one.
	KeyPairID string
	// Err says why the request was refused. It wraps one of the signer
	// package's verification errors (signer.ErrExpired, ...,
	// signer.ErrDotSegment) or ErrMethodNotAllowed. It is nil for requests that were not refused.
	Err error
	// Status is the status code the viewer got.
	Status int
	// OriginURI is the request URI (path and forwarded query) the origin
	// saw; empty when the origin was not asked (refusals, cache hits).
	OriginURI string
	// Cache says what the behavior's cache did: CacheHit or
	// CacheRefreshHit when it answered, CacheMiss when the origin did, and
	// CacheNone when the behavior has no Cache policy or the request was
	// refused before reaching it.
	Cache CacheResult
}

// String formats the entry on one line, for logs and failure messages.
func (e Entry) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s %s [%s] %s", e.Status, e.Method, e.URL, e.Behavior, e.Decision)
	if e.Source != "" {
		fmt.Fprintf(&b, " by %s", e.Source)
	}
	if e.Cache != CacheNone {
		fmt.Fprintf(&b, ", cache %s", e.Cache)
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	if e.OriginURI != "" {
		fmt.Fprintf(&b, " -> origin %s", e.OriginURI)
	}
	return b.String()
}

// requestLog is the simulator's concurrency-safe request log.
type requestLog struct {
	mu      sync.Mutex
	entries []Entry
	limit   int         // keep the newest limit entries; <= 0 keeps all
	observe func(Entry) // called after each entry is added
}

func (l *requestLog) add(e Entry) {
	l.mu.Lock()
	l.entries = append(l.entries, e)
	if l.limit > 0 && len(l.entries) > 2*l.limit {
		l.entries = append(l.entries[:0], l.entries[len(l.entries)-l.limit:]...)
	}
	l.mu.Unlock()
	if l.observe != nil {
		l.observe(e)
	}
}

func (l *requestLog) filter(keep func(Entry) bool) []Entry {
	l.mu.Lock()
	defer l.mu.Unlock()
	entries := l.entries
	if l.limit > 0 && len(entries) > l.limit {
		entries = entries[len(entries)-l.limit:]
	}
	out := make([]Entry, 0, len(entries))
	for _, e := range entries {
		if keep == nil || keep(e) {
			out = append(out, e)
		}
	}
	return out
}

func (l *requestLog) reset() {
	l.mu.Lock()
	l.entries = nil
	l.mu.Unlock()
}

// Log returns a copy of every request logged so far, in the order the
// requests completed.
func (cf *CloudFront) Log() []Entry { return cf.log.filter(nil) }

// Refusals returns the logged requests CloudFront refused.
func (cf *CloudFront) Refusals() []Entry {
	return cf.log.filter(func(e Entry) bool { return e.Decision == DecisionRefused })
}

// Reset empties the log.
func (cf *CloudFront) Reset() { cf.log.reset() }
