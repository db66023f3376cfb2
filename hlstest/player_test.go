package hlstest

import (
	"context"
	"crypto"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/policy"
	"github.com/cfhls/cfhls/signer"
)

// publicCF is a simulator that lets everyone in, in front of fsys.
func publicCF(t testing.TB, fsys http.Handler) *CloudFront {
	t.Helper()
	cf := NewUnstartedCloudFront(fsys)
	cf.Domain = testDomain
	cf.Default.Public = true
	cf.Start()
	t.Cleanup(cf.Close)
	return cf
}

func TestPlayerPresentation(t *testing.T) {
	cf := publicCF(t, NewS3Origin(Presentation("movies/1")))
	report, err := (&Player{Client: cf.Client()}).Play(context.Background(), cf.URL+"/movies/1/master.m3u8")
	require.NoError(t, err)
	RequirePlayable(t, report)
	assert.True(t, AssertNoRefusals(t, report))

	want := map[Kind]int{
		KindMaster: 1, KindVariant: 3, KindRendition: 3, KindIFrame: 1, KindImage: 1,
		KindSessionData: 1, KindSessionKey: 1, KindKey: 1, KindMap: 1,
		KindSegment: 4 + 4 + 4 + 4 + 4 + 4 + 4 + 2, // 360p, 720p, 1080p, en, de, subs, I-frames, images
	}
	got := map[Kind]int{}
	for _, f := range report.Fetches {
		got[f.Kind]++
	}
	assert.Equal(t, want, got, report.String())
	assert.Equal(t, 3, report.Count(KindVariant))
	assert.Len(t, cf.Log(), len(report.Fetches), "one request per fetch")

	t.Run("playlists come first", func(t *testing.T) {
		lastPlaylist, firstMedia := -1, len(report.Fetches)
		for i, f := range report.Fetches {
			if f.Playlist {
				lastPlaylist = i
			} else if i < firstMedia {
				firstMedia = i
			}
		}
		assert.Less(t, lastPlaylist, firstMedia)
	})
	t.Run("URIs resolve against their playlist", func(t *testing.T) {
		urls := report.URLs()
		base := cf.URL + "/movies/1/"
		for _, u := range []string{
			base + "video/360p/seg00001.ts?v=2", // own query kept
			base + "video/360p/seg00003.ts",     // root-relative
			base + "keys/key1.key",              // ../../keys/
			base + "video/720p/iframes.m3u8",    // URI attribute
			base + "meta/session.json",          // session data
			base + "video/1080p/main.mp4",       // byte ranges
		} {
			assert.Contains(t, urls, u)
		}
	})
	t.Run("byte ranges become Range requests", func(t *testing.T) {
		var ranges []string
		for _, f := range report.Fetches {
			if strings.HasSuffix(f.URL, "main.mp4") {
				ranges = append(ranges, f.Range)
				assert.Equal(t, http.StatusPartialContent, f.Status)
			}
		}
		assert.Equal(t, []string{"bytes=0-63", "bytes=64-159", "bytes=160-255", "bytes=256-351", "bytes=352-447"}, ranges)
	})
}

func TestPlayerMaxSegments(t *testing.T) {
	cf := publicCF(t, NewS3Origin(mergeFS(Presentation("movies/1"), LivePresentation("live"))))
	p := &Player{Client: cf.Client(), MaxSegments: 1}
	report, err := p.Play(context.Background(), cf.URL+"/movies/1/master.m3u8")
	require.NoError(t, err)
	RequirePlayable(t, report)
	assert.Equal(t, 8, report.Count(KindSegment), "one per media playlist:\n%s", report)
	assert.Equal(t, 1, report.Count(KindKey), "keys are always fetched")

	report, err = p.Play(context.Background(), cf.URL+"/live/master.m3u8")
	require.NoError(t, err)
	RequirePlayable(t, report)
	assert.Equal(t, 2, report.Count(KindSegment))
	assert.Equal(t, 2, report.Count(KindPart))
	assert.Equal(t, 2, report.Count(KindPreloadHint))
}

func TestPlayerLive(t *testing.T) {
	cf := publicCF(t, NewS3Origin(LivePresentation("live")))
	report, err := (&Player{Client: cf.Client()}).Play(context.Background(), cf.URL+"/live/master.m3u8")
	require.NoError(t, err)
	RequirePlayable(t, report)
	// Each variant: init, 6 segments, 2×4 + 2 parts, 1 preload hint; the
	// rendition reports name the other variant, already fetched.
	assert.Equal(t, 2, report.Count(KindVariant))
	assert.Equal(t, 2, report.Count(KindMap))
	assert.Equal(t, 12, report.Count(KindSegment))
	assert.Equal(t, 20, report.Count(KindPart))
	assert.Equal(t, 2, report.Count(KindPreloadHint))
	assert.Contains(t, report.URLs(), cf.URL+"/live/high/seg106.part2.m4s")
}

func TestPlayerSkipsOtherSchemes(t *testing.T) {
	cf := publicCF(t, NewS3Origin(FS(map[string]string{"fp/index.m3u8": MediaSampleAES(2)})))
	report, err := (&Player{Client: cf.Client()}).Play(context.Background(), cf.URL+"/fp/index.m3u8")
	require.NoError(t, err)
	RequirePlayable(t, report)
	require.Len(t, report.Skipped, 2)
	assert.Equal(t, "skd://hlstest/key-1", report.Skipped[0].URL)
	assert.True(t, strings.HasPrefix(report.Skipped[1].URL, "data:text/plain;base64,"))
	assert.Equal(t, KindMedia, report.Fetches[0].Kind, "a root without variants is a media playlist")
	assert.Contains(t, report.String(), "skipped --- key")
}

func TestPlayerCRLF(t *testing.T) {
	cf := publicCF(t, NewS3Origin(FS(map[string]string{
		"m/master.m3u8":  CRLF("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nv/index.m3u8\n"),
		"m/v/index.m3u8": CRLF(MediaAES128(3, 1, "")),
	})))
	report, err := (&Player{Client: cf.Client()}).Play(context.Background(), cf.URL+"/m/master.m3u8")
	require.NoError(t, err)
	RequirePlayable(t, report)
	assert.Equal(t, 3, report.Count(KindSegment))
	assert.Equal(t, 3, report.Count(KindKey))
}

func TestPlayerRedirectBase(t *testing.T) {
	fsys := FS(map[string]string{"real/index.m3u8": MediaTS(2)})
	s3 := NewS3Origin(fsys)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/start.m3u8" {
			http.Redirect(w, r, "/real/index.m3u8", http.StatusFound)
			return
		}
		s3.ServeHTTP(w, r)
	}))
	defer srv.Close()
	report, err := (&Player{Client: srv.Client()}).Play(context.Background(), srv.URL+"/start.m3u8")
	require.NoError(t, err)
	RequirePlayable(t, report)
	assert.Contains(t, report.URLs(), srv.URL+"/real/seg00000.ts", "relative to the final URL")
}

func TestPlayerCookies(t *testing.T) {
	fx := newFixture(t)
	s := newSigner(t, ECDSAKey(), crypto.SHA256)
	cookies := mustCookies(t, s, policy.New(fx.cf.URL+"/movies/1/*", t0.Add(time.Hour)))
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	u, err := url.Parse(fx.cf.URL + "/")
	require.NoError(t, err)
	jar.SetCookies(u, cookies)

	report, err := (&Player{Client: fx.cf.Client(), Jar: jar}).Play(context.Background(), fx.cf.URL+"/movies/1/master.m3u8")
	require.NoError(t, err)
	RequirePlayable(t, report)
	for _, e := range fx.cf.Log() {
		assert.Equal(t, signer.SourceCookies, e.Source)
	}
	assert.Nil(t, fx.cf.Client().Jar, "the player does not change the client")

	fx.cf.Reset()
	report, err = (&Player{Client: fx.cf.Client(), Jar: jar}).Play(context.Background(), fx.cf.URL+"/movies/10/master.m3u8")
	require.NoError(t, err)
	require.Len(t, report.Refused(), 1, "the root is refused, so nothing else is tried")
	assert.ErrorIs(t, fx.cf.Refusals()[0].Err, signer.ErrResource)
}

// fakeTB records what a helper reports instead of failing the real test.
type fakeTB struct {
	testing.TB
	fatal, failed bool
	msg           string
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Errorf(format string, args ...any) {
	f.failed, f.msg = true, fmt.Sprintf(format, args...)
}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.fatal, f.failed, f.msg = true, true, fmt.Sprintf(format, args...)
}
func (f *fakeTB) Fatal(args ...any) { f.fatal, f.failed, f.msg = true, true, fmt.Sprint(args...) }

func TestPlayerReportsRefusals(t *testing.T) {
	fx := newFixture(t)
	s := newSigner(t, RSAKey(), crypto.SHA1)
	signed := mustSignURL(t, s, fx.cf.URL+"/movies/1/master.m3u8", policy.New(fx.cf.URL+"/movies/1/*", t0.Add(time.Hour)))
	// No rewriting origin: the master is allowed, everything it lists is
	// refused because it carries no credentials.
	report, err := (&Player{Client: fx.cf.Client()}).Play(context.Background(), signed)
	require.NoError(t, err)
	refused := report.Refused()
	require.Len(t, refused, 8+2, "every playlist and session file the master lists")
	assert.Len(t, report.Failed(), len(refused))

	tb := &fakeTB{TB: t}
	assert.False(t, AssertNoRefusals(tb, report))
	assert.False(t, tb.fatal)
	assert.Contains(t, tb.msg, "10 of 11 requests refused:\n\t403 rendition        https://"+testDomain+"/movies/1/audio/en/index.m3u8 from https://"+testDomain+"/movies/1/master.m3u8?Policy=")

	tb = &fakeTB{TB: t}
	RequirePlayable(tb, report)
	assert.True(t, tb.fatal)
	assert.Contains(t, tb.msg, "10 of 11 requests failed:")
	assert.Contains(t, tb.msg, "…&Signature=", "long values are shortened")

	tb = &fakeTB{TB: t}
	RequirePlayable(tb, &Report{})
	assert.True(t, tb.fatal)
	assert.Contains(t, tb.msg, "nothing was played")

	tb = &fakeTB{TB: t}
	assert.True(t, AssertNoRefusals(tb, &Report{Fetches: []Fetch{{URL: "https://x/a.m3u8", Status: http.StatusOK}}}))
	assert.False(t, tb.failed)
}

func TestPlayerNotAPlaylist(t *testing.T) {
	cf := publicCF(t, NewS3Origin(FS(map[string]string{
		"m/master.m3u8":  "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nv/index.m3u8\n#EXT-X-MEDIA:TYPE=AUDIO,URI=\"a/missing.m3u8\"\n",
		"m/v/index.m3u8": "<html>not a playlist</html>",
		"m/bad-uri.m3u8": "#EXTM3U\n#EXTINF:1,\n%zz\n",
	})))
	report, err := (&Player{Client: cf.Client()}).Play(context.Background(), cf.URL+"/m/master.m3u8")
	require.NoError(t, err)
	failed := report.Failed()
	require.Len(t, failed, 2, report.String())
	assert.ErrorIs(t, failed[0].Err, ErrNotPlaylist)
	assert.Equal(t, http.StatusNotFound, failed[1].Status)

	report, err = (&Player{Client: cf.Client()}).Play(context.Background(), cf.URL+"/m/bad-uri.m3u8")
	require.NoError(t, err)
	require.Len(t, report.Failed(), 1)
	assert.Contains(t, report.Failed()[0].Err.Error(), "line 3")
}

func TestPlayerErrors(t *testing.T) {
	for _, u := range []string{"", "/relative.m3u8", "ftp://x/a.m3u8", "http://%zz"} {
		_, err := (&Player{}).Play(context.Background(), u)
		assert.Error(t, err, u)
	}
	cf := publicCF(t, NewS3Origin(Presentation("movies/1")))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	report, err := (&Player{Client: cf.Client()}).Play(ctx, cf.URL+"/movies/1/master.m3u8")
	assert.ErrorIs(t, err, context.Canceled)
	assert.Empty(t, report.Fetches)
}

func TestPlayerHeader(t *testing.T) {
	const site = "https://player.example.com"
	cf := NewUnstartedCloudFront(NewS3Origin(Presentation("movies/1")))
	cf.Default = Behavior{Public: true, CORS: &CORS{AllowOrigins: []string{site}}}
	cf.Start()
	defer cf.Close()
	var origins []string
	client := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		resp, err := cf.Client().Transport.RoundTrip(r)
		if err == nil {
			origins = append(origins, resp.Header.Get("Access-Control-Allow-Origin"))
		}
		return resp, err
	})}
	report, err := (&Player{Client: client, Header: http.Header{"Origin": {site}}}).Play(context.Background(), cf.URL+"/movies/1/master.m3u8")
	require.NoError(t, err)
	RequirePlayable(t, report)
	require.Len(t, origins, len(report.Fetches))
	for _, o := range origins {
		assert.Equal(t, site, o)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestShortURL(t *testing.T) {
	assert.Equal(t, "https://x/a", shortURL("https://x/a"))
	assert.Equal(t, "https://x/a?v=1&Signature=abcdefghij…&k", shortURL("https://x/a?v=1&Signature=abcdefghijklmnopqrstuvwxyz&k"))
}
