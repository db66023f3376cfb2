package hlstest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// maxPlaylistSize bounds how much of a playlist the Player reads.
const maxPlaylistSize = 64 << 20

// Player fetches a presentation the way a real HLS player does: the root
// playlist, every variant, rendition, I-frame and image playlist, then every
// segment, init section, key, part and preload hint. It resolves each URI
// against the URL of the playlist that holds it (after redirects) and finds
// URIs with Discover, so what it fetches does not depend on the code that
// wrote the playlists. Only http and https URIs are fetched; others (skd://,
// data:) are reported as skipped. Each URL (with its byte range) is fetched
// once, and any response that turns out to be a playlist is walked too.
//
// The zero Player is ready to use. A Player is safe for concurrent use as
// long as its fields are not changed.
type Player struct {
	// Client makes the requests; use CloudFront.Client or ClientFrom.
	// Nil means http.DefaultClient.
	Client *http.Client
	// Jar, when set, is used instead of the client's cookie jar: put signed
	// cookies in it to play the way a browser does with cookies.
	Jar http.CookieJar
	// Header is added to every request (an Origin header to see CORS, say).
	Header http.Header
	// MaxSegments, when positive, caps how many media segments are fetched
	// from each playlist, and separately how many parts. Keys, init
	// sections, preload hints and playlists are always fetched.
	MaxSegments int
}

// job is a request the player has yet to make.
type job struct {
	url  *url.URL
	rng  string // Range header value
	kind Kind
	from string
	line int
	root bool
}

// Play walks the presentation whose root playlist is at rawURL. HTTP
// failures and refusals do not stop it: they are in the Report, which
// RequirePlayable and AssertNoRefusals check. The error is non-nil only when
// rawURL is not an absolute http or https URL or ctx ends; the Report then
// holds what was fetched so far.
func (p *Player) Play(ctx context.Context, rawURL string) (*Report, error) {
	report := &Report{}
	root, err := url.Parse(rawURL)
	if err != nil {
		return report, fmt.Errorf("hlstest: player: %w", err)
	}
	if root.Scheme != "http" && root.Scheme != "https" || root.Host == "" {
		return report, fmt.Errorf("hlstest: player: %q is not an absolute http or https URL", rawURL)
	}
	client := p.Client
	if client == nil {
		client = http.DefaultClient
	}
	if p.Jar != nil {
		c := *client
		c.Jar = p.Jar
		client = &c
	}
	root.Fragment, root.RawFragment = "", ""
	seen := map[string]bool{root.String() + " ": true}
	playlists := []job{{url: root, kind: KindMaster, root: true}}
	var media []job
	for len(playlists)+len(media) > 0 {
		if err := ctx.Err(); err != nil {
			return report, fmt.Errorf("hlstest: player: %w", err)
		}
		var j job
		if len(playlists) > 0 {
			j, playlists = playlists[0], playlists[1:]
		} else {
			j, media = media[0], media[1:]
		}
		f, body, base := p.fetch(ctx, client, j)
		if body == "" {
			report.Fetches = append(report.Fetches, f)
			continue
		}
		refs := Discover(body)
		if j.root && !hasVariants(refs) {
			f.Kind = KindMedia
		}
		report.Fetches = append(report.Fetches, f)
		var segments, parts int
		lastEnd := map[string]int64{}
		for _, ref := range refs {
			switch {
			case p.MaxSegments > 0 && ref.Kind == KindSegment:
				if segments++; segments > p.MaxSegments {
					continue
				}
			case p.MaxSegments > 0 && ref.Kind == KindPart:
				if parts++; parts > p.MaxSegments {
					continue
				}
			}
			next := job{kind: ref.Kind, from: f.URL, line: ref.Line}
			u, err := base.Parse(ref.URI)
			if err != nil {
				report.Fetches = append(report.Fetches, Fetch{URL: ref.URI, Kind: ref.Kind, From: f.URL, Line: ref.Line,
					Err: fmt.Errorf("hlstest: player: URI on line %d: %w", ref.Line, err)})
				continue
			}
			if u.Scheme != "http" && u.Scheme != "https" {
				report.Skipped = append(report.Skipped, Fetch{URL: ref.URI, Kind: ref.Kind, From: f.URL, Line: ref.Line})
				continue
			}
			u.Fragment, u.RawFragment = "", ""
			next.url = u
			next.rng = rangeHeader(ref.ByteRange, lastEnd, u.String())
			key := u.String() + " " + next.rng
			if seen[key] {
				continue
			}
			seen[key] = true
			if ref.Kind.IsPlaylist() {
				playlists = append(playlists, next)
			} else {
				media = append(media, next)
			}
		}
	}
	return report, nil
}

// fetch makes one request. It returns the body and final URL when the
// response is a playlist to walk.
func (p *Player) fetch(ctx context.Context, client *http.Client, j job) (Fetch, string, *url.URL) {
	f := Fetch{URL: j.url.String(), Kind: j.kind, From: j.from, Line: j.line, Range: j.rng}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.URL, nil)
	if err != nil {
		f.Err = fmt.Errorf("hlstest: player: %w", err)
		return f, "", nil
	}
	for name, values := range p.Header {
		for _, v := range values {
			req.Header.Add(name, v)
		}
	}
	if j.rng != "" {
		req.Header.Set("Range", j.rng)
	}
	resp, err := client.Do(req)
	if err != nil {
		f.Err = fmt.Errorf("hlstest: player: %w", err)
		return f, "", nil
	}
	defer resp.Body.Close()
	f.Status = resp.StatusCode
	br := bufio.NewReader(resp.Body)
	ok := resp.StatusCode >= 200 && resp.StatusCode < 300
	head, _ := br.Peek(len("#EXTM3U"))
	isPlaylist := string(head) == "#EXTM3U"
	if !ok || !isPlaylist {
		if ok && j.kind.IsPlaylist() {
			f.Err = fmt.Errorf("%w: %s answered %d with %q", ErrNotPlaylist, f.URL, resp.StatusCode, head)
		}
		if _, err := io.Copy(io.Discard, br); err != nil && f.Err == nil {
			f.Err = fmt.Errorf("hlstest: player: reading %s: %w", f.URL, err)
		}
		return f, "", nil
	}
	data, err := io.ReadAll(io.LimitReader(br, maxPlaylistSize))
	if err != nil {
		f.Err = fmt.Errorf("hlstest: player: reading %s: %w", f.URL, err)
		return f, "", nil
	}
	f.Playlist = true
	return f, string(data), resp.Request.URL
}

// hasVariants reports whether a playlist's URIs make it a master playlist.
func hasVariants(refs []Ref) bool {
	for _, r := range refs {
		switch r.Kind {
		case KindVariant, KindRendition, KindIFrame, KindImage:
			return true
		}
	}
	return false
}

// rangeHeader turns a byte range as written ("n@o", or "n" continuing after
// the previous sub-range of the same resource) into a Range header value.
// A malformed range gives "" (the whole resource).
func rangeHeader(br string, lastEnd map[string]int64, key string) string {
	if br == "" {
		return ""
	}
	ns, os, hasOffset := strings.Cut(br, "@")
	n, err := strconv.ParseInt(ns, 10, 64)
	if err != nil || n <= 0 {
		return ""
	}
	o := lastEnd[key]
	if hasOffset {
		if o, err = strconv.ParseInt(os, 10, 64); err != nil || o < 0 {
			return ""
		}
	}
	lastEnd[key] = o + n
	return "bytes=" + strconv.FormatInt(o, 10) + "-" + strconv.FormatInt(o+n-1, 10)
}
