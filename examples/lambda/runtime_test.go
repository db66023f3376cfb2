package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// invokeTimeout bounds one invocation through the binary's runtime loop.
const invokeTimeout = 20 * time.Second

// lambdaEnv is what Lambda itself sets in a function's environment (the
// part aws-lambda-go reads), with the Runtime API's address.
func lambdaEnv(rt *fakeRuntime) map[string]string {
	return map[string]string{
		"AWS_LAMBDA_RUNTIME_API":          rt.Addr(),
		"AWS_LAMBDA_FUNCTION_NAME":        "cfhls",
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
		"AWS_LAMBDA_LOG_GROUP_NAME":       "/aws/lambda/cfhls",
		"AWS_REGION":                      "us-east-1",
		"_HANDLER":                        "bootstrap",
	}
}

// invokeHTTP sends an API Gateway v2 / function URL event through the
// runtime loop and decodes the answer the binary POSTs back.
func invokeHTTP(t *testing.T, rt *fakeRuntime, event []byte) events.APIGatewayV2HTTPResponse {
	t.Helper()
	a := rt.Invoke(event).Wait(t, invokeTimeout)
	require.Equal(t, "response", a.Kind, "%s: %s", a.ErrorType, a.Body)
	var resp events.APIGatewayV2HTTPResponse
	require.NoError(t, json.Unmarshal(a.Body, &resp), "%s", a.Body)
	return resp
}

// playlistEvent is the recorded function URL event of a playlist request
// as CloudFront forwards it, with query as its query string and, unless
// secret is false, CloudFront's custom origin header.
func playlistEvent(t *testing.T, query string, secret bool) []byte {
	ev := readEvent(t, "playlist-function-url.json")
	ev.RawQueryString = query
	if !secret {
		delete(ev.Headers, "x-cfhls-origin-secret")
	}
	b, err := json.Marshal(ev)
	require.NoError(t, err)
	return b
}

// forwardedQuery is the query CloudFront forwards for a signed URL: the
// signing parameters removed, the carried copies kept.
func forwardedQuery(t *testing.T, signed string) string {
	u, err := url.Parse(signed)
	require.NoError(t, err)
	q := u.Query()
	for _, n := range []string{"Policy", "Expires", "Signature", "Key-Pair-Id"} {
		q.Del(n)
	}
	return q.Encode()
}

// testRuntimeAPI runs the binary against the fake Runtime API in each mode
// and feeds it the sign endpoint's and the playlist origin's events (the
// function has no AES key server: examples/server has one, the Lambda does
// not). The invocations run in order on one process, as in one execution
// environment.
func testRuntimeAPI(t *testing.T, bin string) {
	origin := origin(t)
	for _, mode := range []struct {
		name string
		// credentials: the sign endpoint answers a signed URL and the
		// playlist's URIs carry credentials; otherwise signed cookies
		// and a playlist as the origin wrote it.
		credentials bool
	}{
		{"propagate", true},
		{"server-side", true},
		{"cookies", false},
	} {
		t.Run(mode.name, func(t *testing.T) {
			rt := newFakeRuntime(t)
			// CFHLS_LOCAL_ADDR is ignored inside Lambda.
			over := lambdaEnv(rt)
			over["CFHLS_LOCAL_ADDR"] = "127.0.0.1:0"
			p := startBootstrap(t, bin, functionEnv(t, origin.URL, mode.name, over))

			sign := readTestdata(t, "sign-http-api.json")
			resp := invokeHTTP(t, rt, sign)
			require.Equal(t, http.StatusOK, resp.StatusCode, resp.Body)
			var signed struct {
				URL     string `json:"url"`
				Expires int64  `json:"expires"`
			}
			require.NoError(t, json.Unmarshal([]byte(resp.Body), &signed))
			page := cdn + "/movies/1/index.m3u8"
			query := ""
			if mode.credentials {
				query = forwardedQuery(t, signed.URL)
			}

			for _, tc := range []struct {
				name   string
				event  []byte
				status int
				check  func(t *testing.T, resp events.APIGatewayV2HTTPResponse)
			}{
				{"sign", sign, http.StatusOK, func(t *testing.T, resp events.APIGatewayV2HTTPResponse) {
					assert.Equal(t, "application/json", resp.Headers["Content-Type"])
					assert.Equal(t, "no-store", resp.Headers["Cache-Control"])
					assert.Equal(t, "https://player.example", resp.Headers["Access-Control-Allow-Origin"])
					assert.Greater(t, signed.Expires, time.Now().Unix())
					if mode.credentials {
						assert.Equal(t, 1, verifyURIs(t, page, signed.URL), "the signed URL verifies")
						assert.Contains(t, signed.URL, "&Policy-PREFIX=")
						assert.Empty(t, resp.Cookies)
						return
					}
					assert.Equal(t, page, signed.URL)
					names := ""
					for _, c := range resp.Cookies {
						names += strings.SplitN(c, "=", 2)[0] + " "
					}
					assert.Equal(t, "CloudFront-Policy CloudFront-Signature CloudFront-Key-Pair-Id ", names)
				}},
				{"sign with a wrong token", withHeader(t, sign, "authorization", "Bearer wrong"), http.StatusForbidden, func(t *testing.T, resp events.APIGatewayV2HTTPResponse) {
					assert.Equal(t, "application/json", resp.Headers["Content-Type"])
					assert.JSONEq(t, `{"error":"not authorized"}`, resp.Body)
					assert.Empty(t, resp.Cookies)
				}},
				{"playlist through CloudFront", playlistEvent(t, query, true), http.StatusOK, func(t *testing.T, resp events.APIGatewayV2HTTPResponse) {
					assert.Equal(t, "application/vnd.apple.mpegurl", resp.Headers["Content-Type"])
					require.Contains(t, resp.Body, "#EXT-X-STREAM-INF")
					if !mode.credentials {
						assert.Contains(t, resp.Body, "\nlow/index.m3u8\n", "cookies carry the credentials")
						return
					}
					assert.Contains(t, resp.Body, "low/index.m3u8?")
					assert.Equal(t, 1, verifyURIs(t, page, resp.Body))
				}},
				{"playlist around CloudFront", playlistEvent(t, query, false), http.StatusForbidden, func(t *testing.T, resp events.APIGatewayV2HTTPResponse) {
					assert.Equal(t, "text/plain; charset=utf-8", resp.Headers["Content-Type"])
					assert.Equal(t, "no-store", resp.Headers["Cache-Control"])
					assert.NotContains(t, resp.Body, "#EXTM3U")
				}},
				{"malformed event", nil, 0, nil},
				{"sign after an error", sign, http.StatusOK, nil},
			} {
				t.Run(tc.name, func(t *testing.T) {
					if tc.event == nil {
						// Not an API Gateway event: aws-lambda-go cannot
						// decode it and reports an invocation error.
						a := rt.Invoke([]byte(`["not", "an", "event"]`)).Wait(t, invokeTimeout)
						require.Equal(t, "error", a.Kind, "%s", a.Body)
						var doc runtimeError
						require.NoError(t, json.Unmarshal(a.Body, &doc), "%s", a.Body)
						assert.NotEmpty(t, doc.Type)
						assert.Contains(t, doc.Message, "cannot unmarshal")
						return
					}
					resp := invokeHTTP(t, rt, tc.event)
					require.Equal(t, tc.status, resp.StatusCode, resp.Body)
					if tc.check != nil {
						tc.check(t, resp)
					}
				})
			}
			// Every answer POSTed, the runtime is back waiting for the next
			// invocation: one GET of next for each of the 7 invocations,
			// and one more pending.
			assert.Eventually(t, func() bool { return rt.Nexts() == 8 }, 5*time.Second, 10*time.Millisecond, "GETs of next: %d", rt.Nexts())
			assert.Contains(t, p.Stderr(), "not serving on 127.0.0.1:0")
		})
	}
}

// withHeader returns the event with header name set to value.
func withHeader(t *testing.T, event []byte, name, value string) []byte {
	var ev map[string]any
	require.NoError(t, json.Unmarshal(event, &ev))
	ev["headers"].(map[string]any)[name] = value
	b, err := json.Marshal(ev)
	require.NoError(t, err)
	return b
}

// testInitError starts the binary in Lambda with configurations it cannot
// start with: it reports each to /runtime/init/error, with its type, and
// exits without asking for an invocation.
func testInitError(t *testing.T, bin string) {
	origin := origin(t)
	for _, tc := range []struct {
		name, errorType, message string
		over                     map[string]string
	}{
		{"no viewer token", errTypeConfig, "CFHLS_VIEWER_TOKEN is not set", map[string]string{"CFHLS_VIEWER_TOKEN": ""}},
		{"bad mode", errTypeConfig, "CFHLS_MODE", map[string]string{"CFHLS_MODE": "magic"}},
		{"short origin secret", errTypeConfig, "CFHLS_ORIGIN_SECRET", map[string]string{"CFHLS_ORIGIN_SECRET": "short"}},
		{"garbage key", errTypeKey, "signing key", map[string]string{"CFHLS_PRIVATE_KEY": "hello"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rt := newFakeRuntime(t)
			over := lambdaEnv(rt)
			for k, v := range tc.over {
				over[k] = v
			}
			p := startBootstrap(t, bin, functionEnv(t, origin.URL, "propagate", over))
			assert.Equal(t, exitInit, p.exitCode(t, invokeTimeout))
			a, ok := rt.InitError(p.done)
			require.True(t, ok, "nothing posted to /runtime/init/error")
			assert.Equal(t, tc.errorType, a.ErrorType, "Lambda-Runtime-Function-Error-Type")
			assert.Equal(t, "application/json", a.Header.Get("Content-Type"))
			var doc runtimeError
			require.NoError(t, json.Unmarshal(a.Body, &doc), "%s", a.Body)
			assert.Equal(t, tc.errorType, doc.Type)
			assert.Contains(t, doc.Message, tc.message)
			assert.NotNil(t, doc.StackTrace)
			assert.Zero(t, rt.Nexts(), "asked for an invocation after failing init")
			assert.Contains(t, p.Stderr(), tc.message, "the reason is in the function's log too")
		})
	}
}
