package playlist

import (
	"bytes"
	"strings"
)

// Limits on what a playlist's EXT-X-DEFINE tags may make a Rewrite hold, so
// that memory stays bounded whatever the input: variables past them are
// treated as unknown, which keeps URIs that use them out of scope.
const (
	maxVars      = 256
	maxVarsBytes = 256 << 10
)

// vars holds the variables a playlist defines with EXT-X-DEFINE NAME/VALUE
// on the lines read so far. A name defined twice, or defined past the
// limits, is unknown: players disagree on which value wins.
type vars struct {
	values   map[string]string
	unknown  map[string]bool
	bytes    int
	poisoned bool // every variable is unknown from here on
}

// reset forgets every variable, keeping the maps for the next Rewrite.
func (v *vars) reset() {
	clear(v.values)
	clear(v.unknown)
	v.bytes, v.poisoned = 0, false
}

// poison makes every variable unknown for the rest of the playlist: after a
// definition players could read differently, no value is certain.
func (v *vars) poison() { v.poisoned = true }

// init makes the maps on first use.
func (v *vars) init() {
	if v.values == nil {
		v.values, v.unknown = map[string]string{}, map[string]bool{}
	}
}

// define records an EXT-X-DEFINE with NAME and VALUE.
func (v *vars) define(name, value []byte) {
	if !validVarName(name) {
		return
	}
	v.init()
	n := string(name)
	if _, dup := v.values[n]; dup || v.unknown[n] {
		delete(v.values, n)
		v.unknown[n] = true
		return
	}
	if len(v.values) >= maxVars || v.bytes+len(name)+len(value) > maxVarsBytes {
		return
	}
	v.bytes += len(name) + len(value)
	v.values[n] = string(value)
}

// forget makes name unknown for the rest of the playlist.
func (v *vars) forget(name []byte) {
	if !validVarName(name) {
		return
	}
	v.init()
	delete(v.values, string(name))
	if len(v.unknown) < maxVars {
		v.unknown[string(name)] = true
	}
}

// validVarName reports whether b is a variable name: one or more of
// [A-Za-z0-9_-].
func validVarName(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if !isAlpha(c) && (c < '0' || c > '9') && c != '_' && c != '-' {
			return false
		}
	}
	return true
}

// nextRef finds the next variable reference "{$name}" in t at or after
// from. It returns its bounds and name, or start < 0.
func nextRef(t []byte, from int) (start, end int, name []byte) {
	for from < len(t) {
		i := bytes.Index(t[from:], []byte("{$"))
		if i < 0 {
			return -1, 0, nil
		}
		i += from
		j := bytes.IndexByte(t[i+2:], '}')
		if j >= 0 && validVarName(t[i+2:i+2+j]) {
			return i, i + 3 + j, t[i+2 : i+2+j]
		}
		from = i + 2
	}
	return -1, 0, nil
}

// expand appends t to dst with each reference to a known variable replaced
// by its value. References to unknown variables (imported, taken from a
// query parameter, or never defined) stay as they are; unknownAt is the
// offset in the result of the first of them, or -1. ok is false when the
// result would be longer than limit, or when a value holds '#': a fragment
// from a variable would leave no place in the original text to put a query.
func (v *vars) expand(dst, t []byte, limit int) (x []byte, unknownAt int, ok bool) {
	unknownAt = -1
	o := len(dst)
	prev := 0
	for from := 0; ; {
		st, en, name := nextRef(t, from)
		if st < 0 {
			break
		}
		dst = append(dst, t[prev:st]...)
		if val, known := v.values[string(name)]; known && !v.poisoned {
			if strings.IndexByte(val, '#') >= 0 {
				return dst, -1, false
			}
			dst = append(dst, val...)
		} else {
			if unknownAt < 0 {
				unknownAt = len(dst) - o
			}
			dst = append(dst, t[st:en]...)
		}
		if len(dst)-o > limit {
			return dst, -1, false
		}
		prev, from = en, en
	}
	dst = append(dst, t[prev:]...)
	if len(dst)-o > limit {
		return dst, -1, false
	}
	return dst[o:], unknownAt, true
}
