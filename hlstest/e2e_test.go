package hlstest

import (
	"context"
	"crypto"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/playlist"
	"github.com/cfhls/cfhls/policy"
	"github.com/cfhls/cfhls/signer"
)

// This file plays the AWS blog's flow end to end through the real
// playlist.Handler. rewritingOrigin is a deliberately minimal rewriter that
// can be told to forget tags, to show that the player notices.

// uriAttr matches a quoted attribute whose name ends in URI.
var uriAttr = regexp.MustCompile(`([:,])([A-Z0-9-]*URI)="([^"]*)"`)

// rewritingOrigin serves playlists from upstream with the credentials it
// finds in carried parameters appended to every http(s) URI, and the carried
// copies appended again to URIs of playlists, so they travel one level
// further. Tags named in forget are left alone (to show the player notices).
func rewritingOrigin(upstream http.Handler, carrier signer.Carrier, forget ...string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		creds, err := carrier.Extract(r.URL.Query())
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		up := r.Clone(r.Context())
		up.URL.RawQuery, up.RequestURI = "", r.URL.Path
		rec := httptest.NewRecorder()
		upstream.ServeHTTP(rec, up)
		if rec.Code != http.StatusOK {
			w.WriteHeader(rec.Code)
			_, _ = w.Write(rec.Body.Bytes())
			return
		}
		query, carry := creds.Encode(), carrier.Encode(creds)
		add := func(uri string) string {
			u, err := url.Parse(uri)
			if err != nil || u.Scheme != "" && u.Scheme != "http" && u.Scheme != "https" {
				return uri // skd://, data:
			}
			q := query
			if strings.HasSuffix(u.Path, ".m3u8") {
				q += "&" + carry
			}
			if strings.Contains(uri, "?") {
				return uri + "&" + q
			}
			return uri + "?" + q
		}
		var out strings.Builder
		for body := rec.Body.String(); body != ""; {
			var line string
			line, body, _ = strings.Cut(body, "\n")
			text := strings.TrimSuffix(line, "\r")
			ending := line[len(text):]
			switch {
			case strings.HasPrefix(text, "#EXT"):
				tag, _, _ := strings.Cut(text[1:], ":")
				if !slices.Contains(forget, tag) {
					text = uriAttr.ReplaceAllStringFunc(text, func(m string) string {
						g := uriAttr.FindStringSubmatch(m)
						return g[1] + g[2] + `="` + add(g[3]) + `"`
					})
				}
			case text != "" && !strings.HasPrefix(text, "#"):
				text = add(text)
			}
			out.WriteString(text + ending)
			if body != "" || strings.HasSuffix(rec.Body.String(), "\n") {
				out.WriteString("\n")
			}
		}
		w.Header().Set("Content-Type", "application/vnd.apple.mpegurl")
		_, _ = w.Write([]byte(out.String()))
	})
}

// spy records the request URI every origin request arrives with.
type spy struct {
	mu   sync.Mutex
	uris []string
}

func (s *spy) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.uris = append(s.uris, r.RequestURI)
		s.mu.Unlock()
		h.ServeHTTP(w, r)
	})
}

func (s *spy) all() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.uris)
}

func TestBlogFlowEndToEnd(t *testing.T) {
	for _, tc := range []struct {
		name    string
		key     Key
		hash    crypto.Hash
		carrier signer.Carrier
		fsys    http.Handler
		root    string
		kinds   []Kind
	}{
		{name: "VOD, RSA SHA-1, -PREFIX", key: RSAKey(), hash: crypto.SHA1, carrier: signer.Suffix("-PREFIX"),
			fsys: NewS3Origin(Presentation("movies/1")), root: "/movies/1/master.m3u8",
			kinds: []Kind{KindVariant, KindRendition, KindIFrame, KindImage, KindSegment, KindKey, KindSessionKey, KindSessionData, KindMap}},
		{name: "VOD, RSA SHA-256, -PREFIX", key: RSAKey(), hash: crypto.SHA256, carrier: signer.Suffix("-PREFIX"),
			fsys: NewS3Origin(Presentation("movies/1")), root: "/movies/1/master.m3u8", kinds: []Kind{KindVariant, KindSegment}},
		{name: "VOD, ECDSA SHA-1, -PREFIX", key: ECDSAKey(), hash: crypto.SHA1, carrier: signer.Suffix("-PREFIX"),
			fsys: NewS3Origin(Presentation("movies/1")), root: "/movies/1/master.m3u8", kinds: []Kind{KindVariant, KindSegment}},
		{name: "VOD, ECDSA SHA-256, cf- prefix", key: ECDSAKey(), hash: crypto.SHA256, carrier: signer.Prefix("cf-"),
			fsys: NewS3Origin(Presentation("movies/1")), root: "/movies/1/master.m3u8", kinds: []Kind{KindVariant, KindSegment}},
		{name: "LL-HLS live, RSA SHA-1, -PREFIX", key: RSAKey(), hash: crypto.SHA1, carrier: signer.Suffix("-PREFIX"),
			fsys: NewS3Origin(LivePresentation("movies/1/live")), root: "/movies/1/live/master.m3u8",
			kinds: []Kind{KindVariant, KindMap, KindSegment, KindPart, KindPreloadHint}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var playlists, media spy
			clock := func() time.Time { return t0.Add(5 * time.Minute) }
			verifier := signer.NewVerifier()
			require.NoError(t, verifier.AddKey(tc.key.ID, tc.key.Public))
			origin := &playlist.Handler{Origin: tc.fsys, Mode: playlist.ModePropagate,
				Propagate: playlist.Carried{Carrier: &tc.carrier, Verifier: verifier}, Now: clock}
			cf := NewUnstartedCloudFront(media.wrap(tc.fsys))
			cf.Domain, cf.Now, cf.Keys = testDomain, clock, []Key{tc.key}
			cf.Behaviors = []Behavior{{PathPattern: "*.m3u8", Origin: playlists.wrap(origin), Query: ForwardAll()}}
			cf.Start()
			defer cf.Close()

			// The backend signs the master URL with a wildcard policy for
			// the presentation and adds the carried copies.
			s := newSigner(t, tc.key, tc.hash)
			p := policy.New(cf.URL+"/movies/1/*", t0.Add(6*time.Hour))
			signed := mustSignURL(t, s, cf.URL+tc.root, p)
			creds, err := s.Credentials(p)
			require.NoError(t, err)
			viewerURL := signed + "&" + tc.carrier.Encode(creds)

			report, err := (&Player{Client: cf.Client()}).Play(context.Background(), viewerURL)
			require.NoError(t, err)
			RequirePlayable(t, report)
			AssertNoRefusals(t, report)
			for _, k := range tc.kinds {
				assert.Positive(t, report.Count(k), "no %s fetched:\n%s", k, report)
			}

			carried := []string{tc.carrier.Name("Policy"), tc.carrier.Name("Signature"), tc.carrier.Name("Key-Pair-Id")}
			if tc.hash == crypto.SHA256 {
				carried = append(carried, tc.carrier.Name("Hash-Algorithm"))
			}
			slices.Sort(carried)

			log := cf.Log()
			require.Len(t, log, len(report.Fetches))
			for _, e := range log {
				assert.Equal(t, DecisionAllowed, e.Decision, e.String())
				assert.Equal(t, signer.SourceURL, e.Source, e.String())
				assert.Equal(t, tc.key.ID, e.KeyPairID)
				assert.False(t, hasSigningParam(t, e.OriginURI), "origin saw %s", e.OriginURI)
				if e.Behavior == "*.m3u8" {
					assert.Equal(t, carried, queryNames(t, e.OriginURI), "the rewriting origin sees only the carried copies")
				} else {
					assert.NotContains(t, e.OriginURI, "?", "S3 sees no query")
				}
			}
			require.NotEmpty(t, playlists.all())
			for _, uri := range playlists.all() {
				assert.Equal(t, carried, queryNames(t, uri), "what the rewriting origin really received")
			}
			require.NotEmpty(t, media.all())
			for _, uri := range media.all() {
				assert.False(t, hasSigningParam(t, uri), "S3 received %s", uri)
			}
		})
	}
}

func TestPlayerFindsWhatARewriterForgets(t *testing.T) {
	for _, tc := range []struct {
		forget string
		kind   Kind
	}{
		{"EXT-X-MAP", KindMap},
		{"EXT-X-KEY", KindKey},
		{"EXT-X-SESSION-DATA", KindSessionData},
		{"EXT-X-I-FRAME-STREAM-INF", KindIFrame},
		{"EXT-X-IMAGE-STREAM-INF", KindImage},
		{"EXT-X-MEDIA", KindRendition},
	} {
		t.Run(tc.forget, func(t *testing.T) {
			k := RSAKey()
			carrier := signer.Suffix("-PREFIX")
			fsys := NewS3Origin(Presentation("movies/1"))
			cf := NewUnstartedCloudFront(fsys)
			cf.Domain, cf.Now, cf.Keys = testDomain, func() time.Time { return t0 }, []Key{k}
			cf.Behaviors = []Behavior{{PathPattern: "*.m3u8", Origin: rewritingOrigin(fsys, carrier, tc.forget), Query: ForwardAll()}}
			cf.Start()
			defer cf.Close()
			s := newSigner(t, k, crypto.SHA1)
			p := policy.New(cf.URL+"/movies/1/*", t0.Add(time.Hour))
			creds, err := s.Credentials(p)
			require.NoError(t, err)
			report, err := (&Player{Client: cf.Client(), MaxSegments: 1}).Play(context.Background(),
				mustSignURL(t, s, cf.URL+"/movies/1/master.m3u8", p)+"&"+carrier.Encode(creds))
			require.NoError(t, err)
			refused := report.Refused()
			require.NotEmpty(t, refused)
			for _, f := range refused {
				assert.Equal(t, tc.kind, f.Kind, f.String())
			}
			tb := &fakeTB{TB: t}
			AssertNoRefusals(tb, report)
			assert.Contains(t, tb.msg, "403 "+string(tc.kind))
		})
	}
}
