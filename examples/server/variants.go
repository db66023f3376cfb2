package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path"
	"strconv"
	"strings"

	"github.com/grafov/m3u8"

	"github.com/cfhls/cfhls/signer"
)

// GET /demo/variants?id=sample describes a presentation's variants so the
// page can name them as a person would ("640×360 · 307 kb/s · AES-128")
// rather than "level 2". The page server reads the playlists from the
// origin directly, in process, as a backend that owns the catalogue can:
// no request reaches the simulated CloudFront, so the timeline shows only
// what the player does.

// variant is one variant of a master playlist.
type variant struct {
	URI        string `json:"uri"`                  // as the master playlist names it
	Width      int    `json:"width,omitempty"`      // from RESOLUTION
	Height     int    `json:"height,omitempty"`     // from RESOLUTION
	Bandwidth  int    `json:"bandwidth,omitempty"`  // BANDWIDTH, bits per second
	Encryption string `json:"encryption,omitempty"` // the METHOD of its EXT-X-KEY tags ("AES-128"), if any
}

// maxPlaylistBytes caps a playlist the variants endpoint reads.
const maxPlaylistBytes = 1 << 20

// variantsHandler serves /demo/variants from origin. A presentation it
// cannot read answers 200 with no variants: the page then names variants
// from what the player knows.
func variantsHandler(origin http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.URL.Query().Get("id")
		if err := signer.CheckID(id); err != nil {
			http.Error(w, "variants: "+err.Error(), http.StatusBadRequest)
			return
		}
		vs, err := describeVariants(origin, "/"+id+"/master.m3u8")
		res := struct {
			Variants []variant `json:"variants"`
			Note     string    `json:"note,omitempty"`
		}{Variants: vs}
		if res.Variants == nil {
			res.Variants = []variant{}
		}
		if err != nil {
			res.Note = err.Error()
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_ = json.NewEncoder(w).Encode(res)
	})
}

// describeVariants reads the master playlist at masterPath from origin and
// each variant's media playlist beside it (relative URIs only; others are
// described from the master alone).
func describeVariants(origin http.Handler, masterPath string) ([]variant, error) {
	master, err := originGet(origin, masterPath)
	if err != nil {
		return nil, err
	}
	var vs []variant
	sc := bufio.NewScanner(bytes.NewReader(master))
	sc.Buffer(make([]byte, 0, 64<<10), maxPlaylistBytes)
	var pending *variant
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "#EXT-X-STREAM-INF:"):
			attrs := m3u8.DecodeAttributeList(strings.TrimPrefix(line, "#EXT-X-STREAM-INF:"))
			v := variant{}
			v.Bandwidth, _ = strconv.Atoi(attrs["BANDWIDTH"])
			if wh := strings.Split(attrs["RESOLUTION"], "x"); len(wh) == 2 {
				v.Width, _ = strconv.Atoi(wh[0])
				v.Height, _ = strconv.Atoi(wh[1])
			}
			pending = &v
		case line == "" || strings.HasPrefix(line, "#"):
		case pending != nil:
			pending.URI = line
			pending.Encryption = encryptionOf(origin, masterPath, line)
			vs = append(vs, *pending)
			pending = nil
		}
	}
	if err := sc.Err(); err != nil {
		return vs, fmt.Errorf("variants: %s: %w", masterPath, err)
	}
	return vs, nil
}

// encryptionOf returns the METHOD of the first EXT-X-KEY that is not NONE
// in the media playlist uri names relative to masterPath, or "".
func encryptionOf(origin http.Handler, masterPath, uri string) string {
	if strings.Contains(uri, ":") || strings.HasPrefix(uri, "/") || strings.ContainsAny(uri, "?#{") {
		return ""
	}
	media, err := originGet(origin, path.Join(path.Dir(masterPath), uri))
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(media), "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "#EXT-X-KEY:"); ok {
			if m := m3u8.DecodeAttributeList(rest)["METHOD"]; m != "" && m != "NONE" {
				return m
			}
		}
	}
	return ""
}

// originGet asks origin for p in process and returns the body of a 200.
func originGet(origin http.Handler, p string) ([]byte, error) {
	req, err := http.NewRequest(http.MethodGet, "http://origin.invalid"+p, nil)
	if err != nil {
		return nil, fmt.Errorf("variants: %w", err)
	}
	rec := httptest.NewRecorder()
	origin.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		return nil, fmt.Errorf("variants: %s: the origin answered %d", p, rec.Code)
	}
	if rec.Body.Len() > maxPlaylistBytes {
		return nil, fmt.Errorf("variants: %s: over %d bytes", p, maxPlaylistBytes)
	}
	return rec.Body.Bytes(), nil
}
