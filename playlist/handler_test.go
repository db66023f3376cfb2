package playlist_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/playlist"
	"github.com/cfhls/cfhls/policy"
	"github.com/cfhls/cfhls/signer"
)

const (
	cdn    = "https://d111111abcdef8.cloudfront.net"
	master = "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000\nlow/index.m3u8\n#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"a\",NAME=\"en\",URI=\"audio/en.m3u8\"\n"
	media  = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-KEY:METHOD=AES-128,URI=\"https://keys.invalid/enc.key\",IV=0x1\n#EXTINF:2,\nseg-0.ts\n#EXTINF:2,\nseg-1.ts?v=1\n#EXT-X-ENDLIST\n"
)

var clock = time.Unix(1850000000, 0)

type env struct {
	signer   *signer.Signer
	verifier *signer.Verifier
	creds    signer.Credentials
	carrier  signer.Carrier
	fsys     fstest.MapFS
}

func newEnv(t testing.TB) *env {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	s, err := signer.New("K1TEST", key)
	require.NoError(t, err)
	v := signer.NewVerifier()
	require.NoError(t, v.AddKey("K1TEST", key.Public()))
	creds, err := s.Credentials(policy.New(cdn+"/movies/1/*", clock.Add(time.Hour)))
	require.NoError(t, err)
	return &env{signer: s, verifier: v, creds: creds, carrier: signer.Suffix("-PREFIX"),
		fsys: fstest.MapFS{
			"movies/1/index.m3u8":     {Data: []byte(master)},
			"movies/1/low/index.m3u8": {Data: []byte(media)},
			"movies/1/low/seg-0.ts":   {Data: []byte("0123456789")},
			"movies/1/bad.m3u8":       {Data: []byte("<html>not a playlist</html>")},
		}}
}

// get asks h for the public CDN URL target, as CloudFront would forward it.
func get(h http.Handler, method, target string, hdr ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, nil)
	r.Header.Set("X-Forwarded-Proto", "https")
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func quiet() *log.Logger { return log.New(io.Discard, "", 0) }

// getFrom is get from a given client address.
func getFrom(h http.Handler, remote, target string, hdr ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest("GET", target, nil)
	r.RemoteAddr = remote
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] != "" {
			r.Header.Set(hdr[i], hdr[i+1])
		}
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func mustPrefix(t testing.TB, s string) netip.Prefix {
	p, err := netip.ParsePrefix(s)
	require.NoError(t, err)
	return p
}

func TestHandlerPropagate(t *testing.T) {
	e := newEnv(t)
	h := &playlist.Handler{Origin: playlist.FSOrigin(e.fsys), Mode: playlist.ModePropagate, Propagate: playlist.Carried{Carrier: &e.carrier, Verifier: e.verifier},
		Now: func() time.Time { return clock }, ErrorLog: quiet()}
	carried := e.carrier.Encode(e.creds)
	q, c := e.creds.Encode(), carried

	w := get(h, "GET", cdn+"/movies/1/index.m3u8?"+carried)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Equal(t, "application/vnd.apple.mpegurl", w.Header().Get("Content-Type"))
	assert.Equal(t, "private, no-cache", w.Header().Get("Cache-Control"))
	want := strings.NewReplacer("low/index.m3u8\n", "low/index.m3u8?"+q+"&"+c+"\n",
		"audio/en.m3u8\"", "audio/en.m3u8?"+q+"&"+c+"\"").Replace(master)
	assert.Equal(t, want, w.Body.String())

	w = get(h, "GET", cdn+"/movies/1/low/index.m3u8?"+carried)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Contains(t, w.Body.String(), "\nseg-0.ts?"+q+"\n")
	assert.Contains(t, w.Body.String(), "\nseg-1.ts?v=1&"+q+"\n")
	assert.NotContains(t, w.Body.String(), "seg-0.ts?"+q+"&"+c, "segments do not get the carried copies")
	assert.Contains(t, w.Body.String(), `URI="https://keys.invalid/enc.key"`, "other hosts are out of scope")
}

func TestHandlerRefusesCarried(t *testing.T) {
	e := newEnv(t)
	h := &playlist.Handler{Origin: playlist.FSOrigin(e.fsys), Mode: playlist.ModePropagate, Propagate: playlist.Carried{Carrier: &e.carrier, Verifier: e.verifier},
		Now: func() time.Time { return clock }, ErrorLog: quiet()}
	forged := e.creds
	forged.Signature = strings.Repeat("A", len(forged.Signature)-2) + "__"
	other, err := e.signer.Credentials(policy.New(cdn+"/movies/2/*", clock.Add(time.Hour)))
	require.NoError(t, err)
	for _, tc := range []struct {
		name, query, body string
	}{
		{"none", "", "no credentials"},
		{"only plain parameters", e.creds.Encode(), "no credentials"},
		{"forged signature", e.carrier.Encode(forged), "bad signature"},
		{"another movie's credentials", e.carrier.Encode(other), "resource does not match"},
		{"incomplete", "Policy-PREFIX=abc", "Key-Pair-Id-PREFIX is missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := get(h, "GET", cdn+"/movies/1/index.m3u8?"+tc.query, "Origin", "https://player.example")
			assert.Equal(t, http.StatusForbidden, w.Code)
			assert.Contains(t, w.Body.String(), tc.body)
		})
	}
	h.Now = func() time.Time { return clock.Add(2 * time.Hour) }
	w := get(h, "GET", cdn+"/movies/1/index.m3u8?"+e.carrier.Encode(e.creds))
	assert.Equal(t, http.StatusForbidden, w.Code)
	assert.Contains(t, w.Body.String(), "expired")
}

func TestHandlerServerSideAndKeys(t *testing.T) {
	e := newEnv(t)
	h := &playlist.Handler{Origin: playlist.FSOrigin(e.fsys), Mode: playlist.ModeServerSide, ServerSide: playlist.ServerSide{Signer: e.signer}, ErrorLog: quiet(), Now: func() time.Time { return clock },
		KeyHosts: []string{"keys.invalid"},
		Keys: func(r *http.Request, key *url.URL) (string, error) {
			return "https://backend.example/keys/movies/1/low/enc.key", nil
		}}
	w := get(h, "GET", cdn+"/movies/1/low/index.m3u8")
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	body := w.Body.String()
	assert.Contains(t, body, `URI="https://backend.example/keys/movies/1/low/enc.key?Policy=`)
	var segLine string
	for _, line := range strings.Split(body, "\n") {
		if strings.HasPrefix(line, "seg-0.ts?") {
			segLine = line
		}
	}
	require.NotEmpty(t, segLine)
	res, err := e.verifier.VerifyURL(cdn+"/movies/1/low/"+segLine, netip.Addr{}, clock)
	require.NoError(t, err)
	assert.Equal(t, cdn+"/movies/1/low/*", res.Policy.Resource)
	assert.Equal(t, policy.RoundUp(clock.Add(6*time.Hour), 15*time.Minute).Unix(), res.Policy.Expires.Unix())
}

func TestHandlerCookiesPassThrough(t *testing.T) {
	e := newEnv(t)
	h := &playlist.Handler{Origin: playlist.FSOrigin(e.fsys), Mode: playlist.ModeCookies, ErrorLog: quiet()}
	w := get(h, "GET", cdn+"/movies/1/index.m3u8")
	require.Equal(t, http.StatusOK, w.Code)
	assert.Equal(t, master, w.Body.String())
	assert.Equal(t, "application/vnd.apple.mpegurl", w.Header().Get("Content-Type"))
}

func TestHandlerStatuses(t *testing.T) {
	e := newEnv(t)
	big := "#EXTM3U\n" + strings.Repeat("#EXTINF:2,\nseg.ts\n", 100)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write([]byte(media))
	require.NoError(t, zw.Close())
	origin := http.NewServeMux()
	origin.Handle("/", playlist.FSOrigin(e.fsys))
	origin.HandleFunc("/boom.m3u8", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", http.StatusServiceUnavailable) })
	origin.HandleFunc("/gone.m3u8", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "gone", http.StatusGone) })
	origin.HandleFunc("/big.m3u8", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, big) })
	origin.HandleFunc("/gz.m3u8", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		_, _ = w.Write(gz.Bytes())
	})
	origin.HandleFunc("/badgz.m3u8", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		_, _ = io.WriteString(w, "not gzip")
	})
	origin.HandleFunc("/slow.m3u8", func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	h := &playlist.Handler{Origin: origin, Mode: playlist.ModeServerSide, ServerSide: playlist.ServerSide{Signer: e.signer}, MaxBytes: 1000,
		AllowOrigins: []string{"*"}, ErrorLog: quiet()}
	for _, tc := range []struct {
		name, method, path string
		status             int
		body               string
	}{
		{"found", "GET", "/movies/1/index.m3u8", 200, "low/index.m3u8?Policy="},
		{"head", "HEAD", "/movies/1/index.m3u8", 200, ""},
		{"missing", "GET", "/movies/9/index.m3u8", 404, "404 page not found"},
		{"directory", "GET", "/movies/1/", 404, ""},
		{"origin down", "GET", "/boom.m3u8", 502, "origin failed"},
		{"origin 410", "GET", "/gone.m3u8", 410, "gone"},
		{"not a playlist", "GET", "/movies/1/bad.m3u8", 502, "malformed playlist"},
		{"oversized", "GET", "/big.m3u8", 502, "origin failed"},
		{"gzip", "GET", "/gz.m3u8", 200, "seg-0.ts?Policy="},
		{"broken gzip", "GET", "/badgz.m3u8", 502, "origin failed"},
		{"post", "POST", "/movies/1/index.m3u8", 405, "use GET"},
		{"preflight", "OPTIONS", "/movies/1/index.m3u8", 204, ""},
		{"segment untouched", "GET", "/movies/1/low/seg-0.ts", 200, "0123456789"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := get(h, tc.method, cdn+tc.path, "Origin", "https://player.example", "Accept-Encoding", "gzip")
			assert.Equal(t, tc.status, w.Code)
			assert.Contains(t, w.Body.String(), tc.body)
			assert.Equal(t, "*", w.Header().Get("Access-Control-Allow-Origin"), "CORS on every answer")
			if tc.method == "HEAD" {
				assert.Empty(t, w.Body.String())
				assert.NotEmpty(t, w.Header().Get("Content-Length"))
			}
		})
	}
	t.Run("timeout", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		r := httptest.NewRequest("GET", cdn+"/slow.m3u8", nil).WithContext(ctx)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		assert.Equal(t, http.StatusBadGateway, w.Code)
	})
	t.Run("range on segment", func(t *testing.T) {
		w := get(h, "GET", cdn+"/movies/1/low/seg-0.ts", "Range", "bytes=2-4")
		assert.Equal(t, http.StatusPartialContent, w.Code)
		assert.Equal(t, "234", w.Body.String())
	})
}

func TestParseMode(t *testing.T) {
	for _, m := range []playlist.Mode{playlist.ModePropagate, playlist.ModeServerSide, playlist.ModeCookies} {
		got, err := playlist.ParseMode(m.String())
		require.NoError(t, err)
		assert.Equal(t, m, got)
	}
	_, err := playlist.ParseMode("magic")
	assert.ErrorContains(t, err, "use propagate, server-side or cookies")
}

// TestHandlerKeysStayOnTheirHost: key URIs on foreign hosts (not in
// KeyHosts) never reach Keys and never get credentials.
func TestHandlerKeysStayOnTheirHost(t *testing.T) {
	e := newEnv(t)
	e.fsys["movies/1/keys.m3u8"] = &fstest.MapFile{Data: []byte("#EXTM3U\n" +
		"#EXT-X-KEY:METHOD=AES-128,URI=\"https://evil.example/k\"\n#EXTINF:2,\na.ts\n" +
		"#EXT-X-KEY:METHOD=AES-128,URI=\"k2.key\"\n#EXTINF:2,\nb.ts\n")}
	var asked []string
	h := &playlist.Handler{Origin: playlist.FSOrigin(e.fsys), Mode: playlist.ModeServerSide, ServerSide: playlist.ServerSide{Signer: e.signer}, ErrorLog: quiet(),
		Keys: func(r *http.Request, key *url.URL) (string, error) {
			asked = append(asked, key.String())
			return "https://keys.example/" + key.Path, nil
		}}
	w := get(h, "GET", cdn+"/movies/1/keys.m3u8")
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Contains(t, w.Body.String(), `URI="https://evil.example/k"`+"\n", "foreign key untouched, no credentials")
	assert.Contains(t, w.Body.String(), `URI="https://keys.example//movies/1/k2.key?Policy=`)
	assert.Equal(t, []string{cdn + "/movies/1/k2.key"}, asked)
}

func TestHandlerAdmitAndMisconfiguration(t *testing.T) {
	e := newEnv(t)
	const secret = "X-Origin-Secret"
	h := &playlist.Handler{Origin: playlist.FSOrigin(e.fsys), Mode: playlist.ModeServerSide, ErrorLog: quiet(),
		Admit: func(r *http.Request) error {
			if r.Header.Get(secret) != "s3cr3t" {
				return errors.New("not from CloudFront")
			}
			return nil
		},
		ServerSide: playlist.ServerSide{Signer: e.signer,
			Scope: func(_ *http.Request, public *url.URL) (string, error) {
				if !strings.HasPrefix(public.Path, "/movies/") {
					return "", errors.New("outside /movies/")
				}
				return cdn + "/movies/*", nil
			}}}
	assert.Equal(t, http.StatusForbidden, get(h, "GET", cdn+"/movies/1/index.m3u8").Code, "direct request, no secret")
	assert.Equal(t, http.StatusForbidden, get(h, "GET", cdn+"/movies/1/low/seg-0.ts").Code, "pass-through paths too")
	assert.Equal(t, http.StatusOK, get(h, "GET", cdn+"/movies/1/low/seg-0.ts", secret, "s3cr3t").Code)
	assert.Equal(t, http.StatusOK, get(h, "GET", cdn+"/movies/1/index.m3u8", secret, "s3cr3t").Code)
	assert.Equal(t, http.StatusNotFound, get(h, "GET", cdn+"/movies/9/index.m3u8", secret, "s3cr3t").Code, "no signing for missing playlists")

	e.fsys["other/index.m3u8"] = &fstest.MapFile{Data: []byte(master)}
	assert.Equal(t, http.StatusNotFound, get(h, "GET", cdn+"/other/index.m3u8", secret, "s3cr3t").Code, "outside every scope")

	noCarrier := &playlist.Handler{Origin: playlist.FSOrigin(e.fsys), Mode: playlist.ModePropagate, ErrorLog: quiet()}
	assert.Equal(t, http.StatusInternalServerError, get(noCarrier, "GET", cdn+"/movies/1/index.m3u8").Code)
	noSigner := &playlist.Handler{Origin: playlist.FSOrigin(e.fsys), Mode: playlist.ModeServerSide, ErrorLog: quiet()}
	assert.Equal(t, http.StatusInternalServerError, get(noSigner, "GET", cdn+"/movies/1/index.m3u8").Code)
}

// TestHandlerClientIP: the default client address is CloudFront-Viewer-Address
// or the connection, never the first X-Forwarded-For entry a viewer chose.
func TestHandlerClientIP(t *testing.T) {
	e := newEnv(t)
	p := policy.New(cdn+"/movies/1/*", clock.Add(time.Hour))
	p.SourceIP = mustPrefix(t, "198.51.100.0/24")
	creds, err := e.signer.Credentials(p)
	require.NoError(t, err)
	h := &playlist.Handler{Origin: playlist.FSOrigin(e.fsys), Mode: playlist.ModePropagate, Propagate: playlist.Carried{Carrier: &e.carrier, Verifier: e.verifier},
		Now: func() time.Time { return clock }, ErrorLog: quiet()}
	target := cdn + "/movies/1/index.m3u8?" + e.carrier.Encode(creds)
	for _, tc := range []struct {
		name, remote, header, value string
		status                      int
	}{
		{"connection inside", "198.51.100.7:1", "", "", 200},
		{"connection outside", "203.0.113.9:1", "", "", 403},
		{"forged X-Forwarded-For", "203.0.113.9:1", "X-Forwarded-For", "198.51.100.7, 203.0.113.9", 403},
		{"CloudFront-Viewer-Address inside", "130.176.0.1:1", "CloudFront-Viewer-Address", "198.51.100.7:53211", 200},
		{"CloudFront-Viewer-Address outside", "130.176.0.1:1", "CloudFront-Viewer-Address", "203.0.113.9:53211", 403},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.status, getFrom(h, tc.remote, target, tc.header, tc.value).Code)
		})
	}
}
