package hlstest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http/cookiejar"
	"net/url"
	"time"

	"github.com/cfhls/cfhls/hlstest"
	"github.com/cfhls/cfhls/policy"
	"github.com/cfhls/cfhls/signer"
)

// A simulated distribution in front of an S3-like origin, trusting one key,
// refuses an unsigned request with CloudFront's own 403 body, and lets a
// signed one through without the signing parameters.
func ExampleNewCloudFront() {
	key := hlstest.ECDSAKey()
	cf := hlstest.NewCloudFront(hlstest.NewS3Origin(hlstest.Presentation("movies/1")), key)
	defer cf.Close()

	s, err := signer.New(key.ID, key.Private)
	if err != nil {
		panic(err)
	}
	master := cf.URL + "/movies/1/master.m3u8"
	signed, err := s.SignURL(master, policy.New(cf.URL+"/movies/1/*", time.Now().Add(time.Hour)))
	if err != nil {
		panic(err)
	}
	for _, u := range []string{master, signed} {
		resp, err := cf.Client().Get(u)
		if err != nil {
			panic(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Println(resp.StatusCode, resp.Header.Get("Content-Type"))
		if resp.StatusCode != 200 {
			fmt.Println(string(body))
		}
	}
	for _, e := range cf.Log() {
		fmt.Printf("%s %q missing key: %v\n", e.Decision, e.OriginURI, errors.Is(e.Err, signer.ErrMissingKeyPairID))
	}
	// Output:
	// 403 text/xml
	// <?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Missing Key-Pair-Id query parameter or cookie value</Message></Error>
	// 200 application/vnd.apple.mpegurl
	// refused "" missing key: true
	// allowed "/movies/1/master.m3u8" missing key: false
}

// A simulator configured before it starts, as with
// httptest.NewUnstartedServer: a realistic domain, a trusted key known only
// by its public half (as when the private key lives in a secrets manager),
// and a public behavior in front of the signed default.
func ExampleNewUnstartedCloudFront() {
	pub := hlstest.ECDSAKey().Public // in a real test: the public key CloudFront knows
	cf := hlstest.NewUnstartedCloudFront(hlstest.NewS3Origin(hlstest.Presentation("movies/1")))
	cf.Keys = []hlstest.Key{{ID: "K2JCJMDEHXQW5F", Public: pub}}
	cf.Domain = "d111111abcdef8.cloudfront.net"
	cf.Behaviors = []hlstest.Behavior{{PathPattern: "/movies/1/images/*", Public: true}}
	cf.Start()
	defer cf.Close()

	fmt.Println(cf.URL)
	for _, p := range []string{"/movies/1/images/index.m3u8", "/movies/1/master.m3u8"} {
		resp, err := cf.Client().Get(cf.URL + p)
		if err != nil {
			panic(err)
		}
		resp.Body.Close()
		e := cf.Log()[len(cf.Log())-1]
		fmt.Println(resp.StatusCode, e.Behavior, e.Decision)
	}
	// Output:
	// https://d111111abcdef8.cloudfront.net
	// 200 /movies/1/images/* unchecked
	// 403 * refused
}

// Cache behaviors as the AWS blog sets them up: playlists go to a rewriting
// origin with every query parameter forwarded, everything else to S3 with
// none, and CORS headers for a player page on another origin.
func ExampleBehavior() {
	s3 := hlstest.NewS3Origin(hlstest.Presentation("movies/1"))
	var rewriter = s3 // in a real test: the playlist-rewriting handler
	key := hlstest.RSAKey()
	cors := &hlstest.CORS{AllowOrigins: []string{"https://player.example.com"}}
	cf := hlstest.NewUnstartedCloudFront(s3)
	cf.Keys = []hlstest.Key{key}
	cf.Behaviors = []hlstest.Behavior{{PathPattern: "*.m3u8", Origin: rewriter, Query: hlstest.ForwardAll(), CORS: cors}}
	cf.Default = hlstest.Behavior{CORS: cors}
	cf.Start()
	defer cf.Close()
	resp, err := cf.Client().Get(cf.URL + "/movies/1/video/360p/seg00000.ts")
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode, cf.Log()[0].Behavior)
	// Output: 403 *
}

// A player with signed cookies walks a whole presentation; the report says
// what it fetched and whether anything was refused.
func ExamplePlayer() {
	key := hlstest.ECDSAKey()
	cf := hlstest.NewUnstartedCloudFront(hlstest.NewS3Origin(hlstest.Presentation("movies/1")))
	cf.Keys = []hlstest.Key{key}
	cf.Domain = "d111111abcdef8.cloudfront.net"
	cf.Start()
	defer cf.Close()

	s, err := signer.New(key.ID, key.Private)
	if err != nil {
		panic(err)
	}
	cookies, err := s.Cookies(policy.New(cf.URL+"/movies/1/*", time.Now().Add(time.Hour)), signer.CookieOptions{})
	if err != nil {
		panic(err)
	}
	jar, _ := cookiejar.New(nil)
	site, _ := url.Parse(cf.URL)
	jar.SetCookies(site, cookies)

	p := &hlstest.Player{Client: cf.Client(), Jar: jar, MaxSegments: 2}
	report, err := p.Play(context.Background(), cf.URL+"/movies/1/master.m3u8")
	if err != nil {
		panic(err)
	}
	fmt.Println(len(report.Fetches), "requests,", len(report.Refused()), "refused")
	for _, k := range []hlstest.Kind{hlstest.KindVariant, hlstest.KindRendition, hlstest.KindIFrame, hlstest.KindSegment, hlstest.KindKey, hlstest.KindMap} {
		fmt.Println(k, report.Count(k))
	}
	// Output:
	// 29 requests, 0 refused
	// variant 3
	// rendition 3
	// i-frame 1
	// segment 16
	// key 1
	// map 1
}

// Discover lists every URI of a playlist with a rule that knows no tag.
func ExampleDiscover() {
	playlist := "#EXTM3U\n" +
		"#EXT-X-KEY:METHOD=AES-128,URI=\"https://keys.example.com/k1?a=1,b=2\"\n" +
		"#EXT-X-MAP:URI=\"init.mp4\",BYTERANGE=\"720@0\"\n" +
		"#EXTINF:6,\n" +
		"seg0.m4s\n"
	for _, r := range hlstest.Discover(playlist) {
		fmt.Printf("%d %s %s [%s]\n", r.Line, r.Kind, r.URI, r.ByteRange)
	}
	// Output:
	// 2 key https://keys.example.com/k1?a=1,b=2 []
	// 3 map init.mp4 [720@0]
	// 5 segment seg0.m4s []
}
