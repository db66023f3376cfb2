package playlist

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"testing/iotest"
)

const (
	fuzzQuery = "Sig=cfhlsQ"
	fuzzCarry = "Carry=cfhlsC"
)

// FuzzRewrite feeds arbitrary bytes to the Rewriter and checks that it
// never panics, that its three ways in agree, that it fails only with a
// ParseError holding a sentinel, and that on success the output is the input
// plus credentials, with every relative URI line carrying them.
func FuzzRewrite(f *testing.F) {
	for _, name := range fixtureNames(f) {
		f.Add(readFixture(f, name+".m3u8"))
	}
	for _, s := range []string{
		"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nv.m3u8\n",
		"#EXTM3U\r\n#EXTINF:4,\r\na.ts?x#y\r\n",
		"#EXTM3U\n#EXT-X-KEY:METHOD=AES-128,URI=\"k\n",
		"\xEF\xBB\xBF#EXTM3U\n",
		"#EXTM3U\n#EXT-X-MAP:URI=\" a b \",,URI=\"c\"\n#EXT-X-PREFETCH:  x  ",
		"#EXTM3U\n{$a}/../b.ts\n//h/x\nhttps://cdn.example.com/a\n",
		"#EXTM3U\n#EXT-X-DATERANGE:X-ASSET-URI=\"a\",X-ASSET-LIST=\"b\",X=\"\"\"\"\n",
		"#EXTM3U\na\x00b\n",
		"#EXTM3U\n\\",
		"#EXTM3U\n0#\r0",
		"#EXTM3U\n\v\r//evil.example/x.ts\n",
		"#EXTM3U\n  #EXT-X-STREAM-INF:BANDWIDTH=1\nv.m3u8\n",
	} {
		f.Add([]byte(s))
	}
	base := mustURL(f, "https://cdn.example.com/vod/x/index.m3u8")
	rebase := mustURL(f, "https://d1.cloudfront.net/a/b/")
	f.Fuzz(func(t *testing.T, in []byte) {
		if bytes.Contains(in, []byte("cfhls")) {
			t.Skip("input holds the credential tokens")
		}
		rw := &Rewriter{Base: base, Query: fuzzQuery, Carry: fuzzCarry, MaxLineBytes: 1 << 12}
		out, err := rw.AppendRewrite(nil, in)

		var buf bytes.Buffer
		err2 := rw.Rewrite(&buf, iotest.HalfReader(bytes.NewReader(in)))
		if (err == nil) != (err2 == nil) || err != nil && err.Error() != err2.Error() {
			t.Fatalf("AppendRewrite: %v, Rewrite: %v", err, err2)
		}
		// Other configurations run the other paths; they fail the same way.
		for _, other := range []*Rewriter{
			{Base: base, Rebase: rebase, Query: fuzzQuery, Carry: fuzzCarry, MaxLineBytes: 1 << 12},
			{Query: fuzzQuery, MaxLineBytes: 1 << 12, Hook: func(u URI) (string, error) { return u.Default, nil }},
		} {
			_, err3 := other.AppendRewrite(nil, in)
			if (err == nil) != (err3 == nil) || err != nil && err.Error() != err3.Error() {
				t.Fatalf("default: %v, other: %v", err, err3)
			}
		}

		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Line < 1 {
				t.Fatalf("not a ParseError with a line: %v", err)
			}
			for _, s := range []error{ErrNotPlaylist, ErrUnterminatedQuote, ErrLineTooLong, ErrNUL, ErrMissingURI, ErrUnsafe} {
				if errors.Is(err, s) {
					return
				}
			}
			t.Fatalf("no sentinel in %v", err)
		}
		if buf.String() != string(out) {
			t.Fatalf("Rewrite and AppendRewrite differ:\n%q\n%q", buf.String(), out)
		}
		if _, ok := alignInsertions(in, out, fuzzQuery, fuzzCarry); !ok {
			t.Fatalf("output is not input plus credentials:\nin:  %q\nout: %q", in, out)
		}
		// Each URI line gets credentials exactly when the scope rule (as
		// inScopeByURL models it) puts it in scope, and a signed one
		// resolves to the CDN under every resolver model. Lines with
		// variables are FuzzScope's business.
		for n, line := range bytes.Split(out, []byte("\n")) {
			st, en := trimBounds(line)
			u := string(line[st:en])
			if n == 0 || u == "" || u[0] == '#' || strings.Contains(u, "{$") {
				continue
			}
			if strings.Contains(u, fuzzQuery) {
				if leak := credentialLeak(base, string(line)); leak != "" {
					t.Fatalf("line %d: %s", n+1, leak)
				}
				continue
			}
			if in, ok := inScopeByURL(base, u); ok && in {
				t.Fatalf("line %d: in-scope URI without credentials: %q", n+1, line)
			}
		}
	})
}

// FuzzScope puts an arbitrary URI, and an arbitrary value for the variable
// {$h}, in every place a URI goes and through every configuration, and
// checks that whatever the Rewriter signs resolves to the CDN under every
// resolver model (resolvers_test.go), with {$h} substituted as players do.
// Its seeds are the hostile corpus.
func FuzzScope(f *testing.F) {
	for _, c := range hostileCorpus(f) {
		f.Add(c.uri, c.value)
	}
	base := mustURL(f, hostileBase)
	rewriters := hostileRewriters(f)
	f.Fuzz(func(t *testing.T, uri, value string) {
		if strings.Contains(uri+value, "cfhls") {
			t.Skip("input holds the credential tokens")
		}
		c := hostileCase{uri: uri}
		if !strings.ContainsAny(value, "\"\r\n\x00") {
			c.define = `#EXT-X-DEFINE:NAME="h",VALUE="` + value + `"`
			c.value = value
		}
		for cfgName, rw := range rewriters {
			for kind, pl := range hostilePlaylists(c) {
				out, err := rw.AppendRewrite(nil, []byte(pl))
				if err != nil {
					var pe *ParseError
					if !errors.As(err, &pe) {
						t.Fatalf("%s %s: not a ParseError: %v", cfgName, kind, err)
					}
					continue
				}
				for _, s := range signedURIs(string(out), "cfhlsPOLICY") {
					s = strings.ReplaceAll(s, "{$h}", c.value)
					if leak := credentialLeak(base, s); leak != "" {
						t.Fatalf("%s %s: %s\n%s", cfgName, kind, leak, out)
					}
				}
			}
		}
	})
}
