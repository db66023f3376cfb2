package hlstest

import (
	"crypto"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/policy"
	"github.com/cfhls/cfhls/signer"
)

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
			assert.Equal(t, DecisionRefused, e.Decision)
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
		{name: "custom policy for the URL itself", url: mustSignURL(t, rsa1, master, policy.Policy{Resource: master, Expires: exp, NotBefore: exp.Add(-48 * time.Hour)}), source: "url", keyID: RSAKeyID},
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
				assert.Equal(t, DecisionUnchecked, e.Decision)
			} else {
				assert.Equal(t, DecisionAllowed, e.Decision)
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
	cf := NewCloudFront(NewS3Origin(Presentation("movies/1")), k)
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
				assert.Equal(t, DecisionAllowed, e.Decision)
			}
		})
	}
}
