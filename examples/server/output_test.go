package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/hlstest"
	"github.com/cfhls/cfhls/signer"
)

// startRun runs the demo as main does, with args and both servers on free
// ports, until the test ends, and returns what it prints and logs once it
// has printed the last presentation.
func startRun(t *testing.T, args ...string) (out, log *safeBuilder) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, log = &safeBuilder{}, &safeBuilder{}
	done := make(chan int)
	go func() {
		done <- run(ctx, append([]string{"-addr", "127.0.0.1:0", "-cdn-addr", "127.0.0.1:0"}, args...), out, log)
	}()
	t.Cleanup(func() {
		cancel()
		assert.Equal(t, 0, <-done, "log:\n%s", log.String())
	})
	// The last presentation's title, then its signed URL or its ffmpeg
	// command, ends the output.
	last := regexp.MustCompile(`Live channel, regular HLS[^\n]*\n(?:.*\n)*(?:http://|  ffmpeg )\S.*\n`)
	require.Eventually(t, func() bool { return last.MatchString(out.String()) },
		20*time.Second, 10*time.Millisecond, "output:\n%s\nlog:\n%s", out.String(), log.String())
	return out, log
}

// printedFFmpeg matches the ffmpeg command printed in cookies mode.
var printedFFmpeg = regexp.MustCompile(`(?m)^  ffmpeg -cookies \$'([^']*)' -i (\S+) -map 0 -c copy -f null -$`)

// TestRunCookiesModePrintsWhatPlays: in cookies mode the demo prints, for
// each presentation, an ffmpeg command whose -cookies value (one
// "name=value; path=/" line per cookie, no domain) gets the unsigned master
// URL it names through the simulated CloudFront, which refuses it without
// them; the sample plays with them, its key included.
func TestRunCookiesModePrintsWhatPlays(t *testing.T) {
	out, _ := startRun(t, "-mode", "cookies", "-quiet")
	assert.NotContains(t, out.String(), "Signed master playlist", "no URL plays as is in cookies mode")
	commands := printedFFmpeg.FindAllStringSubmatch(out.String(), -1)
	require.Len(t, commands, 3, "output:\n%s", out.String())
	for i, id := range []string{"sample", "live/ll", "live/ts"} {
		t.Run(id, func(t *testing.T) {
			cookieLines, master := commands[i][1], commands[i][2]
			require.True(t, strings.HasSuffix(master, "/"+id+"/master.m3u8"), master)
			require.NotContains(t, master, "?", "the master URL is unsigned")
			var pairs []string
			names := map[string]bool{}
			for _, line := range strings.Split(strings.TrimSuffix(cookieLines, `\n`), `\n`) {
				pair, ok := strings.CutSuffix(line, "; path=/")
				require.True(t, ok, "ffmpeg needs path=/: %q", line)
				assert.NotContains(t, pair, "domain", "ffmpeg compares a domain with host:port")
				name, _, _ := strings.Cut(pair, "=")
				names[name] = true
				pairs = append(pairs, pair)
			}
			for _, name := range []string{signer.CookiePolicy, signer.CookieSignature, signer.CookieKeyPairID, sessionCookie} {
				assert.True(t, names[name], "cookie %s", name)
			}
			assert.Contains(t, out.String(), "  Cookie: "+strings.Join(pairs, "; ")+"\n")
			cookie := http.Header{"Cookie": {strings.Join(pairs, "; ")}}

			for _, tc := range []struct {
				name   string
				header http.Header
				status int
			}{
				{"with the printed cookies", cookie, http.StatusOK},
				{"without them", nil, http.StatusForbidden},
			} {
				t.Run(tc.name, func(t *testing.T) {
					status, body := fetch(t, master, tc.header)
					assert.Equal(t, tc.status, status, body)
				})
			}
			if id == "sample" {
				report, err := (&hlstest.Player{Header: cookie}).Play(context.Background(), master)
				require.NoError(t, err)
				hlstest.RequirePlayable(t, report)
				assert.Equal(t, 1, report.Count(hlstest.KindKey), "the key, from the key server by the session cookie")
			}
		})
	}
}

// fetch gets u with header, on a client that keeps one connection per
// host: the server answers a connection's requests one after the other, and
// logs each before it reads the next, so once a later request's log line is
// there, this one's is too.
func fetch(t *testing.T, u string, header http.Header) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	require.NoError(t, err)
	req.Header = header.Clone()
	if req.Header == nil {
		req.Header = http.Header{}
	}
	resp, err := serialClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

var serialClient = &http.Client{Transport: &http.Transport{MaxConnsPerHost: 1}}

// TestRunQuietLogsRefusalsAndErrors: -quiet leaves out the requests that
// were served and keeps refusals (by the simulated CloudFront or the
// rewriting origin) and errors; without it every request is logged.
func TestRunQuietLogsRefusalsAndErrors(t *testing.T) {
	type request struct{ url, line string }
	cases := []struct {
		name    string
		request func(cdn, page, signed string) request
		status  int
		quiet   bool // logged with -quiet
	}{
		{"allowed master", func(_, _, signed string) request {
			return request{signed, "cdn  200 GET /sample/master.m3u8?… [*.m3u8] allowed by url"}
		}, http.StatusOK, false},
		{"unsigned master, refused by CloudFront", func(cdn, _, _ string) request {
			return request{cdn + "/sample/master.m3u8", "cdn  403 GET /sample/master.m3u8 [*.m3u8] refused"}
		}, http.StatusForbidden, true},
		{"forged carried copies, refused by the origin", func(_, _, signed string) request {
			forged := strings.Replace(signed, "Signature-PREFIX=", "Signature-PREFIX=AAAA", 1)
			return request{forged, "cdn  403 GET /sample/master.m3u8?… [*.m3u8] allowed by url; origin answered 403"}
		}, http.StatusForbidden, true},
		{"player page", func(_, page, _ string) request { return request{page + "/", "page 200 GET /\n"} },
			http.StatusOK, false},
		{"sign without login", func(_, page, _ string) request {
			return request{page + "/sign?id=sample", "page 403 GET /sign?…"}
		}, http.StatusForbidden, true},
	}
	for _, quiet := range []bool{false, true} {
		name, args := "every request", []string{}
		if quiet {
			name, args = "-quiet", []string{"-quiet"}
		}
		t.Run(name, func(t *testing.T) {
			out, log := startRun(t, args...)
			cdn := regexp.MustCompile(`simulated CloudFront:\s+(\S+)`).FindStringSubmatch(out.String())
			page := regexp.MustCompile(`player page:\s+(\S+)/ `).FindStringSubmatch(out.String())
			signed := regexp.MustCompile(`(?m)^http://\S+/sample/master\.m3u8\?\S+$`).FindString(out.String())
			require.Len(t, cdn, 2, out.String())
			require.Len(t, page, 2, out.String())
			require.NotEmpty(t, signed, out.String())
			for i, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					r := tc.request(cdn[1], page[1], signed)
					status, body := fetch(t, r.url, nil)
					require.Equal(t, tc.status, status, body)
					// A refused request after it on the same connection,
					// logged either way, marks its log line as written.
					base := cdn[1]
					if strings.HasPrefix(r.url, page[1]) {
						base = page[1]
					}
					marker := "/marker" + string(rune('a'+i)) + "/x.m3u8"
					markStatus, _ := fetch(t, base+marker, nil)
					require.GreaterOrEqual(t, markStatus, http.StatusBadRequest)
					require.Eventually(t, func() bool { return strings.Contains(log.String(), marker) },
						5*time.Second, 10*time.Millisecond, log.String())
					if !quiet || tc.quiet {
						assert.Contains(t, log.String()+"\n", r.line)
					} else {
						assert.NotContains(t, log.String()+"\n", r.line)
					}
				})
			}
			if quiet {
				assert.NotContains(t, log.String(), " 200 ", "-quiet logs no request that was served")
				assert.Contains(t, log.String(), "playlist: 403 carried credentials refused: signer: bad signature",
					"the origin's reason, once")
			}
		})
	}
}

func TestCDNLine(t *testing.T) {
	for _, tc := range []struct {
		name string
		e    hlstest.Entry
		want string
	}{
		{"allowed, 200", hlstest.Entry{Method: "GET", URL: "http://cdn/sample/master.m3u8?Policy=x", Behavior: "*.m3u8",
			Decision: hlstest.DecisionAllowed, Source: signer.SourceURL, Status: http.StatusOK},
			"cdn  200 GET /sample/master.m3u8?… [*.m3u8] allowed by url"},
		{"allowed, the origin answered 403", hlstest.Entry{Method: "GET", URL: "http://cdn/sample/master.m3u8?Policy=x",
			Behavior: "*.m3u8", Decision: hlstest.DecisionAllowed, Source: signer.SourceURL, Status: http.StatusForbidden},
			"cdn  403 GET /sample/master.m3u8?… [*.m3u8] allowed by url; origin answered 403"},
		{"public, the origin answered 404", hlstest.Entry{Method: "GET", URL: "http://cdn/nothing", Behavior: "*",
			Decision: hlstest.DecisionUnchecked, Status: http.StatusNotFound},
			"cdn  404 GET /nothing [*] unchecked; origin answered 404"},
		{"refused by CloudFront, 403", hlstest.Entry{Method: "GET", URL: "http://cdn/sample/low/seg-0.ts", Behavior: "*",
			Decision: hlstest.DecisionRefused, Source: signer.SourceCookies, Status: http.StatusForbidden,
			Err: errors.New("signer: expired")},
			"cdn  403 GET /sample/low/seg-0.ts [*] refused by cookies: signer: expired"},
		{"a reason quoting the URL: its credentials shortened", hlstest.Entry{Method: "GET", URL: "http://cdn/sample/master.m3u8?Policy=eyJTdGF0ZW1lbnQiOlt7&Signature-PREFIX=abcdefghijklmnop",
			Behavior: "*.m3u8", Decision: hlstest.DecisionRefused, Source: signer.SourceURL, Status: http.StatusForbidden,
			Err: errors.New(`policy: resource does not match: "http://cdn/sample/master.m3u8?Policy-PREFIX=eyJTdGF0ZW1lbnQiOlt7&Signature-PREFIX=abcdefghijklmnop" does not match resource "http://cdn/live/ts/*"`)},
			`cdn  403 GET /sample/master.m3u8?… [*.m3u8] refused by url: policy: resource does not match: "http://cdn/sample/master.m3u8?Policy-PREFIX=eyJTdG…&Signature-PREFIX=abcdef…" does not match resource "http://cdn/live/ts/*"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, cdnLine(tc.e))
		})
	}
}
