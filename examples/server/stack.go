package main

import (
	"crypto"
	"errors"
	"fmt"
	"io/fs"
	"log"
	"net"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/cfhls/cfhls/hlstest"
	"github.com/cfhls/cfhls/playlist"
	"github.com/cfhls/cfhls/policy"
	"github.com/cfhls/cfhls/signer"
)

// keyPlaceholder is the EXT-X-KEY URI the sample's packager wrote; the
// rewriting origin replaces it with the key server's URL.
const keyPlaceholder = "keys.invalid"

// Limits of the page server's listener (the CDN's are hlstest's). Its
// requests are small and short: a form, a sign call, a key, a page, hls.js;
// the one long request, the page's timeline (GET /events), lifts the read
// deadline for itself, so a whole-request ReadTimeout is safe.
const (
	// pageReadHeaderTimeout bounds reading a request line and headers, so
	// half-sent requests cannot hold connections open.
	pageReadHeaderTimeout = 10 * time.Second
	// pageReadTimeout bounds reading a whole request, body included.
	pageReadTimeout = 30 * time.Second
	// pageIdleTimeout bounds how long a keep-alive connection waits for its
	// next request.
	pageIdleTimeout = 60 * time.Second
	// pageMaxHeaderBytes caps request line plus headers (64 KiB: room for
	// CloudFront-* cookies and a browser's usual headers).
	pageMaxHeaderBytes = 64 << 10
)

// config is what a stack is built from.
type config struct {
	pageListener net.Listener // the player page, login, sign endpoint, key server
	cdnListener  net.Listener // the simulated CloudFront
	key          crypto.Signer
	keyPairID    string
	mode         playlist.Mode
	ttl          time.Duration
	bucket       time.Duration        // expiries round up to it; zero: signer.DefaultBucket
	media        fs.FS                // the CDN's content (S3-like origin)
	live         *hlstest.LiveOrigin  // the live channels under /live/; nil: one on clock, AES-128 keys rotating every 4 segments
	keys         fs.FS                // the key server's keys, laid out like the presentations; nil: no key server, key URIs are rewritten like any other
	clock        func() time.Time     // nil: time.Now
	logf         func(string, ...any) // nil: discard
	quiet        bool                 // log only refusals and errors (status 400 and above), not served requests
	noCORS       bool                 // the CDN sends no CORS headers (to show why they matter)
	noHLSJS      bool                 // the page server has no JavaScript player, as on a machine without npm ci
}

// stack is the whole demo: simulated CloudFront in front of the rewriting
// origin and an S3-like origin, and the page server with login, sign
// endpoint, key server and player page.
type stack struct {
	cfg     config
	signer  *signer.Signer
	cdn     *hlstest.CloudFront
	page    *http.Server
	pageURL string
	carrier signer.Carrier
	clock   *demoClock // cfg.clock: the stack's clock plus the offset the demo page may move (clock.go)
	events  *eventHub  // the page's timeline: the CDN's decisions and the page server's login, sign and keys (events.go)
}

func newStack(cfg config) (*stack, error) {
	if cfg.clock == nil {
		cfg.clock = time.Now
	}
	// Everything that checks or issues credentials reads the demo clock,
	// which the page can move ahead; the live channels keep the base clock.
	base := cfg.clock
	dc := &demoClock{base: base}
	cfg.clock = dc.Now
	if cfg.logf == nil {
		cfg.logf = func(string, ...any) {}
	}
	s, err := signer.New(cfg.keyPairID, cfg.key)
	if err != nil {
		return nil, err
	}
	verifier := signer.NewVerifier()
	if err := verifier.AddKey(cfg.keyPairID, cfg.key.Public()); err != nil {
		return nil, err
	}
	st := &stack{cfg: cfg, signer: s, carrier: signer.Suffix("-PREFIX"),
		pageURL: "http://" + cfg.pageListener.Addr().String(), clock: dc, events: newEventHub()}
	cdnURL := "http://" + cfg.cdnListener.Addr().String()
	errorLog := log.New(logWriter(cfg.logf), "", 0)

	if cfg.live == nil {
		cfg.live = &hlstest.LiveOrigin{Now: base, KeyRotation: 4}
	}
	if err := cfg.live.Validate(); err != nil {
		return nil, err
	}
	s3 := hlstest.NewS3Origin(cfg.media)
	origin := withLive(cfg.live, s3)
	rewriter := &playlist.Handler{
		Origin:   origin,
		Mode:     cfg.mode,
		Now:      cfg.clock,
		ErrorLog: errorLog,
		// Behind the simulator the Host is the CDN's; say so anyway, as a
		// deployment behind CloudFront must.
		Public: func(r *http.Request) *url.URL {
			return &url.URL{Scheme: "http", Host: cfg.cdnListener.Addr().String(), Path: r.URL.Path, RawPath: r.URL.RawPath}
		},
		// EXT-X-KEY URIs with the packager's placeholder host go to the key
		// server on the page's origin, under the path of the playlist that
		// names them, so the same credentials that cover the presentation
		// cover its keys. Keys on the CDN itself stay there.
		KeyHosts: []string{keyPlaceholder},
		Keys: func(r *http.Request, key *url.URL) (string, error) {
			if key.Host != keyPlaceholder {
				return key.String(), nil
			}
			return st.pageURL + "/keys" + path.Dir(r.URL.Path) + "/" + path.Base(key.Path), nil
		},
	}
	if cfg.keys == nil {
		rewriter.Keys, rewriter.KeyHosts = nil, nil
	}
	// The viewer's credentials arrive as verified carried copies in
	// propagate mode, and cap what is minted in server-side mode; cookies
	// mode needs nothing.
	viewer := playlist.Carried{Carrier: &st.carrier, Verifier: verifier}
	switch cfg.mode {
	case playlist.ModePropagate:
		rewriter.Propagate = viewer
	case playlist.ModeServerSide:
		rewriter.ServerSide = playlist.ServerSide{Signer: s, TTL: cfg.ttl, Bucket: cfg.bucket, Viewer: viewer,
			// Sign the whole presentation (its first path segment), not
			// just the playlist's folder: renditions and keys sit in
			// sibling folders.
			Scope: func(_ *http.Request, public *url.URL) (string, error) {
				id, _, _ := strings.Cut(strings.TrimPrefix(public.Path, "/"), "/")
				return public.Scheme + "://" + public.Host + "/" + id + "/*", nil
			},
		}
	}
	if err := rewriter.Validate(); err != nil {
		return nil, err
	}
	var cors *hlstest.CORS
	if !cfg.noCORS {
		cors = &hlstest.CORS{AllowOrigins: []string{st.pageURL}, AllowCredentials: true,
			AllowHeaders: []string{"*"}, ExposeHeaders: []string{"Content-Length"}}
	}
	st.cdn = hlstest.NewUnstartedCloudFront(origin)
	st.cdn.Keys = []hlstest.Key{{ID: cfg.keyPairID, Public: cfg.key.Public()}}
	st.cdn.Now = cfg.clock
	st.cdn.Listener = cfg.cdnListener
	st.cdn.Behaviors = []hlstest.Behavior{{PathPattern: "*.m3u8", Origin: rewriter, Query: hlstest.ForwardAll(), CORS: cors}}
	st.cdn.Default = hlstest.Behavior{CORS: cors}
	st.cdn.LogLimit = 1000
	st.cdn.Observe = func(e hlstest.Entry) {
		if logged(cfg.quiet, e.Status) {
			cfg.logf("%s", cdnLine(e))
		}
		st.events.publish(cdnEvent(e))
	}
	st.cdn.Start()
	if st.cdn.URL != cdnURL {
		st.cdn.Close()
		return nil, fmt.Errorf("simulated CloudFront is at %s, not %s", st.cdn.URL, cdnURL)
	}

	sign := &signer.Handler{
		Signer:    s,
		Authorize: authorize,
		Playlist:  cdnURL + "/{id}/master.m3u8",
		TTL:       cfg.ttl,
		Bucket:    cfg.bucket,
		ErrorLog:  errorLog,
		Now:       cfg.clock,
	}
	switch cfg.mode {
	case playlist.ModePropagate, playlist.ModeServerSide:
		sign.Carrier = &st.carrier
	case playlist.ModeCookies:
		sign.Format = signer.FormatCookies
		// Plain http on loopback: no Secure attribute, or the browser drops
		// them. Cookies ignore ports, so the CDN's port gets them too.
		sign.Cookies = signer.CookieOptions{Insecure: true, SameSite: http.SameSiteLaxMode}
	}
	keys := &playlist.KeyServer{
		Keys:      cfg.keys,
		Authorize: func(r *http.Request, _ string) error { return checkSession(r) },
		Verifier:  verifier,
		Now:       cfg.clock,
		ErrorLog:  errorLog,
		// Mounted under /keys: r.URL.Path is the key's path beside its
		// playlist on the CDN.
		Resource: func(r *http.Request) (string, error) { return cdnURL + r.URL.Path, nil },
	}
	// A bad flag fails here, at startup, not as a 500 on every request.
	err = sign.Validate()
	if err == nil && cfg.keys != nil {
		err = keys.Validate()
	}
	if err != nil {
		st.cdn.Close()
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", pageHandler(cdnURL, cfg.mode, func() map[string]bool {
		if cfg.noHLSJS {
			return map[string]bool{}
		}
		return installedPlayers()
	}))
	for name, p := range jsPlayers {
		if cfg.noHLSJS {
			mux.HandleFunc("GET "+p.path, http.NotFound)
		} else {
			mux.HandleFunc("GET "+p.path, servePlayer(name))
		}
	}
	st.demoRoutes(mux, origin)
	mux.HandleFunc("POST /login", login)
	mux.Handle("/sign", sign)
	if cfg.keys != nil {
		mux.Handle("/keys/", http.StripPrefix("/keys", keys))
	}
	st.page = &http.Server{
		Handler:           logRequests(publishRequests(mux, st.events, cfg.clock), cfg.logf, cfg.quiet),
		ErrorLog:          errorLog,
		ReadHeaderTimeout: pageReadHeaderTimeout,
		ReadTimeout:       pageReadTimeout,
		IdleTimeout:       pageIdleTimeout,
		MaxHeaderBytes:    pageMaxHeaderBytes,
	}
	go func() {
		if err := st.page.Serve(cfg.pageListener); err != nil && !errors.Is(err, http.ErrServerClosed) {
			cfg.logf("page server: %v", err)
		}
	}()
	return st, nil
}

// cdnURL is the simulated CloudFront's base URL.
func (st *stack) cdnURL() string { return st.cdn.URL }

// masterURL is the sample's master playlist on the CDN, unsigned.
func (st *stack) masterURL(id string) string { return st.cdn.URL + "/" + id + "/master.m3u8" }

// signedMaster returns a master URL that plays as is: in propagate mode it
// carries the prefixed copies too.
func (st *stack) signedMaster(id string) (string, error) {
	master := st.masterURL(id)
	p, err := st.policy(st.scope(id))
	if err != nil {
		return "", err
	}
	u, err := st.signer.SignURL(master, p)
	if err != nil {
		return "", err
	}
	if st.cfg.mode == playlist.ModePropagate || st.cfg.mode == playlist.ModeServerSide {
		c, err := st.signer.Credentials(p)
		if err != nil {
			return "", err
		}
		u += "&" + st.carrier.Encode(c)
	}
	return u, nil
}

// scope is the resource of the credentials for presentation id: everything
// under its folder on the CDN, as the sign endpoint's policy.DirScope gives.
func (st *stack) scope(id string) string { return st.cdn.URL + "/" + id + "/*" }

// Close stops both servers and ends the timeline's streams.
func (st *stack) Close() {
	st.events.Close()
	_ = st.page.Close()
	st.cdn.Close()
}

// policy is the wildcard policy the demo signs: scope until now+TTL,
// rounded up to the bucket (15 minutes unless set).
func (st *stack) policy(scope string) (policy.Policy, error) {
	bucket := st.cfg.bucket
	if bucket <= 0 {
		bucket = signer.DefaultBucket
	}
	p := policy.New(scope, policy.RoundUp(st.cfg.clock().Add(st.cfg.ttl), bucket))
	return p, p.Validate()
}

// withLive routes paths under /live/ to the live channels (the LiveOrigin
// sees them without the prefix: /live/ll/master.m3u8 is its
// ll/master.m3u8) and everything else to rest.
func withLive(live, rest http.Handler) http.Handler {
	strip := http.StripPrefix("/live", live)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/live/") {
			strip.ServeHTTP(w, r)
			return
		}
		rest.ServeHTTP(w, r)
	})
}
