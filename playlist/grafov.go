package playlist

import (
	"bytes"

	"github.com/grafov/m3u8"
)

// ApplyMedia applies the Rewriter's rule to a media playlist built or decoded
// with github.com/grafov/m3u8, in place: the URIs of its segments, of their
// keys and maps, and of the playlist's default key and map get exactly what
// [Rewriter.Rewrite] would give them. Keys with METHOD NONE are left alone.
// It then resets p's encoding cache, so p.Encode shows the change.
//
// Leave p.Args empty: grafov would append it too (and always after '?').
// MaxLineBytes does not apply. On error, the URIs before the failing one
// have been changed. grafov keeps no EXT-X-DEFINE, so every {$name}
// reference counts as unknown: a URI whose scheme or host could come from
// one is left alone.
//
// grafov drops what it does not model (LL-HLS parts, unknown tags, comments,
// byte-exact formatting), which is why Rewrite does not use it; ApplyMedia is
// for programs that already hold grafov values.
func (rw *Rewriter) ApplyMedia(p *m3u8.MediaPlaylist) error {
	if p == nil {
		return nil
	}
	a, err := newApplier(rw)
	if err != nil {
		return err
	}
	defer putState(a.s)
	if err := a.key(p.Key); err != nil {
		return err
	}
	if err := a.mapURI(p.Map); err != nil {
		return err
	}
	segs := make(map[*m3u8.MediaSegment]struct{})
	for _, seg := range p.Segments {
		if seg == nil {
			continue
		}
		if _, ok := segs[seg]; ok {
			continue
		}
		segs[seg] = struct{}{}
		if err := a.key(seg.Key); err != nil {
			return err
		}
		if err := a.mapURI(seg.Map); err != nil {
			return err
		}
		if err := a.uri(&seg.URI, KindSegment, false); err != nil {
			return err
		}
	}
	p.ResetCache()
	return nil
}

// ApplyMaster applies the Rewriter's rule to a master (multivariant) playlist
// built or decoded with github.com/grafov/m3u8, in place: variant URIs
// (KindVariant, or KindIFrame for I-frame variants) and the URIs of their
// alternatives (KindRendition, each once even when variants share it). It does
// not descend into Variant.Chunklist: apply ApplyMedia to those with a
// Rewriter whose Base is the variant's URL. It then resets p's encoding
// cache. Leave p.Args empty, as for ApplyMedia.
func (rw *Rewriter) ApplyMaster(p *m3u8.MasterPlaylist) error {
	if p == nil {
		return nil
	}
	a, err := newApplier(rw)
	if err != nil {
		return err
	}
	defer putState(a.s)
	alts := make(map[*m3u8.Alternative]struct{})
	for _, v := range p.Variants {
		if v == nil {
			continue
		}
		k, quoted := KindVariant, false
		if v.Iframe {
			k, quoted = KindIFrame, true
		}
		if err := a.uri(&v.URI, k, quoted); err != nil {
			return err
		}
		for _, alt := range v.Alternatives {
			if alt == nil {
				continue
			}
			if _, ok := alts[alt]; ok {
				continue
			}
			alts[alt] = struct{}{}
			if err := a.uri(&alt.URI, KindRendition, true); err != nil {
				return err
			}
		}
	}
	p.ResetCache()
	return nil
}

// applier rewrites single URIs held in grafov values.
type applier struct {
	s    *state
	keys map[*m3u8.Key]struct{}
	maps map[*m3u8.Map]struct{}
}

func newApplier(rw *Rewriter) (*applier, error) {
	cfg, err := rw.config()
	if err != nil {
		return nil, err
	}
	return &applier{
		s:    getState(&cfg),
		keys: make(map[*m3u8.Key]struct{}),
		maps: make(map[*m3u8.Map]struct{}),
	}, nil
}

func (a *applier) key(k *m3u8.Key) error {
	if k == nil || k.Method == "NONE" {
		return nil
	}
	if _, ok := a.keys[k]; ok {
		return nil
	}
	a.keys[k] = struct{}{}
	return a.uri(&k.URI, KindKey, true)
}

func (a *applier) mapURI(m *m3u8.Map) error {
	if m == nil {
		return nil
	}
	if _, ok := a.maps[m]; ok {
		return nil
	}
	a.maps[m] = struct{}{}
	return a.uri(&m.URI, KindMap, true)
}

// uri rewrites *p, a URI of kind k, in place.
func (a *applier) uri(p *string, k Kind, quoted bool) error {
	st, en := trimBounds([]byte(*p))
	if st == en {
		return nil
	}
	s := a.s
	s.out = s.out[:0]
	t := []byte(*p)
	s.out = append(s.out, t[:st]...)
	if err := s.rewriteURI(t[st:en], k, quoted); err != nil {
		return err
	}
	s.out = append(s.out, t[en:]...)
	if !bytes.Equal(s.out, t) {
		*p = string(s.out)
	}
	return nil
}
