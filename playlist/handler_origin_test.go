package playlist_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/playlist"
)

func TestRemoteOrigin(t *testing.T) {
	e := newEnv(t)
	upstream := httptest.NewServer(playlist.FSOrigin(e.fsys))
	defer upstream.Close()
	target, err := url.Parse(upstream.URL)
	require.NoError(t, err)
	h := &playlist.Handler{Origin: playlist.RemoteOrigin(target), Mode: playlist.ModeServerSide, ServerSide: playlist.ServerSide{Signer: e.signer}, ErrorLog: quiet(), MaxBytes: 50}
	w := get(h, "GET", cdn+"/movies/1/index.m3u8")
	assert.Equal(t, http.StatusBadGateway, w.Code, "over 50 bytes through a proxy")
	h.MaxBytes = 0
	w = get(h, "GET", cdn+"/movies/1/index.m3u8")
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Contains(t, w.Body.String(), "low/index.m3u8?Policy=")
	w = get(h, "GET", cdn+"/movies/1/nope.m3u8")
	assert.Equal(t, http.StatusNotFound, w.Code)
}

func TestHandlerOriginAnswers(t *testing.T) {
	var gz404 bytes.Buffer
	zw := gzip.NewWriter(&gz404)
	_, _ = zw.Write([]byte("<Error>NoSuchKey</Error>"))
	require.NoError(t, zw.Close())
	var sawEncoding string
	origin := http.NewServeMux()
	origin.HandleFunc("/moved.m3u8", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://internal-bucket.local/x.m3u8", http.StatusMovedPermanently)
	})
	origin.HandleFunc("/gz404.m3u8", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write(gz404.Bytes())
	})
	origin.HandleFunc("/br.m3u8", func(w http.ResponseWriter, r *http.Request) {
		sawEncoding = r.Header.Get("Accept-Encoding")
		w.Header().Set("Content-Encoding", "br")
		_, _ = w.Write([]byte("\x1b\x00"))
	})
	h := &playlist.Handler{Origin: origin, Mode: playlist.ModeCookies, ErrorLog: quiet()}

	w := get(h, "GET", cdn+"/moved.m3u8")
	assert.Equal(t, http.StatusBadGateway, w.Code, "an origin redirect is not passed on")
	assert.Empty(t, w.Header().Get("Location"))

	w = get(h, "GET", cdn+"/gz404.m3u8")
	assert.Equal(t, http.StatusNotFound, w.Code)
	assert.Equal(t, "gzip", w.Header().Get("Content-Encoding"), "a passed-through body keeps its encoding")
	assert.Equal(t, gz404.Bytes(), w.Body.Bytes())

	w = get(h, "GET", cdn+"/br.m3u8", "Accept-Encoding", "gzip, deflate, br, zstd")
	assert.Equal(t, "gzip", sawEncoding, "the origin is offered only what the handler decodes")
	assert.Equal(t, http.StatusBadGateway, w.Code)
}

// TestRemoteOriginFailsMidBody: an upstream that dies after its headers
// gives the viewer a 502, not a dropped connection.
func TestRemoteOriginFailsMidBody(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000")
		_, _ = io.WriteString(w, "#EXTM3U\n")
		hj, ok := w.(http.Hijacker)
		if !ok {
			return
		}
		conn, _, err := hj.Hijack()
		if err == nil {
			_ = conn.Close()
		}
	}))
	defer upstream.Close()
	target, err := url.Parse(upstream.URL)
	require.NoError(t, err)
	h := &playlist.Handler{Origin: playlist.RemoteOrigin(target), Mode: playlist.ModeCookies, ErrorLog: quiet()}
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/a.m3u8")
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	assert.Equal(t, http.StatusBadGateway, resp.StatusCode)
}
