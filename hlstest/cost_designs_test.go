package hlstest_test

import (
	"crypto"
	"crypto/ecdsa"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/hlstest"
	"github.com/cfhls/cfhls/playlist"
	"github.com/cfhls/cfhls/policy"
	"github.com/cfhls/cfhls/signer"
)

// The five designs the cost model compares. Each gets its own simulated
// CloudFront, origins, clock and counters; the viewers are the same.

const (
	costDomain         = "d111111abcdef8.cloudfront.net"
	costManifestDomain = "d222222abcdef8.cloudfront.net" // the Lambda@Edge design's second distribution
	costVODDir         = "movies/1"
	costLiveDir        = "live/1"
)

// costVODFS is the title: a master playlist and three variants of 1,200
// six-second MPEG-TS segments (2 hours), with a tiny body for each segment.
var costVODFS = func() fstest.MapFS {
	media := hlstest.MediaTS(1200)
	return hlstest.FS(map[string]string{
		costVODDir + "/master.m3u8": "#EXTM3U\n" +
			"#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360\nv360/index.m3u8\n" +
			"#EXT-X-STREAM-INF:BANDWIDTH=2500000,RESOLUTION=1280x720\nv720/index.m3u8\n" +
			"#EXT-X-STREAM-INF:BANDWIDTH=5000000,RESOLUTION=1920x1080\nv1080/index.m3u8\n",
		costVODDir + "/v360/index.m3u8":  media,
		costVODDir + "/v720/index.m3u8":  media,
		costVODDir + "/v1080/index.m3u8": media,
	})
}()

// costKey counts the signatures made with a key. It signs ECDSA
// deterministically (RFC 6979, what crypto/ecdsa does without a random
// source), as RSA PKCS#1 v1.5 always is, so that every run writes the same
// playlists, byte for byte.
type costKey struct {
	crypto.Signer
	n *atomic.Int64
}

func (k costKey) Sign(rand io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	k.n.Add(1)
	if _, ok := k.Signer.(*ecdsa.PrivateKey); ok {
		rand = nil
	}
	return k.Signer.Sign(rand, digest, opts)
}

// costCounter counts what an origin sends to a Lambda that fetches from it.
type costCounter struct {
	next            http.Handler
	requests, bytes int64
}

func (c *costCounter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.requests++
	cw := &costCountingWriter{ResponseWriter: w}
	c.next.ServeHTTP(cw, r)
	c.bytes += cw.n
}

type costCountingWriter struct {
	http.ResponseWriter
	n int64
}

func (w *costCountingWriter) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	return w.ResponseWriter.Write(p)
}

// costStack is one design, built for one scenario.
type costStack struct {
	name     string
	edge     bool // the playlist function is a Lambda@Edge
	clock    *costClock
	cf       *hlstest.CloudFront
	manifest *hlstest.CloudFront // the Lambda@Edge design's second distribution
	origin   http.Handler        // S3, or the live packager: what CloudFront and the Lambdas read
	lambdaS3 *costCounter        // the playlist Lambda's own reads of origin
	sign     func(v *costViewer) error
	verifier *signer.Verifier // the distribution's keys, for segmentGet

	endpointSigs, originSigs atomic.Int64
	edgeSignings             atomic.Int64 // the Lambda@Edge design: one per URI per request
	lastRefusal              error

	master, scope string // the master playlist's URL, the title's folder
}

type costDesign struct {
	Name  string
	Build func(t testing.TB, sc costScenario) *costStack
}

var costDesigns = []costDesign{
	{"cfhls server-side", costServerSide},
	{"cfhls propagate", costPropagate},
	{"cfhls cookies", costCookies},
	{"AWS blog (propagate, uncached)", costBlog},
	{"aws-samples Lambda@Edge", costEdge},
}

// costPlaylistCache is the cache policy of the *.m3u8 behavior of the
// server-side design: what playlist.Handler's package documentation asks
// for (minimum TTL 0, maximum at least the bucket, default 0).
func costPlaylistCache(query hlstest.QueryForwarding) *hlstest.CachePolicy {
	return &hlstest.CachePolicy{MinTTL: 0, DefaultTTL: 0, MaxTTL: time.Hour, QueryStrings: query}
}

// costOptimized is CloudFront's managed CachingOptimized policy, for
// segments (and, in the cookies design, playlists the origin says nothing
// about).
var costOptimized = &hlstest.CachePolicy{MinTTL: time.Second, DefaultTTL: 24 * time.Hour, MaxTTL: 365 * 24 * time.Hour}

var costQuiet = log.New(io.Discard, "", 0)

func newCostStack(t testing.TB, name string, sc costScenario) *costStack {
	st := &costStack{name: name, clock: &costClock{t: costT0}}
	dir := costVODDir
	if sc.Live {
		dir = costLiveDir
		live := &hlstest.LiveOrigin{Now: st.clock.Now, Start: costT0.Add(-time.Minute)}
		require.NoError(t, live.Validate())
		st.origin = http.StripPrefix("/"+costLiveDir, live)
		st.master = "https://" + costDomain + "/" + dir + "/" + hlstest.LiveTSPath
	} else {
		st.origin = hlstest.NewS3Origin(costVODFS)
		st.master = "https://" + costDomain + "/" + dir + "/master.m3u8"
	}
	st.scope = "https://" + costDomain + "/" + dir + "/*"
	st.verifier = signer.NewVerifier()
	for _, k := range []hlstest.Key{hlstest.RSAKey(), hlstest.ECDSAKey()} {
		require.NoError(t, st.verifier.AddKey(k.ID, k.Public))
	}
	st.lambdaS3 = &costCounter{next: st.origin}
	return st
}

// signer returns a Signer whose signatures count into n.
func (st *costStack) signer(t testing.TB, k hlstest.Key, n *atomic.Int64, opts ...signer.Option) *signer.Signer {
	s, err := signer.New(k.ID, costKey{Signer: k.Private, n: n}, opts...)
	require.NoError(t, err)
	return s
}

// start starts the viewer distribution: playlists through pl, everything
// else from the origin through CachingOptimized.
func (st *costStack) start(t testing.TB, pl hlstest.Behavior) {
	cf := hlstest.NewUnstartedCloudFront(st.origin)
	cf.Domain, cf.Now, cf.LogLimit, cf.CacheSize = costDomain, st.clock.Now, 1, 1<<30
	cf.Keys = []hlstest.Key{hlstest.RSAKey(), hlstest.ECDSAKey()}
	pl.PathPattern = "*.m3u8"
	cf.Behaviors = []hlstest.Behavior{pl}
	cf.Default = hlstest.Behavior{Cache: costOptimized}
	cf.Observe = func(e hlstest.Entry) {
		if e.Err != nil {
			st.lastRefusal = e.Err
		}
	}
	cf.Start()
	t.Cleanup(cf.Close)
	st.cf = cf
}

// endpoint returns a sign function that asks a signer.Handler, in process.
func (st *costStack) endpoint(h *signer.Handler, id string) func(v *costViewer) error {
	h.Authorize = func(*http.Request, string) (signer.Grant, error) { return signer.Grant{Scope: st.scope}, nil }
	h.Playlist = "https://" + costDomain + "/{id}"
	h.Now, h.ErrorLog = st.clock.Now, costQuiet
	return func(v *costViewer) error {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "https://api.example.com/sign?id="+id, nil))
		if w.Code != http.StatusOK {
			return fmt.Errorf("sign endpoint: %d %s", w.Code, w.Body)
		}
		var answer struct {
			URL string `json:"url"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &answer); err != nil {
			return err
		}
		v.master = answer.URL
		var cookies []string
		for _, c := range w.Result().Cookies() {
			cookies = append(cookies, c.Name+"="+c.Value)
		}
		v.cookie = strings.Join(cookies, "; ")
		return nil
	}
}

// masterID is the sign endpoint's identifier for the master playlist: its
// path, as the endpoint's Playlist "https://domain/{id}" says.
func (st *costStack) masterID() string {
	return strings.TrimPrefix(st.master, "https://"+costDomain+"/")
}

// handler builds a playlist.Handler reading from the origin through the
// Lambda's counter.
func (st *costStack) handler(t testing.TB, h *playlist.Handler) *playlist.Handler {
	h.Origin, h.Now, h.ErrorLog = st.lambdaS3, st.clock.Now, costQuiet
	require.NoError(t, h.Validate())
	return h
}

// costServerSide: the sign endpoint signs one wildcard policy per bucket;
// the Handler signs the title's folder per bucket; CloudFront caches
// playlists for what the Handler's s-maxage allows, none of the query in
// the key.
func costServerSide(t testing.TB, sc costScenario) *costStack {
	st := newCostStack(t, "cfhls server-side", sc)
	st.sign = st.endpoint(&signer.Handler{Signer: st.signer(t, hlstest.RSAKey(), &st.endpointSigs)}, st.masterID())
	h := st.handler(t, &playlist.Handler{Mode: playlist.ModeServerSide, ServerSide: playlist.ServerSide{
		Signer: st.signer(t, hlstest.RSAKey(), &st.originSigs),
		Scope:  func(*http.Request, *url.URL) (string, error) { return st.scope, nil },
	}})
	st.start(t, hlstest.Behavior{Origin: h, Cache: costPlaylistCache(hlstest.ForwardNone())})
	return st
}

// costPropagate: the sign endpoint signs one wildcard policy per bucket and
// adds the carried copies; the Handler echoes them; CloudFront's cache key
// holds every query string, so the viewers of one bucket share answers.
func costPropagate(t testing.TB, sc costScenario) *costStack {
	st := newCostStack(t, "cfhls propagate", sc)
	carrier := signer.Suffix("-PREFIX")
	st.sign = st.endpoint(&signer.Handler{Signer: st.signer(t, hlstest.RSAKey(), &st.endpointSigs), Carrier: &carrier}, st.masterID())
	h := st.handler(t, &playlist.Handler{Mode: playlist.ModePropagate, Propagate: playlist.Carried{Carrier: &carrier}, QueryInCacheKey: true})
	st.start(t, hlstest.Behavior{Origin: h, Query: hlstest.ForwardAll(), Cache: costPlaylistCache(hlstest.ForwardAll())})
	return st
}

// costCookies: the sign endpoint sets signed cookies (one policy per
// bucket); playlists pass untouched and CloudFront keeps them as the
// origin says, or for CachingOptimized's default TTL when it says nothing.
func costCookies(t testing.TB, sc costScenario) *costStack {
	st := newCostStack(t, "cfhls cookies", sc)
	st.sign = st.endpoint(&signer.Handler{Signer: st.signer(t, hlstest.RSAKey(), &st.endpointSigs), Format: signer.FormatCookies}, st.masterID())
	h := st.handler(t, &playlist.Handler{Mode: playlist.ModeCookies})
	st.start(t, hlstest.Behavior{Origin: h, Cache: costOptimized})
	return st
}

// costBlog: the AWS blog's design. Each viewer gets a policy of its own
// (expiry three hours after it asked, to the second, signed on every call:
// no bucket, no cache) with the carried copies; every playlist request goes
// through CloudFront uncached (CachingDisabled) to the rewriting origin,
// which echoes the viewer's credentials.
func costBlog(t testing.TB, sc costScenario) *costStack {
	st := newCostStack(t, "AWS blog (propagate, uncached)", sc)
	carrier := signer.Suffix("-PREFIX")
	s := st.signer(t, hlstest.RSAKey(), &st.endpointSigs, signer.WithCacheSize(0))
	st.sign = func(v *costViewer) error {
		c, err := s.Credentials(policy.New(st.scope, st.clock.Now().Add(3*time.Hour)))
		if err != nil {
			return err
		}
		v.master = st.master + "?" + c.Encode() + "&" + carrier.Encode(c)
		return nil
	}
	h := st.handler(t, &playlist.Handler{Mode: playlist.ModePropagate, Propagate: playlist.Carried{Carrier: &carrier}})
	st.start(t, hlstest.Behavior{Origin: h, Query: hlstest.ForwardAll()})
	return st
}

// costEdgeTTL is how long the aws-samples function's signatures last.
const costEdgeTTL = 300 * time.Second

// costEdge: the aws-samples "Protect HLS streaming with signedURL and
// Lambda@Edge" design. The viewer gets a signed URL for the master playlist;
// every playlist request runs a Lambda@Edge (viewer request, so no cache in
// front of it) that fetches the playlist from a second, caching
// distribution and signs every URI in it with a fresh policy for that one
// URL expiring 300 s later: one signature per URI per request. It signs
// with ECDSA P-256 here (see TestCost): the count does not depend on the
// key, and RSA-2048 would take this machine more than half an hour.
func costEdge(t testing.TB, sc costScenario) *costStack {
	st := newCostStack(t, "aws-samples Lambda@Edge", sc)
	st.edge = true
	key := hlstest.ECDSAKey()
	endpoint := st.signer(t, key, &st.endpointSigs, signer.WithCacheSize(0))
	st.sign = func(v *costViewer) error {
		u, err := endpoint.SignURL(st.master, policy.New(st.master, st.clock.Now().Add(costEdgeTTL)))
		v.master = u
		return err
	}
	manifest := hlstest.NewUnstartedCloudFront(st.origin)
	manifest.Domain, manifest.Now, manifest.LogLimit = costManifestDomain, st.clock.Now, 1
	manifest.Default = hlstest.Behavior{Public: true, Cache: costOptimized}
	manifest.Start()
	t.Cleanup(manifest.Close)
	st.manifest = manifest
	// The function's signer keeps what it signed (signer.New's cache):
	// players that reload a live playlist in the same second ask for the
	// same policies, and a kept signature verifies like a fresh one. The
	// count is of signings the function asks for, kept or not.
	e := &costEdgeFunc{st: st, signer: st.signer(t, key, &st.originSigs)}
	st.start(t, hlstest.Behavior{Origin: e, Query: hlstest.ForwardAll()})
	return st
}

// costEdgeFunc is the aws-samples Lambda@Edge function: fetch, then sign
// every URI of the playlist for 300 s.
type costEdgeFunc struct {
	st     *costStack
	signer *signer.Signer
	sink   costSink
}

func (e *costEdgeFunc) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	req, err := costRequest("https://"+costManifestDomain+r.URL.RequestURI(), r.RemoteAddr, "")
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	e.sink.reset(true)
	e.st.manifest.ServeInProcess(&e.sink, req)
	if e.sink.code != http.StatusOK {
		w.WriteHeader(e.sink.code)
		return
	}
	expires := e.st.clock.Now().Add(costEdgeTTL)
	rw := playlist.Rewriter{
		Base: &url.URL{Scheme: "https", Host: r.Host, Path: r.URL.Path},
		Hook: func(u playlist.URI) (string, error) {
			e.st.edgeSignings.Add(1)
			resource := *u.URL
			resource.RawQuery, resource.Fragment = "", ""
			c, err := e.signer.Credentials(policy.New(resource.String(), expires))
			if err != nil {
				return "", err
			}
			return playlist.AddQuery(u.Raw, c.Encode()), nil
		},
	}
	out, err := rw.AppendRewrite(nil, e.sink.body.Bytes())
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.apple.mpegurl")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(out)
}
