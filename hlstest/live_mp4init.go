package hlstest

import (
	"encoding/binary"
	"fmt"
)

// This file reads the init section of a live loop's fMP4 file: the track's
// kind, timescale, fragment defaults and RFC 6381 codec, and the video's
// size or the audio's channels.

// mp4Track is what LiveOrigin reads from an init section.
type mp4Track struct {
	video     bool
	timescale uint32
	codec     string // RFC 6381: avc1.PPCCLL, mp4a.40.N
	width     int    // video only
	height    int    // video only
	channels  int    // audio only
	trex      [3]uint32
}

// Indexes into mp4Track.trex: the track's fragment defaults.
const (
	trexDuration = 0
	trexSize     = 1
	trexFlags    = 2
)

// mp4ReadTrack reads the one track of an init section.
func mp4ReadTrack(init []byte) (mp4Track, error) {
	var t mp4Track
	n := len(init)
	hdlr, err := mp4Find(init, 0, n, "moov", "trak", "mdia", "hdlr")
	if err != nil || hdlr.end-hdlr.body < 12 {
		return t, fmt.Errorf("%w: hdlr: %v", errMP4, err)
	}
	t.video = string(init[hdlr.body+8:hdlr.body+12]) == "vide"
	mdhd, err := mp4Find(init, 0, n, "moov", "trak", "mdia", "mdhd")
	if err != nil || mdhd.end-mdhd.body < 24 {
		return t, fmt.Errorf("%w: mdhd: %v", errMP4, err)
	}
	at := mdhd.body + 12 // version 0: creation and modification times are 32-bit
	if init[mdhd.body] == 1 {
		at = mdhd.body + 20
	}
	if at+4 > mdhd.end {
		return t, fmt.Errorf("%w: short mdhd", errMP4)
	}
	t.timescale = binary.BigEndian.Uint32(init[at:])
	if t.timescale == 0 {
		return t, fmt.Errorf("%w: timescale 0", errMP4)
	}
	trex, err := mp4Find(init, 0, n, "moov", "mvex", "trex")
	if err != nil || trex.end-trex.body < 24 {
		return t, fmt.Errorf("%w: trex: %v", errMP4, err)
	}
	for i := range t.trex {
		t.trex[i] = binary.BigEndian.Uint32(init[trex.body+12+4*i:])
	}
	stsd, err := mp4Find(init, 0, n, "moov", "trak", "mdia", "minf", "stbl", "stsd")
	if err != nil || stsd.end-stsd.body < 8 {
		return t, fmt.Errorf("%w: stsd: %v", errMP4, err)
	}
	entries, err := mp4Boxes(init, stsd.body+8, stsd.end)
	if err != nil || len(entries) == 0 {
		return t, fmt.Errorf("%w: sample entry: %v", errMP4, err)
	}
	e := entries[0]
	switch {
	case t.video && e.typ == "avc1" && e.end-e.body >= 78:
		t.width = int(binary.BigEndian.Uint16(init[e.body+24:]))
		t.height = int(binary.BigEndian.Uint16(init[e.body+26:]))
		avcC, err := mp4Find(init, e.body+78, e.end, "avcC")
		if err != nil || avcC.end-avcC.body < 4 {
			return t, fmt.Errorf("%w: avcC: %v", errMP4, err)
		}
		t.codec = fmt.Sprintf("avc1.%02x%02x%02x", init[avcC.body+1], init[avcC.body+2], init[avcC.body+3])
	case !t.video && e.typ == "mp4a" && e.end-e.body >= 28:
		esds, err := mp4Find(init, e.body+28, e.end, "esds")
		if err != nil || esds.end-esds.body < 4 {
			return t, fmt.Errorf("%w: esds: %v", errMP4, err)
		}
		aot, channels, err := esdsAudioConfig(init[esds.body+4 : esds.end])
		if err != nil {
			return t, err
		}
		t.channels = channels
		t.codec = fmt.Sprintf("mp4a.40.%d", aot)
	default:
		return t, fmt.Errorf("%w: unsupported sample entry %q", errMP4, e.typ)
	}
	return t, nil
}

// esdsAudioConfig returns the audio object type (2 for AAC-LC) and channel
// configuration of an MPEG-4 audio elementary stream descriptor (ISO/IEC
// 14496-1: ES_Descriptor, DecoderConfigDescriptor, DecoderSpecificInfo
// holding an AudioSpecificConfig). The sample entry's own channelcount is
// no use: MP4 writers put 2 there whatever the stream has.
func esdsAudioConfig(d []byte) (aot, channels int, err error) {
	// descriptor returns the body of the descriptor at the start of d.
	descriptor := func(d []byte, tag byte) ([]byte, bool) {
		if len(d) < 2 || d[0] != tag {
			return nil, false
		}
		size, i := 0, 1
		for ; i < len(d) && i <= 4; i++ {
			size = size<<7 | int(d[i]&0x7f)
			if d[i]&0x80 == 0 {
				break
			}
		}
		i++
		if i > len(d) || size > len(d)-i {
			return nil, false
		}
		return d[i : i+size], true
	}
	es, ok := descriptor(d, 0x03)
	if !ok || len(es) < 3 {
		return 0, 0, fmt.Errorf("%w: no ES_Descriptor", errMP4)
	}
	skip, flags := 3, es[2]
	if flags&0x80 != 0 {
		skip += 2
	}
	if flags&0x40 != 0 && len(es) > skip {
		skip += 1 + int(es[skip])
	}
	if flags&0x20 != 0 {
		skip += 2
	}
	if skip > len(es) {
		return 0, 0, fmt.Errorf("%w: short ES_Descriptor", errMP4)
	}
	dc, ok := descriptor(es[skip:], 0x04)
	if !ok || len(dc) < 13 || dc[0] != 0x40 {
		return 0, 0, fmt.Errorf("%w: no MPEG-4 audio DecoderConfigDescriptor", errMP4)
	}
	// AudioSpecificConfig: 5 bits of object type, 4 of sampling frequency
	// index (then 24 of frequency when the index is 15), 4 of channels.
	dsi, ok := descriptor(dc[13:], 0x05)
	if !ok || len(dsi) < 2 || dsi[0]>>3 == 0 || dsi[0]>>3 == 31 {
		return 0, 0, fmt.Errorf("%w: no usable AudioSpecificConfig", errMP4)
	}
	bits := uint64(0)
	for i := 0; i < 8; i++ {
		bits <<= 8
		if i < len(dsi) {
			bits |= uint64(dsi[i])
		}
	}
	at := 64 - 9 // past the object type and frequency index
	if bits>>at&0xf == 15 {
		at -= 24
	}
	channels = int(bits >> (at - 4) & 0xf)
	if channels == 0 {
		return 0, 0, fmt.Errorf("%w: AudioSpecificConfig without a channel configuration", errMP4)
	}
	return int(dsi[0] >> 3), channels, nil
}
