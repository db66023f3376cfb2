package main

import (
	"context"
	"crypto"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/hlstest"
	"github.com/cfhls/cfhls/playlist"
	"github.com/cfhls/cfhls/signer"
)

// Key rotation with zero downtime, as the runbook does it: add the new
// public key to the key group, wait until the distribution is deployed,
// switch the function to the new key, wait out the longest lifetime of what
// the old key signed, remove the old key.
//
// A simulated CloudFront reads its key group (CloudFront.Keys) once, at
// Start, as a deployed distribution configuration is fixed. A key group
// update is therefore a new simulator per configuration, all with the same
// Domain, so every one answers the same https URLs and the signed policies
// hold on all of them; while an update propagates, the player's requests
// alternate between the old and the new configuration, as edges pick it up
// one by one.

// The distribution's domain in the rotation test.
const rotationDomain = "d111111abcdef8.cloudfront.net"

// fakeClock is the clock the simulators and the function share.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

// Now returns the clock's time.
func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// version is one deployment of the function, wired as newApp wires it:
// a sign endpoint and a playlist origin signing with one key, on the fake
// clock.
type version struct {
	sign   *signer.Handler
	origin *playlist.Handler
}

// Lifetimes of what the function signs; the longest is ttl+bucket, as
// expiries are rounded up to the bucket.
const (
	rotationTTL    = time.Hour
	rotationBucket = 5 * time.Minute
)

// newVersion makes a version in mode that signs with key over hash and
// whose server-side origin verifies viewers with the keys of trusted.
func newVersion(t *testing.T, mode playlist.Mode, key hlstest.Key, hash crypto.Hash, trusted []hlstest.Key, clock *fakeClock) version {
	s, err := signer.New(key.ID, key.Private, signer.WithHash(hash))
	require.NoError(t, err)
	cdn := "https://" + rotationDomain
	carrier := signer.Suffix("-PREFIX")
	v := version{
		sign: &signer.Handler{Signer: s, Playlist: cdn + "/movies/{id}/master.m3u8", TTL: rotationTTL, Bucket: rotationBucket,
			Carrier: &carrier, Now: clock.Now,
			Authorize: func(*http.Request, string) (signer.Grant, error) { return signer.Grant{}, nil }},
		origin: &playlist.Handler{Origin: playlist.FSOrigin(hlstest.Presentation("movies/1")), Mode: mode, Now: clock.Now,
			Public: func(r *http.Request) *url.URL {
				return &url.URL{Scheme: "https", Host: rotationDomain, Path: r.URL.Path}
			}},
	}
	switch mode {
	case playlist.ModePropagate:
		v.origin.Propagate = playlist.Carried{Carrier: &carrier}
	case playlist.ModeServerSide:
		verifier := signer.NewVerifier()
		for _, k := range trusted {
			require.NoError(t, verifier.AddKey(k.ID, k.Public))
		}
		v.origin.ServerSide = playlist.ServerSide{Signer: s, TTL: rotationTTL, Bucket: rotationBucket,
			Scope:  func(*http.Request, *url.URL) (string, error) { return cdn + "/movies/1/*", nil },
			Viewer: playlist.Carried{Carrier: &carrier, Verifier: verifier}}
	}
	require.NoError(t, v.sign.Validate())
	require.NoError(t, v.origin.Validate())
	return v
}

// signedURL asks the version's sign endpoint for movie 1.
func (v version) signedURL(t *testing.T) string {
	w := httptest.NewRecorder()
	v.sign.ServeHTTP(w, httptest.NewRequest("GET", "https://fn.example/sign?id=1", nil))
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	var signed struct{ URL string }
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &signed))
	return signed.URL
}

// function is the playlist origin behind the distribution: the version its
// alias points at, switched by a deployment.
type function struct {
	mu  sync.Mutex
	cur version
}

// set points the alias at v.
func (f *function) set(v version) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cur = v
}

// ServeHTTP serves r with the current version's origin.
func (f *function) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	o := f.cur.origin
	f.mu.Unlock()
	o.ServeHTTP(w, r)
}

// edges sends each request to one of the distribution configurations
// CloudFront's edges are running, in turn.
type edges struct {
	mu   sync.Mutex
	runs []http.RoundTripper
	next int
}

// serve makes the edges run the configurations of cfs.
func (e *edges) serve(cfs ...*hlstest.CloudFront) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.runs = e.runs[:0]
	for _, cf := range cfs {
		e.runs = append(e.runs, cf.Client().Transport)
	}
}

// RoundTrip sends r to the next edge.
func (e *edges) RoundTrip(r *http.Request) (*http.Response, error) {
	e.mu.Lock()
	rt := e.runs[e.next%len(e.runs)]
	e.next++
	e.mu.Unlock()
	return rt.RoundTrip(r)
}

// TestKeyRotation rotates the signing key from an RSA key the function holds
// (SHA-1) to an ECDSA key held in KMS (SHA-256) while a viewer keeps
// playing: no request is refused, and once the old key is removed from the
// key group its URLs are refused with "Unknown Key" and the new key's pass.
func TestKeyRotation(t *testing.T) {
	_, s := testKMS(t)
	kmsKey, err := s.keys()
	require.NoError(t, err)
	ks, err := newKMSSigner(context.Background(), kmsKey, "alias/cfhls-ec")
	require.NoError(t, err)
	oldKey := hlstest.RSAKey()
	newKey := hlstest.Key{ID: "K2NEWKMSKEY001", Private: ks, Public: ks.Public()}

	for _, mode := range []playlist.Mode{playlist.ModePropagate, playlist.ModeServerSide} {
		t.Run(mode.String(), func(t *testing.T) {
			clock := &fakeClock{now: time.Now()}
			fn := &function{}
			var all []*hlstest.CloudFront
			deploy := func(keys ...hlstest.Key) *hlstest.CloudFront {
				cf := hlstest.NewUnstartedCloudFront(hlstest.NewS3Origin(hlstest.Presentation("movies/1")))
				cf.Domain, cf.Keys, cf.Now = rotationDomain, keys, clock.Now
				cf.Behaviors = []hlstest.Behavior{{PathPattern: "*.m3u8", Origin: fn, Query: hlstest.ForwardAll()}}
				cf.Start()
				t.Cleanup(cf.Close)
				all = append(all, cf)
				return cf
			}
			e := &edges{}
			player := &hlstest.Player{Client: &http.Client{Transport: e}}
			play := func(step, rawURL string) {
				t.Helper()
				report, err := player.Play(context.Background(), rawURL)
				require.NoError(t, err, step)
				hlstest.RequirePlayable(t, report)
				require.Empty(t, report.Refused(), step)
			}
			group := []hlstest.Key{oldKey, newKey}
			v1 := newVersion(t, mode, oldKey, crypto.SHA1, group[:1], clock)
			v2 := newVersion(t, mode, newKey, crypto.SHA256, group, clock)

			// 1. The key group holds the old key; the function signs with it.
			onlyOld := deploy(oldKey)
			e.serve(onlyOld)
			fn.set(v1)
			viewerA := v1.signedURL(t)
			play("old key", viewerA)

			// 2. Add the new public key. While the update propagates,
			// edges run either configuration: the old key's URLs pass on
			// both. Signing with the new key now would be refused by the
			// edges that still run the old configuration.
			both := deploy(oldKey, newKey)
			e.serve(onlyOld, both)
			clock.Advance(10 * time.Minute)
			play("key added, propagating", viewerA)
			require.NotEmpty(t, both.Log(), "both configurations served the player")
			early := newVersion(t, mode, newKey, crypto.SHA256, group, clock).signedURL(t)
			refusal := get(t, onlyOld, early)
			assert.Equal(t, http.StatusForbidden, refusal.status)
			assert.Contains(t, refusal.body, "<Message>Unknown Key</Message>")
			onlyOld.Reset() // that refusal was this check's, not the player's

			// 3. Deployed everywhere: switch the function to the new key.
			// The viewer goes on with the old key's URL, a new viewer gets
			// the new key's, and both play.
			e.serve(both)
			fn.set(v2)
			switched := clock.Now()
			clock.Advance(20 * time.Minute)
			play("switched, old viewer", viewerA)
			viewerB := v2.signedURL(t)
			assert.Contains(t, viewerB, "Hash-Algorithm=SHA256")
			play("switched, new viewer", viewerB)
			if mode == playlist.ModeServerSide {
				// The origin must verify viewers with every key of the
				// group: one that trusts only its signing key refuses the
				// old key's viewers until they sign again.
				fn.set(newVersion(t, mode, newKey, crypto.SHA256, group[1:], clock))
				report, err := player.Play(context.Background(), viewerA)
				require.NoError(t, err)
				assert.NotEmpty(t, report.Refused(), "an origin trusting the new key only")
				fn.set(v2)
			}

			// 4. Wait out the longest lifetime of the old key's URLs from
			// the switch, then remove it; new-key URLs pass on every edge
			// meanwhile.
			clock.Advance(switched.Add(rotationTTL + rotationBucket).Sub(clock.Now()))
			oldOnly := signer.NewVerifier()
			require.NoError(t, oldOnly.AddKey(oldKey.ID, oldKey.Public))
			_, err := oldOnly.VerifyURL(viewerA, netip.MustParseAddr("192.0.2.1"), clock.Now())
			require.ErrorIs(t, err, signer.ErrExpired, "every URL the old key signed has expired")
			onlyNew := deploy(newKey)
			e.serve(both, onlyNew)
			play("old key removed, propagating", viewerB)
			e.serve(onlyNew)
			play("old key removed", v2.signedURL(t))
			for _, cf := range all {
				assert.Empty(t, cf.Refusals(), "CloudFront refused nothing the player asked for")
			}

			// 5. The old key's URLs are refused, expired or not: one made
			// now by a stale instance still signing with it says why.
			stale := newVersion(t, mode, oldKey, crypto.SHA1, group, clock).signedURL(t)
			for _, rawURL := range []string{viewerA, stale} {
				refusal := get(t, onlyNew, rawURL)
				assert.Equal(t, http.StatusForbidden, refusal.status)
				assert.Contains(t, refusal.body, "<Message>Unknown Key</Message>")
				assert.ErrorIs(t, refusal.err, signer.ErrUnknownKey)
			}
			assert.Equal(t, http.StatusOK, get(t, both, stale).status, "before removal it passed")
		})
	}
}

// refusal is CloudFront's answer to one request and the reason it logged.
type refusal struct {
	status int
	body   string
	err    error
}

// get requests rawURL from cf and returns the answer with the reason cf
// logged for it.
func get(t *testing.T, cf *hlstest.CloudFront, rawURL string) refusal {
	t.Helper()
	resp, err := cf.Client().Get(rawURL)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	log := cf.Log()
	require.NotEmpty(t, log)
	return refusal{status: resp.StatusCode, body: string(body), err: log[len(log)-1].Err}
}
