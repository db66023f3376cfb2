package playlist

import (
	"bufio"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSplitEOL(t *testing.T) {
	tests := []struct{ raw, content, eol string }{
		{"a\n", "a", "\n"},
		{"a\r\n", "a", "\r\n"},
		{"a", "a", ""},
		{"a\r", "a", "\r"},
		{"\n", "", "\n"},
		{"\r\n", "", "\r\n"},
		{"a\rb\n", "a\rb", "\n"},
		{"a\r\r\n", "a\r", "\r\n"},
		{"", "", ""},
	}
	for _, tt := range tests {
		c, e := splitEOL([]byte(tt.raw))
		assert.Equal(t, tt.content, string(c), "%q", tt.raw)
		assert.Equal(t, tt.eol, string(e), "%q", tt.raw)
	}
}

// scanAll returns NAME=VALUE strings (value quoted if it was) and the bad
// quote index.
func scanAll(line string) ([]string, int) {
	sc := newAttrScanner([]byte(line), 0)
	var got []string
	var a attr
	for sc.next(&a) {
		v := line[a.vs:a.ve]
		if a.quoted {
			v = `"` + v + `"`
		}
		got = append(got, string(a.name)+"="+v)
	}
	return got, sc.bad
}

func TestAttrScanner(t *testing.T) {
	tests := []struct {
		name string
		line string
		want []string
		bad  int
	}{
		{"simple", `A=1,B="x",C=y`, []string{"A=1", `B="x"`, "C=y"}, -1},
		{"comma in quotes", `A="x,y=z",B=2`, []string{`A="x,y=z"`, "B=2"}, -1},
		{"empty quoted", `URI="",B=1`, []string{`URI=""`, "B=1"}, -1},
		{"blanks", ` A = 1 , B = "x" `, []string{"A=1", `B="x"`}, -1},
		{"stray commas", `,,A=1,,B=2,`, []string{"A=1", "B=2"}, -1},
		{"pair without =", `FLAG,A=1`, []string{"A=1"}, -1},
		{"junk after quote", `A="x"junk,B=1`, []string{`A="x"`, "B=1"}, -1},
		{"quoted junk after quote", `A="x""y,z",B=1`, []string{`A="x"`, "B=1"}, -1},
		{"quote in name position", `"A=1",B=2`, []string{"B=2"}, -1},
		{"empty", ``, nil, -1},
		{"unterminated value", `A=1,B="x`, []string{"A=1"}, 6},
		{"unterminated junk", `A="x"y"z`, nil, 6},
		{"quote inside unquoted value", `A=x"y",B=1`, []string{"A=x", "B=1"}, -1},
		{"hex", `METHOD=AES-128,IV=0x1F`, []string{"METHOD=AES-128", "IV=0x1F"}, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, bad := scanAll(tt.line)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.bad, bad)
		})
	}
}

func TestLineReader(t *testing.T) {
	long := strings.Repeat("x", 100)
	in := "a\r\n" + long + "\n\nb\r" + long + "\nlast"
	want := []string{"a\r\n", long + "\n", "\n", "b\r" + long + "\n", "last"}
	for _, name := range []string{"whole", "one byte"} {
		t.Run(name, func(t *testing.T) {
			var src io.Reader = strings.NewReader(in)
			if name == "one byte" {
				src = iotest.OneByteReader(src)
			}
			r := lineReader{br: bufio.NewReaderSize(src, 16)}
			var got []string
			for {
				line, err := r.next(1000)
				if err == io.EOF {
					break
				}
				require.NoError(t, err)
				got = append(got, string(line))
			}
			assert.Equal(t, want, got)
		})
	}
}

func TestLineReaderLimit(t *testing.T) {
	r := lineReader{br: bufio.NewReaderSize(strings.NewReader(strings.Repeat("x", 100)+"\n"), 16)}
	_, err := r.next(50)
	assert.ErrorIs(t, err, ErrLineTooLong)

	// A CRLF right at the limit is not counted.
	r = lineReader{br: bufio.NewReaderSize(strings.NewReader(strings.Repeat("x", 50)+"\r\n"), 16)}
	line, err := r.next(50)
	require.NoError(t, err)
	assert.Len(t, line, 52)
}

func TestKind(t *testing.T) {
	nested := map[Kind]bool{KindVariant: true, KindRendition: true, KindIFrame: true, KindImage: true, KindRenditionReport: true, KindAsset: true}
	names := map[string]bool{}
	for k := KindSegment; k <= maxKind; k++ {
		s := k.String()
		assert.NotContains(t, s, "Kind(", "kind %d has no name", k)
		assert.False(t, names[s], "duplicate name %q", s)
		names[s] = true
		assert.Equal(t, nested[k], k.Nested(), "%v", k)
	}
	assert.Equal(t, "Kind(0)", Kind(0).String())
	assert.Equal(t, "Kind(200)", Kind(200).String())
	assert.Equal(t, "i-frame", KindIFrame.String())
}
