package main

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Test keys and vectors committed with the signer package.
const (
	keyDir      = "../../signer/testdata/keys"
	vectorsFile = "../../signer/testdata/vectors/vectors.json"
	rsaKey      = keyDir + "/rsa2048-pkcs8.pem"
	rsaPub      = keyDir + "/rsa2048-pub-pkix.pem"
	ecKey       = keyDir + "/ec-p256-pkcs8.pem"
	ecPub       = keyDir + "/ec-p256-pub.pem"
	rsaID       = "K2JCJMDEHXQW5F"
	ecID        = "K3ECDSAEXAMPLE1"
	cdn         = "https://d111111abcdef8.cloudfront.net"
)

// result is what one cfhls run did.
type result struct {
	code           int
	stdout, stderr string
}

// cfhls runs the command line in-process with stdin as input.
func cfhls(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errOut)
	return result{code: code, stdout: out.String(), stderr: errOut.String()}
}

// vector is an entry of the signer package's vectors.json: a URL or cookies
// signed by another implementation (the AWS CLI, the AWS JS SDK, openssl).
type vector struct {
	Name      string         `json:"name"`
	Producer  string         `json:"producer"`
	Kind      string         `json:"kind"`
	Key       string         `json:"key"`
	KeyPairID string         `json:"key_pair_id"`
	Hash      string         `json:"hash"`
	Form      string         `json:"form"`
	URL       string         `json:"url"`
	Expires   int64          `json:"expires"`
	NotBefore int64          `json:"not_before"`
	IP        string         `json:"ip"`
	SignedURL string         `json:"signed_url"`
	Cookies   map[string]any `json:"cookies"`
}

func loadVectors(t *testing.T) []vector {
	t.Helper()
	data, err := os.ReadFile(vectorsFile)
	require.NoError(t, err)
	var file struct {
		Vectors []vector `json:"vectors"`
	}
	require.NoError(t, json.Unmarshal(data, &file))
	require.NotEmpty(t, file.Vectors)
	return file.Vectors
}

func TestTopLevel(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		code       int
		stdout     string
		stderr     string
		emptyOut   bool
		emptyError bool
	}{
		{name: "no command", args: nil, code: exitUsage, stderr: "usage: cfhls COMMAND", emptyOut: true},
		{name: "-h", args: []string{"-h"}, code: exitOK, stdout: "usage: cfhls COMMAND", emptyError: true},
		{name: "--help", args: []string{"--help"}, code: exitOK, stdout: "explain", emptyError: true},
		{name: "help", args: []string{"help"}, code: exitOK, stdout: "keygen", emptyError: true},
		{name: "help sign", args: []string{"help", "sign"}, code: exitOK, stdout: "usage: cfhls sign", emptyError: true},
		{name: "help unknown", args: []string{"help", "nope"}, code: exitUsage, stderr: `unknown command "nope"`, emptyOut: true},
		{name: "unknown command", args: []string{"verify"}, code: exitUsage, stderr: `cfhls: unknown command "verify"`, emptyOut: true},
		{name: "flag before command", args: []string{"-key", "k.pem", "sign"}, code: exitUsage, stderr: "flags go after the command", emptyOut: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := cfhls(t, "", tt.args...)
			assert.Equal(t, tt.code, r.code)
			assert.Contains(t, r.stdout, tt.stdout)
			assert.Contains(t, r.stderr, tt.stderr)
			if tt.emptyOut {
				assert.Empty(t, r.stdout)
			}
			if tt.emptyError {
				assert.Empty(t, r.stderr)
			}
		})
	}
}

func TestHelpEveryCommand(t *testing.T) {
	for _, c := range commands {
		for _, h := range []string{"-h", "-help", "--help"} {
			t.Run(c.name+" "+h, func(t *testing.T) {
				r := cfhls(t, "", c.name, h)
				require.Equal(t, exitOK, r.code, r.stderr)
				assert.Empty(t, r.stderr)
				assert.Contains(t, r.stdout, "usage: cfhls "+c.name+" ")
				if c.name != "help" {
					assert.Contains(t, r.stdout, "examples:\n  cfhls "+c.name+" ")
				}
			})
		}
	}
	// The flags of each command appear in its help.
	flagsOf := map[string][]string{
		"keygen":  {"-type", "-out", "-force"},
		"sign":    {"-key", "-key-pair-id", "-expires", "-ttl", "-resource", "-not-before", "-ip", "-sha256", "-carry"},
		"cookies": {"-key", "-key-pair-id", "-expires", "-ttl", "-resource", "-not-before", "-ip", "-sha256", "-domain", "-path", "-samesite", "-insecure", "-scriptable", "-persistent"},
		"rewrite": {"-base", "-query", "-from", "-carry"},
		"explain": {"-public-key", "-key-pair-id", "-ip", "-at", "-cookie"},
	}
	for name, flags := range flagsOf {
		t.Run(name+" flags", func(t *testing.T) {
			r := cfhls(t, "", name, "-h")
			for _, f := range flags {
				assert.Regexp(t, `(?m)^  `+f+`( |$)`, r.stdout, "flag %s of %s", f, name)
			}
		})
	}
}

// TestUsageErrors covers bad flags, bad flag values and missing or extra
// arguments: exit status 2, the problem and where the command's help is on
// stderr, nothing on stdout.
func TestUsageErrors(t *testing.T) {
	sign := []string{"sign", "-key", rsaKey, "-key-pair-id", rsaID}
	cookies := []string{"cookies", "-key", rsaKey, "-key-pair-id", rsaID}
	url := cdn + "/movies/1/index.m3u8"
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"keygen undefined flag", []string{"keygen", "-bits", "4096", "-out", "x"}, "flag provided but not defined: -bits"},
		{"keygen missing -out", []string{"keygen"}, "missing -out PREFIX"},
		{"keygen bad -type", []string{"keygen", "-type", "dsa", "-out", "x"}, `-type "dsa"`},
		{"keygen argument", []string{"keygen", "-out", "x", "extra"}, `unexpected argument "extra"`},
		{"keygen -out dir", []string{"keygen", "-out", "keys/"}, "-out needs a file name prefix"},

		{"sign undefined flag", append(sign, "-expiry", "1900000000", url), "flag provided but not defined: -expiry"},
		{"sign missing -key", []string{"sign", "-key-pair-id", rsaID, "-ttl", "1h", url}, "missing -key FILE"},
		{"sign missing -key-pair-id", []string{"sign", "-key", rsaKey, "-ttl", "1h", url}, "missing -key-pair-id ID"},
		{"sign missing expiry", append(sign, url), "give -expires TIME or -ttl DURATION"},
		{"sign -expires and -ttl", append(sign, "-expires", "1900000000", "-ttl", "1h", url), "-expires and -ttl both given"},
		{"sign bad -expires", append(sign, "-expires", "tomorrow", url), `invalid value "tomorrow" for flag -expires`},
		{"sign -expires in milliseconds", append(sign, "-expires", "1900000000000", url), "milliseconds"},
		{"sign bad -ttl", append(sign, "-ttl", "6 hours", url), `invalid value "6 hours" for flag -ttl`},
		{"sign negative -ttl", append(sign, "-ttl", "-1h", url), "-ttl -1h0m0s is negative"},
		{"sign bad CIDR", append(sign, "-ttl", "1h", "-ip", "192.0.2.300/24", url), "not an IPv4 CIDR block"},
		{"sign CIDR with host bits", append(sign, "-ttl", "1h", "-ip", "192.0.2.7/24", url), "did you mean 192.0.2.0/24"},
		{"sign IPv6 CIDR", append(sign, "-ttl", "1h", "-ip", "2001:db8::/32", url), "IPv4 CIDR blocks only"},
		{"sign bad -not-before", append(sign, "-ttl", "1h", "-not-before", "2030-13-01", url), `invalid value "2030-13-01" for flag -not-before`},
		{"sign missing URL", append(sign, "-ttl", "1h"), "missing argument: URL"},
		{"sign two URLs", append(sign, "-ttl", "1h", url, url), "too many arguments"},
		{"sign flag after URL", append(sign, url, "-ttl", "1h"), "flag -ttl after the argument"},
		{"sign -carry canned", append(sign, "-ttl", "1h", "-carry=-PREFIX", url), "-carry needs a wildcard -resource"},
		{"sign -carry bad marker", append(sign, "-ttl", "1h", "-resource", cdn+"/movies/1/*", "-carry", "a&b", url), `-carry: "a&b" has '&'`},

		{"cookies undefined flag", append(cookies, "-secure", "-ttl", "1h", url), "flag provided but not defined: -secure"},
		{"cookies bad -samesite", append(cookies, "-ttl", "1h", "-samesite", "sometimes", url), `"sometimes" is not lax, strict or none`},
		{"cookies bad -domain", append(cookies, "-ttl", "1h", "-domain", "https://example.com", url), "-domain"},
		{"cookies bad -path", append(cookies, "-ttl", "1h", "-path", "movies", url), `-path "movies" is not a URL path`},
		{"cookies has no -carry", append(cookies, "-ttl", "1h", "-carry=-PREFIX", url), "flag provided but not defined: -carry"},

		{"rewrite undefined flag", []string{"rewrite", "-base", url, "-query", "a=b", "-rebase", cdn}, "flag provided but not defined: -rebase"},
		{"rewrite missing -base", []string{"rewrite", "-query", "a=b"}, "missing -base URL"},
		{"rewrite missing credentials", []string{"rewrite", "-base", url}, "give -query Q or -from SIGNED_URL"},
		{"rewrite -query and -from", []string{"rewrite", "-base", url, "-query", "a=b", "-from", url}, "-query and -from both given"},
		{"rewrite relative -base", []string{"rewrite", "-base", "/movies/1/index.m3u8", "-query", "a=b"}, "is not an absolute http or https URL"},
		{"rewrite file argument", []string{"rewrite", "-base", url, "-query", "a=b", "in.m3u8"}, `unexpected argument "in.m3u8"`},
		{"rewrite -carry without credentials in -query", []string{"rewrite", "-base", url, "-query", "v=2", "-carry=-PREFIX"}, "-query has none readable"},

		{"explain undefined flag", []string{"explain", "-now", "1", url}, "flag provided but not defined: -now"},
		{"explain bad -at", []string{"explain", "-at", "yesterday", url}, `invalid value "yesterday" for flag -at`},
		{"explain bad -ip", []string{"explain", "-ip", "192.0.2.0/24", url}, "not an IP address"},
		{"explain bad -cookie", []string{"explain", "-cookie", "no equals sign", url}, "is not a Cookie header value"},
		{"explain -key-pair-id alone", []string{"explain", "-key-pair-id", rsaID, url}, "give -public-key FILE too"},
		{"explain bad -key-pair-id", []string{"explain", "-public-key", rsaPub, "-key-pair-id", "K 1", url}, "-key-pair-id"},
		{"explain missing URL", []string{"explain"}, "missing argument: URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := cfhls(t, "", tt.args...)
			assert.Equal(t, exitUsage, r.code)
			assert.Empty(t, r.stdout)
			assert.Contains(t, r.stderr, tt.want)
			assert.True(t, strings.HasPrefix(r.stderr, "cfhls "+tt.args[0]+": "), "stderr starts with the command: %q", r.stderr)
			assert.Contains(t, r.stderr, "\nRun \"cfhls "+tt.args[0]+" -h\" for its flags and examples.\n", "where the help is")
			assert.NotContains(t, r.stderr, "usage:", "not the help itself")
		})
	}
}
