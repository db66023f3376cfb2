// Command server runs the whole cfhls stack on this machine: a simulated
// CloudFront (hlstest) in front of a playlist-rewriting origin and an S3-like
// origin holding an embedded sample presentation and two live channels
// (hlstest.LiveOrigin on the wall clock: Low-Latency HLS, and regular HLS
// with AES-128 keys that rotate), and a page server with a demo login, the
// sign endpoint, the AES-128 key server and an hls.js player page, on a
// different origin than the CDN so CORS is real.
//
//	go run ./examples/server [-addr 127.0.0.1:8080] [-cdn-addr 127.0.0.1:8081]
//	                         [-mode propagate|server-side|cookies]
//	                         [-key private_key.pem -key-pair-id ID] [-ttl 6h] [-bucket 15m]
//
// It prints, for the sample and for each live channel, a signed master
// playlist URL that plays as it is (ffmpeg -i, VLC), or in cookies mode the
// cookies that play the unsigned one and an ffmpeg command that uses them,
// and logs every request with the simulated CloudFront's decision (with
// -quiet, only refusals and errors).
package main

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/cfhls/cfhls/playlist"
	"github.com/cfhls/cfhls/signer"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run starts the stack and serves until ctx is done. It returns the exit
// code: 0, 1 when the stack cannot start, 2 for bad flags.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("server", flag.ContinueOnError)
	fl.SetOutput(stderr)
	addr := fl.String("addr", "127.0.0.1:8080", "address of the player page, login, sign endpoint and key server")
	cdnAddr := fl.String("cdn-addr", "127.0.0.1:8081", "address of the simulated CloudFront")
	keyFile := fl.String("key", "", "private key PEM (PKCS#1, PKCS#8 or SEC1); empty generates an RSA 2048 key")
	keyPairID := fl.String("key-pair-id", "KDEMOCFHLS", "key pair ID the CloudFront key group knows the key by")
	modeName := fl.String("mode", "propagate", "where playlist credentials come from: propagate, server-side or cookies")
	ttl := fl.Duration("ttl", signer.DefaultTTL, "how long credentials last, before rounding up to -bucket")
	bucket := fl.Duration("bucket", signer.DefaultBucket, "expiries round up to a multiple of it: viewers in one bucket share credentials")
	quiet := fl.Bool("quiet", false, "log only refusals and errors, not each request that is served")
	fl.Usage = func() {
		fmt.Fprintf(stderr, "usage: go run ./examples/server [flags]\n\nRuns the whole cfhls stack on this machine. Flags:\n")
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fl.NArg() > 0 {
		fmt.Fprintf(stderr, "server: unexpected argument %q\n", fl.Arg(0))
		fl.Usage()
		return 2
	}
	mode, err := playlist.ParseMode(*modeName)
	if err != nil {
		fmt.Fprintf(stderr, "server: -mode: %v\n", err)
		return 2
	}
	if *bucket <= 0 {
		fmt.Fprintf(stderr, "server: -bucket %v: want a positive duration\n", *bucket)
		return 2
	}
	if *ttl <= 0 {
		fmt.Fprintf(stderr, "server: -ttl %v: want a positive duration\n", *ttl)
		return 2
	}
	var key crypto.Signer
	if *keyFile != "" {
		if key, err = signer.LoadPrivateKey(*keyFile); err != nil {
			fmt.Fprintf(stderr, "server: -key: %v\n", err)
			return 1
		}
	} else if key, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		fmt.Fprintf(stderr, "server: generate key: %v\n", err)
		return 1
	}
	pageL, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(stderr, "server: -addr: %v\n", err)
		return 1
	}
	cdnL, err := net.Listen("tcp", *cdnAddr)
	if err != nil {
		pageL.Close()
		fmt.Fprintf(stderr, "server: -cdn-addr: %v\n", err)
		return 1
	}
	logger := log.New(stderr, "", log.Ltime)
	st, err := newStack(config{pageListener: pageL, cdnListener: cdnL, key: key, keyPairID: *keyPairID,
		mode: mode, ttl: *ttl, bucket: *bucket, media: sampleMedia(), keys: sampleKeys(), logf: logger.Printf, quiet: *quiet})
	if err != nil {
		pageL.Close()
		cdnL.Close()
		fmt.Fprintf(stderr, "server: %v\n", err)
		return 1
	}
	defer st.Close()

	fmt.Fprintf(stdout, "cfhls demo (%s mode)\n", mode)
	fmt.Fprintf(stdout, "  player page:           %s/  (live: %s/?id=live/ll, %s/?id=live/ts; native HLS: add &player=native)\n", st.pageURL, st.pageURL, st.pageURL)
	fmt.Fprintf(stdout, "  simulated CloudFront:  %s\n", st.cdnURL())
	if mode == playlist.ModeCookies {
		fmt.Fprintf(stdout, "In cookies mode playlists carry no credentials, so no URL plays as is: open the\n"+
			"player page, or give a player the cookies below. Each set has the CloudFront-* cookies\n"+
			"the sign endpoint would set for that presentation, and a demo session cookie for the\n"+
			"key server (cookies ignore ports).\n")
	}
	if hlsJSPath() == "" {
		fmt.Fprintf(stdout, "hls.js is not installed locally (npm ci in examples/server/web); the page plays with the browser's own HLS.\n")
	}
	for _, p := range []struct{ id, name, what string }{
		{"sample", "The sample", "Signed master playlist of the sample (plays as is: ffmpeg -i URL, VLC)"},
		{"live/ll", "Live channel, Low-Latency HLS", "Live channel, Low-Latency HLS (fMP4 parts, blocking reloads)"},
		{"live/ts", "Live channel, regular HLS", "Live channel, regular HLS (MPEG-TS, AES-128 keys rotating every 4 segments)"},
	} {
		if mode == playlist.ModeCookies {
			if err := printCookies(stdout, st, p.id, p.name); err != nil {
				fmt.Fprintf(stderr, "server: cookies for %s: %v\n", p.id, err)
				return 1
			}
			continue
		}
		signed, err := st.signedMaster(p.id)
		if err != nil {
			fmt.Fprintf(stderr, "server: sign %s: %v\n", p.id, err)
			return 1
		}
		fmt.Fprintf(stdout, "%s:\n%s\n", p.what, signed)
	}
	<-ctx.Done()
	fmt.Fprintln(stdout, "shutting down")
	return 0
}
