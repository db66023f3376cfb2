package main

import (
	"fmt"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cfhls/cfhls/policy"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSignMatchesAWSCLI signs the URLs of the canned vectors made with
// "aws cloudfront sign" and expects exactly the CLI's output, byte for byte,
// with the key in both PKCS#8 and PKCS#1 form.
func TestSignMatchesAWSCLI(t *testing.T) {
	// Canned vectors the library refuses on purpose, and why.
	refused := map[string]string{
		// Raw spaces: no viewer can send this URL; percent-encode it.
		"aws-cli-rsa-sha1-canned-raw": "Resource has a space",
		// A canned policy for a '*' URL covers only the literal path "*".
		"aws-cli-rsa-sha1-canned-star": "a canned policy has no wildcards",
	}
	matched := 0
	for _, v := range loadVectors(t) {
		if v.Producer != "aws-cli 2.9.19" || v.Kind != "url" || v.Form != "canned" {
			continue
		}
		require.Equal(t, "rsa2048", v.Key, v.Name)
		require.Equal(t, rsaID, v.KeyPairID, v.Name)
		require.EqualValues(t, 1900000000, v.Expires, v.Name)
		for _, key := range []string{"rsa2048-pkcs8.pem", "rsa2048-pkcs1.pem"} {
			t.Run(v.Name+"/"+key, func(t *testing.T) {
				r := cfhls(t, "", "sign", "-key", filepath.Join(keyDir, key), "-key-pair-id", v.KeyPairID, "-expires", "1900000000", v.URL)
				if why, ok := refused[v.Name]; ok {
					assert.Equal(t, exitFailed, r.code)
					assert.Contains(t, r.stderr, why)
					assert.Empty(t, r.stdout)
					return
				}
				require.Equal(t, exitOK, r.code, r.stderr)
				assert.Empty(t, r.stderr)
				assert.Equal(t, v.SignedURL+"\n", r.stdout)
				matched++
			})
		}
	}
	assert.Equal(t, 2*4, matched, "four CLI canned URLs, two key files")
}

// TestExplainAcceptsOtherSigners runs explain on every URL and cookie set
// signed by another implementation: each is accepted at a time and from an
// address inside its policy.
func TestExplainAcceptsOtherSigners(t *testing.T) {
	n := 0
	for _, v := range loadVectors(t) {
		t.Run(v.Name, func(t *testing.T) {
			pub := map[string]string{"rsa2048": rsaPub, "ec-p256": ecPub}[v.Key]
			require.NotEmpty(t, pub, v.Key)
			args := []string{"explain", "-public-key", pub, "-key-pair-id", v.KeyPairID, "-at", "1850000000", "-ip", "192.0.2.7"}
			target := v.SignedURL
			if v.Kind == "cookies" {
				var parts []string
				for name, value := range v.Cookies {
					parts = append(parts, name+"="+toString(value))
				}
				args = append(args, "-cookie", strings.Join(parts, "; "))
				target = v.URL
			}
			r := cfhls(t, "", append(args, target)...)
			assert.Equal(t, exitOK, r.code, r.stdout+r.stderr)
			assert.Contains(t, r.stdout, "\nACCEPTED: CloudFront would serve this request.\n")
			form := map[string]string{"canned": "canned policy (Expires)", "custom": "custom policy (Policy)"}[v.Form]
			assert.Contains(t, r.stdout, form)
			assert.Contains(t, r.stdout, "key pair id  "+v.KeyPairID+"\n")
			assert.Contains(t, r.stdout, map[string]string{"SHA1": "hash         SHA-1\n", "SHA256": "hash         SHA-256\n"}[v.Hash])
			n++
		})
	}
	assert.Greater(t, n, 40)
}

// toString renders a cookie value of vectors.json, where the JS SDK gives
// CloudFront-Expires as a JSON number.
func toString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

// TestSignFailures covers what makes sign fail with exit status 1: keys that
// cannot be used, policies CloudFront would not accept, URLs that cannot be
// signed.
func TestSignFailures(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.pem")
	url := cdn + "/movies/1/index.m3u8"
	tests := []struct {
		name string
		key  string
		args []string
		url  string
		want []string
	}{
		{"missing key file", missing, nil, url, []string{"-key: ", "missing.pem", "no such file or directory"}},
		{"empty key file", keyDir + "/empty.pem", nil, url, []string{"-key: ", "no PEM key found"}},
		{"garbage key file", keyDir + "/garbage.pem", nil, url, []string{"-key: ", "no PEM key found"}},
		{"encrypted PKCS#8 key", keyDir + "/rsa2048-encrypted-pkcs8.pem", nil, url, []string{"key is encrypted", "openssl pkcs8"}},
		{"encrypted traditional key", keyDir + "/rsa2048-encrypted-traditional.pem", nil, url, []string{"key is encrypted", "openssl rsa"}},
		{"public key instead of private", rsaPub, nil, url, []string{"signing needs the private key"}},
		{"RSA 1024", keyDir + "/rsa1024.pem", nil, url, []string{"unsupported key", "RSA 1024"}},
		{"ECDSA P-384", keyDir + "/ec-p384.pem", nil, url, []string{"unsupported key", "P-256"}},
		{"bad key pair id", rsaKey, []string{"-key-pair-id", "K2 JC"}, url, []string{"-key-pair-id: ", `"K2 JC"`}},
		{"expired -expires", rsaKey, []string{"-expires", "1000000000"}, url, []string{"expired", "give a later -expires, or -ttl"}},
		{"expired RFC 3339 -expires", rsaKey, []string{"-expires", "2020-01-01T00:00:00Z"}, url, []string{"expired"}},
		{"-not-before after expiry", rsaKey, []string{"-not-before", "1950000000"}, url, []string{"is not after NotBefore"}},
		{"relative URL", rsaKey, nil, "/movies/1/index.m3u8", []string{"URL cannot be signed", "not an absolute http or https URL"}},
		{"not http", rsaKey, nil, "ftp://d111111abcdef8.cloudfront.net/a.ts", []string{"URL cannot be signed"}},
		{"not a URL", rsaKey, nil, "https://d111111abcdef8.cloudfront.net/%zz", []string{"URL cannot be signed", "invalid URL escape"}},
		{"already signed", rsaKey, nil, url + "?Expires=1&Signature=x&Key-Pair-Id=K", []string{"already has signing parameters"}},
		{"resource does not cover the URL", rsaKey, []string{"-resource", cdn + "/movies/2/*"}, url, []string{"does not cover", "-resource must match the URL"}},
		{"canned URL with a space", rsaKey, nil, cdn + "/movies/a b.ts", []string{"Resource has a space", "%20"}},
		{"carry with a resource that misses the copies", rsaKey, []string{"-resource", url, "-ip", "192.0.2.0/24", "-carry=-PREFIX"}, url, []string{"-carry parameters", "end the pattern with '*'"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := []string{"sign", "-key", tt.key}
			if !hasFlag(tt.args, "-key-pair-id") {
				args = append(args, "-key-pair-id", rsaID)
			}
			if !hasFlag(tt.args, "-expires") {
				args = append(args, "-expires", "1900000000")
			}
			args = append(append(args, tt.args...), tt.url)
			r := cfhls(t, "", args...)
			assert.Equal(t, exitFailed, r.code)
			assert.Empty(t, r.stdout)
			assert.True(t, strings.HasPrefix(r.stderr, "cfhls sign: "), r.stderr)
			for _, w := range tt.want {
				assert.Contains(t, r.stderr, w)
			}
			assert.NotContains(t, r.stderr, "usage:", "not a usage error")
		})
	}
}

func hasFlag(args []string, name string) bool {
	for _, a := range args {
		if a == name {
			return true
		}
	}
	return false
}

// TestSignCustomPolicy signs with every policy flag and checks the policy
// that travels in the URL.
func TestSignCustomPolicy(t *testing.T) {
	url := cdn + "/movies/1/index.m3u8?v=2#t=10"
	tests := []struct {
		name       string
		args       []string
		resource   string
		notBefore  int64
		ip         string
		sha256     bool
		wantCanned bool
	}{
		{name: "canned", args: nil, wantCanned: true},
		{name: "canned SHA-256", args: []string{"-sha256"}, sha256: true, wantCanned: true},
		{name: "wildcard resource", args: []string{"-resource", cdn + "/movies/1/*"}, resource: cdn + "/movies/1/*"},
		{name: "not before, RFC 3339", args: []string{"-not-before", "2027-01-15T08:00:00Z"}, resource: cdn + "/movies/1/index.m3u8?v=2", notBefore: 1800000000},
		{name: "not before, Unix", args: []string{"-not-before", "1800000000"}, resource: cdn + "/movies/1/index.m3u8?v=2", notBefore: 1800000000},
		{name: "IP range", args: []string{"-ip", "192.0.2.0/24"}, resource: cdn + "/movies/1/index.m3u8?v=2", ip: "192.0.2.0/24"},
		{name: "single IP", args: []string{"-ip", "192.0.2.7"}, resource: cdn + "/movies/1/index.m3u8?v=2", ip: "192.0.2.7/32"},
		{name: "everything", args: []string{"-resource", cdn + "/movies/*", "-not-before", "1800000000", "-ip", "192.0.2.0/24", "-sha256"},
			resource: cdn + "/movies/*", notBefore: 1800000000, ip: "192.0.2.0/24", sha256: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"sign", "-key", rsaKey, "-key-pair-id", rsaID, "-expires", "2030-03-17T17:46:40Z"}, tt.args...)
			r := cfhls(t, "", append(args, url)...)
			require.Equal(t, exitOK, r.code, r.stderr)
			signed := strings.TrimSuffix(r.stdout, "\n")
			require.True(t, strings.HasPrefix(signed, cdn+"/movies/1/index.m3u8?v=2&"), signed)
			assert.True(t, strings.HasSuffix(signed, "#t=10"), "fragment stays last: %s", signed)
			q := parseQuery(t, signed)
			assert.Equal(t, rsaID, q.Get("Key-Pair-Id"))
			assert.NotEmpty(t, q.Get("Signature"))
			if tt.sha256 {
				assert.Equal(t, "SHA256", q.Get("Hash-Algorithm"))
			} else {
				assert.NotContains(t, q, "Hash-Algorithm")
			}
			if tt.wantCanned {
				assert.Equal(t, "1900000000", q.Get("Expires"))
				assert.NotContains(t, q, "Policy")
			} else {
				assert.NotContains(t, q, "Expires")
				doc, err := policy.Decode(q.Get("Policy"))
				require.NoError(t, err)
				p, err := policy.Parse(doc)
				require.NoError(t, err)
				assert.Equal(t, tt.resource, p.Resource)
				assert.EqualValues(t, 1900000000, p.Expires.Unix())
				if tt.notBefore != 0 {
					assert.Equal(t, tt.notBefore, p.NotBefore.Unix())
				} else {
					assert.True(t, p.NotBefore.IsZero())
				}
				if tt.ip != "" {
					assert.Equal(t, tt.ip, p.SourceIP.String())
				} else {
					assert.False(t, p.SourceIP.IsValid())
				}
			}
			// CloudFront would accept it (inside the window, from inside the range).
			e := cfhls(t, "", "explain", "-public-key", rsaPub, "-key-pair-id", rsaID, "-at", "1850000000", "-ip", "192.0.2.7", signed)
			assert.Equal(t, exitOK, e.code, e.stdout)
		})
	}
}

// parseQuery returns the query of a URL, without its fragment.
func parseQuery(t *testing.T, rawURL string) url.Values {
	t.Helper()
	target, _, _ := strings.Cut(rawURL, "#")
	_, rawQuery, _ := strings.Cut(target, "?")
	q, err := url.ParseQuery(rawQuery)
	require.NoError(t, err)
	return q
}

func TestSignTTL(t *testing.T) {
	before := time.Now()
	r := cfhls(t, "", "sign", "-key", ecKey, "-key-pair-id", ecID, "-ttl", "90m", cdn+"/movies/1/index.m3u8")
	require.Equal(t, exitOK, r.code, r.stderr)
	q := parseQuery(t, strings.TrimSpace(r.stdout))
	exp, err := strconv.ParseInt(q.Get("Expires"), 10, 64)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, exp, before.Add(90*time.Minute).Unix())
	assert.LessOrEqual(t, exp, time.Now().Add(90*time.Minute).Unix())
}

// TestSignCarry checks the carried copies: the same credentials under the
// suffixed names, after CloudFront's own parameters. ECDSA signatures are
// randomized, so equal signatures show the copies are the same credentials.
func TestSignCarry(t *testing.T) {
	for _, k := range []struct{ name, key, id string }{{"rsa", rsaKey, rsaID}, {"ecdsa", ecKey, ecID}} {
		t.Run(k.name, func(t *testing.T) {
			url := cdn + "/movies/1/index.m3u8"
			r := cfhls(t, "", "sign", "-key", k.key, "-key-pair-id", k.id, "-ttl", "6h", "-resource", cdn+"/movies/1/*", "-carry=-PREFIX", url)
			require.Equal(t, exitOK, r.code, r.stderr)
			signed := strings.TrimSpace(r.stdout)
			assert.Regexp(t, `^`+regexp.QuoteMeta(url)+`\?Policy=[^&]+&Signature=[^&]+&Key-Pair-Id=`+k.id+`&Policy-PREFIX=[^&]+&Signature-PREFIX=[^&]+&Key-Pair-Id-PREFIX=`+k.id+`$`, signed)
			q := parseQuery(t, signed)
			assert.Equal(t, q.Get("Policy"), q.Get("Policy-PREFIX"))
			assert.Equal(t, q.Get("Signature"), q.Get("Signature-PREFIX"))

			e := cfhls(t, "", "explain", "-public-key", map[string]string{"rsa": rsaPub, "ecdsa": ecPub}[k.name], signed)
			assert.Equal(t, exitOK, e.code, e.stdout)
		})
	}
}

// encodedPolicy returns a custom policy for resource until expires, in
// CloudFront base64.
func encodedPolicy(t *testing.T, resource string, expires int64) string {
	t.Helper()
	doc, err := policy.New(resource, time.Unix(expires, 0)).JSON()
	require.NoError(t, err)
	return policy.Encode(doc)
}
