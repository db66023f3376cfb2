package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/hlstest"
	"github.com/cfhls/cfhls/playlist"
	"github.com/cfhls/cfhls/policy"
)

func TestDemoClockHandler(t *testing.T) {
	base := time.Unix(1700000000, 0)
	for _, tc := range []struct {
		name   string
		form   url.Values
		status int
		offset time.Duration // after the request, starting 1h ahead
	}{
		{"advance", url.Values{"advance": {"7h"}}, http.StatusOK, 8 * time.Hour},
		{"reset", url.Values{"reset": {"1"}}, http.StatusOK, 0},
		{"both", url.Values{"reset": {"1"}, "advance": {"1h"}}, http.StatusBadRequest, time.Hour},
		{"nothing", url.Values{}, http.StatusBadRequest, time.Hour},
		{"not a duration", url.Values{"advance": {"soon"}}, http.StatusBadRequest, time.Hour},
		{"backwards", url.Values{"advance": {"-1h"}}, http.StatusBadRequest, time.Hour},
		{"too far", url.Values{"advance": {"9999h"}}, http.StatusBadRequest, time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &demoClock{base: func() time.Time { return base }}
			require.NoError(t, c.advance(time.Hour))
			hub := newEventHub()
			sub, unsubscribe := hub.subscribe()
			defer unsubscribe()
			srv := http.Handler(clockHandler(c, hub))
			resp := postForm(t, srv, tc.form)
			assert.Equal(t, tc.status, resp.Code, resp.Body.String())
			assert.Equal(t, tc.offset, c.Offset())
			assert.Equal(t, base.Add(tc.offset), c.Now())
			if tc.status != http.StatusOK {
				assert.Empty(t, sub.ch, "a refused move is not on the timeline")
				return
			}
			var got clockState
			require.NoError(t, json.Unmarshal(resp.Body.Bytes(), &got))
			assert.Equal(t, clockState{Now: base.Add(tc.offset).UnixMilli(), Offset: tc.offset.Seconds()}, got)
			require.Len(t, sub.ch, 1)
			e := <-sub.ch
			assert.Equal(t, "page", e.Who)
			assert.Contains(t, e.Reason, "clock")
		})
	}
}

func postForm(t *testing.T, h http.Handler, form url.Values) *httptest.ResponseRecorder {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, "/demo/clock", strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// TestDemoClockMovesTheStack: one jump of the demo clock moves the
// simulated CloudFront, the sign endpoint and the key server together: the
// credentials in use are refused as expired everywhere, fresh ones from the
// sign endpoint play, and a reset makes the old ones good again.
func TestDemoClockMovesTheStack(t *testing.T) {
	st := startStack(t, playlist.ModePropagate, &testClock{t: time.Now()}, false)
	v := newViewer(t, st)
	old, status := v.sign(t, st, "sample")
	require.Equal(t, http.StatusOK, status)
	get := func(raw string) int {
		resp, err := v.client.Get(raw)
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		require.NoError(t, resp.Body.Close())
		return resp.StatusCode
	}
	keyURL := st.pageURL + "/keys/sample/enc/enc.key?" + old[strings.Index(old, "?")+1:]
	require.Equal(t, http.StatusOK, get(old))

	resp, err := v.client.PostForm(st.pageURL+"/demo/clock", url.Values{"advance": {"7h"}})
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusOK, resp.StatusCode)

	assert.Equal(t, http.StatusForbidden, get(old), "the CDN: expired")
	last := st.cdn.Refusals()[len(st.cdn.Refusals())-1]
	assert.Contains(t, last.Err.Error(), "expired")
	fresh, status := v.sign(t, st, "sample")
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, http.StatusOK, get(fresh), "the sign endpoint signs on the jumped clock")
	report, err := (&hlstest.Player{Client: v.client, Header: http.Header{"Origin": {st.pageURL}}}).Play(t.Context(), fresh)
	require.NoError(t, err)
	hlstest.RequirePlayable(t, report)

	resp, err = v.client.PostForm(st.pageURL+"/demo/clock", url.Values{"reset": {"1"}})
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	assert.Equal(t, http.StatusOK, get(old), "back on the base clock")
	assert.Equal(t, http.StatusOK, get(keyURL), "the key server, back on the base clock")
}

func TestDemoPolicy(t *testing.T) {
	exp := time.Unix(1800000000, 0)
	p := policy.New("http://127.0.0.1:8081/sample/*", exp)
	doc, err := p.JSON()
	require.NoError(t, err)
	for _, tc := range []struct {
		name   string
		query  string
		cookie string
		status int
		want   policyView
	}{
		{"from the query", "?policy=" + url.QueryEscape(policy.Encode(doc)), "", http.StatusOK,
			policyView{Source: "url", Resource: p.Resource, Expires: exp.Unix()}},
		{"from the cookie", "", policy.Encode(doc), http.StatusOK,
			policyView{Source: "cookies", Resource: p.Resource, Expires: exp.Unix()}},
		{"none", "", "", http.StatusNotFound, policyView{}},
		{"not base64", "?policy=%25%25", "", http.StatusBadRequest, policyView{}},
		{"not a policy", "?policy=" + policy.Encode([]byte(`{"x":1}`)), "", http.StatusBadRequest, policyView{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, "/demo/policy"+tc.query, nil)
			require.NoError(t, err)
			if tc.cookie != "" {
				req.AddCookie(&http.Cookie{Name: "CloudFront-Policy", Value: tc.cookie})
			}
			rec := httptest.NewRecorder()
			servePolicy(rec, req)
			require.Equal(t, tc.status, rec.Code, rec.Body.String())
			if tc.status != http.StatusOK {
				return
			}
			var got policyView
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &got))
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestDemoVariants(t *testing.T) {
	st := startStack(t, playlist.ModePropagate, &testClock{t: time.Now()}, false)
	for _, tc := range []struct {
		name   string
		id     string
		status int
		want   []variant
	}{
		{"sample", "sample", http.StatusOK, []variant{
			{URI: "low/index.m3u8", Width: 320, Height: 180, Bandwidth: 181232},
			{URI: "high/index.m3u8", Width: 640, Height: 360, Bandwidth: 306816},
			{URI: "enc/index.m3u8", Width: 320, Height: 180, Bandwidth: 181248, Encryption: "AES-128"},
		}},
		{"live channel, keys rotating", "live/ts", http.StatusOK, nil},
		{"missing", "nothing/here", http.StatusOK, []variant{}},
		{"bad id", "../sample", http.StatusBadRequest, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := http.Get(st.pageURL + "/demo/variants?id=" + url.QueryEscape(tc.id))
			require.NoError(t, err)
			defer resp.Body.Close()
			require.Equal(t, tc.status, resp.StatusCode)
			if tc.status != http.StatusOK {
				return
			}
			var got struct{ Variants []variant }
			require.NoError(t, json.NewDecoder(resp.Body).Decode(&got))
			if tc.want != nil {
				assert.Equal(t, tc.want, got.Variants)
				return
			}
			require.NotEmpty(t, got.Variants)
			for _, v := range got.Variants {
				assert.Positive(t, v.Bandwidth, v.URI)
				assert.Equal(t, "AES-128", v.Encryption, "keys rotate on every variant of live/ts: %s", v.URI)
			}
		})
	}
	assert.Empty(t, st.cdn.Log(), "the variants come from the origin, not through the CDN")
}

// TestStackTimeline: a viewer's login, sign and playback, and a refusal,
// arrive on /events in order, with short credentials.
func TestStackTimeline(t *testing.T) {
	for _, mode := range allModes {
		t.Run(mode.String(), func(t *testing.T) {
			st := startStack(t, mode, &testClock{t: time.Now()}, false)
			s := openEvents(t, st.pageURL+"/events")
			require.Eventually(t, func() bool { return st.events.subscribers() == 1 }, 5*time.Second, 10*time.Millisecond)
			v := newViewer(t, st)
			u, status := v.sign(t, st, "sample")
			require.Equal(t, http.StatusOK, status)
			e := s.next(t)
			assert.Equal(t, []string{"page", "POST", "/login", "allowed"}, []string{e.Who, e.Method, e.Path, e.Decision})
			e = s.next(t)
			assert.Equal(t, []string{"page", "GET", "/sign?id=sample", "allowed", "cookies"}, []string{e.Who, e.Method, e.Path, e.Decision, e.Source})

			report, err := (&hlstest.Player{Client: v.client, Header: http.Header{"Origin": {st.pageURL}}}).Play(t.Context(), u)
			require.NoError(t, err)
			hlstest.RequirePlayable(t, report)
			e = s.until(t, func(e event) bool { return e.Who == "cdn" })
			assert.True(t, strings.HasPrefix(e.Path, "/sample/master.m3u8"), e.Path)
			assert.Equal(t, "allowed", e.Decision)
			want := "url"
			if mode == playlist.ModeCookies {
				want = "cookies"
			}
			assert.Equal(t, want, e.Source)
			key := s.until(t, func(e event) bool { return strings.HasPrefix(e.Path, "/keys/") })
			assert.Equal(t, []string{"page", "allowed"}, []string{key.Who, key.Decision})

			resp, err := http.Get(st.masterURL("sample") + "?Policy=eyJTdGF0ZW1lbnQiOltdfQ__&Signature=AAAAAAAAAAAAAAAA&Key-Pair-Id=K")
			require.NoError(t, err)
			require.NoError(t, resp.Body.Close())
			e = s.until(t, func(e event) bool { return e.Decision == "refused" })
			assert.Equal(t, "cdn", e.Who)
			assert.Equal(t, http.StatusForbidden, e.Status)
			assert.NotEmpty(t, e.Reason)
			assert.Contains(t, e.Path, "Signature=AAAAAA…", "signatures are shortened")
			assert.NotContains(t, e.Path, "AAAAAAAAAAAAAAAA")
		})
	}
}
