package hlstest

import (
	"net/http"
	"time"
)

// Limits of the simulator's listener. A test server still faces clients that
// stall (a half-sent request holds a goroutine and a connection for ever
// without a header timeout), and examples/server puts the simulator on a
// real address. There is deliberately no ReadTimeout or WriteTimeout: both
// would count against long-polling requests (LL-HLS blocking playlist
// reloads and preload hints hold a response open until a part is ready).
const (
	// readHeaderTimeout bounds the time from accepting a connection (or
	// finishing the previous response on it) to having read the request line
	// and headers. It covers the TLS handshake too.
	readHeaderTimeout = 10 * time.Second
	// idleTimeout bounds how long a keep-alive connection may wait for its
	// next request.
	idleTimeout = 60 * time.Second
	// maxHeaderBytes caps the request line plus headers at CloudFront's own
	// limit of 20,480 bytes (net/http allows 4 KiB of slack beyond it).
	// Bigger requests get 431 before an origin sees them.
	maxHeaderBytes = 20 << 10
)

// serverLimits are the listener limits a CloudFront starts with; a test
// shortens them by setting CloudFront.limits before Start, so it can watch a
// stalled connection get closed without waiting 10 s.
type serverLimits struct {
	readHeaderTimeout time.Duration // replaces readHeaderTimeout when positive
}

// applyLimits sets the listener limits on srv before it starts.
func applyLimits(srv *http.Server, l serverLimits) {
	srv.ReadHeaderTimeout = readHeaderTimeout
	if l.readHeaderTimeout > 0 {
		srv.ReadHeaderTimeout = l.readHeaderTimeout
	}
	srv.IdleTimeout = idleTimeout
	srv.MaxHeaderBytes = maxHeaderBytes
}
