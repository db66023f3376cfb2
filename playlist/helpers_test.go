package playlist

import (
	"bytes"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

// Credentials used throughout the tests. The tokens are distinctive so that
// tests can find them, and the carried copies do not contain the query.
const (
	testQuery = "Policy=cfhlsPOLICY&Signature=cfhlsSIG~-_&Key-Pair-Id=K2CFHLSTEST"
	testCarry = "Policy-CFHLS=cfhlsPOLICY&Signature-CFHLS=cfhlsSIG~-_&Key-Pair-Id-CFHLS=K2CFHLSTEST"
)

func mustURL(t testing.TB, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	require.NoError(t, err)
	return u
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return b
}

// fixtureNames lists testdata/*.m3u8 without the extension.
func fixtureNames(t testing.TB) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "*.m3u8"))
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	names := make([]string, len(paths))
	for i, p := range paths {
		names[i] = strings.TrimSuffix(filepath.Base(p), ".m3u8")
	}
	return names
}

// insertion is a piece of text the Rewriter added, at offset at of the output.
type insertion struct {
	at   int
	text string
}

// alignInsertions checks that out is in with nothing but credential
// insertions added ("?" or "&" or nothing, then query, carry, or both), and
// returns them. It walks both texts, and where they differ it expects an
// insertion; this is unambiguous because an insertion never starts with a
// byte that can follow a URI (blank, quote, '#', line end).
func alignInsertions(in, out []byte, query, carry string) ([]insertion, bool) {
	var bodies []string
	if query != "" && carry != "" {
		bodies = append(bodies, query+"&"+carry)
	}
	for _, b := range []string{query, carry} {
		if b != "" {
			bodies = append(bodies, b)
		}
	}
	var ins []insertion
	i, j := 0, 0
	for j < len(out) {
		if i < len(in) && in[i] == out[j] {
			i++
			j++
			continue
		}
		found := false
		for _, body := range bodies {
			for _, sep := range []string{"?", "&", ""} {
				if bytes.HasPrefix(out[j:], []byte(sep+body)) {
					ins = append(ins, insertion{at: j, text: sep + body})
					j += len(sep) + len(body)
					found = true
					break
				}
			}
			if found {
				break
			}
		}
		if !found {
			return ins, false
		}
	}
	return ins, i == len(in)
}

// foundURI is a URI an independent, regexp-based reading of a playlist
// finds. It exists to check the Rewriter against something written
// differently.
type foundURI struct {
	line  int
	kind  Kind
	text  string
	loose bool // on a tag line off the strict attribute grammar: never rewritten
}

// strictAttrs matches an attribute list of the strict grammar on which every
// player agrees.
var strictAttrs = regexp.MustCompile(`^[A-Z0-9-]+=("[^"]*"|[^",\s]*)(,[A-Z0-9-]+=("[^"]*"|[^",\s]*))*$`)

var (
	attrRE = regexp.MustCompile(`([A-Z0-9-]+)\s*=\s*("[^"]*"|[^,]*)`)
	tagRE  = regexp.MustCompile(`^(#EXT[^:]*):?(.*)$`)
)

var tagKinds = map[string]Kind{
	"#EXT-X-MEDIA":              KindRendition,
	"#EXT-X-I-FRAME-STREAM-INF": KindIFrame,
	"#EXT-X-IMAGE-STREAM-INF":   KindImage,
	"#EXT-X-KEY":                KindKey,
	"#EXT-X-SESSION-KEY":        KindSessionKey,
	"#EXT-X-MAP":                KindMap,
	"#EXT-X-PART":               KindPart,
	"#EXT-X-PRELOAD-HINT":       KindPreloadHint,
	"#EXT-X-RENDITION-REPORT":   KindRenditionReport,
	"#EXT-X-SESSION-DATA":       KindSessionData,
	"#EXT-X-CONTENT-STEERING":   KindSteering,
	"#EXT-X-DATERANGE":          KindAsset,
}

// extractURIs lists the URIs of a well-formed playlist: quoted URI-valued
// attributes (skipping METHOD=NONE keys) and URI lines.
func extractURIs(playlist string) []foundURI {
	var found []foundURI
	variant := false
	for n, line := range strings.Split(playlist, "\n") {
		line = strings.TrimSuffix(line, "\r")
		trimmed := strings.Trim(line, " \t\r")
		switch {
		case trimmed == "":
		case strings.HasPrefix(line, "#EXT"):
			m := tagRE.FindStringSubmatch(line)
			if m[1] == "#EXT-X-STREAM-INF" {
				variant = true
				continue
			}
			if m[1] == "#EXT-X-PREFETCH" && strings.Trim(m[2], " \t") != "" {
				found = append(found, foundURI{n + 1, KindPrefetch, strings.Trim(m[2], " \t"), false})
				continue
			}
			kind, ok := tagKinds[m[1]]
			if !ok {
				continue
			}
			var uris []foundURI
			none := false
			for _, a := range attrRE.FindAllStringSubmatch(m[2], -1) {
				name, value := a[1], a[2]
				if name == "METHOD" && value == "NONE" {
					none = true
				}
				want := name == "URI"
				switch kind {
				case KindSteering:
					want = name == "SERVER-URI"
				case KindAsset:
					want = name == "X-ASSET-URI" || name == "X-ASSET-LIST"
				}
				if want && strings.HasPrefix(value, `"`) && len(value) > 2 {
					k := kind
					if name == "X-ASSET-LIST" {
						k = KindAssetList
					}
					loose := !strictAttrs.MatchString(m[2]) || strings.ContainsAny(line, "\r\u2028\u2029")
					uris = append(uris, foundURI{n + 1, k, strings.Trim(value[1:len(value)-1], " \t"), loose})
				}
			}
			if !none {
				found = append(found, uris...)
			}
		case strings.HasPrefix(trimmed, "#"):
		default:
			kind := KindSegment
			if variant {
				kind, variant = KindVariant, false
			}
			found = append(found, foundURI{n + 1, kind, trimmed, false})
		}
	}
	return found
}

// inScopeByURL decides scope the way the Rewriter documents it, but with
// net/url: relative references are in scope, and http(s) URLs whose scheme,
// host and port equal base's. ok is false when net/url cannot parse raw.
//
// It applies the resolver-safety part of the rule independently: control
// bytes anywhere, Unicode spaces at either end, a backslash, or userinfo put
// a URI out of scope. URIs with variable references are not judged (ok is
// false): their scope depends on the playlist's definitions.
func inScopeByURL(base *url.URL, raw string) (in, ok bool) {
	if strings.Contains(raw, "{$") {
		return false, false
	}
	first, _ := utf8.DecodeRuneInString(raw)
	last, _ := utf8.DecodeLastRuneInString(raw)
	if strings.ContainsFunc(raw, func(r rune) bool { return r < ' ' || r == 0x7f || r == 0x2028 || r == 0x2029 }) ||
		first == utf8.RuneError || last == utf8.RuneError ||
		strings.TrimFunc(raw, unicode.IsSpace) != raw || strings.HasPrefix(raw, "\ufeff") ||
		strings.ContainsRune(strings.SplitN(raw, "?", 2)[0], '\\') {
		return false, true
	}
	u, err := url.Parse(raw)
	if err != nil {
		return false, false
	}
	if u.User != nil || strings.HasPrefix(raw, "//") && u.Host == "" {
		return false, true // userinfo; a network path without a host
	}
	if u.Scheme == "" && u.Host == "" {
		return true, true
	}
	if u.Scheme != "" && !strings.EqualFold(u.Scheme, "http") && !strings.EqualFold(u.Scheme, "https") {
		return false, true
	}
	if base == nil || u.Host == "" {
		return false, true
	}
	r := base.ResolveReference(u)
	return strings.EqualFold(r.Scheme, base.Scheme) &&
		strings.EqualFold(r.Hostname(), base.Hostname()) &&
		effectivePort(r) == effectivePort(base), true
}

func effectivePort(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if _, p, err := net.SplitHostPort(u.Host); err == nil && p != "" {
		return p
	}
	return defaultPort(u.Scheme)
}
