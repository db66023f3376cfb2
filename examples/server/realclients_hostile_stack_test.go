package main

import (
	"io/fs"
	"testing"

	"github.com/cfhls/cfhls/playlist"
)

// The hostile-playlist tests play through two stacks. "demo" is the demo
// (newStack, through startRealStack). Its playlist.Handler sends keys to the
// key server, and for that the Handler gives the Rewriter an InScope hook,
// which makes the Rewriter parse every URI with net/url first. "bare" is
// the same demo without the key server: its Handler has no Keys, so the
// Rewriter runs with no hook at all and decides scope from the URI text
// alone, as in any Handler without Keys. The two are different code paths,
// and a hostile URI must get no credentials on either (before the scope
// fix, the demo's hook happened to refuse URIs net/url cannot parse, such
// as those with control bytes or a ':' in the first segment, while the bare
// Handler signed them).

// hostileStacks are the stacks the hostile-playlist tests play through.
var hostileStacks = []string{"demo", "bare"}

// startHostileStack starts the named stack (see hostileStacks) in mode,
// serving media, on loopback.
func startHostileStack(t *testing.T, name string, mode playlist.Mode, media fs.FS) *realStack {
	t.Helper()
	switch name {
	case "demo":
		return startRealStack(t, mode, media, sampleKeys(), false)
	case "bare":
		return startBareStack(t, mode, media)
	}
	t.Fatalf("no stack %q", name)
	return nil
}

// startBareStack starts the demo without its key server (no keys), in
// propagate or server-side mode, and prints its log if the test fails.
func startBareStack(t *testing.T, mode playlist.Mode, media fs.FS) *realStack {
	t.Helper()
	return startRealStack(t, mode, media, nil, false)
}
