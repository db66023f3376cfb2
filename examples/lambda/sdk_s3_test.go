package main

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"io/fs"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/hlstest"
	"github.com/cfhls/cfhls/signer"
)

// s3Fake speaks S3's REST-XML protocol for GetObject, path-style
// (GET /BUCKET/KEY), SigV4-signed for s3 with X-Amz-Content-Sha256, over the
// objects of one bucket. Errors are S3's XML <Error> documents: NoSuchKey
// and NoSuchBucket (404), and AccessDenied (403) for a missing key when
// listable is false, as S3 answers a role without s3:ListBucket.
type s3Fake struct {
	t      *testing.T
	bucket string
	fsys   fs.FS
	// listable says the caller may list the bucket (s3:ListBucket), so a
	// missing key is NoSuchKey rather than AccessDenied.
	listable bool

	mu sync.Mutex
	// gets counts the GetObject calls answered.
	gets int
}

// s3Error is S3's error document.
type s3Error struct {
	XMLName   xml.Name `xml:"Error"`
	Code      string   `xml:"Code"`
	Message   string   `xml:"Message"`
	Key       string   `xml:"Key,omitempty"`
	Bucket    string   `xml:"BucketName,omitempty"`
	RequestID string   `xml:"RequestId"`
	HostID    string   `xml:"HostId"`
}

// ServeHTTP checks the request as S3 would, then answers it.
func (f *s3Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if err := checkSigV4(r, body, "s3", true); err != nil {
		f.t.Errorf("s3: %v", err)
		f.fail(w, 403, s3Error{Code: "SignatureDoesNotMatch", Message: err.Error()})
		return
	}
	if r.Header.Get("X-Amz-Content-Sha256") == "" {
		f.t.Errorf("s3: no X-Amz-Content-Sha256")
	}
	bucket, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if r.Method != http.MethodGet || r.URL.Query().Get("x-id") != "GetObject" {
		f.t.Errorf("s3: %s %s, want GetObject", r.Method, r.URL)
	}
	f.mu.Lock()
	f.gets++
	f.mu.Unlock()
	if bucket != f.bucket {
		f.fail(w, 404, s3Error{Code: "NoSuchBucket", Message: "The specified bucket does not exist", Bucket: bucket})
		return
	}
	data, err := fs.ReadFile(f.fsys, key)
	if err != nil {
		if !f.listable {
			f.fail(w, 403, s3Error{Code: "AccessDenied", Message: "Access Denied"})
			return
		}
		f.fail(w, 404, s3Error{Code: "NoSuchKey", Message: "The specified key does not exist.", Key: key})
		return
	}
	h := w.Header()
	h.Set("Content-Type", hlstest.ContentType(key))
	h.Set("Content-Length", strconv.Itoa(len(data)))
	h.Set("ETag", `"0123456789abcdef0123456789abcdef"`)
	h.Set("Last-Modified", "Wed, 01 Jan 2025 00:00:00 GMT")
	h.Set("Accept-Ranges", "bytes")
	h.Set("X-Amz-Request-Id", "CFHLSFAKE0000001")
	_, _ = w.Write(data)
}

// fail writes S3's XML error document with status.
func (f *s3Fake) fail(w http.ResponseWriter, status int, e s3Error) {
	e.RequestID, e.HostID = "CFHLSFAKE0000001", "fake-host-id"
	b, err := xml.Marshal(e)
	require.NoError(f.t, err)
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	_, _ = w.Write(append([]byte(xml.Header), b...))
}

// Gets returns how many GetObject calls were answered.
func (f *s3Fake) Gets() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.gets
}

// newS3Fake starts an S3 fake of bucket "media" holding a presentation under
// movies/1, and returns the function's stores pointed at it.
func newS3Fake(t *testing.T, listable bool) (*s3Fake, stores) {
	f := &s3Fake{t: t, bucket: "media", fsys: hlstest.Presentation("movies/1"), listable: listable}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, fakeStores(srv)
}

// TestS3OriginSDK serves objects through the real S3 client from the
// protocol fake, and maps S3's errors to the origin's statuses.
func TestS3OriginSDK(t *testing.T) {
	for _, tc := range []struct {
		name, bucket, path string
		listable           bool
		status             int
		body               string
	}{
		{"playlist", "media", "/movies/1/master.m3u8", true, 200, "#EXTM3U"},
		{"media segment", "media", "/movies/1/audio/en/aud00001.aac", true, 200, ""},
		{"NoSuchKey is 404", "media", "/movies/1/nope.m3u8", true, 404, ""},
		// Without s3:ListBucket, S3 answers a missing key 403 AccessDenied:
		// the origin cannot tell it from a refused read and answers 502.
		{"AccessDenied is 502", "media", "/movies/1/nope.m3u8", false, 502, ""},
		{"NoSuchBucket is 502", "other", "/movies/1/master.m3u8", true, 502, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, s := newS3Fake(t, tc.listable)
			c, err := loadConfig(env(map[string]string{"CFHLS_ORIGIN_URL": "", "CFHLS_ORIGIN_BUCKET": tc.bucket}))
			require.NoError(t, err)
			o, err := newOrigin(c, s)
			require.NoError(t, err)
			w := httptest.NewRecorder()
			o.ServeHTTP(w, httptest.NewRequest("GET", tc.path, nil))
			assert.Equal(t, tc.status, w.Code, w.Body.String())
			assert.Equal(t, 1, f.Gets())
			if tc.status == 200 {
				want, err := fs.ReadFile(f.fsys, strings.TrimPrefix(tc.path, "/"))
				require.NoError(t, err)
				assert.Equal(t, want, w.Body.Bytes())
				assert.Equal(t, hlstest.ContentType(tc.path), w.Header().Get("Content-Type"))
				assert.Equal(t, strconv.Itoa(len(want)), w.Header().Get("Content-Length"))
			}
		})
	}
	// The mapping relies on the client turning <Code>NoSuchKey</Code> into
	// the modelled type.
	_, s := newS3Fake(t, true)
	client, err := s.objects()
	require.NoError(t, err)
	_, err = client.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String("media"), Key: aws.String("none")})
	var missing *types.NoSuchKey
	assert.ErrorAs(t, err, &missing)
}

// TestBucketOriginSDKBehindSimulator plays a presentation through the
// simulated CloudFront, the function (propagate mode) reading playlists from
// the S3 fake through the real S3 client.
func TestBucketOriginSDKBehindSimulator(t *testing.T) {
	f, s := newS3Fake(t, true)
	key, err := signer.ParsePrivateKey([]byte(keyPEM))
	require.NoError(t, err)
	var fn http.Handler = http.NotFoundHandler()
	fnURL := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fn.ServeHTTP(w, r) }))
	defer fnURL.Close()
	cf := hlstest.NewUnstartedCloudFront(hlstest.NewS3Origin(f.fsys))
	cf.Keys = []hlstest.Key{{ID: "K2JCJMDEHXQW5F", Public: key.Public()}}
	cf.Behaviors = []hlstest.Behavior{{PathPattern: "*.m3u8", Origin: proxyTo(t, fnURL.URL), Query: hlstest.ForwardAll()}}
	cf.Start()
	defer cf.Close()

	c, err := loadConfig(env(map[string]string{"CFHLS_CDN_URL": cf.URL, "CFHLS_ORIGIN_URL": "", "CFHLS_ORIGIN_BUCKET": "media",
		"CFHLS_PLAYLIST": "/movies/{id}/master.m3u8"}))
	require.NoError(t, err)
	origin, err := newOrigin(c, s)
	require.NoError(t, err)
	app, err := newApp(c, key, origin)
	require.NoError(t, err)
	fn = functionURL(t, httpadapter.NewV2(app).ProxyWithContext)

	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	client := *cf.Client()
	client.Jar = jar
	signed := signURL(t, &client, fnURL.URL+"/sign?id=1")
	report, err := (&hlstest.Player{Client: &client}).Play(context.Background(), signed)
	require.NoError(t, err)
	hlstest.RequirePlayable(t, report)
	assert.Empty(t, cf.Refusals())
	playlists := 0
	for _, fetch := range report.Fetches {
		if fetch.Playlist {
			playlists++
		}
	}
	assert.Equal(t, playlists, f.Gets(), "every playlist read through the S3 API")
}

// signURL asks the function's sign endpoint for a signed playlist URL as
// the demo's viewer.
func signURL(t *testing.T, client *http.Client, endpoint string) string {
	t.Helper()
	req, err := http.NewRequest("GET", endpoint, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer viewer-token")
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var signed struct{ URL string }
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&signed))
	return signed.URL
}
