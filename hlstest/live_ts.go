package hlstest

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"strconv"
)

// This file reads and rewrites the MPEG-TS segments of the live loop
// (ISO/IEC 13818-1), and encrypts them as HLS AES-128 asks (RFC 8216
// section 4.3.2.4): the whole segment, AES-128-CBC with PKCS#7 padding.

// errTS reports a TS segment LiveOrigin cannot use.
var errTS = errors.New("hlstest: malformed MPEG-TS")

const (
	tsPacket = 188
	tsClock  = 90000   // PTS, DTS and PCR base ticks per second
	tsWrap   = 1 << 33 // PTS, DTS and PCR base are 33-bit
)

// tsStamp is a timestamp field in a segment: a PTS or DTS (5 bytes with
// marker bits) or a PCR (6 bytes: 33-bit base, 6 reserved, 9-bit extension).
type tsStamp struct {
	off int
	pcr bool
}

// tsSegment is one TS segment of the loop and where its timestamps are.
type tsSegment struct {
	data     []byte
	stamps   []tsStamp
	videoPTS uint64 // PTS of the first video PES
	payloads map[uint16]int
}

// tsRead finds every PTS, DTS and PCR of a segment, the PTS of its first
// video PES, and how many packets with payload each PID has (what its
// continuity counter advances by).
func tsRead(data []byte) (tsSegment, error) {
	seg := tsSegment{data: data, payloads: map[uint16]int{}}
	if len(data) == 0 || len(data)%tsPacket != 0 {
		return seg, fmt.Errorf("%w: %d bytes is not a whole number of packets", errTS, len(data))
	}
	haveVideo := false
	for p := 0; p < len(data); p += tsPacket {
		pkt := data[p : p+tsPacket]
		if pkt[0] != 0x47 {
			return seg, fmt.Errorf("%w: no sync byte at %d", errTS, p)
		}
		pid := uint16(pkt[1]&0x1f)<<8 | uint16(pkt[2])
		afc := pkt[3] >> 4 & 3
		payload := 4
		if afc&2 != 0 { // adaptation field
			n := int(pkt[4])
			if 5+n > tsPacket {
				return seg, fmt.Errorf("%w: adaptation field overruns packet at %d", errTS, p)
			}
			if n >= 7 && pkt[5]&0x10 != 0 {
				seg.stamps = append(seg.stamps, tsStamp{off: p + 6, pcr: true})
			}
			payload = 5 + n
		}
		if afc&1 == 0 {
			continue
		}
		seg.payloads[pid]++
		if pkt[1]&0x40 == 0 || pid < 0x20 || payload+9 > tsPacket {
			continue // not the start of a PES (or PSI)
		}
		h := pkt[payload:]
		if h[0] != 0 || h[1] != 0 || h[2] != 1 {
			continue // PSI: a table, not a PES
		}
		sid := h[3]
		if sid < 0xc0 || sid > 0xef { // audio and video streams have PTS
			continue
		}
		ptsDTS := h[7] >> 6
		if ptsDTS == 1 || 9+int(h[8]) > len(h) || ptsDTS == 2 && h[8] < 5 || ptsDTS == 3 && h[8] < 10 {
			return seg, fmt.Errorf("%w: PES header at %d does not fit its packet", errTS, p)
		}
		if ptsDTS >= 2 {
			seg.stamps = append(seg.stamps, tsStamp{off: p + payload + 9})
			if sid >= 0xe0 && !haveVideo {
				seg.videoPTS, haveVideo = tsGetPTS(h[9:]), true
			}
		}
		if ptsDTS == 3 {
			seg.stamps = append(seg.stamps, tsStamp{off: p + payload + 14})
		}
	}
	if !haveVideo {
		return seg, fmt.Errorf("%w: no video PES with a PTS", errTS)
	}
	return seg, nil
}

// tsGetPTS decodes a 5-byte PTS or DTS field.
func tsGetPTS(b []byte) uint64 {
	return uint64(b[0]>>1&7)<<30 | uint64(b[1])<<22 | uint64(b[2]>>1)<<15 | uint64(b[3])<<7 | uint64(b[4]>>1)
}

// tsPutPTS encodes a PTS or DTS into a 5-byte field, keeping its prefix and
// marker bits.
func tsPutPTS(b []byte, v uint64) {
	v %= tsWrap
	b[0] = b[0]&0xf1 | byte(v>>29)&0x0e
	b[1] = byte(v >> 22)
	b[2] = byte(v>>14) | 1
	b[3] = byte(v >> 7)
	b[4] = byte(v<<1) | 1
}

// tsGetPCR returns the 33-bit base of a PCR field.
func tsGetPCR(b []byte) uint64 {
	return uint64(binary.BigEndian.Uint32(b))<<1 | uint64(b[4]>>7)
}

// tsPutPCR sets the 33-bit base of a PCR field, keeping the reserved bits
// and the extension.
func tsPutPCR(b []byte, v uint64) {
	v %= tsWrap
	binary.BigEndian.PutUint32(b, uint32(v>>1))
	b[4] = b[4]&0x7f | byte(v&1)<<7
}

// shifted returns a copy of the segment as it plays in loop number loop:
// every PTS, DTS and PCR moved later by loop times loopTicks (modulo 2^33,
// as they wrap), and every continuity counter advanced by loop times what
// one pass over the loop advances it (perLoop), so that the stream continues
// from the previous pass without a jump in either.
func (s *tsSegment) shifted(loop int, loopTicks uint64, perLoop map[uint16]int) []byte {
	out := append([]byte(nil), s.data...)
	if loop == 0 {
		return out
	}
	hi, lo := bits.Mul64(uint64(loop), loopTicks)
	shift := bits.Rem64(hi, lo, tsWrap)
	for _, st := range s.stamps {
		b := out[st.off:]
		if st.pcr {
			tsPutPCR(b, tsGetPCR(b)+shift)
		} else {
			tsPutPTS(b, tsGetPTS(b)+shift)
		}
	}
	for p := 0; p < len(out); p += tsPacket {
		pid := uint16(out[p+1]&0x1f)<<8 | uint16(out[p+2])
		if pid == 0x1fff { // null packets carry no counter that matters
			continue
		}
		step := byte(loop % 16 * (perLoop[pid] % 16))
		out[p+3] = out[p+3]&0xf0 | (out[p+3]+step)&0x0f
	}
	return out
}

// LiveKey returns AES-128 key n of LiveOrigin's TS presentation, which it
// serves at ts/key-<n>.key: the first 16 bytes of the SHA-256 of
// "hlstest live key <n>". The same n always gives the same key, in every
// process, so a test can decrypt a segment without asking the origin.
func LiveKey(n int) []byte {
	sum := sha256.Sum256([]byte("hlstest live key " + strconv.Itoa(n)))
	return sum[:16]
}

// liveIV is the IV of the segment with media sequence number msn when the
// EXT-X-KEY tag has no IV attribute (RFC 8216 section 5.2): the number as a
// 128-bit big-endian integer.
func liveIV(msn int) []byte {
	iv := make([]byte, aes.BlockSize)
	binary.BigEndian.PutUint64(iv[8:], uint64(msn))
	return iv
}

// aes128Encrypt encrypts a whole segment with AES-128-CBC and PKCS#7
// padding (1 to 16 bytes, so the result is always longer).
func aes128Encrypt(key, iv, plain []byte) []byte {
	block, err := aes.NewCipher(key)
	if err != nil {
		panic(err) // key is always 16 bytes
	}
	pad := aes.BlockSize - len(plain)%aes.BlockSize
	out := make([]byte, len(plain)+pad)
	copy(out, plain)
	for i := len(plain); i < len(out); i++ {
		out[i] = byte(pad)
	}
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(out, out)
	return out
}
