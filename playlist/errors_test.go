package playlist

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func assertParseError(t *testing.T, err error, sentinel error, line, column int) {
	t.Helper()
	var pe *ParseError
	if assert.ErrorAs(t, err, &pe) {
		assert.ErrorIs(t, err, sentinel)
		assert.Equal(t, line, pe.Line, "line")
		assert.Equal(t, column, pe.Column, "column")
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		sentinel error
		line     int
		column   int
		msg      string
	}{
		{"empty", "", ErrNotPlaylist, 1, 0, "playlist: line 1: not an HLS playlist: first line is not #EXTM3U: the input is empty"},
		{"html", "<html>\n", ErrNotPlaylist, 1, 0, "playlist: line 1: not an HLS playlist: first line is not #EXTM3U"},
		{"extm3u later", "\n#EXTM3U\n", ErrNotPlaylist, 1, 0, ""},
		{"extm3u glued", "#EXTM3Ux\n", ErrNotPlaylist, 1, 0, ""},
		{"bom", "\xEF\xBB\xBF#EXTM3U\n", ErrNotPlaylist, 1, 0, "playlist: line 1: not an HLS playlist: first line is not #EXTM3U: the input starts with a UTF-8 byte order mark (EF BB BF), which HLS forbids"},
		{"unterminated key", "#EXTM3U\n#EXTINF:4,\na.ts\n#EXT-X-KEY:METHOD=AES-128,URI=\"k.key\n", ErrUnterminatedQuote, 4, 31, "playlist: line 4, column 31: unterminated quoted string"},
		{"unterminated stream-inf", "#EXTM3U\n#EXT-X-STREAM-INF:CODECS=\"avc1\nv.m3u8\n", ErrUnterminatedQuote, 2, 26, ""},
		{"unterminated after value", "#EXTM3U\n#EXT-X-MAP:URI=\"a\"junk\"\n", ErrUnterminatedQuote, 2, 23, ""},
		{"unterminated other attribute", "#EXTM3U\n#EXT-X-DATERANGE:ID=\"a,X-ASSET-URI=\"x\"\n", ErrUnterminatedQuote, 2, 38, ""},
		{"nul in uri", "#EXTM3U\na\x00.ts\n", ErrNUL, 2, 2, "playlist: line 2, column 2: NUL byte in playlist"},
		{"nul in comment", "#EXTM3U\n# x\x00\n", ErrNUL, 2, 4, ""},
		{"nul in header", "#EXTM3U\x00\n", ErrNUL, 1, 8, ""},
		{"missing uri at end", "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n\n# c\n", ErrMissingURI, 2, 0, "playlist: line 2: EXT-X-STREAM-INF has no URI line"},
		{"missing uri before next variant", "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n#EXT-X-STREAM-INF:BANDWIDTH=2\nv.m3u8\n", ErrMissingURI, 2, 0, ""},
		{"too long", "#EXTM3U\n" + strings.Repeat("a", DefaultMaxLineBytes+1) + "\n", ErrLineTooLong, 2, 0, "playlist: line 2: line too long: longer than 1048576 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rw := &Rewriter{Query: "Q=1"}
			var out bytes.Buffer
			err := rw.Rewrite(&out, strings.NewReader(tt.in))
			assertParseError(t, err, tt.sentinel, tt.line, tt.column)
			if tt.msg != "" {
				assert.EqualError(t, err, tt.msg)
			}
			assert.Zero(t, out.Len(), "small output: nothing written before the error")

			dst := []byte("keep")
			got, err2 := rw.AppendRewrite(dst, []byte(tt.in))
			assert.Equal(t, err.Error(), err2.Error(), "AppendRewrite fails the same way")
			assert.Equal(t, "keep", string(got))

			out.Reset()
			err3 := rw.Rewrite(&out, iotest.OneByteReader(strings.NewReader(tt.in)))
			assert.Equal(t, err.Error(), err3.Error(), "one byte at a time")
		})
	}
}

func TestParseErrorWithoutErr(t *testing.T) {
	assert.Equal(t, "playlist: line 3: invalid playlist", (&ParseError{Line: 3}).Error())
	assert.Nil(t, (&ParseError{}).Unwrap())
}

// TestErrorAfterLargeOutput checks what dst has received when an error
// comes after more output than one write: whole lines, all from before the
// line in error.
func TestErrorAfterLargeOutput(t *testing.T) {
	good := mediaPlaylist(5000)
	good = bytes.TrimSuffix(good, []byte("#EXT-X-ENDLIST\n"))
	in := append(bytes.Clone(good), "#EXT-X-KEY:METHOD=AES-128,URI=\"k\n#EXTINF:4,\nlast.ts\n"...)
	rw := &Rewriter{Query: testQuery}
	full, err := rw.AppendRewrite(nil, good)
	require.NoError(t, err)

	var out bytes.Buffer
	err = rw.Rewrite(&out, bytes.NewReader(in))
	assertParseError(t, err, ErrUnterminatedQuote, bytes.Count(good, []byte("\n"))+1, 31)
	require.NotZero(t, out.Len(), "large output: some was written")
	assert.True(t, bytes.HasPrefix(full, out.Bytes()), "written output is a prefix of the good part's output")
	assert.Equal(t, byte('\n'), out.Bytes()[out.Len()-1], "whole lines only")
	assert.Less(t, out.Len(), len(full))
}

type failWriter struct {
	err   error
	short bool
}

func (w failWriter) Write(p []byte) (int, error) {
	if w.short {
		return len(p) / 2, nil
	}
	return 0, w.err
}

func TestIOErrors(t *testing.T) {
	errRead := errors.New("connection reset")
	errWrite := errors.New("client went away")
	tests := []struct {
		name string
		dst  io.Writer
		src  io.Reader
		is   error
		msg  string
	}{
		{"read", io.Discard, io.MultiReader(strings.NewReader("#EXTM3U\na.ts\nb."), iotest.ErrReader(errRead)), errRead,
			"playlist: reading line 3: connection reset"},
		{"read at once", io.Discard, iotest.ErrReader(errRead), errRead, "playlist: reading line 1: connection reset"},
		{"write", failWriter{err: errWrite}, strings.NewReader("#EXTM3U\na.ts\n"), errWrite, "playlist: writing: client went away"},
		{"short write", failWriter{short: true}, strings.NewReader("#EXTM3U\na.ts\n"), io.ErrShortWrite, "playlist: writing: short write"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := (&Rewriter{Query: "Q=1"}).Rewrite(tt.dst, tt.src)
			assert.ErrorIs(t, err, tt.is)
			assert.EqualError(t, err, tt.msg)
			var pe *ParseError
			assert.False(t, errors.As(err, &pe))
		})
	}
}
