// resolve.mjs: the Node side of playlist's differential scope test
// (playlist/differential_test.go). It reads rewritten playlists as JSON on
// standard input and prints, for every URL a player would fetch that holds
// the credential marker, where that URL points:
//   - "hls.js": hls.js's own M3U8Parser (master, media and rendition
//     playlists, variables included), then WHATWG URL on what it resolved;
//   - "whatwg" and "whatwg-trim": a line reader like the ones native and
//     m3u8-parser-based players use (lines split on CR, LF or CRLF, URI lines
//     and *URI="…" attributes, EXT-X-DEFINE substitution), resolving each URI
//     with WHATWG URL as it is and after String.prototype.trim.
// Input: {"marker": "...", "cases": [{"id", "base", "text", "master", "vars"}]}
// Output: one JSON object a line: {"id", "resolver", "href", "host", "protocol"}.
import { readFileSync } from 'node:fs';

globalThis.self ??= globalThis; // hls.js reads self.URL for QUERYPARAM
const { M3U8Parser } = await import('hls.js');

const input = JSON.parse(readFileSync(0, 'utf8'));
const marker = input.marker;

function emit(id, resolver, href) {
  let u;
  try {
    u = new URL(href);
  } catch {
    return; // not a URL anything fetches
  }
  process.stdout.write(JSON.stringify({ id, resolver, href: u.href, host: u.host, protocol: u.protocol }) + '\n');
}

// strings collects every string inside v (objects, arrays, Maps) that holds
// the marker.
function strings(v, out, seen) {
  if (typeof v === 'string') {
    if (v.includes(marker)) out.add(v);
    return;
  }
  if (v === null || typeof v !== 'object' || seen.has(v)) return;
  seen.add(v);
  const values = v instanceof Map ? v.values() : Object.values(v);
  for (const x of values) strings(x, out, seen);
}

function viaHlsJS(c) {
  let parsed;
  if (c.master) {
    parsed = M3U8Parser.parseMasterPlaylist(c.text, c.base);
    parsed.media = M3U8Parser.parseMasterPlaylistMedia(c.text, c.base, parsed);
  } else {
    parsed = M3U8Parser.parseLevelPlaylist(c.text, c.base, 0, 'main', 0, c.vars || null);
  }
  const found = new Set();
  strings(parsed, found, new Set());
  for (const s of found) {
    // Resolved URLs are absolute; raw attribute text that is relative is
    // not fetched as it is, and new URL refuses it.
    emit(c.id, 'hls.js', s);
  }
}

const VAR = /\{\$([a-zA-Z0-9_-]+)\}/g;

function viaLineReader(c) {
  const vars = { ...(c.vars || {}) };
  const base = new URL(c.base);
  for (const line of c.text.split(/\r\n|\r|\n/)) {
    const trimmed = line.trim();
    let uris = [];
    if (trimmed.startsWith('#')) {
      const def = /^#EXT-X-DEFINE:NAME="([^"]*)",VALUE="([^"]*)"/.exec(trimmed);
      if (def) vars[def[1]] = def[2];
      const q = /^#EXT-X-DEFINE:QUERYPARAM="([^"]*)"/.exec(trimmed);
      if (q && base.searchParams.has(q[1])) vars[q[1]] = base.searchParams.get(q[1]);
      for (const m of trimmed.matchAll(/([A-Z0-9-]*URI)="([^"]*)"/g)) uris.push(m[2]);
    } else if (trimmed !== '') {
      uris = [line];
    }
    for (const raw of uris) {
      const uri = raw.replace(VAR, (ref, name) => (name in vars ? vars[name] : ref));
      for (const [resolver, text] of [['whatwg', uri], ['whatwg-trim', uri.trim()]]) {
        let u;
        try {
          u = new URL(text, c.base);
        } catch {
          continue;
        }
        if (u.href.includes(marker)) emit(c.id, resolver, u.href);
      }
    }
  }
}

for (const c of input.cases) {
  viaHlsJS(c);
  viaLineReader(c);
}
