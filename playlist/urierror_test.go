package playlist_test

import (
	"errors"
	"net/url"
	"testing"

	"github.com/grafov/m3u8"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/playlist"
)

// TestURIError: a failing hook, or a replacement that would break the
// playlist, is reported as a *URIError with the line, the kind and the URI
// as written, and the hook's own error stays reachable.
func TestURIError(t *testing.T) {
	errSign := errors.New("signing service down")
	const src = "#EXTM3U\n#EXT-X-KEY:METHOD=AES-128,URI=\"k.key\"\n#EXTINF:2,\nseg-0.ts\n"
	base, err := url.Parse("https://d111111abcdef8.cloudfront.net/movies/1/index.m3u8")
	require.NoError(t, err)
	for _, tc := range []struct {
		name string
		rw   playlist.Rewriter
		line int
		kind playlist.Kind
		uri  string
		is   error
		msg  string
	}{
		{"hook fails", playlist.Rewriter{Base: base, Hook: func(u playlist.URI) (string, error) {
			if u.Kind == playlist.KindSegment {
				return "", errSign
			}
			return u.Default, nil
		}}, 4, playlist.KindSegment, "seg-0.ts", errSign, `playlist: line 4: segment URI "seg-0.ts": signing service down`},
		{"key URI fails", playlist.Rewriter{Base: base, KeyURI: func(*url.URL) (string, error) { return "", errSign }},
			2, playlist.KindKey, "k.key", errSign, `playlist: line 2: key URI "k.key"`},
		{"replacement breaks the line", playlist.Rewriter{Base: base, KeyURI: func(*url.URL) (string, error) { return "k.key\"x", nil }},
			2, playlist.KindKey, "k.key", nil, `playlist: line 2: key URI "k.key"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.rw.AppendRewrite(nil, []byte(src))
			var ue *playlist.URIError
			require.ErrorAs(t, err, &ue)
			assert.Equal(t, tc.line, ue.Line)
			assert.Equal(t, tc.kind, ue.Kind)
			assert.Equal(t, tc.uri, ue.URI)
			assert.Contains(t, err.Error(), tc.msg)
			if tc.is != nil {
				assert.ErrorIs(t, err, tc.is)
			}
			var pe *playlist.ParseError
			assert.False(t, errors.As(err, &pe), "a hook's failure is not a malformed playlist")
		})
	}

	t.Run("grafov values have no lines", func(t *testing.T) {
		p, err := m3u8.NewMediaPlaylist(1, 1)
		require.NoError(t, err)
		require.NoError(t, p.Append("seg-0.ts", 2, ""))
		rw := playlist.Rewriter{Base: base, Hook: func(playlist.URI) (string, error) { return "", errSign }}
		err = rw.ApplyMedia(p)
		var ue *playlist.URIError
		require.ErrorAs(t, err, &ue)
		assert.Equal(t, 0, ue.Line)
		assert.Equal(t, `playlist: segment URI "seg-0.ts": signing service down`, err.Error())
	})
}
