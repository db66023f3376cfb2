package hlstest

import (
	"fmt"
	"path"
	"strings"
	"testing/fstest"
	"time"
)

// The generators below write realistic HLS playlists, deterministically:
// the same arguments always give the same bytes. URIs in them are relative.
// Line endings are LF; CRLF converts.

// segmentDuration is the EXTINF of segment i of n: 6 s, the last one 3.5 s.
func segmentDuration(i, n int) string {
	if i == n-1 && n > 1 {
		return "3.500"
	}
	return "6.000"
}

// vodPlaylist writes a VOD media playlist of n segments. header goes after
// the standard header; before(i) goes before segment i's EXTINF; name(i) is
// its URI.
func vodPlaylist(version, n int, header string, before func(i int) string, name func(i int) string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "#EXTM3U\n#EXT-X-VERSION:%d\n#EXT-X-TARGETDURATION:6\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n", version)
	b.WriteString(header)
	for i := 0; i < n; i++ {
		if before != nil {
			b.WriteString(before(i))
		}
		fmt.Fprintf(&b, "#EXTINF:%s,\n%s\n", segmentDuration(i, n), name(i))
	}
	b.WriteString("#EXT-X-ENDLIST\n")
	return b.String()
}

func tsName(i int) string { return fmt.Sprintf("seg%05d.ts", i) }

// MediaTS returns a VOD media playlist of n MPEG-TS segments, seg00000.ts,
// seg00001.ts, ..., of 6 seconds each (the last 3.5). MediaTS(10000) is a
// long movie.
func MediaTS(n int) string {
	return vodPlaylist(3, n, "", nil, tsName)
}

// fMP4 layout of MediaFMP4's main.mp4: the init section, then segments.
const (
	fmp4InitSize    = 64
	fmp4SegmentSize = 96
)

// MediaFMP4 returns a VOD media playlist of n fragmented-MP4 segments that
// are byte ranges of one file, main.mp4: EXT-X-MAP with a quoted BYTERANGE
// for the init section, and EXT-X-BYTERANGE before each segment (with an
// explicit offset on the first, continuing from the previous one after).
func MediaFMP4(n int) string {
	header := fmt.Sprintf("#EXT-X-INDEPENDENT-SEGMENTS\n#EXT-X-MAP:URI=\"main.mp4\",BYTERANGE=\"%d@0\"\n", fmp4InitSize)
	return vodPlaylist(7, n, header, nil, func(i int) string {
		// EXT-X-BYTERANGE goes between EXTINF and the URI.
		if i == 0 {
			return fmt.Sprintf("#EXT-X-BYTERANGE:%d@%d\nmain.mp4", fmp4SegmentSize, fmp4InitSize)
		}
		return fmt.Sprintf("#EXT-X-BYTERANGE:%d\nmain.mp4", fmp4SegmentSize)
	})
}

// keyIV is the IV of AES-128 key k.
func keyIV(k int) string { return fmt.Sprintf("0x%032X", k) }

// MediaAES128 returns a VOD media playlist of n MPEG-TS segments encrypted
// with AES-128, with an explicit IV, rotating to a new key every rotateEvery
// segments (never when rotateEvery <= 0). Key URIs are keyPrefix followed by
// key0.key, key1.key, ...: "../../keys/" puts them in a shared directory.
func MediaAES128(n, rotateEvery int, keyPrefix string) string {
	before := func(i int) string {
		if i == 0 || rotateEvery > 0 && i%rotateEvery == 0 {
			k := 0
			if rotateEvery > 0 {
				k = i / rotateEvery
			}
			return fmt.Sprintf("#EXT-X-KEY:METHOD=AES-128,URI=\"%skey%d.key\",IV=%s\n", keyPrefix, k, keyIV(k))
		}
		return ""
	}
	return vodPlaylist(3, n, "", before, tsName)
}

// MediaSampleAES returns a VOD media playlist of n fMP4 segments protected
// with SAMPLE-AES (cbcs): a FairPlay key with an skd:// URI and a Widevine
// key with a data: URI, neither of which a rewriter may touch or a player
// fetch over HTTP; and an EXT-X-MAP init section, init.mp4.
func MediaSampleAES(n int) string {
	header := "#EXT-X-INDEPENDENT-SEGMENTS\n" +
		"#EXT-X-KEY:METHOD=SAMPLE-AES,URI=\"skd://hlstest/key-1\",KEYFORMAT=\"com.apple.streamingkeydelivery\",KEYFORMATVERSIONS=\"1\"\n" +
		"#EXT-X-KEY:METHOD=SAMPLE-AES,URI=\"data:text/plain;base64,AAAAQ3Bzc2gAAAAA7e+LqXnWSs6jyCfc1R0h7QAAACMIARIQaGxzdGVzdC1rZXktMDAwMRoHaGxzdGVzdA==\",KEYFORMAT=\"urn:uuid:edef8ba9-79d6-4ace-a3c8-27dcd51d21ed\",KEYFORMATVERSIONS=\"1\"\n" +
		"#EXT-X-MAP:URI=\"init.mp4\"\n"
	return vodPlaylist(7, n, header, nil, func(i int) string { return fmt.Sprintf("seg%05d.m4s", i) })
}

// IFrames returns an I-frame playlist for n MPEG-TS segments named as
// MediaTS names them: each I-frame is a 188-byte range of a segment.
func IFrames(n int) string {
	return vodPlaylist(4, n, "#EXT-X-I-FRAMES-ONLY\n", nil, func(i int) string {
		return "#EXT-X-BYTERANGE:188@188\n" + tsName(i)
	})
}

// Master returns the master playlist of the presentation Presentation lays
// out: session data (one inline value with a comma, one URI) and a session
// key; two audio renditions, a subtitle rendition and closed captions (no
// URI); three variants (360p clear TS, 720p AES-128 TS with key rotation,
// 1080p fMP4 byte ranges); an I-frame playlist and a trick-play image
// playlist.
func Master() string {
	return `#EXTM3U
#EXT-X-VERSION:6
#EXT-X-INDEPENDENT-SEGMENTS
#EXT-X-SESSION-DATA:DATA-ID="com.example.title",VALUE="hlstest, a test presentation"
#EXT-X-SESSION-DATA:DATA-ID="com.example.metadata",URI="meta/session.json"
#EXT-X-SESSION-KEY:METHOD=AES-128,URI="keys/key0.key",IV=` + keyIV(0) + `
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aac",NAME="English",LANGUAGE="en",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="2",URI="audio/en/index.m3u8"
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aac",NAME="Deutsch, Stereo",LANGUAGE="de",DEFAULT=NO,AUTOSELECT=YES,CHANNELS="2",URI="audio/de/index.m3u8"
#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="English",LANGUAGE="en",DEFAULT=NO,AUTOSELECT=YES,FORCED=NO,URI="subs/en/index.m3u8"
#EXT-X-MEDIA:TYPE=CLOSED-CAPTIONS,GROUP-ID="cc",NAME="English",LANGUAGE="en",INSTREAM-ID="CC1"
#EXT-X-STREAM-INF:BANDWIDTH=800000,AVERAGE-BANDWIDTH=700000,RESOLUTION=640x360,FRAME-RATE=25.000,CODECS="avc1.4d401e,mp4a.40.2",AUDIO="aac",SUBTITLES="subs",CLOSED-CAPTIONS="cc"
video/360p/index.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=2500000,AVERAGE-BANDWIDTH=2200000,RESOLUTION=1280x720,FRAME-RATE=25.000,CODECS="avc1.64001f,mp4a.40.2",AUDIO="aac",SUBTITLES="subs",CLOSED-CAPTIONS="cc"
video/720p/index.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=5000000,AVERAGE-BANDWIDTH=4500000,RESOLUTION=1920x1080,FRAME-RATE=25.000,CODECS="avc1.640028,mp4a.40.2",AUDIO="aac",SUBTITLES="subs",CLOSED-CAPTIONS="cc"
video/1080p/index.m3u8
#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=200000,RESOLUTION=1280x720,CODECS="avc1.64001f",URI="video/720p/iframes.m3u8"
#EXT-X-IMAGE-STREAM-INF:BANDWIDTH=20000,RESOLUTION=320x180,CODECS="jpeg",URI="images/index.m3u8"
`
}

// presentationSegments is how many segments each playlist of Presentation has.
const presentationSegments = 4

// Presentation returns a whole VOD presentation under dir (such as
// "movies/1"), as Master describes it, with a tiny body for every file a
// playlist references: dir/master.m3u8, dir/video/{360p,720p,1080p}/,
// dir/audio/{en,de}/, dir/subs/en/, dir/images/, dir/keys/, dir/meta/.
// Each media playlist has 4 segments. The 360p playlist also holds a
// segment URI with its own query (?v=2) and a root-relative one
// ("/dir/video/360p/..."), so rewriters and players meet both.
func Presentation(dir string) fstest.MapFS {
	dir = strings.Trim(dir, "/")
	n := presentationSegments
	p360 := vodPlaylist(3, n, "", nil, func(i int) string {
		switch i {
		case 1:
			return tsName(i) + "?v=2"
		case n - 1:
			return "/" + path.Join(dir, "video/360p", tsName(i))
		}
		return tsName(i)
	})
	return FS(map[string]string{
		path.Join(dir, "master.m3u8"):             Master(),
		path.Join(dir, "video/360p/index.m3u8"):   p360,
		path.Join(dir, "video/720p/index.m3u8"):   MediaAES128(n, 2, "../../keys/"),
		path.Join(dir, "video/720p/iframes.m3u8"): IFrames(n),
		path.Join(dir, "video/1080p/index.m3u8"):  MediaFMP4(n),
		path.Join(dir, "audio/en/index.m3u8"):     vodPlaylist(3, n, "", nil, func(i int) string { return fmt.Sprintf("aud%05d.aac", i) }),
		path.Join(dir, "audio/de/index.m3u8"):     vodPlaylist(3, n, "", nil, func(i int) string { return fmt.Sprintf("aud%05d.aac", i) }),
		path.Join(dir, "subs/en/index.m3u8"):      vodPlaylist(3, n, "", nil, func(i int) string { return fmt.Sprintf("sub%05d.vtt", i) }),
		path.Join(dir, "images/index.m3u8"):       imagePlaylist(2),
	})
}

// imagePlaylist is a trick-play image playlist (Roku / MediaPackage style)
// of n tiled JPEGs, 5 thumbnails of 6 s each per tile.
func imagePlaylist(n int) string {
	var b strings.Builder
	b.WriteString("#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:30\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-IMAGES-ONLY\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "#EXTINF:30.000,\n#EXT-X-TILES:RESOLUTION=320x180,LAYOUT=5x1,DURATION=6.000\nthumb%05d.jpg\n", i)
	}
	b.WriteString("#EXT-X-ENDLIST\n")
	return b.String()
}

// LiveOptions shape a low-latency live playlist (LowLatency).
type LiveOptions struct {
	// Segments is how many complete segments the playlist lists; 0 means 6.
	Segments int
	// Parts is how many parts make a segment; 0 means 4.
	Parts int
	// FirstSequence is the media sequence number of the first segment.
	FirstSequence int
	// Skip, for a delta update (a client's _HLS_skip=YES), replaces that many
	// of the oldest segments with EXT-X-SKIP.
	Skip int
	// RenditionReports are the URIs of the other renditions' playlists, each
	// given an EXT-X-RENDITION-REPORT.
	RenditionReports []string
}

// liveStart is the program date and time of media sequence number 0.
var liveStart = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// LowLatency returns an LL-HLS live media playlist (version 9): 4-second
// fMP4 segments (seg<N>.m4s) of 1-second parts (seg<N>.part<P>.m4s), an
// EXT-X-MAP, server control with blocking reload and delta updates, parts
// for the last two complete segments and for the segment in progress, a
// preload hint for the next part, and rendition reports. With o.Skip it is
// a delta update: EXT-X-SKIP stands for the oldest segments.
func LowLatency(o LiveOptions) string {
	if o.Segments <= 0 {
		o.Segments = 6
	}
	if o.Parts <= 0 {
		o.Parts = 4
	}
	o.Skip = min(max(o.Skip, 0), o.Segments)
	const target = 4
	partDur := float64(target) / float64(o.Parts)
	var b strings.Builder
	fmt.Fprintf(&b, "#EXTM3U\n#EXT-X-VERSION:9\n#EXT-X-TARGETDURATION:%d\n", target)
	fmt.Fprintf(&b, "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL=%.1f,PART-HOLD-BACK=%.3f\n", float64(6*target), 3*partDur)
	fmt.Fprintf(&b, "#EXT-X-PART-INF:PART-TARGET=%.5f\n", partDur)
	fmt.Fprintf(&b, "#EXT-X-MEDIA-SEQUENCE:%d\n", o.FirstSequence)
	b.WriteString("#EXT-X-MAP:URI=\"init.mp4\"\n")
	if o.Skip > 0 {
		fmt.Fprintf(&b, "#EXT-X-SKIP:SKIPPED-SEGMENTS=%d\n", o.Skip)
	}
	parts := func(seq, count int) {
		for p := 0; p < count; p++ {
			fmt.Fprintf(&b, "#EXT-X-PART:DURATION=%.5f,URI=\"seg%d.part%d.m4s\"", partDur, seq, p)
			if p == 0 {
				b.WriteString(",INDEPENDENT=YES")
			}
			b.WriteByte('\n')
		}
	}
	for i := o.Skip; i < o.Segments; i++ {
		seq := o.FirstSequence + i
		if i == o.Skip {
			pdt := liveStart.Add(time.Duration(seq*target) * time.Second)
			fmt.Fprintf(&b, "#EXT-X-PROGRAM-DATE-TIME:%s\n", pdt.Format("2006-01-02T15:04:05.000Z"))
		}
		if i >= o.Segments-2 {
			parts(seq, o.Parts)
		}
		fmt.Fprintf(&b, "#EXTINF:%.5f,\nseg%d.m4s\n", float64(target), seq)
	}
	next := o.FirstSequence + o.Segments
	done := max(o.Parts/2, 1)
	parts(next, done)
	fmt.Fprintf(&b, "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"seg%d.part%d.m4s\"\n", next, done)
	for _, r := range o.RenditionReports {
		fmt.Fprintf(&b, "#EXT-X-RENDITION-REPORT:URI=\"%s\",LAST-MSN=%d,LAST-PART=%d\n", r, next, done-1)
	}
	return b.String()
}

// LivePresentation returns a low-latency live presentation under dir: a
// master playlist, dir/master.m3u8, with two LL-HLS variants, dir/low/ and
// dir/high/, each reporting the other, and a tiny body for every init
// section, segment, part and preload hint they list.
func LivePresentation(dir string) fstest.MapFS {
	dir = strings.Trim(dir, "/")
	master := `#EXTM3U
#EXT-X-VERSION:9
#EXT-X-INDEPENDENT-SEGMENTS
#EXT-X-STREAM-INF:BANDWIDTH=1000000,RESOLUTION=640x360,CODECS="avc1.4d401e,mp4a.40.2"
low/index.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=3000000,RESOLUTION=1280x720,CODECS="avc1.64001f,mp4a.40.2"
high/index.m3u8
`
	return FS(map[string]string{
		path.Join(dir, "master.m3u8"):     master,
		path.Join(dir, "low/index.m3u8"):  LowLatency(LiveOptions{FirstSequence: 100, RenditionReports: []string{"../high/index.m3u8"}}),
		path.Join(dir, "high/index.m3u8"): LowLatency(LiveOptions{FirstSequence: 100, RenditionReports: []string{"../low/index.m3u8"}}),
	})
}

// CRLF returns the playlist with every line ending in CRLF, as some
// packagers on Windows write them.
func CRLF(playlist string) string {
	var b strings.Builder
	b.Grow(len(playlist) + strings.Count(playlist, "\n"))
	for i := 0; i < len(playlist); i++ {
		if playlist[i] == '\n' && (i == 0 || playlist[i-1] != '\r') {
			b.WriteByte('\r')
		}
		b.WriteByte(playlist[i])
	}
	return b.String()
}
