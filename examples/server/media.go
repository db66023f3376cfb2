package main

import (
	"embed"
	"io/fs"
	"testing/fstest"
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

// sampleKeys holds the sample's key where the key server looks for it: laid
// out like the presentation, "sample/enc/enc.key".
func sampleKeys() fs.FS {
	key, err := keyFiles.ReadFile("media/keys/enc.key")
	if err != nil {
		panic(err)
	}
	return fstest.MapFS{"sample/enc/enc.key": {Data: key}}
}
