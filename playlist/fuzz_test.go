package playlist

import (
	"bytes"
	"errors"
	"regexp"
	"testing"
	"testing/iotest"
)

const (
	fuzzQuery = "Sig=cfhlsQ"
	fuzzCarry = "Carry=cfhlsC"
)

var schemeRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*:`)

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
			for _, s := range []error{ErrNotPlaylist, ErrUnterminatedQuote, ErrLineTooLong, ErrNUL, ErrMissingURI} {
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
		for n, line := range bytes.Split(out, []byte("\n")) {
			st, en := trimBounds(line)
			u := line[st:en]
			if n == 0 || len(u) == 0 || line[0] == '#' || u[0] == '#' ||
				schemeRE.Match(u) || bytes.HasPrefix(u, []byte("//")) {
				continue
			}
			if !bytes.Contains(u, []byte(fuzzQuery)) {
				t.Fatalf("line %d: relative URI without credentials: %q", n+1, line)
			}
		}
	})
}
