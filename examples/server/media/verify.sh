#!/usr/bin/env bash
# verify.sh: check the sample presentation written by gen.sh.
#
# - every variant: duration ~6 s, exactly one h264 and one aac stream, each
#   segment starts with a keyframe
# - enc: decoded through a copy of its playlist in a temp dir whose EXT-X-KEY
#   URI points at keys/enc.key (proves the key matches); its decoded frames must
#   equal those of low (same encoder settings, only the encryption differs)
# - master: the whole presentation decodes (`-map 0 -f null`), again through
#   the temp copy, since the real playlist carries the key placeholder
# - no absolute paths in any playlist; sizes
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

KEY_URI="https://keys.invalid/enc.key"
fail() { echo "FAIL: $*" >&2; exit 1; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cp -R sample "$tmp/sample"
grep -q "URI=\"$KEY_URI\"" "$tmp/sample/enc/index.m3u8" || fail "enc: key URI is not $KEY_URI"
sed -i "s|URI=\"$KEY_URI\"|URI=\"$here/keys/enc.key\"|" "$tmp/sample/enc/index.m3u8"

for v in low high enc; do
	pl="$tmp/sample/$v/index.m3u8"
	dur="$(ffprobe -v error -allowed_extensions ALL -show_entries format=duration -of csv=p=0 "$pl")" ||
		fail "$v: cannot read the playlist (wrong key?)"
	codecs="$(ffprobe -v error -allowed_extensions ALL -show_entries stream=codec_type,codec_name \
		-of csv=p=0 "$pl" | awk 'NF' | sort -u | tr '\n' ' ')"
	awk -v d="$dur" 'BEGIN { exit !(d > 5.9 && d < 6.1) }' || fail "$v: duration $dur"
	[ "$codecs" = "aac,audio h264,video " ] || fail "$v: streams '$codecs'"
	nseg="$(grep -c '^seg-[0-9]*\.ts$' "sample/$v/index.m3u8")"
	[ "$nseg" = 3 ] || fail "$v: $nseg segments"
	grep -q '^#EXT-X-PLAYLIST-TYPE:VOD$' "sample/$v/index.m3u8" || fail "$v: not VOD"
	grep -q '^#EXT-X-ENDLIST$' "sample/$v/index.m3u8" || fail "$v: no ENDLIST"
	echo "ok   $v: duration $dur, streams ${codecs% }, $nseg segments"
done

for v in low high; do
	for s in "sample/$v"/seg-*.ts; do
		k="$(ffprobe -v error -select_streams v -read_intervals '%+#1' \
			-show_entries frame=key_frame -of csv=p=0 "$s" | awk 'NF' | head -n1 | cut -d, -f1)"
		[ "$k" = 1 ] || fail "$s does not start with a keyframe"
	done
done
echo "ok   low, high: every segment starts with a keyframe"

framemd5() {
	ffmpeg -v error -allowed_extensions ALL -i "$1" -map 0 -f framemd5 - | grep -v '^#'
}
framemd5 "$tmp/sample/enc/index.m3u8" >"$tmp/enc.md5"
framemd5 "$tmp/sample/low/index.m3u8" >"$tmp/low.md5"
cmp -s "$tmp/enc.md5" "$tmp/low.md5" || fail "enc decodes differently from low (wrong key?)"
echo "ok   enc: decrypts with keys/enc.key; $(wc -l <"$tmp/enc.md5") decoded frames identical to low"

# Without the key the encrypted segments must not be readable as MPEG-TS.
if ffprobe -v quiet sample/enc/seg-0.ts 2>/dev/null; then fail "enc/seg-0.ts readable without key"; fi
echo "ok   enc: segments unreadable without the key"

ffmpeg -v error -allowed_extensions ALL -i "$tmp/sample/master.m3u8" -map 0 -f null - ||
	fail "master does not decode"
echo "ok   master: decodes ($(grep -c '^#EXT-X-STREAM-INF' sample/master.m3u8) variants, all streams)"

if grep -n -e '^/' -e '://' sample/master.m3u8 sample/low/index.m3u8 sample/high/index.m3u8; then
	fail "absolute URI in a clear playlist"
fi
[ "$(grep -c '://' sample/enc/index.m3u8)" = 1 ] || fail "enc: unexpected absolute URI"
echo "ok   playlists: relative URIs only (besides the key placeholder)"

echo
du -sh .
find . -type f | sort | xargs du -b
