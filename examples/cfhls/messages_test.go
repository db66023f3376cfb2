package main

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestShortURLs(t *testing.T) {
	long := strings.Repeat("eyJTdGF0ZW", 30)
	tests := []struct {
		name, in, want string
	}{
		{"Policy and Signature", cdn + "/a.ts?Policy=" + long + "&Signature=" + long + "&Key-Pair-Id=" + rsaID,
			cdn + "/a.ts?Policy=eyJTdGF0ZW…&Signature=eyJTdGF0ZW…&Key-Pair-Id=" + rsaID},
		{"carried copies", cdn + "/a.ts?v=1&Policy-PREFIX=" + long + "&Signature-PREFIX=" + long + "&Key-Pair-Id-PREFIX=" + rsaID,
			cdn + "/a.ts?v=1&Policy-PREFIX=eyJTdGF0ZW…&Signature-PREFIX=eyJTdGF0ZW…&Key-Pair-Id-PREFIX=" + rsaID},
		{"quoted in an error", `"` + cdn + "/a.ts?Policy=" + long + `" does not match`, `"` + cdn + `/a.ts?Policy=eyJTdGF0ZW…" does not match`},
		{"short values stay", cdn + "/a.ts?Policy=eyJ9&Signature=c2lnbmF0dXJl1", cdn + "/a.ts?Policy=eyJ9&Signature=c2lnbmF0dXJl1"},
		{"other parameters stay", cdn + "/a.ts?Expires=1900000000&token=" + long, cdn + "/a.ts?Expires=1900000000&token=" + long},
		{"not in a query", "Policy=" + long, "Policy=" + long},
		{"no URL", "expired 5m ago", "expired 5m ago"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, shortURLs(tt.in))
		})
	}
}

// TestMessagesWithURLsAreShort runs the commands whose messages print a URL
// that carries credentials, CloudFront's or the -PREFIX copies: every line
// stays short (under 200 characters; 240 for a URL with both sets, which
// takes 216 alone), and the parameter names are kept.
func TestMessagesWithURLsAreShort(t *testing.T) {
	signed, _, carry := signWildcard(t)
	copies := cdn + "/movies/2/index.m3u8?" + carry // the copies only, outside movies/1
	tests := []struct {
		name string
		args []string
		code int
		want []string
		max  int // longest line; 0 for 200
	}{
		{"explain: the URL line", []string{"explain", "-public-key", rsaPub, "-at", "1850000000", strings.Replace(signed, "/index.m3u8?", "/low/index.m3u8?", 1)}, exitOK,
			[]string{"URL          " + cdn + "/movies/1/low/index.m3u8?Policy-PREFIX=eyJTdGF0ZW…&Signature-PREFIX="}, 0},
		{"explain: resource mismatch", []string{"explain", "-public-key", rsaPub, "-at", "1850000000", strings.Replace(signed, "/movies/1/", "/movies/2/", 1)}, exitFailed,
			[]string{"REFUSED: the policy's resource " + cdn + "/movies/1/* does not match the URL\n  " + cdn + "/movies/2/index.m3u8?Policy-PREFIX=eyJTdGF0ZW…&Signature-PREFIX="}, 0},
		{"explain without -public-key: resource mismatch", []string{"explain", "-at", "1850000000", strings.Replace(signed, "/movies/1/", "/movies/2/", 1)}, exitFailed,
			[]string{"does not match the URL\n", "?Policy-PREFIX=eyJTdGF0ZW…&Signature-PREFIX="}, 0},
		{"sign: resource mismatch", []string{"sign", "-key", rsaKey, "-key-pair-id", rsaID, "-expires", "1900000000", "-resource", cdn + "/movies/1/*", copies}, exitFailed,
			[]string{"does not cover", "?Policy-PREFIX=eyJTdGF0ZW…&Signature-PREFIX="}, 0},
		{"sign -carry: resource misses the copies", []string{"sign", "-key", rsaKey, "-key-pair-id", rsaID, "-expires", "1900000000", "-resource", cdn + "/movies/1/index.m3u8", "-ip", "192.0.2.0/24", "-carry=-PREFIX", cdn + "/movies/1/index.m3u8"}, exitFailed,
			[]string{"-carry parameters", "?Policy-PREFIX=eyJTdGF0ZW…&Signature-PREFIX="}, 0},
		{"sign: already signed", []string{"sign", "-key", rsaKey, "-key-pair-id", rsaID, "-expires", "1900000000", signed}, exitFailed,
			[]string{"already has signing parameters (Policy, Signature, Key-Pair-Id)", "?Policy=eyJTdGF0ZW…&Signature=", "&Policy-PREFIX=eyJTdGF0ZW…&Signature-PREFIX="}, 240},
		{"cookies: URL already signed", []string{"cookies", "-key", rsaKey, "-key-pair-id", rsaID, "-expires", "1900000000", signed}, exitFailed,
			[]string{"with them CloudFront ignores cookies", "?Policy=eyJTdGF0ZW…&Signature=", "&Policy-PREFIX=eyJTdGF0ZW…&Signature-PREFIX="}, 240},
		{"cookies: resource mismatch", []string{"cookies", "-key", rsaKey, "-key-pair-id", rsaID, "-expires", "1900000000", "-resource", cdn + "/movies/1/*", copies}, exitFailed,
			[]string{"the cookies would not work for it", "?Policy-PREFIX=eyJTdGF0ZW…&Signature-PREFIX="}, 0},
		{"rewrite: -from the copies without -carry", []string{"rewrite", "-base", mediaBase, "-from", copies}, exitFailed,
			[]string{"has no signing parameters", "?Policy-PREFIX=eyJTdGF0ZW…&Signature-PREFIX="}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := cfhls(t, "#EXTM3U\n", tt.args...)
			require.Equal(t, tt.code, r.code, r.stdout+r.stderr)
			out := r.stdout + r.stderr
			for _, w := range tt.want {
				assert.Contains(t, out, w)
			}
			max := tt.max
			if max == 0 {
				max = 200
			}
			for _, line := range strings.Split(out, "\n") {
				assert.LessOrEqual(t, utf8.RuneCountInString(line), max, "line %q", line)
			}
		})
	}
}

// goDuration matches a time.Duration as Go prints it: "27196h50m41s", "5m0s".
var goDuration = regexp.MustCompile(`\b\d+h\d+m\d+s\b|\b\d+m\d+s\b`)

// TestExplainTimesAreHuman checks that every relative time explain prints is
// relTime's, also for the refusals whose errors carry a Go duration.
func TestExplainTimesAreHuman(t *testing.T) {
	signed := signedForExplain(t) // valid from 2027-01-15T08:00:00Z to 2030-03-17T17:46:40Z
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"expired years ago", []string{"-public-key", rsaPub, "-at", "2033-05-01T00:00:00Z", "-ip", "192.0.2.7"},
			[]string{"(3y 1mo ago)", "  FAIL  expired 3y 1mo ago", "REFUSED: expired 3y 1mo ago (DateLessThan 2030-03-17T17:46:40Z)\n"}},
		{"expired years ago, without -public-key", []string{"-at", "2033-05-01T00:00:00Z", "-ip", "192.0.2.7"},
			[]string{"REFUSED: expired 3y 1mo ago (DateLessThan 2030-03-17T17:46:40Z)\n"}},
		{"expired minutes ago", []string{"-public-key", rsaPub, "-at", "1900000300", "-ip", "192.0.2.7"},
			[]string{"REFUSED: expired 5m ago (DateLessThan 2030-03-17T17:46:40Z)\n"}},
		{"not valid for years", []string{"-public-key", rsaPub, "-at", "2024-01-01T00:00:00Z", "-ip", "192.0.2.7"},
			[]string{"REFUSED: not valid yet: starts in 3y (DateGreaterThan 2027-01-15T08:00:00Z)\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := cfhls(t, "", append(append([]string{"explain"}, tt.args...), signed)...)
			require.Equal(t, exitFailed, r.code, r.stdout)
			for _, w := range tt.want {
				assert.Contains(t, r.stdout, w)
			}
			assert.NotRegexp(t, goDuration, r.stdout+r.stderr)
		})
	}
}

// TestUsageErrorIsShort checks that a usage error prints the error and where
// the help is, not the help itself.
func TestUsageErrorIsShort(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"sign: undefined flag", []string{"sign", "-expiry", "1900000000", cdn + "/a.ts"}, []string{"cfhls sign: flag provided but not defined: -expiry\n", `Run "cfhls sign -h"`}},
		{"sign: bad flag value", []string{"sign", "-ttl", "6 hours", cdn + "/a.ts"}, []string{`invalid value "6 hours" for flag -ttl`, `Run "cfhls sign -h"`}},
		{"sign: missing flag", []string{"sign", "-ttl", "1h", cdn + "/a.ts"}, []string{"missing -key FILE", `Run "cfhls sign -h"`}},
		{"cookies: undefined flag", []string{"cookies", "-secure", cdn + "/a.ts"}, []string{"cfhls cookies: flag provided but not defined: -secure\n", `Run "cfhls cookies -h"`}},
		{"keygen: undefined flag", []string{"keygen", "-bits", "4096"}, []string{"cfhls keygen: flag provided but not defined: -bits\n", `Run "cfhls keygen -h"`}},
		{"rewrite: undefined flag", []string{"rewrite", "-rebase", cdn}, []string{"cfhls rewrite: flag provided but not defined: -rebase\n", `Run "cfhls rewrite -h"`}},
		{"explain: undefined flag", []string{"explain", "-now", "1", cdn + "/a.ts"}, []string{"cfhls explain: flag provided but not defined: -now\n", `Run "cfhls explain -h"`}},
		{"explain: missing argument", []string{"explain"}, []string{"missing argument: URL", `Run "cfhls explain -h"`}},
		{"help: unknown command", []string{"help", "verify"}, []string{`cfhls help: unknown command "verify"`, `Run "cfhls help"`}},
		{"unknown command", []string{"verify"}, []string{`cfhls: unknown command "verify"`, `Run "cfhls help"`}},
		{"flag before the command", []string{"-key", "k.pem", "sign"}, []string{"flags go after the command", `Run "cfhls help"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := cfhls(t, "", tt.args...)
			assert.Equal(t, exitUsage, r.code)
			assert.Empty(t, r.stdout)
			for _, w := range tt.want {
				assert.Contains(t, r.stderr, w)
			}
			assert.Equal(t, 2, strings.Count(r.stderr, "\n"), "two lines: %q", r.stderr)
			assert.NotContains(t, r.stderr, "usage:")
			assert.NotContains(t, r.stderr, "examples:")
		})
	}
}
