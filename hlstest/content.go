package hlstest

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"path"
	"strconv"
	"strings"
	"testing/fstest"
)

// FS returns an fs.FS holding the given playlists (path -> content) and a
// tiny, deterministic body for every file they reference by a relative or
// root-relative URI: MPEG-TS packets for .ts, MP4 boxes for .mp4 and .m4s,
// an ADTS frame for .aac, WebVTT for .vtt, 16 bytes for .key, JSON for
// .json, JPEG markers for .jpg. Bodies are long enough for every byte range
// the playlists use. Paths are slash-separated without a leading '/'.
// Referenced playlists (.m3u8, .m3u) that are not given stay missing.
func FS(playlists map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{}
	sizes := map[string]int64{}
	for name, content := range playlists {
		name = strings.TrimPrefix(name, "/")
		fsys[name] = &fstest.MapFile{Data: []byte(content), Mode: 0o644}
		lastEnd := map[string]int64{}
		for _, ref := range Discover(content) {
			file, ok := referencedFile(name, ref.URI)
			if !ok {
				continue
			}
			size := sizes[file]
			if h := rangeHeader(ref.ByteRange, lastEnd, file); h != "" {
				_, last, _ := strings.Cut(h, "-")
				end, _ := strconv.ParseInt(last, 10, 64)
				size = max(size, end+1)
			}
			sizes[file] = size
		}
	}
	for file, size := range sizes {
		if _, ok := fsys[file]; ok || isPlaylistName(file) {
			continue
		}
		fsys[file] = &fstest.MapFile{Data: body(file, int(size)), Mode: 0o644}
	}
	return fsys
}

// referencedFile maps a URI in playlist name to a path in the FS: relative
// URIs against the playlist's directory, root-relative ones from the root;
// query and fragment dropped. URIs with a scheme or host are not files.
func referencedFile(name, uri string) (string, bool) {
	uri, _, _ = strings.Cut(uri, "#")
	uri, _, _ = strings.Cut(uri, "?")
	if uri == "" || strings.HasPrefix(uri, "//") || strings.Contains(uri, ":") {
		return "", false
	}
	var p string
	if strings.HasPrefix(uri, "/") {
		p = path.Clean(uri[1:])
	} else {
		p = path.Join(path.Dir(name), uri)
	}
	if p == "." || strings.HasPrefix(p, "../") || p == ".." {
		return "", false
	}
	return p, true
}

// body returns the tiny body of a media file, at least size bytes long.
func body(name string, size int) []byte {
	var b []byte
	switch ext := path.Ext(name); ext {
	case ".ts":
		b = tsBody(name, size)
	case ".mp4", ".m4s", ".m4v", ".m4a", ".cmfv", ".cmfa":
		b = mp4Body(name, size)
	case ".aac":
		b = adtsBody(name)
	case ".vtt", ".webvtt":
		b = []byte("WEBVTT\n\n00:00:00.000 --> 00:00:06.000\n" + name + "\n")
	case ".key":
		sum := sha256.Sum256([]byte(name))
		return sum[:16] // an AES-128 key is 16 bytes, whatever size asks
	case ".json":
		b = []byte(`{"generator":"hlstest","file":` + strconv.Quote(name) + "}\n")
	case ".jpg", ".jpeg":
		b = append([]byte{0xFF, 0xD8, 0xFF, 0xFE, 0, byte(2 + len(name))}, name...)
		b = append(b, 0xFF, 0xD9)
	default:
		b = []byte(name)
	}
	if len(b) < size {
		b = append(b, make([]byte, size-len(b))...)
	}
	return b
}

// tsBody returns MPEG-TS packets: 188 bytes each, sync byte 0x47, the file
// name as payload; at least two packets.
func tsBody(name string, size int) []byte {
	packets := max(2, (size+187)/188)
	b := make([]byte, 0, packets*188)
	for i := 0; i < packets; i++ {
		pusi := byte(0)
		if i == 0 {
			pusi = 0x40
		}
		pkt := []byte{0x47, pusi | 0x01, 0x00, 0x10 | byte(i&0x0F)} // PID 0x100, payload only
		pkt = append(pkt, name...)
		for len(pkt) < 188 {
			pkt = append(pkt, 0xFF)
		}
		b = append(b, pkt[:188]...)
	}
	return b
}

// mp4Body returns ISO BMFF boxes: ftyp (or styp for a segment), then a free
// box holding the name, padded to size.
func mp4Body(name string, size int) []byte {
	head := []byte("ftypiso6\x00\x00\x00\x00iso6cmfc")
	if strings.HasPrefix(path.Base(name), "seg") {
		head = []byte("stypmsdh\x00\x00\x00\x00msdhmsix")
	}
	b := binary.BigEndian.AppendUint32(nil, uint32(4+len(head)))
	b = append(b, head...)
	free := max(8+len(name), size-len(b))
	b = binary.BigEndian.AppendUint32(b, uint32(free))
	b = append(b, "free"...)
	b = append(b, name...)
	return append(b, make([]byte, free-8-len(name))...)
}

// adtsBody returns one ADTS frame (AAC-LC, 44.1 kHz, stereo) whose payload
// is the file name.
func adtsBody(name string) []byte {
	n := 7 + len(name)
	if n >= 1<<13 {
		panic(fmt.Sprintf("hlstest: name too long for an ADTS frame: %d bytes", len(name)))
	}
	b := []byte{0xFF, 0xF1, 0x50, 0x80 | byte(n>>11), byte(n >> 3), byte(n&7)<<5 | 0x1F, 0xFC}
	return append(b, name...)
}

func isPlaylistName(name string) bool {
	ext := strings.ToLower(path.Ext(name))
	return ext == ".m3u8" || ext == ".m3u"
}
