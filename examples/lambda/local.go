package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

// checkLocalAddr checks the address local mode listens on: host:port with a
// loopback host (127.0.0.0/8, ::1 or localhost), unless allowRemote. The
// function signs for whoever holds the viewer token and rewrites playlists
// for whoever holds the origin secret, so it should not be reachable from
// the network by accident: an empty host (":9000") listens on every
// interface and is refused like any other non-loopback address.
func checkLocalAddr(addr string, allowRemote bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("local address %q: want host:port, like 127.0.0.1:9000: %v", addr, err)
	}
	if allowRemote || isLoopback(host) {
		return nil
	}
	what := fmt.Sprintf("%q is not a loopback address", host)
	if host == "" {
		what = "an empty host listens on every interface"
	}
	return fmt.Errorf("local address %q: %s; use 127.0.0.1 or [::1], or set CFHLS_LOCAL_ALLOW_REMOTE=true (or pass -allow-remote) to be reachable from other machines", addr, what)
}

// isLoopback reports whether host names the loopback interface.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

// serveLocal serves h with net/http on addr until ctx ends or the process is
// interrupted (SIGINT, SIGTERM), then shuts down gracefully. It logs the URL
// it listens on (with the port the system chose for port 0) and how to call
// both endpoints with curl.
func serveLocal(ctx context.Context, addr string, h http.Handler, logger *log.Logger) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("local mode: %w", err)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          logger,
	}
	base := "http://" + ln.Addr().String()
	logger.Printf("local mode: serving on %s (interrupt to stop)", base)
	logger.Printf("local mode: sign with   curl -H 'Authorization: Bearer <CFHLS_VIEWER_TOKEN>' '%s/sign?id=<id>'", base)
	logger.Printf("local mode: playlists   curl -H '%s: <CFHLS_ORIGIN_SECRET>' '%s/<path>?<query of a signed URL>'", originSecretHeader, base)
	logger.Print("local mode: nothing checks signatures here, as CloudFront would; the URLs answered point at CFHLS_CDN_URL")

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("local mode: %w", err)
	case <-ctx.Done():
	}
	logger.Print("local mode: shutting down")
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return fmt.Errorf("local mode: shutdown: %w", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("local mode: %w", err)
	}
	return nil
}
