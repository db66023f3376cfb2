package main

import (
	"strings"
	"testing"
)

// FuzzExplain feeds explain arbitrary URLs and cookies: it must answer with
// an exit status, never panic.
func FuzzExplain(f *testing.F) {
	f.Add(cdn+"/movies/1/index.m3u8?Expires=1900000000&Signature=abc_&Key-Pair-Id="+rsaID, "")
	f.Add(cdn+"/movies/1/index.m3u8?Policy=eyJTdGF0ZW1lbnQiOltdfQ__&Signature=~~&Key-Pair-Id=K&Hash-Algorithm=SHA256#x", "")
	f.Add(cdn+"/movies/1/a.ts", "CloudFront-Policy=eyJ9; CloudFront-Signature=x; CloudFront-Key-Pair-Id=K")
	f.Add(cdn+"/movies/1/a.ts?Expires=&Expires=1&Policy=%zz", "Set-Cookie: CloudFront-Expires=-1; Path=/")
	f.Add("https://[::1]:x/%", "Cookie: ;;")
	f.Fuzz(func(t *testing.T, rawURL, cookie string) {
		for _, withKey := range []bool{false, true} {
			args := []string{"explain", "-at", "1850000000", "-ip", "192.0.2.7"}
			if withKey {
				args = append(args, "-public-key", rsaPub)
			}
			if cookie != "" {
				args = append(args, "-cookie", cookie)
			}
			r := cfhls(t, "", append(args, rawURL)...)
			if r.code < 0 || r.code > 2 {
				t.Fatalf("exit status %d", r.code)
			}
			if r.code == exitOK && !strings.Contains(r.stdout, "ACCEPTED") {
				t.Fatalf("exit 0 without ACCEPTED:\n%s", r.stdout)
			}
		}
	})
}

// FuzzRewriteFrom feeds rewrite arbitrary -from URLs and playlists.
func FuzzRewriteFrom(f *testing.F) {
	f.Add(cdn+"/movies/1/index.m3u8?Policy=eyJ9&Signature=c2ln&Key-Pair-Id=K", "#EXTM3U\n#EXTINF:6,\na.ts\n", "-PREFIX")
	f.Add(cdn+"/m.m3u8?Policy-X=eyJ9&Signature-X=c2ln&Key-Pair-Id-X=K", "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nv.m3u8\n", "-X")
	f.Add("https://d/?Expires=1", "", "")
	f.Fuzz(func(t *testing.T, from, playlist, carry string) {
		args := []string{"rewrite", "-base", cdn + "/movies/1/index.m3u8", "-from", from}
		if carry != "" {
			args = append(args, "-carry", carry)
		}
		r := cfhls(t, playlist, args...)
		if r.code < 0 || r.code > 2 {
			t.Fatalf("exit status %d", r.code)
		}
	})
}
