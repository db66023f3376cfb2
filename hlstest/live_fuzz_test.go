package hlstest

import (
	"errors"
	"fmt"
	"net/url"
	"testing"
)

// FuzzLiveDirectives checks the delivery directive parser: it never
// panics, refuses only with errDirective, keeps _HLS_part with _HLS_msn,
// reads what net/url reads for a plain _HLS_msn, and reads its own
// rendering of what it read back the same.
func FuzzLiveDirectives(f *testing.F) {
	for _, q := range []string{"", "_HLS_msn=20", "_HLS_msn=20&_HLS_part=1&_HLS_skip=YES", "_HLS_part=1",
		"_HLS_skip=v2", "Policy-PREFIX=a&_HLS_msn=007", "_HLS_msn=%32%30", "_HLS_msn=-1", "_HLS_msn=1&_HLS_msn=1"} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, q string) {
		d, err := parseLiveDirectives(q)
		if err != nil {
			if !errors.Is(err, errDirective) {
				t.Fatalf("%q: error %v does not wrap errDirective", q, err)
			}
			return
		}
		if d.msn < -1 || d.part < -1 || d.part >= 0 && d.msn < 0 {
			t.Fatalf("%q: read %+v", q, d)
		}
		if v, perr := url.ParseQuery(q); perr == nil && len(v["_HLS_msn"]) == 1 && d.msn >= 0 {
			if got := fmt.Sprint(d.msn); trimZeros(v.Get("_HLS_msn")) != got {
				t.Fatalf("%q: msn %s, net/url reads %q", q, got, v.Get("_HLS_msn"))
			}
		}
		again := url.Values{}
		if d.msn >= 0 {
			again.Set("_HLS_msn", fmt.Sprint(d.msn))
		}
		if d.part >= 0 {
			again.Set("_HLS_part", fmt.Sprint(d.part))
		}
		if d.skip {
			again.Set("_HLS_skip", "YES")
		}
		d2, err := parseLiveDirectives(again.Encode())
		if err != nil || d2 != d {
			t.Fatalf("%q: read %+v, then %+v (%v) from %q", q, d, d2, err, again.Encode())
		}
	})
}

// trimZeros drops leading zeros from a decimal integer.
func trimZeros(s string) string {
	for len(s) > 1 && s[0] == '0' {
		s = s[1:]
	}
	return s
}

// FuzzLiveMP4 checks the fMP4 reader: whatever the bytes, it never panics
// or reads out of bounds, and a fragment it reads can be patched, giving
// the decode time and sequence number asked for.
func FuzzLiveMP4(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		init, frags, err := mp4Split(data)
		if err != nil {
			return
		}
		n := len(init)
		for _, fr := range frags {
			n += len(fr)
		}
		if n > len(data) {
			t.Fatalf("split %d bytes into %d", len(data), n)
		}
		track, err := mp4ReadTrack(init)
		if err != nil {
			track = mp4Track{}
		}
		for _, data := range frags {
			fr, err := mp4ReadFragment(data, track.trex)
			if err != nil {
				continue
			}
			out := fr.patch(1000, 7)
			again, err := mp4ReadFragment(out, track.trex)
			if err != nil || len(out) != len(data) {
				t.Fatalf("patched fragment: %v, %d bytes, was %d", err, len(out), len(data))
			}
			want := fr.decodeTime + 1000
			if data[fr.tfdt] != 1 {
				want = uint64(uint32(want))
			}
			if again.decodeTime != want || again.duration != fr.duration {
				t.Fatalf("patched decode time %d, want %d", again.decodeTime, want)
			}
		}
	})
}

// FuzzLiveTS checks the TS reader: it never panics, and a segment it reads
// can be shifted, keeping its length and its sync bytes.
func FuzzLiveTS(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		seg, err := tsRead(data)
		if err != nil {
			return
		}
		out := seg.shifted(3, 691200, map[uint16]int{0: 4, 256: 7})
		if len(out) != len(data) {
			t.Fatalf("shifted %d bytes into %d", len(data), len(out))
		}
		for p := 0; p < len(out); p += tsPacket {
			if out[p] != 0x47 {
				t.Fatalf("sync byte of packet %d lost", p/tsPacket)
			}
		}
		again, err := tsRead(out)
		if err != nil {
			t.Fatalf("shifted segment: %v", err)
		}
		if want := (seg.videoPTS + 3*691200) % tsWrap; again.videoPTS != want {
			t.Fatalf("first video PTS %d, want %d", again.videoPTS, want)
		}
	})
}
