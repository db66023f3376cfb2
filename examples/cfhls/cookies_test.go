package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/policy"
)

// setCookies parses the "Set-Cookie:" lines cookies prints.
func setCookies(t *testing.T, out string) []*http.Cookie {
	t.Helper()
	var cs []*http.Cookie
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		v, ok := strings.CutPrefix(line, "Set-Cookie: ")
		require.True(t, ok, "line %q", line)
		c, err := http.ParseSetCookie(v)
		require.NoError(t, err)
		cs = append(cs, c)
	}
	return cs
}

func TestCookies(t *testing.T) {
	url := cdn + "/movies/1/index.m3u8"
	wild := cdn + "/movies/1/*"
	tests := []struct {
		name  string
		args  []string
		names []string
		check func(t *testing.T, c *http.Cookie)
		note  bool // the canned-policy note on stderr
	}{
		{
			name:  "defaults: Secure, HttpOnly, Path=/, host-only, session",
			args:  []string{"-resource", wild},
			names: []string{"CloudFront-Policy", "CloudFront-Signature", "CloudFront-Key-Pair-Id"},
			check: func(t *testing.T, c *http.Cookie) {
				assert.True(t, c.Secure)
				assert.True(t, c.HttpOnly)
				assert.Equal(t, "/", c.Path)
				assert.Empty(t, c.Domain)
				assert.True(t, c.Expires.IsZero())
				assert.Zero(t, c.MaxAge)
				assert.Zero(t, c.SameSite, "no SameSite attribute")
			},
		},
		{
			name:  "domain, path, SameSite",
			args:  []string{"-resource", wild, "-domain", "d111111abcdef8.cloudfront.net", "-path", "/movies", "-samesite", "none"},
			names: []string{"CloudFront-Policy", "CloudFront-Signature", "CloudFront-Key-Pair-Id"},
			check: func(t *testing.T, c *http.Cookie) {
				assert.Equal(t, "d111111abcdef8.cloudfront.net", c.Domain)
				assert.Equal(t, "/movies", c.Path)
				assert.Equal(t, http.SameSiteNoneMode, c.SameSite)
			},
		},
		{
			name:  "insecure, scriptable, persistent",
			args:  []string{"-resource", wild, "-insecure", "-scriptable", "-persistent"},
			names: []string{"CloudFront-Policy", "CloudFront-Signature", "CloudFront-Key-Pair-Id"},
			check: func(t *testing.T, c *http.Cookie) {
				assert.False(t, c.Secure)
				assert.False(t, c.HttpOnly)
				assert.EqualValues(t, 1900000000, c.Expires.Unix())
			},
		},
		{
			name:  "SHA-256",
			args:  []string{"-resource", wild, "-sha256"},
			names: []string{"CloudFront-Policy", "CloudFront-Signature", "CloudFront-Key-Pair-Id", "CloudFront-Hash-Algorithm"},
		},
		{
			name:  "canned without -resource",
			names: []string{"CloudFront-Expires", "CloudFront-Signature", "CloudFront-Key-Pair-Id"},
			note:  true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"cookies", "-key", rsaKey, "-key-pair-id", rsaID, "-expires", "1900000000"}, tt.args...)
			r := cfhls(t, "", append(args, url)...)
			require.Equal(t, exitOK, r.code, r.stderr)
			if tt.note {
				assert.Contains(t, r.stderr, "these cookies work for "+url+" only")
			} else {
				assert.Empty(t, r.stderr)
			}
			cs := setCookies(t, r.stdout)
			var names []string
			for _, c := range cs {
				names = append(names, c.Name)
				if tt.check != nil {
					tt.check(t, c)
				}
			}
			assert.Equal(t, tt.names, names)

			// explain takes the lines back and accepts them for a URL the
			// policy covers.
			explain := []string{"explain", "-public-key", rsaPub, "-at", "1850000000"}
			for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
				explain = append(explain, "-cookie", line)
			}
			e := cfhls(t, "", append(explain, url)...)
			assert.Equal(t, exitOK, e.code, e.stdout)
			assert.Contains(t, e.stdout, "credentials  from cookies")
		})
	}
}

func TestCookiesPolicy(t *testing.T) {
	r := cfhls(t, "", "cookies", "-key", ecKey, "-key-pair-id", ecID, "-expires", "1900000000",
		"-resource", cdn+"/movies/1/*", "-ip", "192.0.2.0/24", "-not-before", "1800000000", cdn+"/movies/1/index.m3u8")
	require.Equal(t, exitOK, r.code, r.stderr)
	cs := setCookies(t, r.stdout)
	require.Equal(t, "CloudFront-Policy", cs[0].Name)
	doc, err := policy.Decode(cs[0].Value)
	require.NoError(t, err)
	p, err := policy.Parse(doc)
	require.NoError(t, err)
	assert.Equal(t, cdn+"/movies/1/*", p.Resource)
	assert.Equal(t, "192.0.2.0/24", p.SourceIP.String())
	assert.EqualValues(t, 1800000000, p.NotBefore.Unix())
}

func TestCookiesFailures(t *testing.T) {
	url := cdn + "/movies/1/index.m3u8"
	tests := []struct {
		name string
		args []string
		url  string
		want string
	}{
		{"URL already signed", nil, url + "?Policy=x&Signature=y&Key-Pair-Id=" + rsaID, "with them CloudFront ignores cookies"},
		{"resource does not cover the URL", []string{"-resource", cdn + "/movies/2/*"}, url, "the cookies would not work for it"},
		{"relative URL", nil, "/movies/1/index.m3u8", "not an absolute http or https URL"},
		{"expired", []string{"-expires", "1000000000"}, url, "expired"},
		{"URL with a star: not a pattern", nil, cdn + "/movies/*", "holds '*'"},
		{"garbage key", []string{"-key", keyDir + "/garbage.pem"}, url, "no PEM key found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := []string{"cookies"}
			if !hasFlag(tt.args, "-key") {
				args = append(args, "-key", rsaKey)
			}
			if !hasFlag(tt.args, "-expires") {
				args = append(args, "-expires", "1900000000")
			}
			args = append(append(append(args, "-key-pair-id", rsaID), tt.args...), tt.url)
			r := cfhls(t, "", args...)
			assert.Equal(t, exitFailed, r.code)
			assert.Empty(t, r.stdout)
			assert.Contains(t, r.stderr, "cfhls cookies: ")
			assert.Contains(t, r.stderr, tt.want)
		})
	}
}

// TestCookiesDomainWarning checks the warning for a -domain a browser would
// not send the cookies to the URL's host with: on stderr, the cookies
// printed all the same, exit status 0.
func TestCookiesDomainWarning(t *testing.T) {
	tests := []struct {
		name   string
		domain string // "" for no -domain
		url    string
		warn   bool
	}{
		{"no -domain: host-only", "", cdn + "/movies/1/index.m3u8", false},
		{"parent domain with a leading dot", ".example.com", "https://video.example.com/movies/1/index.m3u8", false},
		{"parent domain without the dot", "example.com", "https://video.example.com/movies/1/index.m3u8", false},
		{"leading dot, the domain itself", ".example.com", "https://example.com/movies/1/index.m3u8", false},
		{"the host itself", "video.example.com", "https://video.example.com:8443/movies/1/index.m3u8", false},
		{"case does not matter", ".Example.COM", "https://VIDEO.example.com/movies/1/index.m3u8", false},
		{"another domain: the README's old example", ".example.com", cdn + "/movies/1/index.m3u8", true},
		{"a suffix but not a parent domain", ".ample.com", "https://video.example.com/movies/1/index.m3u8", true},
		{"a subdomain of the host", ".cdn.video.example.com", "https://video.example.com/movies/1/index.m3u8", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base, _, _ := strings.Cut(tt.url, "/movies/")
			args := []string{"cookies", "-key", rsaKey, "-key-pair-id", rsaID, "-expires", "1900000000", "-resource", base + "/movies/1/*"}
			if tt.domain != "" {
				args = append(args, "-domain", tt.domain)
			}
			r := cfhls(t, "", append(args, tt.url)...)
			require.Equal(t, exitOK, r.code, r.stderr)
			assert.Len(t, setCookies(t, r.stdout), 3, "the cookies are printed anyway")
			if !tt.warn {
				assert.Empty(t, r.stderr)
				return
			}
			host := urlHost(tt.url)
			assert.Equal(t, "cfhls cookies: warning: -domain "+tt.domain+" does not cover "+host+
				": a browser would not send these cookies to it (give that host, or a parent domain of it)\n", r.stderr)
		})
	}
}
