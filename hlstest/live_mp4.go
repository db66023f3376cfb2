package hlstest

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// This file reads the fragmented MP4 files of the live loop (ISO/IEC
// 14496-12): it splits a file into its init section (ftyp, moov) and its
// fragments (moof, mdat), and reads what LiveOrigin needs from them: the
// track's timescale and codec, and each fragment's decode time, duration and
// whether it starts with a sync sample. It reads only; patchFragment writes
// the two fields LiveOrigin changes, in place, without moving a byte.

// errMP4 reports an MP4 file LiveOrigin cannot use.
var errMP4 = errors.New("hlstest: malformed MP4")

// mp4Box is one box: its type, and where its header and body lie in the
// slice it was read from.
type mp4Box struct {
	typ   string
	start int // offset of the box header
	body  int // offset of the box body
	end   int // offset just past the box
}

// mp4Boxes returns the boxes that fill data[from:to], in order. A size of 0
// means "to the end", a size of 1 a 64-bit size after the type.
func mp4Boxes(data []byte, from, to int) ([]mp4Box, error) {
	var boxes []mp4Box
	for off := from; off < to; {
		if to-off < 8 {
			return nil, fmt.Errorf("%w: %d stray bytes at %d", errMP4, to-off, off)
		}
		size := uint64(binary.BigEndian.Uint32(data[off:]))
		typ := string(data[off+4 : off+8])
		hdr := 8
		switch size {
		case 0:
			size = uint64(to - off)
		case 1:
			if to-off < 16 {
				return nil, fmt.Errorf("%w: truncated large %q box at %d", errMP4, typ, off)
			}
			size, hdr = binary.BigEndian.Uint64(data[off+8:]), 16
		}
		if size < uint64(hdr) || size > uint64(to-off) {
			return nil, fmt.Errorf("%w: %q box at %d has size %d, %d bytes left", errMP4, typ, off, size, to-off)
		}
		boxes = append(boxes, mp4Box{typ: typ, start: off, body: off + hdr, end: off + int(size)})
		off += int(size)
	}
	return boxes, nil
}

// mp4Find returns the box at path below data[from:to], descending through
// the first box of each type named: mp4Find(d, 0, len(d), "moov", "trak").
func mp4Find(data []byte, from, to int, path ...string) (mp4Box, error) {
	var found mp4Box
	for _, typ := range path {
		boxes, err := mp4Boxes(data, from, to)
		if err != nil {
			return mp4Box{}, err
		}
		ok := false
		for _, b := range boxes {
			if b.typ == typ {
				found, ok = b, true
				break
			}
		}
		if !ok {
			return mp4Box{}, fmt.Errorf("%w: no %q box", errMP4, typ)
		}
		from, to = found.body, found.end
	}
	return found, nil
}

// mp4Split splits a fragmented MP4 file into its init section (every box
// before the first moof: ftyp and moov) and its fragments (each moof with
// the mdat that follows it). Boxes after the last mdat (mfra) are dropped.
func mp4Split(data []byte) (init []byte, frags [][]byte, err error) {
	boxes, err := mp4Boxes(data, 0, len(data))
	if err != nil {
		return nil, nil, err
	}
	i := 0
	for i < len(boxes) && boxes[i].typ != "moof" {
		i++
	}
	if i == 0 || i == len(boxes) {
		return nil, nil, fmt.Errorf("%w: no init section or no fragment", errMP4)
	}
	init = data[:boxes[i].start]
	for ; i < len(boxes); i++ {
		if boxes[i].typ != "moof" {
			continue
		}
		if i+1 == len(boxes) || boxes[i+1].typ != "mdat" {
			return nil, nil, fmt.Errorf("%w: moof at %d without mdat", errMP4, boxes[i].start)
		}
		frags = append(frags, data[boxes[i].start:boxes[i+1].end])
	}
	return init, frags, nil
}

// mp4Fragment is what LiveOrigin knows of one moof+mdat.
type mp4Fragment struct {
	data        []byte
	mfhd        int    // offset of mfhd's sequence_number
	tfdt        int    // offset of tfdt's version byte
	decodeTime  uint64 // tfdt's baseMediaDecodeTime, as encoded
	duration    uint64 // sum of the sample durations, in the track's timescale
	samples     int
	independent bool // the first sample is a sync sample
}

// mp4ReadFragment reads a fragment of a one-track file whose track has the
// given fragment defaults.
func mp4ReadFragment(data []byte, trex [3]uint32) (mp4Fragment, error) {
	f := mp4Fragment{data: data}
	n := len(data)
	mfhd, err := mp4Find(data, 0, n, "moof", "mfhd")
	if err != nil || mfhd.end-mfhd.body < 8 {
		return f, fmt.Errorf("%w: mfhd: %v", errMP4, err)
	}
	f.mfhd = mfhd.body + 4
	tfhd, err := mp4Find(data, 0, n, "moof", "traf", "tfhd")
	if err != nil || tfhd.end-tfhd.body < 8 {
		return f, fmt.Errorf("%w: tfhd: %v", errMP4, err)
	}
	tfdt, err := mp4Find(data, 0, n, "moof", "traf", "tfdt")
	if err != nil || tfdt.end-tfdt.body < 8 || data[tfdt.body] == 1 && tfdt.end-tfdt.body < 12 {
		return f, fmt.Errorf("%w: tfdt: %v", errMP4, err)
	}
	f.tfdt = tfdt.body
	if data[tfdt.body] == 1 {
		f.decodeTime = binary.BigEndian.Uint64(data[tfdt.body+4:])
	} else {
		f.decodeTime = uint64(binary.BigEndian.Uint32(data[tfdt.body+4:]))
	}
	// tfhd: flags, track_ID, then the optional fields its flags announce.
	duration, flags := trex[trexDuration], trex[trexFlags]
	tf := binary.BigEndian.Uint32(data[tfhd.body:]) & 0xffffff
	at := tfhd.body + 8
	for _, field := range []struct {
		bit  uint32
		size int
		dst  *uint32
	}{{0x01, 8, nil}, {0x02, 4, nil}, {0x08, 4, &duration}, {0x10, 4, nil}, {0x20, 4, &flags}} {
		if tf&field.bit == 0 {
			continue
		}
		if at+field.size > tfhd.end {
			return f, fmt.Errorf("%w: short tfhd", errMP4)
		}
		if field.dst != nil {
			*field.dst = binary.BigEndian.Uint32(data[at:])
		}
		at += field.size
	}
	trun, err := mp4Find(data, 0, n, "moof", "traf", "trun")
	if err != nil || trun.end-trun.body < 8 {
		return f, fmt.Errorf("%w: trun: %v", errMP4, err)
	}
	rf := binary.BigEndian.Uint32(data[trun.body:]) & 0xffffff
	count := int(binary.BigEndian.Uint32(data[trun.body+4:]))
	at = trun.body + 8
	if rf&0x01 != 0 { // data_offset
		at += 4
	}
	first, haveFirst := flags, false
	if rf&0x04 != 0 { // first_sample_flags
		if at+4 > trun.end {
			return f, fmt.Errorf("%w: short trun", errMP4)
		}
		first, haveFirst = binary.BigEndian.Uint32(data[at:]), true
		at += 4
	}
	per := 0
	for _, bit := range []uint32{0x100, 0x200, 0x400, 0x800} {
		if rf&bit != 0 {
			per += 4
		}
	}
	if count <= 0 || per > 0 && count > (trun.end-at)/per || per == 0 && count > n {
		return f, fmt.Errorf("%w: trun with %d samples", errMP4, count)
	}
	for i := 0; i < count; i++ {
		s := at + i*per
		d := duration
		if rf&0x100 != 0 {
			d = binary.BigEndian.Uint32(data[s:])
			s += 4
		}
		if rf&0x200 != 0 {
			s += 4
		}
		if i == 0 && rf&0x400 != 0 && !haveFirst {
			first = binary.BigEndian.Uint32(data[s:])
		}
		f.duration += uint64(d)
	}
	f.samples = count
	f.independent = first&0x10000 == 0 // sample_is_non_sync_sample
	if f.duration == 0 {
		return f, fmt.Errorf("%w: fragment without duration", errMP4)
	}
	return f, nil
}

// patch returns a copy of the fragment with its decode time moved later by
// shift ticks and its sequence number set to seq. A version 0 tfdt keeps
// its 32 bits (it wraps after 2^32 ticks; the embedded media use version 1).
func (f *mp4Fragment) patch(shift uint64, seq uint32) []byte {
	out := append([]byte(nil), f.data...)
	binary.BigEndian.PutUint32(out[f.mfhd:], seq)
	t := f.decodeTime + shift
	if out[f.tfdt] == 1 {
		binary.BigEndian.PutUint64(out[f.tfdt+4:], t)
	} else {
		binary.BigEndian.PutUint32(out[f.tfdt+4:], uint32(t))
	}
	return out
}
