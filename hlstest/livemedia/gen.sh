#!/usr/bin/env bash
# gen.sh: (re)generate the media loop that hlstest.LiveOrigin serves.
#
# Writes, next to this script (and nothing else):
#   low.mp4          video, 256x144, fragmented MP4 (ftyp+moov, then moof+mdat)
#   high.mp4         video, 426x240, fragmented MP4
#   audio.mp4        audio, AAC-LC mono 48 kHz, fragmented MP4
#   low-0.ts … low-3.ts    MPEG-TS segments: low.mp4's video + audio.mp4's audio
#   high-0.ts … high-3.ts  MPEG-TS segments: high.mp4's video + audio.mp4's audio
#
# The loop is 7.68 s: 4 segments of 1.92 s, each of 3 parts of 0.64 s. Those
# numbers are chosen so that every boundary falls on a frame of both tracks:
# 0.64 s is 16 video frames at 25 fps and 30 AAC frames (1024 samples) at
# 48 kHz, so parts, segments and the loop have the same exact duration in
# the video and the audio, and timestamps stay continuous across loops.
#   - fMP4: one fragment per part (-frag_duration), an IDR frame at the start
#     of every segment (every 48 frames) and nowhere else, so only the first
#     part of a segment is independent. No edit lists; the audio is cut to
#     exactly 360 AAC frames and starts at timestamp 0.
#   - TS: the same H.264 and AAC bitstreams, copied (not re-encoded) into
#     one MPEG-TS segment per 1.92 s by ffmpeg's HLS muxer.
# LiveOrigin reads durations, timescales, codecs and key frames from these
# files; nothing here is restated in Go.
#
# Idempotent: everything is rebuilt in a temporary directory and moved into
# place; with the same ffmpeg build, reruns give byte-identical output
# (bit-exact flags, one x264 thread). Runs from any working directory.
# Installs ffmpeg with apt-get when it is missing.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

FPS=25
PART_FRAMES=16 # 0.64 s of video
PARTS=3        # parts per segment: 1.92 s
SEGMENTS=4     # segments per loop: 7.68 s
SEG_FRAMES=$((PART_FRAMES * PARTS))
LOOP_FRAMES=$((SEG_FRAMES * SEGMENTS))
RATE=48000
AAC_FRAMES=$((LOOP_FRAMES * RATE / FPS / 1024)) # 360
PART_US=$((PART_FRAMES * 1000000 / FPS))        # 640000
SEG_S="1.92"

if ! command -v ffmpeg >/dev/null 2>&1 || ! command -v ffprobe >/dev/null 2>&1; then
	echo "gen.sh: ffmpeg not found, installing with apt-get" >&2
	sudo=""
	if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
	$sudo apt-get update
	$sudo apt-get install -y ffmpeg
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# Fragmented MP4 with one fragment per part, no edit list, timestamps from 0.
FRAG=(-movflags +empty_moov+default_base_moof -frag_duration "$PART_US"
	-use_editlist 0 -avoid_negative_ts make_zero
	-flags +bitexact -fflags +bitexact -f mp4)

# video NAME WIDTH HEIGHT KBPS
video() {
	local name=$1 w=$2 h=$3 k=$4
	ffmpeg -nostdin -hide_banner -loglevel error -y \
		-f lavfi -i "testsrc2=size=${w}x${h}:rate=${FPS}" \
		-frames:v "$LOOP_FRAMES" -an \
		-c:v libx264 -profile:v baseline -pix_fmt yuv420p -preset medium \
		-b:v "${k}k" -maxrate "$((k * 3 / 2))k" -bufsize "$((k * 2))k" \
		-g "$SEG_FRAMES" -keyint_min "$SEG_FRAMES" -sc_threshold 0 \
		-force_key_frames "expr:eq(mod(n,${SEG_FRAMES}),0)" \
		-x264-params "threads=1" \
		"${FRAG[@]}" "$tmp/$name.mp4"
}

video low 256 144 30
video high 426 240 60

# Audio: a 440 Hz tone that beeps once a second, cut to exactly AAC_FRAMES
# frames (the encoder's priming frame included), so the loop is 7.68 s.
ffmpeg -nostdin -hide_banner -loglevel error -y \
	-f lavfi -i "sine=frequency=440:beep_factor=4:sample_rate=${RATE}:duration=10" \
	-vn -c:a aac -b:a 24k -ac 1 -ar "$RATE" -frames:a "$AAC_FRAMES" \
	"${FRAG[@]}" "$tmp/audio.mp4"

# ts NAME: the video of NAME.mp4 and the audio, copied into TS segments.
ts() {
	local name=$1
	mkdir -p "$tmp/$name-ts"
	ffmpeg -nostdin -hide_banner -loglevel error -y \
		-i "$tmp/$name.mp4" -i "$tmp/audio.mp4" -map 0:v -map 1:a -c copy \
		-flags +bitexact -fflags +bitexact \
		-f hls -hls_time "$SEG_S" -hls_list_size 0 -hls_playlist_type vod \
		-hls_segment_type mpegts -hls_segment_filename "$tmp/$name-ts/$name-%d.ts" \
		"$tmp/$name-ts/index.m3u8"
	local n
	n=$(find "$tmp/$name-ts" -name '*.ts' | wc -l)
	if [ "$n" -ne "$SEGMENTS" ]; then
		echo "gen.sh: $name: $n TS segments, want $SEGMENTS" >&2
		exit 1
	fi
	mv "$tmp/$name-ts"/*.ts "$tmp/"
}

ts low
ts high

# Sanity: frame counts.
for f in low high; do
	got=$(ffprobe -v error -count_packets -select_streams v:0 -show_entries stream=nb_read_packets -of csv=p=0 "$tmp/$f.mp4")
	if [ "$got" -ne "$LOOP_FRAMES" ]; then
		echo "gen.sh: $f.mp4 has $got video frames, want $LOOP_FRAMES" >&2
		exit 1
	fi
done
got=$(ffprobe -v error -count_packets -select_streams a:0 -show_entries stream=nb_read_packets -of csv=p=0 "$tmp/audio.mp4")
if [ "$got" -ne "$AAC_FRAMES" ]; then
	echo "gen.sh: audio.mp4 has $got AAC frames, want $AAC_FRAMES" >&2
	exit 1
fi

rm -f ./*.mp4 ./*.ts
mv "$tmp"/*.mp4 "$tmp"/*.ts .
echo "gen.sh: wrote $(cd "$here" && ls -- *.mp4 *.ts | tr '\n' ' ')" >&2
