package hlstest_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/cfhls/cfhls/hlstest"
)

// A live origin on a fake clock, mounted under /live/: the LL-HLS video
// playlist 10 segments and one part (0.64 s) after the stream started.
// Segments last 1.92 s, parts 0.64 s; the window is 4 segments; segments
// within three target durations of the end, and the one in progress, list
// their parts; the next part is hinted, and the other renditions are
// reported.
func ExampleLiveOrigin() {
	start := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	origin := &hlstest.LiveOrigin{
		Now:    func() time.Time { return start.Add(10*1920*time.Millisecond + 640*time.Millisecond) },
		Start:  start,
		Window: 4,
	}
	srv := httptest.NewServer(http.StripPrefix("/live/", origin))
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/live/ll/low/index.m3u8")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Print(string(body))
	// Output:
	// #EXTM3U
	// #EXT-X-VERSION:9
	// #EXT-X-TARGETDURATION:2
	// #EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL=12.0,PART-HOLD-BACK=1.92000
	// #EXT-X-PART-INF:PART-TARGET=0.64000
	// #EXT-X-MEDIA-SEQUENCE:6
	// #EXT-X-MAP:URI="init.mp4"
	// #EXT-X-PROGRAM-DATE-TIME:2026-01-01T12:00:11.520Z
	// #EXTINF:1.92000,
	// seg6.m4s
	// #EXT-X-PROGRAM-DATE-TIME:2026-01-01T12:00:13.440Z
	// #EXTINF:1.92000,
	// seg7.m4s
	// #EXT-X-PROGRAM-DATE-TIME:2026-01-01T12:00:15.360Z
	// #EXT-X-PART:DURATION=0.64000,URI="seg8.part0.m4s",INDEPENDENT=YES
	// #EXT-X-PART:DURATION=0.64000,URI="seg8.part1.m4s"
	// #EXT-X-PART:DURATION=0.64000,URI="seg8.part2.m4s"
	// #EXTINF:1.92000,
	// seg8.m4s
	// #EXT-X-PROGRAM-DATE-TIME:2026-01-01T12:00:17.280Z
	// #EXT-X-PART:DURATION=0.64000,URI="seg9.part0.m4s",INDEPENDENT=YES
	// #EXT-X-PART:DURATION=0.64000,URI="seg9.part1.m4s"
	// #EXT-X-PART:DURATION=0.64000,URI="seg9.part2.m4s"
	// #EXTINF:1.92000,
	// seg9.m4s
	// #EXT-X-PROGRAM-DATE-TIME:2026-01-01T12:00:19.200Z
	// #EXT-X-PART:DURATION=0.64000,URI="seg10.part0.m4s",INDEPENDENT=YES
	// #EXT-X-PRELOAD-HINT:TYPE=PART,URI="seg10.part1.m4s"
	// #EXT-X-RENDITION-REPORT:URI="../high/index.m3u8",LAST-MSN=10,LAST-PART=0
	// #EXT-X-RENDITION-REPORT:URI="../audio/index.m3u8",LAST-MSN=10,LAST-PART=0
}
