package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cfhls/cfhls/hlstest"
)

// The demo page's timeline: GET /events streams, as server-sent events,
// every request the simulated CloudFront answers (from its Observe hook)
// and the page server's own login, sign and key requests, so a viewer sees
// the whole flow in one table.

// event is one line of the timeline, sent as the JSON data of a
// server-sent event.
type event struct {
	Time     time.Time `json:"time"`             // the stack's clock (jumped with /demo/clock) when the request arrived or was answered
	Who      string    `json:"who"`              // "cdn" (the simulated CloudFront) or "page" (the page server)
	Method   string    `json:"method"`           // the HTTP method
	Path     string    `json:"path"`             // path and query, credential values shortened (shortURI)
	Source   string    `json:"source"`           // where the credentials came from: "url", "cookies" or "none"
	Decision string    `json:"decision"`         // "allowed" or "refused"
	Reason   string    `json:"reason,omitempty"` // why refused, or a note ("CORS preflight", "origin answered 502")
	Status   int       `json:"status"`           // the status code the client got
}

// subscriberBuffer is how many events a subscriber may fall behind before
// newer ones are dropped for it: a slow browser never blocks the CDN.
const subscriberBuffer = 256

// eventsPing is how often an idle stream gets a comment, so a client that
// went away is noticed even when nothing happens.
const eventsPing = 15 * time.Second

// maxSubscribers bounds the open /events streams (a page each); more get
// 503.
const maxSubscribers = 32

// eventsWriteTimeout bounds each write to a stream: a client that stops
// reading is dropped instead of holding a goroutine and a connection.
const eventsWriteTimeout = 10 * time.Second

// eventHub fans events out to the open /events streams.
type eventHub struct {
	mu     sync.Mutex
	subs   map[*subscriber]struct{}
	done   chan struct{}
	closed bool
}

// subscriber is one open stream: its buffered events, and how many it
// missed because the buffer was full.
type subscriber struct {
	ch      chan event
	dropped atomic.Int64
}

func newEventHub() *eventHub {
	return &eventHub{subs: map[*subscriber]struct{}{}, done: make(chan struct{})}
}

// subscribe adds a subscriber and returns it with the function that removes
// it; nil after Close, or with maxSubscribers open.
func (h *eventHub) subscribe() (*subscriber, func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed || len(h.subs) >= maxSubscribers {
		return nil, func() {}
	}
	s := &subscriber{ch: make(chan event, subscriberBuffer)}
	h.subs[s] = struct{}{}
	return s, func() {
		h.mu.Lock()
		delete(h.subs, s)
		h.mu.Unlock()
	}
}

// publish hands e to every subscriber without waiting: one whose buffer is
// full misses it (and is told how many it missed).
func (h *eventHub) publish(e event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		select {
		case s.ch <- e:
		default:
			s.dropped.Add(1)
		}
	}
}

// subscribers is the number of open streams.
func (h *eventHub) subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

// Close ends every stream and refuses new ones.
func (h *eventHub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.closed {
		h.closed = true
		close(h.done)
	}
}

// ServeHTTP streams events as text/event-stream until the client goes away
// or the hub closes. Each event is "data: {json}"; when the client fell
// behind, an "event: dropped" with {"dropped": n} comes first.
func (h *eventHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet { // HEAD: the headers, not a stream that never ends
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Cache-Control", "no-store")
		return
	}
	rc := http.NewResponseController(w)
	// The page server's ReadTimeout bounds whole requests; this one lasts
	// as long as the page is open.
	if err := rc.SetReadDeadline(time.Time{}); err != nil && !errors.Is(err, http.ErrNotSupported) {
		http.Error(w, "events: "+err.Error(), http.StatusInternalServerError)
		return
	}
	sub, unsubscribe := h.subscribe()
	defer unsubscribe()
	if sub == nil {
		http.Error(w, "the demo is shutting down, or has too many timelines open", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	// Subscribed before the headers go out: once the page's EventSource
	// opens, no later request is missed.
	if err := writeFlush(w, rc, "retry: 2000\n: cfhls timeline\n\n"); err != nil {
		return
	}
	ping := time.NewTicker(eventsPing)
	defer ping.Stop()
	for {
		var msg string
		select {
		case <-r.Context().Done():
			return
		case <-h.done:
			return
		case <-ping.C:
			msg = ": ping\n\n"
		case e := <-sub.ch:
			data, err := json.Marshal(e)
			if err != nil {
				continue
			}
			if n := sub.dropped.Swap(0); n > 0 {
				msg = fmt.Sprintf("event: dropped\ndata: {\"dropped\":%d}\n\n", n)
			}
			msg += "data: " + string(data) + "\n\n"
		}
		if err := writeFlush(w, rc, msg); err != nil {
			return
		}
	}
}

// writeFlush writes s and flushes it to the client, within
// eventsWriteTimeout.
func writeFlush(w http.ResponseWriter, rc *http.ResponseController, s string) error {
	if err := rc.SetWriteDeadline(time.Now().Add(eventsWriteTimeout)); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return fmt.Errorf("events: %w", err)
	}
	if _, err := w.Write([]byte(s)); err != nil {
		return fmt.Errorf("events: write: %w", err)
	}
	if err := rc.Flush(); err != nil {
		return fmt.Errorf("events: flush: %w", err)
	}
	return nil
}

// cdnEvent is the timeline's line for a simulated CloudFront log entry.
func cdnEvent(e hlstest.Entry) event {
	ev := event{Time: e.Time, Who: "cdn", Method: e.Method, Path: shortURI(e.URL), Source: string(e.Source), Status: e.Status}
	if ev.Source == "" {
		ev.Source = "none"
	}
	switch e.Decision {
	case hlstest.DecisionRefused:
		ev.Decision = "refused"
		if e.Err != nil {
			ev.Reason = shortReason(e.Err.Error())
		}
	case hlstest.DecisionPreflight:
		ev.Decision, ev.Reason = "allowed", "CORS preflight"
	case hlstest.DecisionUnchecked:
		ev.Decision, ev.Reason = "allowed", "public behavior: not checked"
	default:
		ev.Decision = "allowed"
		if e.Status >= http.StatusBadRequest {
			ev.Reason = fmt.Sprintf("CloudFront allowed it; the origin answered %d", e.Status)
		}
	}
	return ev
}

// credentialValue matches the names of parameters whose values the
// timeline shortens: the long policy and signature, and their carried
// copies.
func credentialValue(name string) bool {
	if n, err := url.QueryUnescape(name); err == nil { // as Carrier.Extract reads names
		name = n
	}
	name = strings.TrimSuffix(name, "-PREFIX")
	return name == "Policy" || name == "Signature"
}

// maxPathRunes caps the path of a timeline line.
const maxPathRunes = 240

// maxReasonRunes caps the reason of a timeline line.
const maxReasonRunes = 300

// credentialInText finds credential values in free text, such as the URL a
// "resource does not match" refusal quotes (which keeps the carried
// copies): the name, the first 6 characters, and the rest.
var credentialInText = regexp.MustCompile(`((?:Policy|Signature)(?:-PREFIX)?=)([A-Za-z0-9_~%-]{6})[A-Za-z0-9_~%-]+`)

// shortReason returns a refusal's reason with credential values cut to
// their first 6 characters and "…", at most maxReasonRunes long.
func shortReason(s string) string {
	s = credentialInText.ReplaceAllString(s, "${1}${2}…")
	if r := []rune(s); len(r) > maxReasonRunes {
		s = string(r[:maxReasonRunes-1]) + "…"
	}
	return s
}

// shortURI returns the path and query of a URL or request URI with the
// values of Policy and Signature (and their -PREFIX copies) cut to their
// first 6 characters and "…": the timeline never shows whole signatures.
func shortURI(raw string) string {
	if u, err := url.Parse(raw); err == nil && (u.Scheme != "" || u.Host != "") {
		raw = u.RequestURI()
	}
	p, q, hasQuery := strings.Cut(raw, "?")
	if hasQuery {
		params := strings.Split(q, "&")
		for i, kv := range params {
			name, value, ok := strings.Cut(kv, "=")
			if ok && credentialValue(name) && len(value) > 6 {
				params[i] = name + "=" + value[:6] + "…"
			}
		}
		p += "?" + strings.Join(params, "&")
	}
	if r := []rune(p); len(r) > maxPathRunes {
		p = string(r[:maxPathRunes-1]) + "…"
	}
	return p
}
