package playlist

import (
	"fmt"
	"strconv"
)

// Mode says where a Handler gets the credentials it puts on playlist URIs.
// The zero Mode is none: a Handler must name its own.
type Mode int

const (
	// ModePropagate reads the credentials the viewer's request carries as
	// prefixed copies (Handler.Propagate), puts them on every URI and the
	// copies again on URIs of nested playlists: the AWS blog's design.
	ModePropagate Mode = iota + 1
	// ModeServerSide signs one wildcard policy for the presentation with
	// Handler.ServerSide's Signer (cached per expiry bucket) and puts it on
	// every URI.
	//
	// What it mints is a grant of its own: to whoever reaches the Handler
	// (hence Handler.Admit), for ServerSide.Scope's resource, until
	// now+TTL rounded up to Bucket (for a live segment, from when it
	// appeared: see ServerSide), from any address unless
	// ServerSide.BindViewerIP, renewed on every playlist fetch, so for as
	// long as the viewer can fetch playlists. With ServerSide.Viewer set,
	// the viewer's own signed policy must come along as carried copies and
	// caps each grant: never a later expiry, a wider resource or a dropped
	// IP condition than it has.
	ModeServerSide
	// ModeCookies leaves URIs alone: signed cookies carry the credentials. The
	// playlist is still checked and served with the right headers. It needs
	// no settings of its own.
	ModeCookies
)

// String returns the mode's name as used in flags: propagate, server-side,
// cookies.
func (m Mode) String() string {
	switch m {
	case ModePropagate:
		return "propagate"
	case ModeServerSide:
		return "server-side"
	case ModeCookies:
		return "cookies"
	}
	return "Mode(" + strconv.Itoa(int(m)) + ")"
}

// ParseMode reads a mode name as String writes it.
func ParseMode(s string) (Mode, error) {
	for _, m := range []Mode{ModePropagate, ModeServerSide, ModeCookies} {
		if s == m.String() {
			return m, nil
		}
	}
	return 0, fmt.Errorf("playlist: mode %q: use propagate, server-side or cookies", s)
}
