// oracle.mjs: the Node side of playlist's syntax differential test
// (playlist/syntax_differential_test.go). It reads rewritten playlists as
// JSON on standard input, parses each with hls.js's own M3U8Parser the way
// hls.js's playlist loader does, and prints every URL in the parsed result
// that holds the credential marker, so that the test can check where it
// points.
//
// Which parsers run: every playlist can be fetched as a variant or
// rendition, which hls.js always reads with parseLevelPlaylist (with "vars"
// as the multivariant playlist's variables, for IMPORT); a playlist with no
// line starting "#EXTINF:" or "#EXT-X-TARGETDURATION:" is also what hls.js
// reads with parseMasterPlaylist and parseMasterPlaylistMedia when it is the
// manifest. The "master" field says how the test built the playlist; hls.js
// does not know it, so this script does not use it.
//
// Input:  {"marker": "...", "cases": [{"id", "base", "text", "master", "vars"}]}
//         "base" is the URL the player loaded, credentials in its query
//         (EXT-X-DEFINE QUERYPARAM reads them from there).
// Output: one JSON object a line:
//   {"id", "parser", "path", "href", "host", "protocol", "parseError"} for
//     each marker-holding string that resolves, against "base", to a URL
//     ("path" is where it sits in the parsed result);
//   {"id", "parser": "master", "steering", "parseError"} when the
//     multivariant playlist has EXT-X-CONTENT-STEERING.
// "parseError" is hls.js's playlistParsingError message, or "": hls.js
// gives up on a multivariant playlist with one (a fatal manifest error), but
// with ignorePlaylistParsingErrors it still plays a media playlist that has
// one.
import { readFileSync } from 'node:fs';

globalThis.self = globalThis; // hls.js reads self.URL for QUERYPARAM
const { M3U8Parser } = await import('hls.js');

const input = JSON.parse(readFileSync(0, 'utf8'));
const marker = input.marker;

// emit prints one line of output.
function emit(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

// collect gathers [path, string] for every string reachable from v
// (objects, arrays, Maps, and the url/uri getters of hls.js's classes) that
// holds the marker.
function collect(v, path, out, seen) {
  if (typeof v === 'string') {
    if (v.includes(marker)) out.push([path, v]);
    return;
  }
  if (v === null || typeof v !== 'object' || seen.has(v)) return;
  seen.add(v);
  if (v instanceof Map) {
    for (const [k, x] of v) collect(x, `${path}.${String(k)}`, out, seen);
    return;
  }
  for (const k of Object.keys(v)) {
    if (k !== 'm3u8') collect(v[k], `${path}.${k}`, out, seen); // m3u8: the playlist's text
  }
  for (const g of ['url', 'uri']) {
    if (Object.prototype.hasOwnProperty.call(v, g)) continue;
    let d;
    try {
      d = v[g];
    } catch {
      continue;
    }
    if (typeof d === 'string' && d.includes(marker)) out.push([`${path}.${g}()`, d]);
  }
}

// report resolves each collected string in roots ({name: parsed result})
// against the case's base (hls.js stores some attributes, X-ASSET-URI for
// one, unresolved and resolves them when it fetches them) and prints each
// distinct URL once.
function report(c, parser, roots, parseError) {
  const found = [];
  const seen = new Set();
  for (const [name, v] of Object.entries(roots)) collect(v, name, found, seen);
  const printed = new Set();
  for (const [path, s] of found) {
    let u;
    try {
      u = new URL(s, c.base);
    } catch {
      continue; // not a URL anything fetches
    }
    if (printed.has(u.href)) continue;
    printed.add(u.href);
    emit({ id: c.id, parser, path, href: u.href, host: u.host, protocol: u.protocol, parseError });
  }
}

// parse runs one of hls.js's parsers; when it throws, hls.js has nothing
// to fetch from (the loader reports an error), and neither has the test.
function parse(fn) {
  try {
    return fn();
  } catch {
    return null;
  }
}

for (const c of input.cases) {
  const level = parse(() => M3U8Parser.parseLevelPlaylist(c.text, c.base, 0, 'main', 0, c.vars || null));
  if (level) report(c, 'level', { level }, level.playlistParsingError?.message ?? '');
  if (M3U8Parser.isMediaPlaylist(c.text)) continue;
  const master = parse(() => M3U8Parser.parseMasterPlaylist(c.text, c.base));
  if (!master) continue;
  const media = parse(() => M3U8Parser.parseMasterPlaylistMedia(c.text, c.base, master)) ?? {};
  const parseError = master.playlistParsingError?.message ?? '';
  report(c, 'master', { master, media }, parseError);
  if (master.contentSteering) {
    emit({ id: c.id, parser: 'master', steering: String(master.contentSteering.uri), parseError });
  }
}
