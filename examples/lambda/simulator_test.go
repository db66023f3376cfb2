package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/hlstest"
	"github.com/cfhls/cfhls/signer"
)

// functionURL plays the part of a Lambda function URL: it turns each HTTP
// request into a payload 2.0 event, calls the function's entry point, and
// turns the answer back into HTTP.
func functionURL(t *testing.T, fn func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		require.NoError(t, err)
		ev := events.APIGatewayV2HTTPRequest{
			Version: "2.0", RouteKey: "$default", RawPath: r.URL.Path, RawQueryString: r.URL.RawQuery,
			Headers: map[string]string{}, Body: base64.StdEncoding.EncodeToString(body), IsBase64Encoded: true,
		}
		for k, vs := range r.Header {
			if strings.EqualFold(k, "Cookie") {
				for _, c := range r.Cookies() {
					ev.Cookies = append(ev.Cookies, c.Name+"="+c.Value)
				}
				continue
			}
			ev.Headers[strings.ToLower(k)] = strings.Join(vs, ",")
		}
		ev.Headers["host"] = r.Host
		ev.RequestContext.HTTP.Method = r.Method
		ev.RequestContext.HTTP.Path = r.URL.Path
		ev.RequestContext.HTTP.SourceIP, _, _ = net.SplitHostPort(r.RemoteAddr)
		ev.RequestContext.DomainName = r.Host
		// Round-trip through JSON, as Lambda delivers it.
		raw, err := json.Marshal(ev)
		require.NoError(t, err)
		var delivered events.APIGatewayV2HTTPRequest
		require.NoError(t, json.Unmarshal(raw, &delivered))

		resp, err := fn(r.Context(), delivered)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		for k, v := range resp.Headers {
			w.Header().Set(k, v)
		}
		for k, vs := range resp.MultiValueHeaders {
			for _, v := range vs {
				w.Header().Add(k, v)
			}
		}
		for _, c := range resp.Cookies {
			w.Header().Add("Set-Cookie", c)
		}
		out := []byte(resp.Body)
		if resp.IsBase64Encoded {
			out, err = base64.StdEncoding.DecodeString(resp.Body)
			require.NoError(t, err)
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = w.Write(out)
	})
}

// TestBehindSimulator deploys the function as the README describes: CloudFront
// sends *.m3u8 to the function URL with all query strings, everything else to
// S3; both behaviors require signed requests.
func TestBehindSimulator(t *testing.T) {
	for _, tc := range []struct{ mode, origin string }{
		{"propagate", "url"}, {"server-side", "url"}, {"cookies", "url"},
		{"propagate", "bucket"}, {"server-side", "bucket"},
	} {
		mode := tc.mode
		t.Run(mode+"/"+tc.origin, func(t *testing.T) {
			fsys := hlstest.Presentation("movies/1")
			s3 := hlstest.NewS3Origin(fsys)
			bucket := httptest.NewServer(s3)
			defer bucket.Close()

			key, err := signer.ParsePrivateKey([]byte(keyPEM))
			require.NoError(t, err)
			var fn http.Handler = http.NotFoundHandler()
			fnURL := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fn.ServeHTTP(w, r) }))
			defer fnURL.Close()
			cf := hlstest.NewUnstartedCloudFront(s3)
			cf.Keys = []hlstest.Key{{ID: "K2JCJMDEHXQW5F", Public: key.Public()}}
			cf.Behaviors = []hlstest.Behavior{{PathPattern: "*.m3u8", Origin: proxyTo(t, fnURL.URL), Query: hlstest.ForwardAll()}}
			cf.Start()
			defer cf.Close()

			originURL, originBucket := bucket.URL, ""
			if tc.origin == "bucket" {
				originURL, originBucket = "", "media" // read through the S3 API (faked)
			}
			app := newTestApp(t, map[string]string{
				"CFHLS_CDN_URL":       cf.URL,
				"CFHLS_ORIGIN_URL":    originURL,
				"CFHLS_ORIGIN_BUCKET": originBucket,
				"CFHLS_MODE":          mode,
				"CFHLS_TTL":           "1h",
				"CFHLS_PLAYLIST":      "/movies/{id}/master.m3u8",
			})
			fn = functionURL(t, httpadapter.NewV2(app).ProxyWithContext)

			jar, err := cookiejar.New(nil)
			require.NoError(t, err)
			client := *cf.Client()
			client.Jar = jar
			req, err := http.NewRequest("GET", fnURL.URL+"/sign?id=1", nil)
			require.NoError(t, err)
			req.Header.Set("Authorization", "Bearer viewer-token")
			resp, err := client.Do(req)
			require.NoError(t, err)
			var signed struct{ URL string }
			require.NoError(t, json.NewDecoder(resp.Body).Decode(&signed))
			require.NoError(t, resp.Body.Close())
			require.Equal(t, http.StatusOK, resp.StatusCode)
			if mode == "cookies" {
				// The cookies were set for the function URL's host; a real
				// deployment shares a parent domain. Hand them to the CDN's.
				jar.SetCookies(mustParse(t, cf.URL), jar.Cookies(mustParse(t, fnURL.URL)))
			}

			report, err := (&hlstest.Player{Client: &client}).Play(context.Background(), signed.URL)
			require.NoError(t, err)
			hlstest.RequirePlayable(t, report)
			assert.Empty(t, cf.Refusals())
			assert.Positive(t, report.Count(hlstest.KindSegment))

			_, err = (&hlstest.Player{Client: cf.Client()}).Play(context.Background(), cf.URL+"/movies/1/master.m3u8")
			require.NoError(t, err)
			assert.NotEmpty(t, cf.Refusals(), "without credentials CloudFront refuses")
		})
	}
}

// proxyTo forwards the simulator's origin requests to the function URL
// server, like CloudFront's custom origin does.
func proxyTo(t *testing.T, base string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		out, err := http.NewRequestWithContext(r.Context(), r.Method, base+r.URL.RequestURI(), nil)
		require.NoError(t, err)
		out.Header = r.Header.Clone()
		out.Header.Set("X-Forwarded-Host", r.Host)
		out.Header.Set(originSecretHeader, testOriginSecret) // the distribution's custom origin header
		resp, err := http.DefaultTransport.RoundTrip(out)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		for k, vs := range resp.Header {
			w.Header()[k] = vs
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
	})
}

func mustParse(t *testing.T, raw string) *url.URL {
	u, err := url.Parse(raw)
	require.NoError(t, err)
	return u
}
