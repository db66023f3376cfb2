package hlstest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func s3Fixture() fstest.MapFS {
	return fstest.MapFS{
		"v/index.m3u8":     {Data: []byte("#EXTM3U\n")},
		"v/seg.ts":         {Data: []byte("0123456789")},
		"v/seg.m4s":        {Data: []byte("m4s")},
		"v/init.mp4":       {Data: []byte("mp4")},
		"v/a.aac":          {Data: []byte("aac")},
		"v/s.vtt":          {Data: []byte("WEBVTT\n")},
		"v/k.key":          {Data: []byte("0123456789abcdef")},
		"v/unknown.bin":    {Data: []byte("?")},
		"v/sub/nested.txt": {Data: []byte("n")},
	}
}

func s3Do(t *testing.T, method, target string, header map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	NewS3Origin(s3Fixture()).ServeHTTP(rec, req)
	return rec
}

func TestS3OriginContentTypes(t *testing.T) {
	for _, tc := range []struct{ path, want string }{
		{"/v/index.m3u8", "application/vnd.apple.mpegurl"},
		{"/v/seg.ts", "video/mp2t"},
		{"/v/seg.m4s", "video/mp4"},
		{"/v/init.mp4", "video/mp4"},
		{"/v/a.aac", "audio/aac"},
		{"/v/s.vtt", "text/vtt"},
		{"/v/k.key", "application/octet-stream"},
		{"/v/unknown.bin", "binary/octet-stream"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			rec := s3Do(t, http.MethodGet, tc.path+"?ignored=1", nil)
			require.Equal(t, http.StatusOK, rec.Code)
			assert.Equal(t, tc.want, rec.Header().Get("Content-Type"))
			assert.Equal(t, string(s3Fixture()[tc.path[1:]].Data), rec.Body.String())
			assert.Regexp(t, `^"[0-9a-f]{32}"$`, rec.Header().Get("ETag"))
			assert.Equal(t, "bytes", rec.Header().Get("Accept-Ranges"))
		})
	}
	assert.Equal(t, "video/mp2t", ContentType("A.TS"), "extensions are case-insensitive")
}

func TestS3OriginRange(t *testing.T) {
	for _, tc := range []struct {
		name, rng, body, contentRange string
		status                        int
	}{
		{"first bytes", "bytes=0-3", "0123", "bytes 0-3/10", http.StatusPartialContent},
		{"middle", "bytes=4-6", "456", "bytes 4-6/10", http.StatusPartialContent},
		{"open end", "bytes=7-", "789", "bytes 7-9/10", http.StatusPartialContent},
		{"suffix", "bytes=-2", "89", "bytes 8-9/10", http.StatusPartialContent},
		{"past the end", "bytes=20-30", "", "bytes */10", http.StatusRequestedRangeNotSatisfiable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := s3Do(t, http.MethodGet, "/v/seg.ts", map[string]string{"Range": tc.rng})
			assert.Equal(t, tc.status, rec.Code)
			assert.Equal(t, tc.contentRange, rec.Header().Get("Content-Range"))
			if tc.status == http.StatusPartialContent {
				assert.Equal(t, tc.body, rec.Body.String())
			}
		})
	}
}

func TestS3OriginNoSuchKey(t *testing.T) {
	for _, tc := range []struct{ name, path, key string }{
		{"missing object", "/v/missing.ts", "v/missing.ts"},
		{"directory", "/v/sub", "v/sub"},
		{"directory with slash", "/v/sub/", "v/sub/"},
		{"bucket root", "/", ""},
		{"dot segments", "/v/../v/seg.ts", "v/../v/seg.ts"},
		{"empty element", "/v//seg.ts", "v//seg.ts"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.URL.Path = tc.path // as sent, without client-side cleaning
			rec := httptest.NewRecorder()
			NewS3Origin(s3Fixture()).ServeHTTP(rec, req)
			assert.Equal(t, http.StatusNotFound, rec.Code)
			assert.Equal(t, "application/xml", rec.Header().Get("Content-Type"))
			body := rec.Body.String()
			assert.True(t, strings.HasPrefix(body, `<?xml version="1.0" encoding="UTF-8"?>`+"\n<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Key>"+tc.key+"</Key><RequestId>"), body)
			assert.NotContains(t, body, "seg.ts</Contents>", "no listing")
		})
	}
}

func TestS3OriginMethods(t *testing.T) {
	rec := s3Do(t, http.MethodHead, "/v/seg.ts", nil)
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, "10", rec.Header().Get("Content-Length"))
	assert.Empty(t, rec.Body.String())

	for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodOptions} {
		t.Run(m, func(t *testing.T) {
			rec := s3Do(t, m, "/v/seg.ts", nil)
			assert.Equal(t, http.StatusMethodNotAllowed, rec.Code)
			assert.Contains(t, rec.Body.String(), "<Code>MethodNotAllowed</Code>")
			assert.Contains(t, rec.Body.String(), "<Method>"+m+"</Method>")
		})
	}
}

func TestS3OriginThroughCloudFront(t *testing.T) {
	cf := NewUnstartedCloudFront(NewS3Origin(s3Fixture()))
	cf.Default.Public = true
	cf.Domain = testDomain
	cf.Start()
	defer cf.Close()
	req, err := http.NewRequest(http.MethodGet, cf.URL+"/v/seg.ts", nil)
	require.NoError(t, err)
	req.Header.Set("Range", "bytes=2-4")
	resp, err := cf.Client().Do(req)
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusPartialContent, resp.StatusCode)
	assert.Equal(t, "234", string(b))
	assert.Equal(t, http.StatusPartialContent, lastEntry(t, cf).Status)

	resp, body := get(t, cf.Client(), cf.URL+"/v/nope.ts")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	assert.Contains(t, body, "<Code>NoSuchKey</Code>")
	assert.Equal(t, "Error from cloudfront", resp.Header.Get("X-Cache"))
}
