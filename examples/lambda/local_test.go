package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"regexp"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCheckLocalAddr(t *testing.T) {
	for _, tc := range []struct {
		addr   string
		remote bool
		err    string
	}{
		{"127.0.0.1:9000", false, ""},
		{"127.0.0.2:0", false, ""},
		{"[::1]:9000", false, ""},
		{"localhost:9000", false, ""},
		{"LOCALHOST:9000", false, ""},
		{"[::ffff:127.0.0.1]:9000", false, ""},
		{":9000", false, "every interface"},
		{"0.0.0.0:9000", false, "not a loopback address"},
		{"[::]:9000", false, "not a loopback address"},
		{"192.0.2.1:9000", false, "not a loopback address"},
		{"example.com:9000", false, "not a loopback address"},
		{"0.0.0.0:9000", true, ""},
		{":9000", true, ""},
		{"127.0.0.1", false, "want host:port"},
		{"9000", true, "want host:port"},
	} {
		t.Run(tc.addr, func(t *testing.T) {
			err := checkLocalAddr(tc.addr, tc.remote)
			if tc.err == "" {
				assert.NoError(t, err)
				return
			}
			assert.ErrorContains(t, err, tc.err)
		})
	}
}

// TestRunNeitherMode runs main's logic in process: no Runtime API and no
// local address is a usage error that says what to set.
func TestRunNeitherMode(t *testing.T) {
	var stderr bytes.Buffer
	code := run(context.Background(), nil, env(map[string]string{"CFHLS_ORIGIN_URL": "http://127.0.0.1:1"}), &stderr)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr.String(), "AWS_LAMBDA_RUNTIME_API is not\nset")
	assert.Contains(t, stderr.String(), "CFHLS_LOCAL_ADDR=127.0.0.1:9000")
}

var servingOn = regexp.MustCompile(`serving on (http://\S+)`)

// testLocal runs the binary in local mode, asked by variable or by flag,
// and calls it with net/http as a user would with curl.
func testLocal(t *testing.T, bin string) {
	origin := origin(t)
	for _, tc := range []struct {
		name string
		over map[string]string
		args []string
	}{
		{"CFHLS_LOCAL_ADDR", map[string]string{"CFHLS_LOCAL_ADDR": "127.0.0.1:0"}, nil},
		{"-local flag", nil, []string{"-local", "127.0.0.1:0"}},
		{"-local localhost", nil, []string{"-local", "localhost:0"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := startBootstrap(t, bin, functionEnv(t, origin.URL, "propagate", tc.over), tc.args...)
			line := p.waitLine(t, "serving on", invokeTimeout)
			m := servingOn.FindStringSubmatch(line)
			require.NotNil(t, m, line)
			base := m[1]
			assert.Regexp(t, `^http://(127\.0\.0\.1|\[::1\]):\d+$`, base, "a loopback address")

			get := func(path string, header ...string) (*http.Response, string) {
				req, err := http.NewRequest(http.MethodGet, base+path, nil)
				require.NoError(t, err)
				for i := 0; i+1 < len(header); i += 2 {
					req.Header.Set(header[i], header[i+1])
				}
				resp, err := http.DefaultClient.Do(req)
				require.NoError(t, err)
				defer resp.Body.Close()
				body, err := io.ReadAll(resp.Body)
				require.NoError(t, err)
				return resp, string(body)
			}

			resp, body := get("/sign?id=1", "Authorization", "Bearer viewer-token")
			require.Equal(t, http.StatusOK, resp.StatusCode, body)
			assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
			var signed struct{ URL string }
			require.NoError(t, json.Unmarshal([]byte(body), &signed))
			assert.Equal(t, 1, verifyURIs(t, cdn+"/movies/1/index.m3u8", signed.URL))

			resp, body = get("/sign?id=1", "Authorization", "Bearer wrong")
			assert.Equal(t, http.StatusForbidden, resp.StatusCode, body)

			playlist := "/movies/1/index.m3u8?" + forwardedQuery(t, signed.URL)
			resp, body = get(playlist, originSecretHeader, testOriginSecret)
			require.Equal(t, http.StatusOK, resp.StatusCode, body)
			assert.Equal(t, "application/vnd.apple.mpegurl", resp.Header.Get("Content-Type"))
			assert.Equal(t, 1, verifyURIs(t, cdn+"/movies/1/index.m3u8", body))

			resp, body = get(playlist)
			assert.Equal(t, http.StatusForbidden, resp.StatusCode, body)

			if runtime.GOOS == "windows" {
				return // no SIGINT to send; Cleanup kills the process
			}
			require.NoError(t, p.cmd.Process.Signal(os.Interrupt))
			assert.Equal(t, exitOK, p.exitCode(t, invokeTimeout), "an interrupt shuts down cleanly")
			assert.Contains(t, p.Stderr(), "shutting down")
		})
	}
}

// testRefused runs the binary in ways it must refuse, with the exit status
// and the message it gives.
func testRefused(t *testing.T, bin string) {
	origin := origin(t)
	for _, tc := range []struct {
		name string
		over map[string]string
		args []string
		code int
		says []string
	}{
		{"neither Lambda nor local", nil, nil, exitUsage, []string{"AWS_LAMBDA_RUNTIME_API is not\nset", "CFHLS_LOCAL_ADDR=127.0.0.1:9000", "-local 127.0.0.1:9000"}},
		{"every interface", map[string]string{"CFHLS_LOCAL_ADDR": ":0"}, nil, exitUsage, []string{"every interface", "CFHLS_LOCAL_ALLOW_REMOTE=true"}},
		{"non-loopback address", nil, []string{"-local", "0.0.0.0:0"}, exitUsage, []string{`"0.0.0.0" is not a loopback address`}},
		{"bad CFHLS_LOCAL_ALLOW_REMOTE", map[string]string{"CFHLS_LOCAL_ADDR": "127.0.0.1:0", "CFHLS_LOCAL_ALLOW_REMOTE": "maybe"}, nil, exitUsage, []string{"CFHLS_LOCAL_ALLOW_REMOTE"}},
		{"unknown flag", nil, []string{"-remote"}, exitUsage, []string{"flag provided but not defined: -remote", "Usage: bootstrap"}},
		{"stray argument", nil, []string{"serve"}, exitUsage, []string{`unexpected arguments ["serve"]`}},
		{"bad configuration", map[string]string{"CFHLS_LOCAL_ADDR": "127.0.0.1:0", "CFHLS_MODE": "magic"}, nil, exitInit, []string{"CFHLS_MODE"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := startBootstrap(t, bin, functionEnv(t, origin.URL, "propagate", tc.over), tc.args...)
			// exitCode returns once stderr has been read to its end.
			assert.Equal(t, tc.code, p.exitCode(t, invokeTimeout))
			for _, s := range tc.says {
				assert.Contains(t, p.Stderr(), s)
			}
		})
	}
}
