package playlist

import (
	"bytes"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/grafov/m3u8"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// grafovURI is a URI as grafov's decoder reports it.
type grafovURI struct {
	kind Kind
	uri  string
}

// grafovURIs decodes a playlist with grafov and lists the URIs it models:
// segments, keys and maps of a media playlist; variants, I-frame variants
// and renditions of a master playlist.
func grafovURIs(t *testing.T, in []byte, master bool) []grafovURI {
	t.Helper()
	if master {
		p := m3u8.NewMasterPlaylist()
		require.NoError(t, p.DecodeFrom(bytes.NewReader(in), false))
		return masterURIs(p)
	}
	p, typ, err := m3u8.DecodeFrom(bytes.NewReader(in), false)
	require.NoError(t, err)
	require.Equal(t, m3u8.MEDIA, typ)
	return mediaURIs(p.(*m3u8.MediaPlaylist))
}

func mediaURIs(p *m3u8.MediaPlaylist) []grafovURI {
	var us []grafovURI
	key := func(k *m3u8.Key) {
		if k != nil && k.Method != "NONE" {
			us = append(us, grafovURI{KindKey, k.URI})
		}
	}
	key(p.Key)
	if p.Map != nil {
		us = append(us, grafovURI{KindMap, p.Map.URI})
	}
	for _, s := range p.GetAllSegments() {
		key(s.Key)
		if s.Map != nil {
			us = append(us, grafovURI{KindMap, s.Map.URI})
		}
		us = append(us, grafovURI{KindSegment, s.URI})
	}
	return us
}

func masterURIs(p *m3u8.MasterPlaylist) []grafovURI {
	var us []grafovURI
	seen := map[*m3u8.Alternative]bool{}
	for _, v := range p.Variants {
		k := KindVariant
		if v.Iframe {
			k = KindIFrame
		}
		us = append(us, grafovURI{k, v.URI})
		for _, a := range v.Alternatives {
			if !seen[a] && a.URI != "" {
				seen[a] = true
				us = append(us, grafovURI{KindRendition, a.URI})
			}
		}
	}
	return us
}

// TestGrafovDifferential decodes the Rewriter's output with grafov, an
// independent parser: every segment, key, map, variant and rendition URI it
// finds carries the credentials when in scope, and Carry exactly when it
// names a nested playlist.
func TestGrafovDifferential(t *testing.T) {
	for _, name := range fixtureNames(t) {
		t.Run(name, func(t *testing.T) {
			in := readFixture(t, name+".m3u8")
			rw := defaultRewriter(t, name)
			out, err := rw.AppendRewrite(nil, in)
			require.NoError(t, err)

			before := grafovURIs(t, in, isMaster(name))
			after := grafovURIs(t, out, isMaster(name))
			require.Len(t, after, len(before), "grafov sees the same playlist")
			withQuery := 0
			for i, u := range after {
				assert.Equal(t, before[i].kind, u.kind)
				if u.uri == "" {
					continue
				}
				in, ok := inScopeByURL(rw.Base, before[i].uri)
				if !ok {
					continue
				}
				if !in {
					assert.Equal(t, before[i].uri, u.uri, "out of scope: untouched")
					continue
				}
				withQuery++
				assert.Contains(t, u.uri, testQuery, "%v %q", u.kind, u.uri)
				assert.Equal(t, u.kind.Nested(), strings.Contains(u.uri, testCarry), "%v %q", u.kind, u.uri)
			}
			t.Logf("%d URIs, %d with credentials", len(after), withQuery)
		})
	}
}

// TestApplyMatchesRewrite checks that ApplyMedia and ApplyMaster give grafov
// values the URIs that Rewrite gives the text.
func TestApplyMatchesRewrite(t *testing.T) {
	for _, tc := range goldenCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			in := readFixture(t, tc.fixture+".m3u8")
			rw := defaultRewriter(t, tc.fixture)
			if tc.configure != nil {
				tc.configure(t, rw)
			}
			out, err := rw.AppendRewrite(nil, in)
			require.NoError(t, err)
			want := grafovURIs(t, out, isMaster(tc.fixture))

			var got []grafovURI
			if isMaster(tc.fixture) {
				p := m3u8.NewMasterPlaylist()
				require.NoError(t, p.DecodeFrom(bytes.NewReader(in), false))
				require.NoError(t, rw.ApplyMaster(p))
				got = masterURIs(p)
				// And grafov's encoder shows the change.
				enc := grafovURIs(t, p.Encode().Bytes(), true)
				assert.Equal(t, uriSet(want), uriSet(enc))
			} else {
				p, _, err := m3u8.DecodeFrom(bytes.NewReader(in), false)
				require.NoError(t, err)
				require.NoError(t, rw.ApplyMedia(p.(*m3u8.MediaPlaylist)))
				got = mediaURIs(p.(*m3u8.MediaPlaylist))
			}
			// grafov values hold no EXT-X-DEFINE: Apply knows no
			// variables, so URIs whose host could come from one are left
			// alone there, and Rewrite may sign them. Compare the rest.
			for i := range want {
				if strings.Contains(got[i].uri, "{$") && !strings.Contains(got[i].uri, testQuery) {
					want[i] = got[i]
				}
			}
			assert.Equal(t, want, got)
		})
	}
}

func uriSet(us []grafovURI) map[string]bool {
	m := map[string]bool{}
	for _, u := range us {
		m[u.uri] = true
	}
	return m
}

func TestApplyMediaBuilt(t *testing.T) {
	p, err := m3u8.NewMediaPlaylist(0, 3)
	require.NoError(t, err)
	p.SetDefaultMap("init.mp4", 0, 0)
	// grafov's SetKey applies to the segment appended last.
	require.NoError(t, p.Append("a.ts", 4, ""))
	require.NoError(t, p.SetKey("AES-128", "k.key", "", "", ""))
	require.NoError(t, p.Append("https://other.example.com/b.ts", 4, ""))
	require.NoError(t, p.SetKey("NONE", "n.key", "", "", ""))
	require.NoError(t, p.Append("c.ts?v=1#t", 4, ""))
	p.Close()
	_ = p.Encode() // fill grafov's cache: ApplyMedia must reset it

	rw := &Rewriter{Base: mustURL(t, testBase), Query: "Q=1", Carry: "C=2"}
	require.NoError(t, rw.ApplyMedia(p))
	segs := p.GetAllSegments()
	assert.Equal(t, "init.mp4?Q=1", p.Map.URI)
	assert.Equal(t, "a.ts?Q=1", segs[0].URI)
	assert.Equal(t, "k.key?Q=1", segs[0].Key.URI)
	assert.Equal(t, "https://other.example.com/b.ts", segs[1].URI)
	assert.Equal(t, "n.key", segs[1].Key.URI, "METHOD=NONE is left alone")
	assert.Equal(t, "c.ts?v=1&Q=1#t", segs[2].URI)
	assert.Contains(t, p.String(), "\na.ts?Q=1\n")
}

func TestApplyMasterSharedAlternatives(t *testing.T) {
	alt := &m3u8.Alternative{GroupId: "aud", Type: "AUDIO", Name: "en", URI: "audio/en.m3u8"}
	p := m3u8.NewMasterPlaylist()
	p.Append("low.m3u8", nil, m3u8.VariantParams{Bandwidth: 1, Audio: "aud", Alternatives: []*m3u8.Alternative{alt}})
	p.Append("high.m3u8", nil, m3u8.VariantParams{Bandwidth: 2, Audio: "aud", Alternatives: []*m3u8.Alternative{alt}})
	p.Append("iframe.m3u8", nil, m3u8.VariantParams{Bandwidth: 3, Iframe: true})

	rw := &Rewriter{Base: mustURL(t, testBase), Query: "Q=1", Carry: "C=2"}
	require.NoError(t, rw.ApplyMaster(p))
	assert.Equal(t, "audio/en.m3u8?Q=1&C=2", alt.URI, "rewritten once")
	assert.Equal(t, "low.m3u8?Q=1&C=2", p.Variants[0].URI)
	assert.Equal(t, "iframe.m3u8?Q=1&C=2", p.Variants[2].URI)
}

func TestApplyErrors(t *testing.T) {
	errSign := errors.New("no")
	rw := &Rewriter{Hook: func(URI) (string, error) { return "", errSign }}
	p, err := m3u8.NewMediaPlaylist(0, 1)
	require.NoError(t, err)
	require.NoError(t, p.Append("a.ts", 4, ""))
	err = rw.ApplyMedia(p)
	assert.ErrorIs(t, err, errSign)
	assert.EqualError(t, err, `playlist: segment URI "a.ts": no`)

	m := m3u8.NewMasterPlaylist()
	m.Append("v.m3u8", nil, m3u8.VariantParams{})
	assert.ErrorIs(t, rw.ApplyMaster(m), errSign)

	assert.NoError(t, rw.ApplyMedia(nil))
	assert.NoError(t, rw.ApplyMaster(nil))
	assert.Error(t, (&Rewriter{Query: "a\n"}).ApplyMedia(p))
	assert.Error(t, (&Rewriter{Rebase: &url.URL{}}).ApplyMaster(m))
}

// TestApplyMediaLineBreakRunes: grafov writes a key or map URI into a quoted
// attribute, and hls.js ends that line at U+2028 or U+2029, so a URI holding
// one gets no credentials.
func TestApplyMediaLineBreakRunes(t *testing.T) {
	for _, r := range []string{"\u2028", "\u2029"} {
		p, err := m3u8.NewMediaPlaylist(0, 1)
		require.NoError(t, err)
		require.NoError(t, p.Append("seg.ts", 4, ""))
		require.NoError(t, p.SetKey("AES-128", "k/"+r+"//evil.example/k", "", "", ""))
		p.SetDefaultMap("m/"+r+"//evil.example/init.mp4", 0, 0)
		rw := &Rewriter{Base: mustURL(t, "https://cdn.example.com/vod/a/index.m3u8"), Query: testQuery}
		require.NoError(t, rw.ApplyMedia(p))
		assert.NotContains(t, p.Segments[0].Key.URI, testQuery)
		assert.NotContains(t, p.Map.URI, testQuery)
		assert.Contains(t, p.Segments[0].URI, testQuery)
	}
}
