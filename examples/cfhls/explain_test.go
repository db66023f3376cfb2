package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// signedForExplain is a URL under a custom policy with every condition:
// https://d111111abcdef8.cloudfront.net/movies/1/*, from 1800000000
// (2027-01-15T08:00:00Z) until 1900000000 (2030-03-17T17:46:40Z), from
// 192.0.2.0/24.
func signedForExplain(t *testing.T) string {
	t.Helper()
	r := cfhls(t, "", "sign", "-key", rsaKey, "-key-pair-id", rsaID, "-expires", "1900000000",
		"-not-before", "1800000000", "-ip", "192.0.2.0/24", "-resource", cdn+"/movies/1/*", cdn+"/movies/1/index.m3u8")
	require.Equal(t, exitOK, r.code, r.stderr)
	return strings.TrimSpace(r.stdout)
}

// cannedCLI is the AWS CLI's canned URL for the plain vector.
func cannedCLI(t *testing.T) string {
	t.Helper()
	for _, v := range loadVectors(t) {
		if v.Name == "aws-cli-rsa-sha1-canned-plain" {
			return v.SignedURL
		}
	}
	t.Fatal("no vector aws-cli-rsa-sha1-canned-plain")
	return ""
}

// replaceParam replaces the value of one query parameter of rawURL.
func replaceParam(t *testing.T, rawURL, name, value string) string {
	t.Helper()
	i := strings.Index(rawURL, name+"=")
	require.Positive(t, i, "%s in %s", name, rawURL)
	j := strings.IndexByte(rawURL[i:], '&')
	if j < 0 {
		return rawURL[:i] + name + "=" + value
	}
	return rawURL[:i] + name + "=" + value + rawURL[i+j:]
}

// tamper changes one character in the middle of the Signature value.
func tamper(t *testing.T, rawURL string) string {
	t.Helper()
	i := strings.Index(rawURL, "Signature=")
	require.Positive(t, i)
	k := i + len("Signature=") + 20
	c := byte('A')
	if rawURL[k] == 'A' {
		c = 'B'
	}
	return rawURL[:k] + string(c) + rawURL[k+1:]
}

func TestExplainVerdicts(t *testing.T) {
	signed := signedForExplain(t)
	canned := cannedCLI(t)
	otherPolicy := encodedPolicy(t, cdn+"/*", 1900000000)
	const inside = "1850000000" // 2028-08-16T00:53:20Z
	tests := []struct {
		name   string
		args   []string // before the URL; default: -public-key rsaPub -at inside -ip 192.0.2.7
		url    string
		code   int
		reason string
		more   []string
	}{
		{name: "accepted", url: signed, code: exitOK, reason: "ACCEPTED: CloudFront would serve this request.",
			more: []string{"  ok    signature verifies with " + rsaPub + " (RSA 2048)", "  ok    viewer IP 192.0.2.7 is in 192.0.2.0/24", "  ok    resource " + cdn + "/movies/1/* matches the URL"}},
		{name: "accepted: canned URL from the AWS CLI", url: canned, code: exitOK, reason: "ACCEPTED: CloudFront would serve this request.",
			more: []string{"credentials  from the URL's query, canned policy (Expires)", "policy       rebuilt from the URL and Expires, as CloudFront does:"}},
		{name: "accepted: another URL the wildcard covers", url: strings.Replace(signed, "/index.m3u8?", "/low/seg-1.ts?", 1), code: exitOK, reason: "ACCEPTED"},
		{name: "accepted: private key file as -public-key", args: []string{"-public-key", rsaKey, "-at", inside, "-ip", "192.0.2.7"}, url: signed, code: exitOK, reason: "ACCEPTED: CloudFront would serve this request."},

		{name: "expired", args: []string{"-public-key", rsaPub, "-at", "1900000300", "-ip", "192.0.2.7"}, url: signed, code: exitFailed,
			reason: "REFUSED: expired 5m ago (DateLessThan 2030-03-17T17:46:40Z)", more: []string{"  FAIL  expired 5m ago", "expires      2030-03-17T17:46:40Z (5m ago)"}},
		{name: "expired at the second", args: []string{"-public-key", rsaPub, "-at", "2030-03-17T17:46:40Z", "-ip", "192.0.2.7"}, url: signed, code: exitFailed,
			reason: "REFUSED: expired just now"},
		{name: "expired canned", args: []string{"-public-key", rsaPub, "-at", "2031-03-17T17:46:40Z"}, url: canned, code: exitFailed,
			reason: "REFUSED: expired 1y ago"},
		{name: "not valid yet", args: []string{"-public-key", rsaPub, "-at", "1799999000", "-ip", "192.0.2.7"}, url: signed, code: exitFailed,
			reason: "REFUSED: not valid yet: starts in 16m 40s (DateGreaterThan 2027-01-15T08:00:00Z)"},
		{name: "wrong IP", args: []string{"-public-key", rsaPub, "-at", inside, "-ip", "198.51.100.7"}, url: signed, code: exitFailed,
			reason: "REFUSED: viewer IP 198.51.100.7 is outside the policy's source IP range 192.0.2.0/24", more: []string{"  FAIL  viewer IP 198.51.100.7 is outside 192.0.2.0/24"}},
		{name: "wrong resource", url: strings.Replace(signed, "/movies/1/", "/movies/2/", 1), code: exitFailed,
			reason: "REFUSED: the policy's resource " + cdn + "/movies/1/* does not match the URL\n  " + cdn + "/movies/2/index.m3u8",
			more:   []string{"  FAIL  resource " + cdn + "/movies/1/* does not match the URL", "  ok    signature verifies"}},
		{name: "tampered signature", url: tamper(t, signed), code: exitFailed,
			reason: "REFUSED: bad signature: it does not verify over the policy with the key in " + rsaPub, more: []string{"  FAIL  signature does not verify"}},
		{name: "tampered signature, also expired", args: []string{"-public-key", rsaPub, "-at", "1950000000", "-ip", "192.0.2.7"}, url: tamper(t, signed), code: exitFailed,
			reason: "REFUSED: bad signature", more: []string{"  FAIL  expired 1y 6mo ago"}},
		{name: "policy swapped for a wider one", url: replaceParam(t, signed, "Policy", otherPolicy), code: exitFailed, reason: "REFUSED: bad signature"},
		{name: "canned URL changed after signing", url: strings.Replace(canned, "index.m3u8?", "index.m3u8?v=2&", 1), code: exitFailed,
			reason: "REFUSED: bad signature", more: []string{"a canned signature covers the URL byte for byte"}},
		{name: "other public key", args: []string{"-public-key", ecPub, "-at", inside, "-ip", "192.0.2.7"}, url: signed, code: exitFailed,
			reason: "REFUSED: bad signature"},
		{name: "unknown key pair id", args: []string{"-public-key", rsaPub, "-key-pair-id", "KOTHERKEY", "-at", inside, "-ip", "192.0.2.7"}, url: signed, code: exitFailed,
			reason: `REFUSED: CloudFront answers 403 "Unknown Key": Key-Pair-Id ` + rsaID + " is not in the trusted key group"},
		{name: "no credentials", url: cdn + "/movies/1/index.m3u8", code: exitFailed,
			reason: `REFUSED: CloudFront answers 403 "Missing Key-Pair-Id query parameter or cookie value"`, more: []string{"credentials  none"}},
		{name: "no Key-Pair-Id", url: strings.Replace(signed, "&Key-Pair-Id="+rsaID, "", 1), code: exitFailed,
			reason: `REFUSED: CloudFront answers 403 "Missing Key-Pair-Id query parameter or cookie value"`},
		{name: "garbage Policy", url: replaceParam(t, signed, "Policy", "not*base64"), code: exitFailed,
			reason: `REFUSED: CloudFront answers 403 "Malformed Policy"`},
		{name: "unknown Hash-Algorithm", url: signed + "&Hash-Algorithm=MD5", code: exitFailed,
			reason: `REFUSED: CloudFront answers 403 "Malformed Policy"`, more: []string{`hash         "MD5" (CloudFront knows SHA1 and SHA256)`}},
		{name: "both Expires and Policy", url: signed + "&Expires=1900000000", code: exitFailed,
			reason: `REFUSED: CloudFront answers 403 "Malformed Policy"`},
		{name: "no Signature", url: strings.Replace(signed, "&Signature=", "&Signatur=", 1), code: exitFailed,
			reason: "REFUSED: bad signature", more: []string{"signature    missing"}},

		{name: "without -public-key: accepted as far as checked", args: []string{"-at", inside, "-ip", "192.0.2.7"}, url: signed, code: exitOK,
			reason: "ACCEPTED, as far as checked: CloudFront would serve this request, but the signature (give -public-key FILE) was not checked.",
			more:   []string{"  --    key pair id and signature not checked: give -public-key FILE"}},
		{name: "without -public-key or -ip", args: []string{"-at", inside}, url: signed, code: exitOK,
			reason: "but the signature (give -public-key FILE) and the viewer's IP address (give -ip IP) were not checked.",
			more:   []string{"  --    viewer IP not checked: the policy allows 192.0.2.0/24 only; give -ip"}},
		{name: "without -public-key: a tampered signature goes unnoticed", args: []string{"-at", inside, "-ip", "192.0.2.7"}, url: tamper(t, signed), code: exitOK,
			reason: "the signature (give -public-key FILE) was not checked"},
		{name: "without -public-key: expired", args: []string{"-at", "1950000000", "-ip", "192.0.2.7"}, url: signed, code: exitFailed,
			reason: "REFUSED: expired 1y 6mo ago"},
		{name: "without -public-key: wrong resource", args: []string{"-at", inside, "-ip", "192.0.2.7"}, url: strings.Replace(signed, "/movies/1/", "/movies/2/", 1), code: exitFailed,
			reason: "does not match the URL"},
		{name: "without -public-key: no Signature", args: []string{"-at", inside}, url: strings.Replace(signed, "&Signature=", "&Signatur=", 1), code: exitFailed,
			reason: "REFUSED: no usable signature"},
		{name: "without -public-key: a signature that is not base64", args: []string{"-at", inside, "-ip", "192.0.2.7"}, url: replaceParam(t, signed, "Signature", "a%2Bb~c=="), code: exitFailed,
			reason: "REFUSED: no usable signature", more: []string{"signature    a+b~c== (not CloudFront base64)"}},
		{name: "without -public-key: every condition reported", args: []string{"-at", "1799999000", "-ip", "198.51.100.7"}, url: strings.Replace(signed, "/movies/1/", "/movies/2/", 1), code: exitFailed,
			reason: "REFUSED: not valid yet", more: []string{"  ok    not expired", "  FAIL  not valid yet: starts in 16m 40s", "  FAIL  viewer IP 198.51.100.7 is outside 192.0.2.0/24", "  FAIL  resource " + cdn + "/movies/1/* does not match the URL"}},
		{name: "empty Hash-Algorithm is SHA-1, as the Verifier reads it", url: signed + "&Hash-Algorithm=", code: exitOK,
			reason: "ACCEPTED: CloudFront would serve this request.", more: []string{"hash         SHA-1\n"}},
		{name: "without -public-key: empty Key-Pair-Id is a missing one", args: []string{"-at", inside}, url: replaceParam(t, signed, "Key-Pair-Id", ""), code: exitFailed,
			reason: `REFUSED: CloudFront answers 403 "Missing Key-Pair-Id query parameter or cookie value"`},
		{name: "canned with an unreadable Expires", args: []string{"-at", inside}, url: replaceParam(t, canned, "Expires", "soon"), code: exitFailed,
			reason: `REFUSED: CloudFront answers 403 "Malformed Policy"`, more: []string{"credentials  from the URL's query, canned policy (Expires)", `Expires "soon" is not Unix seconds`}},
		{name: "both Expires and Policy, described as such", args: []string{"-at", inside}, url: signed + "&Expires=1900000000", code: exitFailed,
			reason: `REFUSED: CloudFront answers 403 "Malformed Policy"`, more: []string{"credentials  from the URL's query, both Expires and Policy"}},
		{name: "dot segment: refused whatever the credentials", url: strings.Replace(canned, "/movies/1/", "/movies/1/../1/", 1), code: exitFailed,
			reason: "REFUSED: signer: dot segment", more: []string{"credentials  not read", "  FAIL  path: "}},
		{name: "without -public-key: dot segment refused too", args: []string{"-at", inside}, url: strings.Replace(canned, "/movies/1/", "/movies/1/../1/", 1), code: exitFailed,
			reason: "REFUSED: signer: dot segment"},
		{name: "cookies are ignored for a signed URL", args: []string{"-public-key", rsaPub, "-at", inside, "-ip", "192.0.2.7", "-cookie", "CloudFront-Key-Pair-Id=X"}, url: signed, code: exitOK,
			reason: "ACCEPTED", more: []string{"(-cookie ignored: a URL with signing parameters is verified on its own, without cookies)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := tt.args
			if args == nil {
				args = []string{"-public-key", rsaPub, "-at", inside, "-ip", "192.0.2.7"}
			}
			r := cfhls(t, "", append(append([]string{"explain"}, args...), tt.url)...)
			assert.Equal(t, tt.code, r.code, r.stdout)
			assert.Empty(t, r.stderr)
			assert.Contains(t, r.stdout, tt.reason)
			for _, m := range tt.more {
				assert.Contains(t, r.stdout, m)
			}
			if tt.code == exitOK {
				assert.NotContains(t, r.stdout, "REFUSED")
				assert.NotContains(t, r.stdout, "FAIL")
			} else {
				assert.NotContains(t, r.stdout, "ACCEPTED")
			}
		})
	}
}

// TestExplainReport checks the decoded fields: pretty-printed policy JSON,
// times relative to the time of judgement, IP, key pair ID, hash, form.
func TestExplainReport(t *testing.T) {
	r := cfhls(t, "", "explain", "-at", "2026-12-01T00:00:00Z", signedForExplain(t))
	require.Equal(t, exitFailed, r.code, r.stdout) // not valid until 2027
	for _, want := range []string{
		"URL          " + cdn + "/movies/1/index.m3u8\n",
		"credentials  from the URL's query, custom policy (Policy)\n",
		"key pair id  " + rsaID + "\n",
		"hash         SHA-1\n",
		"signature    ", " (256 bytes)\n",
		"policy       decoded from Policy:\n" +
			"  {\n" +
			"    \"Statement\": [\n" +
			"      {\n" +
			"        \"Resource\": \"" + cdn + "/movies/1/*\",\n" +
			"        \"Condition\": {\n",
		"resource     " + cdn + "/movies/1/*\n",
		"not before   2027-01-15T08:00:00Z (in 1mo 14d)\n",
		"expires      2030-03-17T17:46:40Z (in 3y 3mo)\n",
		"source IP    192.0.2.0/24\n",
		"judged at    2026-12-01T00:00:00Z (-at; ",
		"REFUSED: not valid yet: starts in 1mo 14d",
	} {
		assert.Contains(t, r.stdout, want)
	}

	r = cfhls(t, "", "explain", signedForExplain(t))
	assert.Regexp(t, `judged at    \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(now\)\n`, r.stdout)
}

func TestExplainFailures(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing.pem")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"missing public key file", []string{"-public-key", missing}, "no such file or directory"},
		{"garbage public key file", []string{"-public-key", keyDir + "/garbage.pem"}, "no PEM key found"},
		{"encrypted key as public key", []string{"-public-key", keyDir + "/rsa2048-encrypted-pkcs8.pem"}, "key is encrypted"},
		{"unsupported public key", []string{"-public-key", keyDir + "/rsa3072.pem"}, "unsupported key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := cfhls(t, "", append(append([]string{"explain"}, tt.args...), signedForExplain(t))...)
			assert.Equal(t, exitFailed, r.code)
			assert.Empty(t, r.stdout)
			assert.True(t, strings.HasPrefix(r.stderr, "cfhls explain: "), r.stderr)
			assert.Contains(t, r.stderr, tt.want)
		})
	}
	for _, u := range []string{"/movies/1/index.m3u8?Expires=1", "d111111abcdef8.cloudfront.net/movies/1/index.m3u8", "https://d/%zz"} {
		t.Run("bad URL "+u, func(t *testing.T) {
			r := cfhls(t, "", "explain", u)
			assert.Equal(t, exitFailed, r.code)
			assert.Empty(t, r.stdout)
			assert.Contains(t, r.stderr, "cfhls explain: URL")
		})
	}
}

func TestExplainCookies(t *testing.T) {
	r := cfhls(t, "", "cookies", "-key", ecKey, "-key-pair-id", ecID, "-expires", "1900000000", "-resource", cdn+"/movies/1/*", cdn+"/movies/1/index.m3u8")
	require.Equal(t, exitOK, r.code, r.stderr)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	require.Len(t, lines, 3)
	var pairs []string
	for _, l := range lines {
		c := setCookies(t, l+"\n")[0]
		pairs = append(pairs, c.Name+"="+c.Value)
	}
	header := strings.Join(pairs, "; ")
	tests := []struct {
		name    string
		cookies []string
		url     string
		code    int
		want    string
	}{
		{"one Cookie header", []string{header}, cdn + "/movies/1/seg-1.ts", exitOK, "ACCEPTED: CloudFront"},
		{"Cookie: prefix", []string{"Cookie: " + header}, cdn + "/movies/1/seg-1.ts", exitOK, "ACCEPTED: CloudFront"},
		{"Set-Cookie lines", lines, cdn + "/movies/1/seg-1.ts", exitOK, "ACCEPTED: CloudFront"},
		{"one per flag", pairs, cdn + "/movies/1/seg-1.ts", exitOK, "ACCEPTED: CloudFront"},
		{"outside the resource", []string{header}, cdn + "/movies/2/seg-1.ts", exitFailed, "does not match the URL"},
		{"signature missing", pairs[:1], cdn + "/movies/1/seg-1.ts", exitFailed, "REFUSED"},
		{"no cookies at all", nil, cdn + "/movies/1/seg-1.ts", exitFailed, `"Missing Key-Pair-Id query parameter or cookie value"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := []string{"explain", "-public-key", ecPub, "-at", "1850000000"}
			for _, c := range tt.cookies {
				args = append(args, "-cookie", c)
			}
			r := cfhls(t, "", append(args, tt.url)...)
			assert.Equal(t, tt.code, r.code, r.stdout+r.stderr)
			assert.Contains(t, r.stdout, tt.want)
		})
	}
}

func TestRelTime(t *testing.T) {
	ref := time.Date(2026, 11, 22, 7, 19, 47, 0, time.UTC)
	tests := []struct {
		name string
		t    time.Time
		want string
	}{
		{"same second", ref.Add(400 * time.Millisecond), "just now"},
		{"seconds", ref.Add(12 * time.Second), "in 12s"},
		{"minutes and seconds", ref.Add(-90 * time.Second), "1m 30s ago"},
		{"five minutes ago", ref.Add(-5 * time.Minute), "5m ago"},
		{"hours", ref.Add(26 * time.Hour), "in 1d 2h"},
		{"years and months", time.Unix(1900000000, 0), "in 3y 3mo"},
		{"months and days", time.Date(2027, 1, 15, 8, 0, 0, 0, time.UTC), "in 1mo 24d"},
		{"a whole year", ref.AddDate(-1, 0, 0), "1y ago"},
		{"a year and some days: the second unit is months", ref.AddDate(1, 0, 5), "in 1y"},
		{"other time zone", ref.In(time.FixedZone("X", 3600)).Add(time.Hour), "in 1h"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, relTime(tt.t, ref))
		})
	}
}

// TestRoundTrip makes a key pair, signs with it and has explain verify the
// result with the public key, for both key types, URLs and cookies.
func TestRoundTrip(t *testing.T) {
	for _, typ := range []string{"rsa", "ecdsa"} {
		t.Run(typ, func(t *testing.T) {
			prefix := filepath.Join(t.TempDir(), "cf")
			r := cfhls(t, "", "keygen", "-type", typ, "-out", prefix)
			require.Equal(t, exitOK, r.code, r.stderr)

			url := cdn + "/movies/1/index.m3u8"
			r = cfhls(t, "", "sign", "-key", prefix+".pem", "-key-pair-id", "KNEWKEY", "-ttl", "1h", url)
			require.Equal(t, exitOK, r.code, r.stderr)
			signed := strings.TrimSpace(r.stdout)
			r = cfhls(t, "", "explain", "-public-key", prefix+".pub.pem", "-key-pair-id", "KNEWKEY", signed)
			assert.Equal(t, exitOK, r.code, r.stdout)
			assert.Regexp(t, `not expired: expires in (1h|59m \d+s)\n`, r.stdout) // -ttl counts from the signing second
			assert.Contains(t, r.stdout, "ACCEPTED: CloudFront would serve this request.")

			// Another key pair does not verify it.
			other := filepath.Join(t.TempDir(), "other")
			require.Equal(t, exitOK, cfhls(t, "", "keygen", "-type", typ, "-out", other).code)
			r = cfhls(t, "", "explain", "-public-key", other+".pub.pem", signed)
			assert.Equal(t, exitFailed, r.code, r.stdout)
			assert.Contains(t, r.stdout, "REFUSED: bad signature")

			r = cfhls(t, "", "cookies", "-key", prefix+".pem", "-key-pair-id", "KNEWKEY", "-ttl", "1h", "-sha256", "-resource", cdn+"/movies/*", url)
			require.Equal(t, exitOK, r.code, r.stderr)
			args := []string{"explain", "-public-key", prefix + ".pub.pem"}
			for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
				args = append(args, "-cookie", l)
			}
			r = cfhls(t, "", append(args, cdn+"/movies/7/seg.ts")...)
			assert.Equal(t, exitOK, r.code, r.stdout)
			assert.Contains(t, r.stdout, "hash         SHA-256\n")
		})
	}
}
