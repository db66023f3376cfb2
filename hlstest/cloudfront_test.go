package hlstest

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/policy"
	"github.com/cfhls/cfhls/signer"
)

// cfFixture is a simulator with the tests' domain, clock and key group
// (RSAKey and ECDSAKey), an S3 origin holding movies/1, movies/10 and
// public/hello.txt, and a public behavior for /public/*.
type cfFixture struct {
	cf    *CloudFront
	clock *testClock
}

func newFixture(t testing.TB, opts ...Option) *cfFixture {
	t.Helper()
	clock := newTestClock(t0)
	fsys := mergeFS(Presentation("movies/1"), Presentation("movies/10"),
		fstest.MapFS{"public/hello.txt": {Data: []byte("hello")}})
	all := append([]Option{
		WithDomain(testDomain),
		WithClock(clock.Now),
		WithKey(RSAKey().ID, RSAKey().Public),
		WithKey(ECDSAKey().ID, ECDSAKey().Public),
		WithBehavior(Behavior{PathPattern: "/public/*", Public: true}),
	}, opts...)
	cf := NewCloudFront(NewS3Origin(fsys), all...)
	t.Cleanup(cf.Close)
	return &cfFixture{cf: cf, clock: clock}
}

// lastEntry returns the newest log entry.
func lastEntry(t testing.TB, cf *CloudFront) Entry {
	t.Helper()
	log := cf.Log()
	require.NotEmpty(t, log)
	return log[len(log)-1]
}

// rawParam returns the raw value of a query parameter.
func rawParam(rawURL, name string) string {
	_, q, _ := strings.Cut(rawURL, "?")
	for _, pair := range strings.Split(q, "&") {
		if n, v, _ := strings.Cut(pair, "="); n == name {
			return v
		}
	}
	return ""
}

// editParam replaces (or, with del, removes) a query parameter, keeping the
// other pairs as they are.
func editParam(rawURL, name, value string, del bool) string {
	base, q, _ := strings.Cut(rawURL, "?")
	var out []string
	for _, pair := range strings.Split(q, "&") {
		if n, _, _ := strings.Cut(pair, "="); n == name {
			if !del {
				out = append(out, name+"="+value)
			}
			continue
		}
		out = append(out, pair)
	}
	return base + "?" + strings.Join(out, "&")
}

// flip changes one character of a CloudFront base64 value.
func flip(s string) string {
	i := len(s) / 2
	c := byte('A')
	if s[i] == 'A' {
		c = 'B'
	}
	return s[:i] + string(c) + s[i+1:]
}

func mustSignURL(t testing.TB, s *signer.Signer, rawURL string, p policy.Policy) string {
	t.Helper()
	u, err := s.SignURL(rawURL, p)
	require.NoError(t, err)
	return u
}

func mustCookies(t testing.TB, s *signer.Signer, p policy.Policy) []*http.Cookie {
	t.Helper()
	c, err := s.Cookies(p, signer.CookieOptions{})
	require.NoError(t, err)
	return c
}

// signRaw signs a policy document as is with RSAKey (SHA-1), for documents
// the signer would never produce, and returns the signed URL.
func signRaw(t testing.TB, rawURL, doc string) string {
	t.Helper()
	k, ok := RSAKey().Private.(*rsa.PrivateKey)
	require.True(t, ok)
	sum := sha1.Sum([]byte(doc))
	sig, err := rsa.SignPKCS1v15(nil, k, crypto.SHA1, sum[:])
	require.NoError(t, err)
	return rawURL + "?Policy=" + policy.Encode([]byte(doc)) + "&Signature=" + policy.Encode(sig) + "&Key-Pair-Id=" + RSAKeyID
}

func TestCloudFrontRefuses(t *testing.T) {
	fx := newFixture(t)
	base := fx.cf.URL
	master := base + "/movies/1/master.m3u8"
	exp := t0.Add(time.Hour)
	wild := policy.New(base+"/movies/1/*", exp)
	rsa1 := newSigner(t, RSAKey(), crypto.SHA1)
	rsa256 := newSigner(t, RSAKey(), crypto.SHA256)
	untrusted := newSigner(t, NewECDSAKey("KUNTRUSTED0001"), crypto.SHA1)
	impostor, err := signer.New(RSAKeyID, NewECDSAKey("KIMPOSTOR00001").Private)
	require.NoError(t, err)
	signed := mustSignURL(t, rsa1, master, wild)

	ipBound := wild
	ipBound.SourceIP = netip.MustParsePrefix("203.0.113.0/24")
	later := wild
	later.NotBefore = t0.Add(30 * time.Minute)

	const (
		missing   = "Missing Key-Pair-Id query parameter or cookie value"
		unknown   = "Unknown Key"
		malformed = "Malformed Policy"
		denied    = "Access denied"
	)
	cases := []struct {
		name    string
		url     string
		cookies []*http.Cookie
		from    netip.Addr
		at      time.Time
		reason  error
		message string
	}{
		{name: "unsigned", url: master, reason: signer.ErrMissingKeyPairID, message: missing},
		{name: "unsigned segment", url: base + "/movies/1/video/360p/seg00000.ts", reason: signer.ErrMissingKeyPairID, message: missing},
		{name: "expired by the injected clock", url: signed, at: exp.Add(time.Hour), reason: signer.ErrExpired, message: denied},
		{name: "expired at DateLessThan exactly", url: signed, at: exp, reason: signer.ErrExpired, message: denied},
		{name: "not yet valid", url: mustSignURL(t, rsa1, master, later), reason: signer.ErrNotYetValid, message: denied},
		{name: "wrong IP", url: mustSignURL(t, rsa1, master, ipBound), from: netip.MustParseAddr("198.51.100.7"), reason: signer.ErrSourceIP, message: denied},
		{name: "connection IP outside the policy", url: mustSignURL(t, rsa1, master, ipBound), reason: signer.ErrSourceIP, message: denied},
		{name: "unknown key", url: mustSignURL(t, untrusted, master, wild), reason: signer.ErrUnknownKey, message: unknown},
		{name: "trusted key ID, signature by another key", url: mustSignURL(t, impostor, master, wild), reason: signer.ErrBadSignature, message: denied},
		{name: "tampered policy", url: func() string {
			doc, err := policy.Decode(rawParam(signed, "Policy"))
			require.NoError(t, err)
			widened := strings.Replace(string(doc), "/movies/1/*", "/movies/*", 1)
			require.NotEqual(t, string(doc), widened)
			return editParam(signed, "Policy", policy.Encode([]byte(widened)), false)
		}(), reason: signer.ErrBadSignature, message: denied},
		{name: "garbled policy", url: editParam(signed, "Policy", "not%20base64", false), reason: signer.ErrMalformedPolicy, message: malformed},
		{name: "tampered signature", url: editParam(signed, "Signature", flip(rawParam(signed, "Signature")), false), reason: signer.ErrBadSignature, message: denied},
		{name: "missing Key-Pair-Id", url: editParam(signed, "Key-Pair-Id", "", true), reason: signer.ErrMissingKeyPairID, message: missing},
		{name: "missing Signature", url: editParam(signed, "Signature", "", true), reason: signer.ErrBadSignature, message: denied},
		{name: "canned URL reused for another object", url: strings.Replace(
			mustSignURL(t, rsa1, base+"/movies/1/video/360p/seg00000.ts", policy.New(base+"/movies/1/video/360p/seg00000.ts", exp)),
			"seg00000.ts", "seg00001.ts", 1), reason: signer.ErrBadSignature, message: denied},
		{name: "canned URL with a parameter added after signing", url: mustSignURL(t, rsa1, master, policy.New(master, exp)) + "&v=2",
			reason: signer.ErrBadSignature, message: denied},
		{name: "wildcard for /movies/1/* used on /movies/10/", url: strings.Replace(signed, "/movies/1/", "/movies/10/", 1),
			reason: signer.ErrResource, message: denied},
		{name: "? matches one character, not two", url: strings.Replace(
			mustSignURL(t, rsa1, master, policy.New(base+"/movies/?/*", exp)), "/movies/1/", "/movies/10/", 1),
			reason: signer.ErrResource, message: denied},
		{name: "policy for another host", url: func() string {
			c, err := rsa1.Credentials(policy.New("https://d222222abcdef8.cloudfront.net/movies/1/*", exp))
			require.NoError(t, err)
			return master + "?" + c.Encode()
		}(), reason: signer.ErrResource, message: denied},
		{name: "policy for http used over https", url: func() string {
			c, err := rsa1.Credentials(policy.New("http://"+testDomain+"/movies/1/*", exp))
			require.NoError(t, err)
			return master + "?" + c.Encode()
		}(), reason: signer.ErrResource, message: denied},
		{name: "SHA-256 signature without Hash-Algorithm", url: editParam(mustSignURL(t, rsa256, master, wild), "Hash-Algorithm", "", true),
			reason: signer.ErrBadSignature, message: denied},
		{name: "unknown Hash-Algorithm", url: editParam(mustSignURL(t, rsa256, master, wild), "Hash-Algorithm", "MD5", false),
			reason: signer.ErrMalformedPolicy, message: malformed},
		{name: "policy with two statements", url: signRaw(t, master, fmt.Sprintf(
			`{"Statement":[{"Resource":"%[1]s","Condition":{"DateLessThan":{"AWS:EpochTime":%[2]d}}},{"Resource":"%[1]s","Condition":{"DateLessThan":{"AWS:EpochTime":%[2]d}}}]}`,
			base+"/movies/1/*", exp.Unix())), reason: signer.ErrMalformedPolicy, message: malformed},
		{name: "policy with an IPv6 source", url: signRaw(t, master, fmt.Sprintf(
			`{"Statement":[{"Resource":"%s","Condition":{"IpAddress":{"AWS:SourceIp":"2001:db8::/32"},"DateLessThan":{"AWS:EpochTime":%d}}}]}`,
			base+"/movies/1/*", exp.Unix())), reason: signer.ErrMalformedPolicy, message: malformed},
		{name: "canned playlist URL with _HLS_msn added by an LL-HLS client",
			url:    mustSignURL(t, rsa1, master, policy.New(master, exp)) + "&_HLS_msn=101&_HLS_part=2",
			reason: signer.ErrBadSignature, message: denied},
		{name: "cookies ignored when the URL has a bad signature", url: editParam(signed, "Signature", flip(rawParam(signed, "Signature")), false),
			cookies: mustCookies(t, rsa1, wild), reason: signer.ErrBadSignature, message: denied},
		{name: "cookies ignored when the URL has only Expires", url: master + "?Expires=2000000000",
			cookies: mustCookies(t, rsa1, wild), reason: signer.ErrMissingKeyPairID, message: missing},
		{name: "cookies ignored when the URL has only Key-Pair-Id", url: master + "?Key-Pair-Id=" + RSAKeyID,
			cookies: mustCookies(t, rsa1, wild), reason: signer.ErrMalformedPolicy, message: malformed},
		{name: "expired cookies", url: master, cookies: mustCookies(t, rsa1, wild), at: exp.Add(time.Second), reason: signer.ErrExpired, message: denied},
		{name: "cookies for another directory", url: base + "/movies/10/master.m3u8", cookies: mustCookies(t, rsa1, wild),
			reason: signer.ErrResource, message: denied},
		{name: "cookies without a signature", url: master, cookies: func() []*http.Cookie {
			var out []*http.Cookie
			for _, c := range mustCookies(t, rsa1, wild) {
				if c.Name != signer.CookieSignature {
					out = append(out, c)
				}
			}
			return out
		}(), reason: signer.ErrBadSignature, message: denied},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			at := tc.at
			if at.IsZero() {
				at = t0
			}
			fx.clock.Set(at)
			defer fx.clock.Set(t0)
			client := fx.cf.Client()
			if tc.from.IsValid() {
				client = fx.cf.ClientFrom(tc.from)
			}
			resp, body := get(t, client, tc.url, tc.cookies...)
			assert.Equal(t, http.StatusForbidden, resp.StatusCode)
			assert.Equal(t, "text/xml", resp.Header.Get("Content-Type"))
			assert.Equal(t, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>`+tc.message+`</Message></Error>`, body)
			assert.Equal(t, "Error from cloudfront", resp.Header.Get("X-Cache"))

			e := lastEntry(t, fx.cf)
			assert.Equal(t, Refused, e.Decision)
			assert.ErrorIs(t, e.Err, tc.reason)
			assert.Equal(t, http.StatusForbidden, e.Status)
			assert.Empty(t, e.OriginURI, "the origin must not be asked")
			assert.Equal(t, tc.url, e.URL)
			if tc.from.IsValid() {
				assert.Equal(t, tc.from, e.ClientIP)
			}
		})
	}
}

func TestCloudFrontAllows(t *testing.T) {
	fx := newFixture(t)
	base := fx.cf.URL
	master := base + "/movies/1/master.m3u8"
	seg := base + "/movies/1/video/360p/seg00001.ts?v=2"
	exp := t0.Add(time.Hour)
	wild := policy.New(base+"/movies/1/*", exp)
	ipBound := wild
	ipBound.SourceIP = netip.MustParsePrefix("203.0.113.0/24")
	later := wild
	later.NotBefore = t0.Add(30 * time.Minute)

	signers := map[string]*signer.Signer{
		"RSA SHA-1":     newSigner(t, RSAKey(), crypto.SHA1),
		"RSA SHA-256":   newSigner(t, RSAKey(), crypto.SHA256),
		"ECDSA SHA-1":   newSigner(t, ECDSAKey(), crypto.SHA1),
		"ECDSA SHA-256": newSigner(t, ECDSAKey(), crypto.SHA256),
	}
	rsa1 := signers["RSA SHA-1"]
	type tc struct {
		name    string
		url     string
		cookies []*http.Cookie
		from    netip.Addr
		at      time.Time
		source  signer.Source
		keyID   string
	}
	cases := []tc{
		{name: "canned URL", url: mustSignURL(t, rsa1, master, policy.New(master, exp)), source: "url", keyID: RSAKeyID},
		{name: "canned URL with its own query", url: mustSignURL(t, rsa1, seg, policy.New(seg, exp)), source: "url", keyID: RSAKeyID},
		{name: "canned URL with two query parameters", url: mustSignURL(t, rsa1, seg+"&w=a%2Fb", policy.New(seg+"&w=a%2Fb", exp)), source: "url", keyID: RSAKeyID},
		{name: "custom policy for the URL itself", url: mustSignURL(t, rsa1, master, policy.New(master, exp)), source: "url", keyID: RSAKeyID},
		{name: "wildcard covers a query", url: mustSignURL(t, rsa1, seg, wild), source: "url", keyID: RSAKeyID},
		{name: "resource * covers everything", url: mustSignURL(t, rsa1, master, policy.New("*", exp)), source: "url", keyID: RSAKeyID},
		{name: "? matches one character", url: mustSignURL(t, rsa1, master, policy.New(base+"/movies/?/*", exp)), source: "url", keyID: RSAKeyID},
		{name: "IP inside the policy", url: mustSignURL(t, rsa1, master, ipBound), from: netip.MustParseAddr("203.0.113.9"), source: "url", keyID: RSAKeyID},
		{name: "not-yet-valid policy once valid", url: mustSignURL(t, rsa1, master, later), at: later.NotBefore, source: "url", keyID: RSAKeyID},
		{name: "one second before DateLessThan", url: mustSignURL(t, rsa1, master, wild), at: exp.Add(-time.Second), source: "url", keyID: RSAKeyID},
		{name: "cookies where the URL has no signing parameters", url: master, cookies: mustCookies(t, rsa1, wild), source: "cookies", keyID: RSAKeyID},
		{name: "cookies with a viewer query", url: seg, cookies: mustCookies(t, rsa1, wild), source: "cookies", keyID: RSAKeyID},
		{name: "canned cookies for the URL", url: master, cookies: mustCookies(t, rsa1, policy.New(master, exp)), source: "cookies", keyID: RSAKeyID},
		{name: "wildcard with LL-HLS _HLS_ parameters", url: mustSignURL(t, rsa1, master, wild) + "&_HLS_msn=101&_HLS_part=2&_HLS_skip=YES",
			source: "url", keyID: RSAKeyID},
		{name: "public behavior without credentials", url: base + "/public/hello.txt"},
	}
	for name, s := range signers {
		cases = append(cases,
			tc{name: name + " URL", url: mustSignURL(t, s, master, wild), source: "url", keyID: s.KeyPairID()},
			tc{name: name + " cookies", url: master, cookies: mustCookies(t, s, wild), source: "cookies", keyID: s.KeyPairID()})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			at := tc.at
			if at.IsZero() {
				at = t0
			}
			fx.clock.Set(at)
			defer fx.clock.Set(t0)
			client := fx.cf.Client()
			if tc.from.IsValid() {
				client = fx.cf.ClientFrom(tc.from)
			}
			resp, body := get(t, client, tc.url, tc.cookies...)
			require.Equal(t, http.StatusOK, resp.StatusCode, body)
			assert.Equal(t, "Miss from cloudfront", resp.Header.Get("X-Cache"))

			e := lastEntry(t, fx.cf)
			assert.NoError(t, e.Err)
			assert.Equal(t, tc.source, e.Source)
			assert.Equal(t, tc.keyID, e.KeyPairID)
			if tc.source == "" {
				assert.Equal(t, Unchecked, e.Decision)
			} else {
				assert.Equal(t, Allowed, e.Decision)
			}
			assert.NotEmpty(t, e.OriginURI)
			assert.False(t, hasSigningParam(t, e.OriginURI), "origin saw %s", e.OriginURI)
			assert.Equal(t, strings.Split(strings.TrimPrefix(tc.url, base), "?")[0], e.OriginURI,
				"the default behavior forwards no query")
		})
	}
}

func TestCloudFrontWithoutDomain(t *testing.T) {
	k := ECDSAKey()
	cf := NewCloudFront(NewS3Origin(Presentation("movies/1")), WithKey(k.ID, k.Public))
	defer cf.Close()
	require.True(t, strings.HasPrefix(cf.URL, "http://127.0.0.1:") || strings.HasPrefix(cf.URL, "http://[::1]:"), cf.URL)
	assert.False(t, strings.HasSuffix(cf.URL, "/"))
	assert.Nil(t, cf.Certificate())

	s, err := signer.New(k.ID, k.Private)
	require.NoError(t, err)
	u := cf.URL + "/movies/1/master.m3u8"
	signed := mustSignURL(t, s, u, policy.New(cf.URL+"/movies/1/*", time.Now().Add(time.Hour)))
	resp, _ := get(t, cf.Client(), signed)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	e := lastEntry(t, cf)
	assert.True(t, e.ClientIP.IsLoopback(), "client IP from the connection: %v", e.ClientIP)
	assert.Equal(t, u, strings.Split(e.URL, "?")[0])
	assert.WithinDuration(t, time.Now(), e.Time, time.Minute, "the default clock is time.Now")

	ip := netip.MustParseAddr("192.0.2.44")
	bound := policy.New(cf.URL+"/movies/1/*", time.Now().Add(time.Hour))
	bound.SourceIP = netip.MustParsePrefix("192.0.2.0/24")
	signed = mustSignURL(t, s, u, bound)
	resp, _ = get(t, cf.ClientFrom(ip), signed)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, ip, lastEntry(t, cf).ClientIP)
	resp, _ = get(t, cf.Client(), signed)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, "the shared client still has the connection's address")
}

func TestCloudFrontDomain(t *testing.T) {
	fx := newFixture(t)
	assert.Equal(t, "https://"+testDomain, fx.cf.URL)
	require.NotNil(t, fx.cf.Certificate())
	assert.Contains(t, fx.cf.Certificate().DNSNames, testDomain)

	s := newSigner(t, RSAKey(), crypto.SHA1)
	master := fx.cf.URL + "/movies/1/master.m3u8"
	signed := mustSignURL(t, s, master, policy.New(fx.cf.URL+"/movies/1/*", t0.Add(time.Hour)))

	t.Run("the viewer URL keeps the host the viewer sent", func(t *testing.T) {
		resp, _ := get(t, fx.cf.Client(), signed)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Equal(t, signed, lastEntry(t, fx.cf).URL)
	})
	t.Run("an explicit port reaches the simulator too", func(t *testing.T) {
		withPort := strings.Replace(signed, testDomain, testDomain+":443", 1)
		resp, _ := get(t, fx.cf.Client(), withPort)
		assert.Equal(t, http.StatusForbidden, resp.StatusCode, "the resource names no port")
		assert.ErrorIs(t, lastEntry(t, fx.cf).Err, signer.ErrResource)
	})
	t.Run("the listener's own address is another host", func(t *testing.T) {
		direct := strings.Replace(signed, testDomain, fx.cf.addr, 1)
		resp, _ := get(t, fx.cf.Client(), direct)
		assert.Equal(t, http.StatusForbidden, resp.StatusCode)
		assert.ErrorIs(t, lastEntry(t, fx.cf).Err, signer.ErrResource)
	})
	t.Run("a client that does not trust the certificate fails", func(t *testing.T) {
		tr := &http.Transport{DialContext: fx.cf.Client().Transport.(*http.Transport).DialContext}
		defer tr.CloseIdleConnections()
		_, err := (&http.Client{Transport: tr}).Get(signed)
		assert.Error(t, err)
	})
}

func TestCloudFrontMethods(t *testing.T) {
	fx := newFixture(t)
	s := newSigner(t, RSAKey(), crypto.SHA1)
	master := fx.cf.URL + "/movies/1/master.m3u8"
	signed := mustSignURL(t, s, master, policy.New(fx.cf.URL+"/movies/1/*", t0.Add(time.Hour)))
	for _, tc := range []struct {
		method string
		status int
	}{
		{http.MethodGet, http.StatusOK},
		{http.MethodHead, http.StatusOK},
		{http.MethodPost, http.StatusForbidden},
		{http.MethodPut, http.StatusForbidden},
		{http.MethodDelete, http.StatusForbidden},
		{http.MethodOptions, http.StatusForbidden},
	} {
		t.Run(tc.method, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, signed, nil)
			require.NoError(t, err)
			resp, err := fx.cf.Client().Do(req)
			require.NoError(t, err)
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			assert.Equal(t, tc.status, resp.StatusCode)
			e := lastEntry(t, fx.cf)
			if tc.status == http.StatusForbidden {
				assert.ErrorIs(t, e.Err, ErrMethodNotAllowed)
				assert.Contains(t, string(body), "<Code>MethodNotAllowed</Code>")
			} else {
				assert.Equal(t, Allowed, e.Decision)
			}
		})
	}
}

func TestCloudFrontCORS(t *testing.T) {
	const site = "https://player.example.com"
	cors := &CORS{AllowOrigins: []string{site}, ExposeHeaders: []string{"Content-Length"}, MaxAge: 10 * time.Minute}
	fx := newFixture(t, WithDefaultBehavior(Behavior{CORS: cors}))
	master := fx.cf.URL + "/movies/1/master.m3u8"
	s := newSigner(t, RSAKey(), crypto.SHA1)
	signed := mustSignURL(t, s, master, policy.New(fx.cf.URL+"/movies/1/*", t0.Add(time.Hour)))

	do := func(t *testing.T, method, u, origin string, extra map[string]string) *http.Response {
		t.Helper()
		req, err := http.NewRequest(method, u, nil)
		require.NoError(t, err)
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		for k, v := range extra {
			req.Header.Set(k, v)
		}
		resp, err := fx.cf.Client().Do(req)
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	t.Run("403 carries CORS headers", func(t *testing.T) {
		resp := do(t, http.MethodGet, master, site, nil)
		assert.Equal(t, http.StatusForbidden, resp.StatusCode)
		assert.Equal(t, site, resp.Header.Get("Access-Control-Allow-Origin"))
		assert.Equal(t, "Content-Length", resp.Header.Get("Access-Control-Expose-Headers"))
		assert.Contains(t, resp.Header.Values("Vary"), "Origin")
	})
	t.Run("200 carries CORS headers", func(t *testing.T) {
		resp := do(t, http.MethodGet, signed, site, nil)
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Equal(t, site, resp.Header.Get("Access-Control-Allow-Origin"))
	})
	t.Run("other origins get none", func(t *testing.T) {
		resp := do(t, http.MethodGet, master, "https://evil.example", nil)
		assert.Equal(t, http.StatusForbidden, resp.StatusCode)
		assert.Empty(t, resp.Header.Get("Access-Control-Allow-Origin"))
	})
	t.Run("preflight is answered without credentials", func(t *testing.T) {
		resp := do(t, http.MethodOptions, master, site, map[string]string{
			"Access-Control-Request-Method":  "GET",
			"Access-Control-Request-Headers": "range",
		})
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Equal(t, site, resp.Header.Get("Access-Control-Allow-Origin"))
		assert.Equal(t, "GET, HEAD", resp.Header.Get("Access-Control-Allow-Methods"))
		assert.Equal(t, "range", resp.Header.Get("Access-Control-Allow-Headers"))
		assert.Equal(t, "600", resp.Header.Get("Access-Control-Max-Age"))
		e := lastEntry(t, fx.cf)
		assert.Equal(t, Preflight, e.Decision)
		assert.Empty(t, e.OriginURI)
	})
	t.Run("behaviors without CORS add nothing", func(t *testing.T) {
		resp := do(t, http.MethodGet, fx.cf.URL+"/public/hello.txt", site, nil)
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Empty(t, resp.Header.Get("Access-Control-Allow-Origin"))
	})
}

func TestCORSAnyOrigin(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cors  CORS
		allow string
		creds string
	}{
		{name: "any origin", cors: CORS{}, allow: "*"},
		{name: "star", cors: CORS{AllowOrigins: []string{"*"}}, allow: "*"},
		{name: "any origin with credentials echoes it", cors: CORS{AllowCredentials: true}, allow: "https://a.example", creds: "true"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := http.NewRequest(http.MethodGet, "https://x/", nil)
			require.NoError(t, err)
			r.Header.Set("Origin", "https://a.example")
			h := http.Header{}
			assert.True(t, tc.cors.apply(h, r))
			assert.Equal(t, tc.allow, h.Get("Access-Control-Allow-Origin"))
			assert.Equal(t, tc.creds, h.Get("Access-Control-Allow-Credentials"))
		})
	}
}

func TestCloudFrontConcurrentLog(t *testing.T) {
	fx := newFixture(t)
	s := newSigner(t, ECDSAKey(), crypto.SHA256)
	signed := mustSignURL(t, s, fx.cf.URL+"/movies/1/master.m3u8", policy.New(fx.cf.URL+"/movies/1/*", t0.Add(time.Hour)))
	const n = 40
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			u := signed
			if i%2 == 1 {
				u = fx.cf.URL + "/movies/1/master.m3u8"
			}
			resp, err := fx.cf.Client().Get(u)
			if assert.NoError(t, err) {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			_ = fx.cf.Log()
		}(i)
	}
	wg.Wait()
	assert.Len(t, fx.cf.Log(), n)
	assert.Len(t, fx.cf.Refusals(), n/2)
	for _, e := range fx.cf.Refusals() {
		assert.ErrorIs(t, e.Err, signer.ErrMissingKeyPairID)
		assert.Contains(t, e.String(), "403 GET https://"+testDomain+"/movies/1/master.m3u8 [*] refused: ")
	}
	fx.cf.Reset()
	assert.Empty(t, fx.cf.Log())
}

func TestCloudFrontCloseWaitsForRequests(t *testing.T) {
	entered := make(chan struct{})
	release := make(chan struct{})
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
		_, _ = io.WriteString(w, "done")
	})
	cf := NewCloudFront(slow, WithDefaultBehavior(Behavior{Public: true}))
	got := make(chan string, 1)
	go func() {
		resp, err := cf.Client().Get(cf.URL + "/slow")
		if err != nil {
			got <- err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got <- string(b)
	}()
	<-entered
	closed := make(chan struct{})
	go func() {
		cf.Close()
		close(closed)
	}()
	select {
	case <-closed:
		t.Fatal("Close returned while a request was in flight")
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return after the request completed")
	}
	assert.Equal(t, "done", <-got)
	require.Len(t, cf.Log(), 1, "the log stays readable after Close")
	assert.Equal(t, http.StatusOK, cf.Log()[0].Status)
}

func TestNewCloudFrontPanics(t *testing.T) {
	origin := http.NotFoundHandler()
	for _, tc := range []struct {
		name   string
		origin http.Handler
		opts   []Option
		want   string
	}{
		{name: "no origin", want: "default behavior has no origin"},
		{name: "behavior without origin", opts: []Option{WithDefaultBehavior(Behavior{Origin: origin}), WithBehavior(Behavior{PathPattern: "*.ts"})}, want: `WithBehavior("*.ts")`},
		{name: "behavior without pattern", origin: origin, opts: []Option{WithBehavior(Behavior{})}, want: "needs a PathPattern"},
		{name: "not a key", origin: origin, opts: []Option{WithKey("K1", "not a key")}, want: `WithKey("K1")`},
		{name: "bad key ID", origin: origin, opts: []Option{WithKey("K 1", ECDSAKey().Public)}, want: `WithKey("K 1")`},
		{name: "domain with scheme", origin: origin, opts: []Option{WithDomain("https://d.cloudfront.net")}, want: "WithDomain"},
		{name: "domain with port", origin: origin, opts: []Option{WithDomain("d.cloudfront.net:443")}, want: "WithDomain"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				r := recover()
				require.NotNil(t, r)
				assert.Contains(t, r, tc.want)
			}()
			cf := NewCloudFront(tc.origin, tc.opts...)
			cf.Close()
		})
	}
}

func TestDecisionString(t *testing.T) {
	for d, want := range map[Decision]string{Allowed: "allowed", Refused: "refused", Unchecked: "unchecked", Preflight: "preflight", 0: "Decision(0)"} {
		assert.Equal(t, want, d.String())
	}
}

func TestDenialMessages(t *testing.T) {
	for _, tc := range []struct {
		err  error
		code string
		msg  string
	}{
		{signer.ErrMissingKeyPairID, "AccessDenied", "Missing Key-Pair-Id query parameter or cookie value"},
		{signer.ErrUnknownKey, "AccessDenied", "Unknown Key"},
		{signer.ErrMalformedPolicy, "AccessDenied", "Malformed Policy"},
		{signer.ErrBadSignature, "AccessDenied", "Access denied"},
		{signer.ErrExpired, "AccessDenied", "Access denied"},
		{signer.ErrNotYetValid, "AccessDenied", "Access denied"},
		{signer.ErrSourceIP, "AccessDenied", "Access denied"},
		{signer.ErrResource, "AccessDenied", "Access denied"},
		{ErrMethodNotAllowed, "MethodNotAllowed", "This distribution is not configured to allow the HTTP request method that was used for this request. The distribution supports only cachable requests."},
	} {
		t.Run(tc.err.Error(), func(t *testing.T) {
			code, msg := denial(errors.Join(errors.New("context"), tc.err))
			assert.Equal(t, tc.code, code)
			assert.Equal(t, tc.msg, msg)
		})
	}
}
