package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/hlstest"
	"github.com/cfhls/cfhls/playlist"
	"github.com/cfhls/cfhls/signer"
)

const (
	cdn              = "https://d111111abcdef8.cloudfront.net"
	testOriginSecret = "0123456789abcdef-origin"
)

var keyPEM = func() string {
	b, err := os.ReadFile(filepath.Join("..", "..", "signer", "testdata", "keys", "rsa2048-pkcs8.pem"))
	if err != nil {
		panic(err)
	}
	return string(b)
}()

func env(over map[string]string) func(string) string {
	base := map[string]string{
		"CFHLS_KEY_PAIR_ID":   "K2JCJMDEHXQW5F",
		"CFHLS_PRIVATE_KEY":   keyPEM,
		"CFHLS_CDN_URL":       cdn,
		"CFHLS_ORIGIN_URL":    "https://bucket.s3.us-east-1.amazonaws.com",
		"CFHLS_VIEWER_TOKEN":  "viewer-token",
		"CFHLS_ORIGIN_SECRET": testOriginSecret,
	}
	for k, v := range over {
		base[k] = v
	}
	return func(k string) string { return base[k] }
}

func TestLoadConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		over map[string]string
		err  string
	}{
		{"defaults", nil, ""},
		{"no key pair id", map[string]string{"CFHLS_KEY_PAIR_ID": ""}, "CFHLS_KEY_PAIR_ID is not set"},
		{"two key sources", map[string]string{"CFHLS_PRIVATE_KEY_SECRET": "arn:aws:secretsmanager:us-east-1:1:secret:k"}, "exactly one of"},
		{"no key source", map[string]string{"CFHLS_PRIVATE_KEY": ""}, "(0 set)"},
		{"relative CDN", map[string]string{"CFHLS_CDN_URL": "d111.cloudfront.net"}, "CFHLS_CDN_URL"},
		{"no origin", map[string]string{"CFHLS_ORIGIN_URL": ""}, "set CFHLS_ORIGIN_BUCKET"},
		{"bucket and URL", map[string]string{"CFHLS_ORIGIN_BUCKET": "media"}, "not both"},
		{"bucket", map[string]string{"CFHLS_ORIGIN_BUCKET": "media", "CFHLS_ORIGIN_URL": ""}, ""},
		{"no origin secret", map[string]string{"CFHLS_ORIGIN_SECRET": ""}, "CFHLS_ORIGIN_SECRET"},
		{"short origin secret", map[string]string{"CFHLS_ORIGIN_SECRET": "abc"}, "at least 16"},
		{"playlist without id", map[string]string{"CFHLS_PLAYLIST": "/movies/index.m3u8"}, "CFHLS_PLAYLIST"},
		{"bad mode", map[string]string{"CFHLS_MODE": "magic"}, "CFHLS_MODE"},
		{"bad TTL", map[string]string{"CFHLS_TTL": "soon"}, "CFHLS_TTL"},
		{"no viewer token", map[string]string{"CFHLS_VIEWER_TOKEN": ""}, "CFHLS_VIEWER_TOKEN"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := loadConfig(env(tc.over))
			if tc.err == "" {
				require.NoError(t, err)
				assert.Equal(t, playlist.ModePropagate, c.mode)
				assert.Equal(t, 6*time.Hour, c.ttl)
				return
			}
			assert.ErrorContains(t, err, tc.err)
		})
	}
}

type fakeSecrets struct{ value string }

func (f fakeSecrets) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	if *in.SecretId != "cfhls/key" {
		return nil, errors.New("ResourceNotFoundException")
	}
	return &secretsmanager.GetSecretValueOutput{SecretString: &f.value}, nil
}

type fakeParams struct{ value string }

func (f fakeParams) GetParameter(_ context.Context, in *ssm.GetParameterInput, _ ...func(*ssm.Options)) (*ssm.GetParameterOutput, error) {
	if *in.Name != "/cfhls/key" || in.WithDecryption == nil || !*in.WithDecryption {
		return nil, errors.New("ParameterNotFound")
	}
	return &ssm.GetParameterOutput{Parameter: &ssmtypes.Parameter{Value: &f.value}}, nil
}

func TestLoadKey(t *testing.T) {
	b64 := base64.StdEncoding.EncodeToString([]byte(keyPEM))
	s := stores{
		secrets:    func() (secretStore, error) { return fakeSecrets{keyPEM}, nil },
		parameters: func() (parameterStore, error) { return fakeParams{b64}, nil },
	}
	for _, tc := range []struct {
		name string
		over map[string]string
		err  string
	}{
		{"environment PEM", nil, ""},
		{"environment base64 PEM", map[string]string{"CFHLS_PRIVATE_KEY": b64}, ""},
		{"secrets manager", map[string]string{"CFHLS_PRIVATE_KEY": "", "CFHLS_PRIVATE_KEY_SECRET": "cfhls/key"}, ""},
		{"parameter store", map[string]string{"CFHLS_PRIVATE_KEY": "", "CFHLS_PRIVATE_KEY_PARAMETER": "/cfhls/key"}, ""},
		{"missing secret", map[string]string{"CFHLS_PRIVATE_KEY": "", "CFHLS_PRIVATE_KEY_SECRET": "other"}, "ResourceNotFoundException"},
		{"missing parameter", map[string]string{"CFHLS_PRIVATE_KEY": "", "CFHLS_PRIVATE_KEY_PARAMETER": "/other"}, "ParameterNotFound"},
		{"garbage key", map[string]string{"CFHLS_PRIVATE_KEY": "hello"}, "signing key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := loadConfig(env(tc.over))
			require.NoError(t, err)
			key, err := loadKey(context.Background(), c, s)
			if tc.err != "" {
				assert.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			assert.NotNil(t, key)
		})
	}
}

// origin serves a small presentation like the S3 bucket would.
func origin(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(playlist.FSOrigin(fstest.MapFS{
		"movies/1/index.m3u8":     {Data: []byte("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nlow/index.m3u8\n")},
		"movies/1/low/index.m3u8": {Data: []byte("#EXTM3U\n#EXTINF:2,\nseg-0.ts\n#EXT-X-ENDLIST\n")},
	}))
	t.Cleanup(srv.Close)
	return srv
}

func newTestApp(t *testing.T, over map[string]string) http.Handler {
	if over == nil {
		over = map[string]string{}
	}
	if over["CFHLS_ORIGIN_URL"] == "" && over["CFHLS_ORIGIN_BUCKET"] == "" {
		over["CFHLS_ORIGIN_URL"] = origin(t).URL
	}
	c, err := loadConfig(env(over))
	require.NoError(t, err)
	key, err := loadKey(context.Background(), c, stores{})
	require.NoError(t, err)
	bucket := stores{objects: func() (objectStore, error) {
		return fakeBucket{name: "media", fsys: hlstest.Presentation("movies/1")}, nil
	}}
	origin, err := newOrigin(c, bucket)
	require.NoError(t, err)
	app, err := newApp(c, key, origin)
	require.NoError(t, err)
	return app
}

func readEvent(t *testing.T, name string) events.APIGatewayV2HTTPRequest {
	var ev events.APIGatewayV2HTTPRequest
	require.NoError(t, json.Unmarshal(readTestdata(t, name), &ev))
	return ev
}

func readTestdata(t *testing.T, name string) []byte {
	b, err := os.ReadFile(filepath.Join("testdata", "events", name))
	require.NoError(t, err)
	return b
}

// TestEvents feeds recorded-shape events through the same adapter main uses.
func TestEvents(t *testing.T) {
	app := newTestApp(t, map[string]string{"CFHLS_ALLOW_ORIGINS": "https://player.example"})
	proxy := httpadapter.NewV2(app).ProxyWithContext

	ev := readEvent(t, "sign-http-api.json")
	resp, err := proxy(context.Background(), ev)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, resp.Body)
	assert.Equal(t, "no-store", resp.Headers["Cache-Control"])
	assert.Equal(t, "https://player.example", resp.Headers["Access-Control-Allow-Origin"])
	var signed struct {
		URL     string `json:"url"`
		Expires int64  `json:"expires"`
	}
	require.NoError(t, json.Unmarshal([]byte(resp.Body), &signed))
	assert.True(t, strings.HasPrefix(signed.URL, cdn+"/movies/1/index.m3u8?Policy="), signed.URL)
	assert.Contains(t, signed.URL, "&Policy-PREFIX=")

	ev.Headers["authorization"] = "Bearer wrong"
	resp, err = proxy(context.Background(), ev)
	require.NoError(t, err)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)

	// The playlist request as CloudFront forwards it to the function URL:
	// signing parameters stripped, carried copies kept.
	u, err := url.Parse(signed.URL)
	require.NoError(t, err)
	q := u.Query()
	for _, n := range []string{"Policy", "Signature", "Key-Pair-Id"} {
		q.Del(n)
	}
	pl := readEvent(t, "playlist-function-url.json")
	require.Equal(t, testOriginSecret, pl.Headers["x-cfhls-origin-secret"], "the recorded event carries CloudFront's custom origin header")
	pl.RawQueryString = q.Encode()
	resp, err = proxy(context.Background(), pl)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, resp.Body)
	assert.Equal(t, "application/vnd.apple.mpegurl", resp.Headers["Content-Type"])
	assert.Contains(t, resp.Body, "low/index.m3u8?Policy=")
	assert.Contains(t, resp.Body, "&Policy-PREFIX=")

	pl.RawQueryString = ""
	resp, err = proxy(context.Background(), pl)
	require.NoError(t, err)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)

	// Straight to the function URL, around CloudFront: refused whatever it
	// carries, in every mode.
	pl.RawQueryString = q.Encode()
	delete(pl.Headers, "x-cfhls-origin-secret")
	resp, err = proxy(context.Background(), pl)
	require.NoError(t, err)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)

	// What the function answered verifies as CloudFront would check it.
	v := signer.NewVerifier()
	key, err := signer.ParsePrivateKey([]byte(keyPEM))
	require.NoError(t, err)
	require.NoError(t, v.AddKey("K2JCJMDEHXQW5F", key.Public()))
	_, err = v.VerifyURL(signed.URL, netip.MustParseAddr("192.0.2.10"), time.Now())
	assert.NoError(t, err)
}

func TestPresentationScope(t *testing.T) {
	c, err := loadConfig(env(nil))
	require.NoError(t, err)
	for _, tc := range []struct{ name, path, want, err string }{
		{"master", "/movies/7/index.m3u8", cdn + "/movies/7/*", ""},
		{"nested", "/movies/7/video/720p/index.m3u8", cdn + "/movies/7/*", ""},
		{"outside", "/other/7/index.m3u8", "", "outside"},
		{"no folder", "/movies/index.m3u8", "", "outside"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := presentationScope(c, &url.URL{Path: tc.path})
			if tc.err != "" {
				assert.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}
