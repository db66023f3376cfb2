package main

import (
	"embed"
	"io/fs"
)

// The sample presentation (media/sample, made by media/gen.sh) is served by
// the S3-like origin behind the simulated CloudFront; its key
// (media/keys/enc.key) only by the key server.
var (
	//go:embed media/sample
	sampleFiles embed.FS
	//go:embed media/keys/enc.key
	keyFiles embed.FS
)

// sampleMedia is the CDN's content: "sample/master.m3u8" and so on.
func sampleMedia() fs.FS {
	sub, err := fs.Sub(sampleFiles, "media")
	if err != nil {
		panic(err)
	}
	return sub
}

// sampleKeys holds "enc.key".
func sampleKeys() fs.FS {
	sub, err := fs.Sub(keyFiles, "media/keys")
	if err != nil {
		panic(err)
	}
	return sub
}
