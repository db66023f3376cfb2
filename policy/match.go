package policy

import (
	"fmt"
	"net/url"
	"strings"
)

// Match reports whether s (a request URL, without CloudFront's signing
// parameters) matches pattern with CloudFront's wildcard rules: '*' matches
// any run of characters, including none, '/' and '?'; '?' matches exactly one
// character; everything else matches itself, case-sensitively. A pattern of
// "*" alone matches everything. The whole of s must match, so
// "https://d/movies/1/*" covers "https://d/movies/1/a.ts?v=2" but not
// "https://d/movies/10/a.ts".
func Match(pattern, s string) bool {
	// Greedy matching with one backtrack point: the last '*' seen. Linear in
	// practice, O(len(pattern)*len(s)) at worst; no recursion, no allocation.
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case p < len(pattern) && (pattern[p] == '?' || pattern[p] == s[i]):
			p++
			i++
		case star >= 0:
			mark++
			p, i = star+1, mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// DirScope returns the wildcard resource that covers every file in the
// directory of a playlist URL, with any query and fragment dropped:
// "https://d/movies/1/index.m3u8?v=2" gives "https://d/movies/1/*". This is the
// scope one signature needs for a whole HLS presentation laid out in one
// directory; use the parent directory when renditions sit in sibling folders.
func DirScope(playlistURL string) (string, error) {
	u, err := url.Parse(playlistURL)
	if err != nil {
		return "", fmt.Errorf("%w: playlist URL: %w", ErrInvalid, err)
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", fmt.Errorf("%w: playlist URL %q must be an absolute http or https URL", ErrInvalid, playlistURL)
	}
	path := u.EscapedPath()
	dir := path[:strings.LastIndexByte(path, '/')+1]
	if dir == "" {
		dir = "/"
	}
	return u.Scheme + "://" + u.Host + dir + "*", nil
}
