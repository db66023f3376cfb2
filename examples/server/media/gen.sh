#!/usr/bin/env bash
# gen.sh: (re)generate the sample HLS presentation used by the local demo server.
#
# Writes, next to this script:
#   sample/master.m3u8            multi-variant playlist (three variants)
#   sample/low/index.m3u8 + seg-N.ts   320x180, clear
#   sample/high/index.m3u8 + seg-N.ts  640x360, clear
#   sample/enc/index.m3u8 + seg-N.ts   320x180, AES-128 (keys/enc.key)
#   keys/enc.key                  16 random bytes, created once and then kept
#
# Idempotent: sample/ is rebuilt from scratch on every run; an existing
# keys/enc.key is reused, so reruns give byte-identical output with the same
# ffmpeg build. Runs from any working directory.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

# Placeholder written into EXT-X-KEY. The demo server's playlist rewriter
# replaces it with the URL of its own key server. ".invalid" never resolves.
KEY_URI="https://keys.invalid/enc.key"
# Fixed IV (hex, no 0x: ffmpeg adds it) so the playlist is deterministic (every segment uses the same IV;
# fine for a demo, see README).
KEY_IV="6366686c732d73616d706c652d697631" # ASCII "cfhls-sample-iv1"

DURATION=6  # seconds of content
SEG=2       # target segment duration (seconds)
FPS=25
GOP=$((SEG * FPS))

if ! command -v ffmpeg >/dev/null 2>&1 || ! command -v ffprobe >/dev/null 2>&1; then
	echo "gen.sh: ffmpeg not found, installing with apt-get" >&2
	sudo=""
	if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
	$sudo apt-get update
	$sudo apt-get install -y ffmpeg
fi

# Key: generate once, then keep (reruns must not change it).
mkdir -p keys
if [ ! -f keys/enc.key ]; then
	(umask 077 && head -c 16 /dev/urandom >keys/enc.key.tmp)
	mv keys/enc.key.tmp keys/enc.key
	echo "gen.sh: generated new keys/enc.key" >&2
fi
if [ "$(wc -c <keys/enc.key)" -ne 16 ]; then
	echo "gen.sh: keys/enc.key must be exactly 16 bytes" >&2
	exit 1
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

out="$tmp/sample"
mkdir -p "$out/low" "$out/high" "$out/enc"

# Key info file for ffmpeg: key URI (as written to the playlist), key file
# path (read by ffmpeg), IV.
printf '%s\n%s\n%s\n' "$KEY_URI" "$here/keys/enc.key" "$KEY_IV" >"$tmp/enc.keyinfo"

# encode NAME WIDTH HEIGHT VIDEO_KBPS AUDIO_KBPS [extra hls options...]
encode() {
	local name=$1 w=$2 h=$3 vk=$4 ak=$5
	shift 5
	(
		cd "$out/$name"
		ffmpeg -nostdin -hide_banner -loglevel error -y \
			-f lavfi -i "testsrc2=size=${w}x${h}:rate=${FPS}:duration=${DURATION}" \
			-f lavfi -i "sine=frequency=440:beep_factor=4:sample_rate=48000:duration=${DURATION}" \
			-map 0:v -map 1:a -t "$DURATION" \
			-c:v libx264 -profile:v baseline -level:v 3.0 -pix_fmt yuv420p -preset medium \
			-b:v "${vk}k" -maxrate "$((vk * 3 / 2))k" -bufsize "$((vk * 2))k" \
			-g "$GOP" -keyint_min "$GOP" -sc_threshold 0 \
			-force_key_frames "expr:gte(t,n_forced*${SEG})" \
			-x264-params "threads=1" \
			-c:a aac -b:a "${ak}k" -ac 2 -ar 48000 \
			-flags:v +bitexact -flags:a +bitexact -fflags +bitexact \
			-f hls -hls_time "$SEG" -hls_playlist_type vod -hls_list_size 0 \
			-hls_flags independent_segments \
			-hls_segment_type mpegts \
			-hls_segment_filename "seg-%d.ts" \
			"$@" \
			index.m3u8
	)
}

encode low 320 180 80 48
encode high 640 360 170 64
encode enc 320 180 80 48 -hls_key_info_file "$tmp/enc.keyinfo"

# RFC 8216 CODECS for H.264: avc1.PPCCLL from the SPS (profile_idc,
# constraint flags, level_idc), read from the first segment.
# Extra args before the file name (e.g. crypto options) go first.
avc_codec() {
	ffmpeg -nostdin -loglevel error "$@" -map 0:v:0 -c copy \
		-bsf:v h264_mp4toannexb -frames:v 1 -f h264 - |
		od -An -v -tx1 | tr -s ' \n' ' ' |
		sed -n 's/.*00 00 01 67 \([0-9a-f][0-9a-f]\) \([0-9a-f][0-9a-f]\) \([0-9a-f][0-9a-f]\).*/avc1.\1\2\3/p'
}

# Writes one EXT-X-STREAM-INF + URI pair for variant NAME; further arguments
# are input options needed to read its first segment (decryption for enc).
# BANDWIDTH = peak segment bit rate, AVERAGE-BANDWIDTH = total bits / total
# duration (RFC 8216 4.3.4.2), from the actual segment sizes.
stream_inf() {
	local name=$1 dir="$out/$1"
	shift
	local wh codec bw peak avg in="$dir/seg-0.ts"
	if [ $# -gt 0 ]; then in="crypto:$in"; fi
	wh="$(ffprobe -v error "$@" -select_streams v:0 -show_entries stream=width,height \
		-of csv=s=x:p=0 "$in" | awk 'NF && !n++')"
	codec="$(avc_codec "$@" -i "$in")"
	if [ -z "$codec" ]; then
		echo "gen.sh: could not read the SPS of $dir/seg-0.ts" >&2
		exit 1
	fi
	bw="$(
		cd "$dir"
		awk -F'[:,]' '/^#EXTINF:/ { d = $2; next }
			/^seg-[0-9]+\.ts$/ {
				cmd = "wc -c < " $0; cmd | getline sz; close(cmd)
				b = sz * 8 / d; if (b > peak) peak = b
				total += sz * 8; dur += d
			}
			END { printf "%d %d\n", peak + 0.999, total / dur + 0.999 }' index.m3u8
	)"
	read -r peak avg <<<"$bw"
	printf '#EXT-X-STREAM-INF:BANDWIDTH=%s,AVERAGE-BANDWIDTH=%s,RESOLUTION=%s,CODECS="%s,mp4a.40.2",FRAME-RATE=%s.000\n%s/index.m3u8\n' \
		"$peak" "$avg" "$wh" "$codec" "$FPS" "$name"
}

{
	printf '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-INDEPENDENT-SEGMENTS\n'
	stream_inf low
	stream_inf high
	stream_inf enc -decryption_key "$(od -An -v -tx1 keys/enc.key | tr -d ' \n')" \
		-decryption_iv "$KEY_IV"
} >"$out/master.m3u8"

# Sanity: no absolute paths or stray URIs in the media playlists.
if grep -n -e '^/' -e "$tmp" -e "$here" "$out"/*/index.m3u8 "$out/master.m3u8"; then
	echo "gen.sh: absolute path in a playlist" >&2
	exit 1
fi

rm -rf sample
mv "$out" sample
echo "gen.sh: wrote $here/sample" >&2
