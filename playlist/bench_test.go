package playlist

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/grafov/m3u8"
)

// mediaPlaylist returns a VOD media playlist of n segments shaped like
// ffmpeg's output.
func mediaPlaylist(n int) []byte {
	var b bytes.Buffer
	b.WriteString("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:6\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n")
	for i := range n {
		fmt.Fprintf(&b, "#EXTINF:6.006000,\nsegment_%06d.ts\n", i)
	}
	b.WriteString("#EXT-X-ENDLIST\n")
	return b.Bytes()
}

// benchQuery has the size of real CloudFront custom-policy credentials: a
// base64 policy, an RSA-2048 signature and a key pair ID.
var benchQuery = "Policy=" + strings.Repeat("eyJTdGF0ZW1lbnQiOlt7IlJlc291cmNlIjoi", 6) +
	"&Signature=" + strings.Repeat("Qk~9xZ-Ab_", 34) + "&Key-Pair-Id=K2JCJMDEHXQW5F"

// floorRewrite is the least any rewriter has to do: read lines with
// ReadSlice and append the suffix to every line that does not start with '#'.
func floorRewrite(w *bufio.Writer, r *bufio.Reader, suffix []byte) error {
	for {
		line, err := r.ReadSlice('\n')
		if len(line) > 1 && line[0] != '#' && line[len(line)-1] == '\n' {
			w.Write(line[:len(line)-1])
			w.WriteByte('?')
			w.Write(suffix)
			w.WriteByte('\n')
		} else {
			w.Write(line)
		}
		if err == io.EOF {
			return w.Flush()
		}
		if err != nil {
			return err
		}
	}
}

// BenchmarkMediaPlaylist compares, on the same media playlists, the
// Rewriter (streaming and append forms), the floor, and grafov decoding and
// encoding with Args set.
func BenchmarkMediaPlaylist(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000} {
		in := mediaPlaylist(n)
		b.Run(fmt.Sprintf("segments=%d/rewriter", n), func(b *testing.B) {
			rw := &Rewriter{Base: mustURL(b, "https://cdn.example.com/vod/movie/index.m3u8"), Query: benchQuery}
			if err := rw.Rewrite(io.Discard, bytes.NewReader(in)); err != nil { // warm the pool
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.SetBytes(int64(len(in)))
			for b.Loop() {
				if err := rw.Rewrite(io.Discard, bytes.NewReader(in)); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("segments=%d/append", n), func(b *testing.B) {
			rw := &Rewriter{Base: mustURL(b, "https://cdn.example.com/vod/movie/index.m3u8"), Query: benchQuery}
			out, err := rw.AppendRewrite(nil, in) // size the output buffer once
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.SetBytes(int64(len(in)))
			for b.Loop() {
				if out, err = rw.AppendRewrite(out[:0], in); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("segments=%d/floor", n), func(b *testing.B) {
			suffix := []byte(benchQuery)
			r := bufio.NewReaderSize(nil, readBufferBytes)
			w := bufio.NewWriterSize(io.Discard, flushBytes)
			b.ReportAllocs()
			b.SetBytes(int64(len(in)))
			for b.Loop() {
				r.Reset(bytes.NewReader(in))
				w.Reset(io.Discard)
				if err := floorRewrite(w, r, suffix); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("segments=%d/grafov", n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(in)))
			for b.Loop() {
				p, _, err := m3u8.DecodeFrom(bytes.NewReader(in), false)
				if err != nil {
					b.Fatal(err)
				}
				media := p.(*m3u8.MediaPlaylist)
				media.Args = benchQuery
				media.ResetCache()
				if _, err := io.Copy(io.Discard, media.Encode()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
