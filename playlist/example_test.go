package playlist_test

import (
	"errors"
	"fmt"
	"io"
	"log"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing/fstest"

	"github.com/cfhls/cfhls/playlist"
	"github.com/cfhls/cfhls/signer"
	"github.com/grafov/m3u8"
)

// Credentials as signer.Credentials.Encode would give them (shortened).
const exampleQuery = "Policy=eyJTdGF0ZW1lbnQiOlt7fV19&Signature=Nq3~Kz-9_&Key-Pair-Id=K2JCJMDEHXQW5F"

func exampleURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		log.Fatal(err)
	}
	return u
}

// A media playlist: every in-scope URI gets the credentials, whatever its
// form; URIs on other hosts and skd:// keys stay as they are.
func ExampleRewriter() {
	rw := &playlist.Rewriter{
		Base:  exampleURL("https://d111111abcdef8.cloudfront.net/movies/1/720p/index.m3u8"),
		Query: exampleQuery,
	}
	src := strings.NewReader(`#EXTM3U
#EXT-X-VERSION:7
#EXT-X-TARGETDURATION:6
#EXT-X-MAP:URI="init.mp4"
#EXT-X-KEY:METHOD=SAMPLE-AES,URI="skd://asset-1",KEYFORMAT="com.apple.streamingkeydelivery"
#EXTINF:6.006,
seg1.m4s
#EXTINF:6.006,
seg2.m4s?v=2
#EXTINF:6.006,
/movies/1/720p/seg3.m4s#t=1
#EXTINF:6.006,
https://ads.example.net/spot.m4s
#EXT-X-ENDLIST
`)
	if err := rw.Rewrite(os.Stdout, src); err != nil {
		log.Fatal(err)
	}
	// Output:
	// #EXTM3U
	// #EXT-X-VERSION:7
	// #EXT-X-TARGETDURATION:6
	// #EXT-X-MAP:URI="init.mp4?Policy=eyJTdGF0ZW1lbnQiOlt7fV19&Signature=Nq3~Kz-9_&Key-Pair-Id=K2JCJMDEHXQW5F"
	// #EXT-X-KEY:METHOD=SAMPLE-AES,URI="skd://asset-1",KEYFORMAT="com.apple.streamingkeydelivery"
	// #EXTINF:6.006,
	// seg1.m4s?Policy=eyJTdGF0ZW1lbnQiOlt7fV19&Signature=Nq3~Kz-9_&Key-Pair-Id=K2JCJMDEHXQW5F
	// #EXTINF:6.006,
	// seg2.m4s?v=2&Policy=eyJTdGF0ZW1lbnQiOlt7fV19&Signature=Nq3~Kz-9_&Key-Pair-Id=K2JCJMDEHXQW5F
	// #EXTINF:6.006,
	// /movies/1/720p/seg3.m4s?Policy=eyJTdGF0ZW1lbnQiOlt7fV19&Signature=Nq3~Kz-9_&Key-Pair-Id=K2JCJMDEHXQW5F#t=1
	// #EXTINF:6.006,
	// https://ads.example.net/spot.m4s
	// #EXT-X-ENDLIST
}

// A master playlist: the URIs of nested playlists also get Carry, copies of
// the credentials under names CloudFront does not strip, so that the server
// rewriting the next playlist can read them and do the same there.
func ExampleRewriter_carry() {
	rw := &playlist.Rewriter{
		Base:  exampleURL("https://d111111abcdef8.cloudfront.net/movies/1/master.m3u8"),
		Query: "Policy=P&Signature=S&Key-Pair-Id=K",
		Carry: "Policy-PREFIX=P&Signature-PREFIX=S&Key-Pair-Id-PREFIX=K",
	}
	src := strings.NewReader(`#EXTM3U
#EXT-X-SESSION-DATA:DATA-ID="com.example.chapters",URI="chapters.json"
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aac",NAME="English",DEFAULT=YES,URI="audio/en.m3u8"
#EXT-X-STREAM-INF:BANDWIDTH=2000000,CODECS="avc1.64001f,mp4a.40.2",AUDIO="aac"
720p/index.m3u8
#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=200000,URI="720p/iframes.m3u8"
`)
	if err := rw.Rewrite(os.Stdout, src); err != nil {
		log.Fatal(err)
	}
	// Output:
	// #EXTM3U
	// #EXT-X-SESSION-DATA:DATA-ID="com.example.chapters",URI="chapters.json?Policy=P&Signature=S&Key-Pair-Id=K"
	// #EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aac",NAME="English",DEFAULT=YES,URI="audio/en.m3u8?Policy=P&Signature=S&Key-Pair-Id=K&Policy-PREFIX=P&Signature-PREFIX=S&Key-Pair-Id-PREFIX=K"
	// #EXT-X-STREAM-INF:BANDWIDTH=2000000,CODECS="avc1.64001f,mp4a.40.2",AUDIO="aac"
	// 720p/index.m3u8?Policy=P&Signature=S&Key-Pair-Id=K&Policy-PREFIX=P&Signature-PREFIX=S&Key-Pair-Id-PREFIX=K
	// #EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=200000,URI="720p/iframes.m3u8?Policy=P&Signature=S&Key-Pair-Id=K&Policy-PREFIX=P&Signature-PREFIX=S&Key-Pair-Id-PREFIX=K"
}

// Rebasing: the backend serves the master playlist from its own host, and
// its relative URIs are sent to the CDN, where the media lives.
func ExampleRewriter_rebase() {
	rw := &playlist.Rewriter{
		Base:   exampleURL("https://api.example.com/play/movie-1/master.m3u8"),
		Rebase: exampleURL("https://d111111abcdef8.cloudfront.net/movies/1/master.m3u8"),
		Query:  "Policy=P&Signature=S&Key-Pair-Id=K",
	}
	src := strings.NewReader(`#EXTM3U
#EXT-X-STREAM-INF:BANDWIDTH=800000
360p/index.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=2000000
../1/720p/index.m3u8?v=3
#EXT-X-STREAM-INF:BANDWIDTH=5000000
https://other-cdn.example.net/movies/1/1080p/index.m3u8
`)
	if err := rw.Rewrite(os.Stdout, src); err != nil {
		log.Fatal(err)
	}
	// Output:
	// #EXTM3U
	// #EXT-X-STREAM-INF:BANDWIDTH=800000
	// https://d111111abcdef8.cloudfront.net/movies/1/360p/index.m3u8?Policy=P&Signature=S&Key-Pair-Id=K
	// #EXT-X-STREAM-INF:BANDWIDTH=2000000
	// https://d111111abcdef8.cloudfront.net/movies/1/720p/index.m3u8?v=3&Policy=P&Signature=S&Key-Pair-Id=K
	// #EXT-X-STREAM-INF:BANDWIDTH=5000000
	// https://other-cdn.example.net/movies/1/1080p/index.m3u8
}

// Key redirection: AES-128 keys come from the backend's key server instead
// of the CDN; segments still get the CloudFront exampleQuery.
func ExampleRewriter_keyURI() {
	rw := &playlist.Rewriter{
		Base:  exampleURL("https://d111111abcdef8.cloudfront.net/movies/1/720p/index.m3u8"),
		Query: "Policy=P&Signature=S&Key-Pair-Id=K",
		KeyURI: func(u *url.URL) (string, error) {
			return "https://api.example.com/keys?id=" + url.QueryEscape(u.Path), nil
		},
	}
	src := strings.NewReader(`#EXTM3U
#EXT-X-KEY:METHOD=AES-128,URI="keys/k1.bin",IV=0x00000000000000000000000000000001
#EXTINF:6,
seg1.ts
#EXT-X-KEY:METHOD=NONE
#EXTINF:6,
seg2.ts
`)
	if err := rw.Rewrite(os.Stdout, src); err != nil {
		log.Fatal(err)
	}
	// Output:
	// #EXTM3U
	// #EXT-X-KEY:METHOD=AES-128,URI="https://api.example.com/keys?id=%2Fmovies%2F1%2F720p%2Fkeys%2Fk1.bin",IV=0x00000000000000000000000000000001
	// #EXTINF:6,
	// seg1.ts?Policy=P&Signature=S&Key-Pair-Id=K
	// #EXT-X-KEY:METHOD=NONE
	// #EXTINF:6,
	// seg2.ts?Policy=P&Signature=S&Key-Pair-Id=K
}

// A hook signs each URI on its own, here with a stand-in for a canned
// signature of the resolved URL.
func ExampleRewriter_hook() {
	rw := &playlist.Rewriter{
		Base: exampleURL("https://d111111abcdef8.cloudfront.net/movies/1/index.m3u8"),
		Hook: func(u playlist.URI) (string, error) {
			sig := fmt.Sprintf("Expires=1767225600&Signature=sig-of-%s&Key-Pair-Id=K", u.URL.Path)
			return playlist.AddQuery(u.Raw, sig), nil
		},
	}
	src := strings.NewReader("#EXTM3U\n#EXTINF:6,\nseg1.ts\n")
	if err := rw.Rewrite(os.Stdout, src); err != nil {
		log.Fatal(err)
	}
	// Output:
	// #EXTM3U
	// #EXTINF:6,
	// seg1.ts?Expires=1767225600&Signature=sig-of-/movies/1/seg1.ts&Key-Pair-Id=K
}

// For playlists built with grafov, ApplyMedia applies the same rule to the
// values.
func ExampleRewriter_ApplyMedia() {
	p, err := m3u8.NewMediaPlaylist(0, 2)
	if err != nil {
		log.Fatal(err)
	}
	p.SetDefaultMap("init.mp4", 0, 0)
	p.Append("seg1.m4s", 6, "")
	p.Append("seg2.m4s?v=2", 6, "")
	p.Close()

	rw := &playlist.Rewriter{Query: "Policy=P&Signature=S&Key-Pair-Id=K"}
	if err := rw.ApplyMedia(p); err != nil {
		log.Fatal(err)
	}
	for _, s := range p.GetAllSegments() {
		fmt.Println(s.URI)
	}
	fmt.Println(p.Map.URI)
	// Output:
	// seg1.m4s?Policy=P&Signature=S&Key-Pair-Id=K
	// seg2.m4s?v=2&Policy=P&Signature=S&Key-Pair-Id=K
	// init.mp4?Policy=P&Signature=S&Key-Pair-Id=K
}

func ExampleAddQuery() {
	fmt.Println(playlist.AddQuery("seg.ts", "a=1"))
	fmt.Println(playlist.AddQuery("seg.ts?v=2#t=10", "a=1"))
	fmt.Println(playlist.AddQuery("seg-{$id}.ts", "a=1"))
	// Output:
	// seg.ts?a=1
	// seg.ts?v=2&a=1#t=10
	// seg-{$id}.ts?a=1
}

// Errors in the input come as a *ParseError with the line number, holding a
// sentinel error to branch on.
func ExampleParseError() {
	rw := &playlist.Rewriter{Query: "Signature=abc"}
	err := rw.Rewrite(io.Discard, strings.NewReader("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1280000\n"))

	var pe *playlist.ParseError
	if errors.As(err, &pe) {
		fmt.Println("line:", pe.Line)
	}
	if errors.Is(err, playlist.ErrMissingURI) {
		fmt.Println(err)
	}
	// Output:
	// line: 2
	// playlist: line 2: EXT-X-STREAM-INF has no URI line
}

// A Handler in ModePropagate: CloudFront has verified and stripped Policy,
// Signature and Key-Pair-Id, and forwarded their -PREFIX copies; the
// Handler puts the credentials on every URI, and the copies again on URIs
// of nested playlists. (Set Propagate.Verifier to check the copies too.)
func ExampleHandler() {
	carrier := signer.Suffix("-PREFIX")
	h := &playlist.Handler{
		Origin:    playlist.FSOrigin(fstest.MapFS{"movies/1/master.m3u8": {Data: []byte("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n720p/index.m3u8\n")}}),
		Mode:      playlist.ModePropagate,
		Propagate: playlist.Carried{Carrier: &carrier},
	}
	if err := h.Validate(); err != nil {
		log.Fatal(err)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "https://d111111abcdef8.cloudfront.net/movies/1/master.m3u8?Policy-PREFIX=P&Signature-PREFIX=S&Key-Pair-Id-PREFIX=K", nil))
	fmt.Println(w.Code)
	fmt.Print(w.Body.String())
	// Output:
	// 200
	// #EXTM3U
	// #EXT-X-STREAM-INF:BANDWIDTH=1
	// 720p/index.m3u8?Policy=P&Signature=S&Key-Pair-Id=K&Policy-PREFIX=P&Signature-PREFIX=S&Key-Pair-Id-PREFIX=K
}

// Validate names what does not fit: here the Mode is missing (it is never
// guessed from the settings), and then the settings are another mode's.
// Served anyway, such a Handler answers every request 500.
func ExampleHandler_Validate() {
	carrier := signer.Suffix("-PREFIX")
	h := &playlist.Handler{
		Origin:    playlist.FSOrigin(fstest.MapFS{}),
		Propagate: playlist.Carried{Carrier: &carrier},
	}
	err := h.Validate()
	fmt.Println(errors.Is(err, playlist.ErrConfig))
	fmt.Println(err)

	h.Mode = playlist.ModeCookies
	fmt.Println(h.Validate())
	// Output:
	// true
	// playlist: invalid configuration: Mode is not set: choose ModePropagate, ModeServerSide or ModeCookies
	// playlist: invalid configuration: Propagate.Carrier is set, but Mode is ModeCookies: Propagate configures ModePropagate only; remove it or set Mode to ModePropagate
}
