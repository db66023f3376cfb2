package hlstest

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// mp4Field reads, independently of the origin's box reader, the first box
// named typ in a fragment: its version and the 32- or 64-bit field after
// version and flags.
func mp4Field(t *testing.T, data []byte, typ string) (version byte, v uint64) {
	t.Helper()
	i := bytes.Index(data, []byte(typ))
	require.GreaterOrEqual(t, i, 4, "no %s box", typ)
	body := data[i+4:]
	if body[0] == 1 {
		return 1, binary.BigEndian.Uint64(body[4:])
	}
	return body[0], uint64(binary.BigEndian.Uint32(body[4:]))
}

// TestLiveLowLatencyMediaContinuous fetches parts across a restart of the
// loop, and much later, and checks that decode times (tfdt) and fragment
// sequence numbers (mfhd) keep increasing as if the stream never looped.
func TestLiveLowLatencyMediaContinuous(t *testing.T) {
	m, err := loadLiveMedia()
	require.NoError(t, err)
	o, _ := newLive(t, liveAt(50000, 0), nil)
	for ri, rend := range []string{"low", "high", "audio"} {
		t.Run(rend, func(t *testing.T) {
			timescale := uint64(m.ll[ri].track.timescale)
			partTicks := uint64(livePart) * timescale / 1e9
			assert.Equal(t, m.ll[ri].init, liveGet(t, o, "ll/"+rend+"/init.mp4").Body.Bytes())
			for _, from := range []int{2, 4*1000 - 1, 49990} { // crossing a restart of the loop each time
				var last uint64
				for n := from; n < from+3; n++ {
					var parts []byte
					for i := 0; i < liveParts; i++ {
						part := liveGet(t, o, fmt.Sprintf("ll/%s/seg%d.part%d.m4s", rend, n, i)).Body.Bytes()
						parts = append(parts, part...)
						version, tfdt := mp4Field(t, part, "tfdt")
						assert.Equal(t, byte(1), version)
						assert.Equal(t, uint64(n*liveParts+i)*partTicks, tfdt, "tfdt of part %d.%d", n, i)
						if n > from || i > 0 {
							assert.Greater(t, tfdt, last, "tfdt of part %d.%d", n, i)
						}
						last = tfdt
						_, seq := mp4Field(t, part, "mfhd")
						assert.Equal(t, uint64(n*liveParts+i+1), seq, "mfhd of part %d.%d", n, i)
					}
					assert.Equal(t, parts, liveGet(t, o, fmt.Sprintf("ll/%s/seg%d.m4s", rend, n)).Body.Bytes(),
						"segment %d is its parts", n)
				}
			}
		})
	}
}

// tsPacketInfo reads, independently of the origin's TS code, the
// continuity counter, the PTS of a video PES start and the PCR base of
// every packet.
type tsPacketInfo struct {
	pid      uint16
	cc       int // -1 without payload
	videoPTS int64
	pcr      int64
}

func readTSPackets(t *testing.T, data []byte) []tsPacketInfo {
	t.Helper()
	require.Zero(t, len(data)%188, "whole packets")
	var out []tsPacketInfo
	for p := 0; p < len(data); p += 188 {
		pkt := data[p : p+188]
		require.Equal(t, byte(0x47), pkt[0], "sync byte of packet %d", p/188)
		info := tsPacketInfo{pid: uint16(pkt[1]&0x1f)<<8 | uint16(pkt[2]), cc: -1, videoPTS: -1, pcr: -1}
		payload := 4
		if pkt[3]&0x20 != 0 {
			if pkt[4] > 0 && pkt[5]&0x10 != 0 {
				info.pcr = int64(pkt[6])<<25 | int64(pkt[7])<<17 | int64(pkt[8])<<9 | int64(pkt[9])<<1 | int64(pkt[10]>>7)
			}
			payload += 1 + int(pkt[4])
		}
		if pkt[3]&0x10 != 0 {
			info.cc = int(pkt[3] & 0x0f)
			h := pkt[payload:]
			if pkt[1]&0x40 != 0 && len(h) > 14 && h[0] == 0 && h[1] == 0 && h[2] == 1 && h[3]&0xf0 == 0xe0 {
				info.videoPTS = int64(h[9]>>1&7)<<30 | int64(h[10])<<22 | int64(h[11]>>1)<<15 | int64(h[12])<<7 | int64(h[13]>>1)
			}
		}
		out = append(out, info)
	}
	return out
}

// TestLiveTSMediaDecrypt fetches AES-128 segments across a restart of the
// loop, decrypts them with the keys the origin serves and the media
// sequence number as IV, and checks the MPEG-TS inside: sync bytes, and
// continuity counters, PTS and PCR that run on across the restart.
func TestLiveTSMediaDecrypt(t *testing.T) {
	const rotate = 2
	o, _ := newLive(t, liveAt(30, 0), func(o *LiveOrigin) { o.KeyRotation = rotate })
	clear, _ := newLive(t, liveAt(30, 0), nil)
	marked, _ := newLive(t, liveAt(30, 0), func(o *LiveOrigin) { o.LoopDiscontinuity = true })
	for k := 0; k < 15; k++ {
		key := liveGet(t, o, fmt.Sprintf("ts/key-%d.key", k))
		require.Equal(t, 200, key.Code)
		assert.Equal(t, LiveKey(k), key.Body.Bytes(), "key %d", k)
		assert.Len(t, LiveKey(k), 16)
	}
	assert.NotEqual(t, LiveKey(0), LiveKey(1))
	for _, v := range []string{"low", "high"} {
		t.Run(v, func(t *testing.T) {
			var all []byte
			for n := 2; n <= 9; n++ { // restarts before 4 and 8
				path := fmt.Sprintf("ts/%s/seg%d.ts", v, n)
				enc := liveGet(t, o, path).Body.Bytes()
				plain, err := aes128Decrypt(LiveKey(n/rotate), liveIV(n), enc)
				require.NoError(t, err, path)
				assert.Equal(t, liveGet(t, clear, path).Body.Bytes(), plain, "%s decrypts to the clear segment", path)
				wrong, err := aes128Decrypt(LiveKey(n/rotate), liveIV(n+1), enc)
				if err == nil {
					assert.NotEqual(t, plain, wrong, "the IV is the media sequence number")
				}
				readTSPackets(t, plain)
				all = append(all, plain...)
				if n >= liveLoopSegments {
					assert.Equal(t, liveGet(t, marked, fmt.Sprintf("ts/%s/seg%d.ts", v, n%liveLoopSegments)).Body.Bytes(),
						liveGet(t, marked, path).Body.Bytes(), "with LoopDiscontinuity, %s is served as encoded", path)
				}
			}
			lastCC := map[uint16]int{}
			var pts, pcr []int64
			for i, p := range readTSPackets(t, all) {
				if p.cc >= 0 && p.pid != 0x1fff {
					if last, ok := lastCC[p.pid]; ok {
						require.Equal(t, (last+1)%16, p.cc, "continuity counter of PID %#x at packet %d", p.pid, i)
					}
					lastCC[p.pid] = p.cc
				}
				if p.videoPTS >= 0 {
					pts = append(pts, p.videoPTS)
				}
				if p.pcr >= 0 {
					pcr = append(pcr, p.pcr)
				}
			}
			require.Len(t, pts, 8*48, "video frames")
			for i := 1; i < len(pts); i++ {
				require.Equal(t, int64(3600), pts[i]-pts[i-1], "video PTS step at frame %d", i)
			}
			for i := 1; i < len(pcr); i++ {
				require.Greater(t, pcr[i], pcr[i-1], "PCR %d", i)
			}
		})
	}
}

// ffprobeFrames decodes a file with ffprobe and returns, per media type,
// the frames' presentation times. ffprobe must print no error.
func ffprobeFrames(t *testing.T, ffprobe, file string) map[string][]float64 {
	t.Helper()
	var stderr bytes.Buffer
	cmd := exec.Command(ffprobe, "-v", "error", "-show_entries", "frame=media_type,pts_time", "-of", "csv=p=0", file)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "ffprobe %s: %s", file, stderr.String())
	assert.Empty(t, stderr.String(), "ffprobe %s reports errors", file)
	frames := map[string][]float64{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		kind, ts, _ := strings.Cut(strings.TrimSuffix(line, ","), ",")
		if kind == "" { // the blank line ffprobe prints after a frame's side data
			continue
		}
		v, err := strconv.ParseFloat(ts, 64)
		require.NoError(t, err, line)
		frames[kind] = append(frames[kind], v)
	}
	return frames
}

// requireFFprobe returns ffprobe's path, or skips the test (fails it when
// CFHLS_REAL_CLIENTS asks for real clients, as CI does).
func requireFFprobe(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("ffprobe")
	if err != nil {
		if v := os.Getenv("CFHLS_REAL_CLIENTS"); v != "" && v != "0" && v != "false" {
			t.Fatalf("CFHLS_REAL_CLIENTS is set and ffprobe is missing: %v", err)
		}
		t.Skipf("ffprobe is not on PATH (%v): the media are not decoded", err)
	}
	return path
}

// TestLiveMediaFFprobe has ffprobe decode what the origin serves across a
// restart of the loop: an init section followed by parts, and decrypted TS
// segments. Each must decode without error, with timestamps that advance
// by one frame at a time through the restart.
func TestLiveMediaFFprobe(t *testing.T) {
	ffprobe := requireFFprobe(t)
	o, _ := newLive(t, liveAt(100, 0), func(o *LiveOrigin) { o.KeyRotation = 5 })
	dir := t.TempDir()
	const first, last = 42, 45 // segment 44 restarts the loop
	tests := []struct {
		name string
		body func() []byte
		want map[string]float64 // media type -> frame duration
	}{
		{name: "LowLatency video init and parts", want: map[string]float64{"video": 0.04}, body: func() []byte {
			b := liveGet(t, o, "ll/high/init.mp4").Body.Bytes()
			for n := first; n <= last; n++ {
				for i := 0; i < liveParts; i++ {
					b = append(b, liveGet(t, o, fmt.Sprintf("ll/high/seg%d.part%d.m4s", n, i)).Body.Bytes()...)
				}
			}
			return b
		}},
		{name: "LowLatency audio init and segments", want: map[string]float64{"audio": 1024.0 / 48000}, body: func() []byte {
			b := liveGet(t, o, "ll/audio/init.mp4").Body.Bytes()
			for n := first; n <= last; n++ {
				b = append(b, liveGet(t, o, fmt.Sprintf("ll/audio/seg%d.m4s", n)).Body.Bytes()...)
			}
			return b
		}},
		{name: "TS segments decrypted", want: map[string]float64{"video": 0.04, "audio": 1024.0 / 48000}, body: func() []byte {
			var b []byte
			for n := first; n <= last; n++ {
				plain, err := aes128Decrypt(LiveKey(n/5), liveIV(n), liveGet(t, o, fmt.Sprintf("ts/low/seg%d.ts", n)).Body.Bytes())
				require.NoError(t, err)
				b = append(b, plain...)
			}
			return b
		}},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(dir, strconv.Itoa(i))
			require.NoError(t, os.WriteFile(file, tc.body(), 0o600))
			frames := ffprobeFrames(t, ffprobe, file)
			for kind, step := range tc.want {
				pts := frames[kind]
				require.InDelta(t, float64(last-first+1)*liveSeg.Seconds()/step, float64(len(pts)), 1, "%s frames", kind)
				for j := 1; j < len(pts); j++ {
					require.InDelta(t, step, pts[j]-pts[j-1], 1e-4, "%s frame %d: %v then %v", kind, j, pts[j-1], pts[j])
				}
				want := float64(first) * liveSeg.Seconds()
				if !strings.HasPrefix(tc.name, "TS") { // fMP4 decode times start at 0 with the stream
					assert.InDelta(t, want, pts[0], 1e-3, "%s starts at segment %d's time", kind, first)
				}
				assert.False(t, math.IsNaN(pts[0]))
			}
		})
	}
}
