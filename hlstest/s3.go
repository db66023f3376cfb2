package hlstest

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/cfhls/cfhls/signer"
)

// contentTypes are the Content-Type values the S3 origin serves by file
// extension: what a packager or upload tool typically stores as object
// metadata. Segments in fMP4 (.m4s) are served as video/mp4, which every
// player accepts; video/iso.segment is the registered type but some tools
// and CDNs do not know it.
var contentTypes = map[string]string{
	".m3u8":   "application/vnd.apple.mpegurl",
	".m3u":    "audio/mpegurl",
	".ts":     "video/mp2t",
	".m4s":    "video/mp4",
	".mp4":    "video/mp4",
	".m4v":    "video/mp4",
	".cmfv":   "video/mp4",
	".m4a":    "audio/mp4",
	".cmfa":   "audio/mp4",
	".aac":    "audio/aac",
	".ac3":    "audio/ac3",
	".ec3":    "audio/eac3",
	".mp3":    "audio/mpeg",
	".vtt":    "text/vtt",
	".webvtt": "text/vtt",
	".key":    "application/octet-stream",
	".json":   "application/json",
	".jpg":    "image/jpeg",
	".jpeg":   "image/jpeg",
	".png":    "image/png",
	".html":   "text/html",
}

// ContentType returns the Content-Type NewS3Origin serves for a file name:
// application/vnd.apple.mpegurl for .m3u8, video/mp2t for .ts, video/mp4
// for .m4s and .mp4, audio/aac for .aac, text/vtt for .vtt,
// application/octet-stream for .key, and S3's own default,
// binary/octet-stream, for extensions it does not know.
func ContentType(name string) string {
	if t, ok := contentTypes[strings.ToLower(path.Ext(name))]; ok {
		return t
	}
	return "binary/octet-stream"
}

// NewS3Origin returns a handler that serves fsys the way S3 serves a bucket
// to CloudFront: the request path, without its leading '/', is the object
// key; the query is ignored. It answers GET and HEAD (others get 405
// MethodNotAllowed), with the Content-Type ContentType gives, an ETag,
// and Range requests (206, via http.ServeContent). Keys that are not
// files, directories and the bucket root included, get S3's 404 NoSuchKey
// XML error: there are no listings. So does a path with a dot segment or a
// backslash, literal or percent-encoded (see signer.CheckPath), whatever
// fsys would make of it: the origin never resolves a path out of the
// directory it names.
func NewS3Origin(fsys fs.FS) http.Handler {
	return &s3Origin{fsys: fsys}
}

type s3Origin struct {
	fsys fs.FS
	ids  atomic.Uint64
}

// ServeHTTP answers one request as S3 would.
func (o *s3Origin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id := fmt.Sprintf("HLSTEST%09d", o.ids.Add(1))
	w.Header().Set("x-amz-request-id", id)
	w.Header().Set("Server", "AmazonS3")
	key := strings.TrimPrefix(r.URL.Path, "/")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		s3Error(w, http.StatusMethodNotAllowed, "MethodNotAllowed",
			"The specified method is not allowed against this resource.",
			"<Method>"+xmlEscape(r.Method)+"</Method><ResourceType>OBJECT</ResourceType>", id)
		return
	}
	var data []byte
	err := fs.ErrNotExist // for dot segments and backslashes, whatever fsys would make of them
	if signer.CheckPath(r.URL.EscapedPath()) == nil && !strings.Contains(key, `\`) {
		data, err = o.read(key)
	}
	if err != nil {
		s3Error(w, http.StatusNotFound, "NoSuchKey", "The specified key does not exist.",
			"<Key>"+xmlEscape(key)+"</Key>", id)
		return
	}
	sum := md5.Sum(data)
	w.Header().Set("ETag", `"`+hex.EncodeToString(sum[:])+`"`)
	w.Header().Set("Content-Type", ContentType(key))
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(data))
}

// read returns the object at key, or an error for anything but a file.
func (o *s3Origin) read(key string) ([]byte, error) {
	if key == "" || !fs.ValidPath(key) {
		return nil, fs.ErrNotExist
	}
	info, err := fs.Stat(o.fsys, key)
	if err != nil {
		return nil, fmt.Errorf("s3 origin: %w", err)
	}
	if !info.Mode().IsRegular() {
		return nil, errors.New("s3 origin: not an object")
	}
	data, err := fs.ReadFile(o.fsys, key)
	if err != nil {
		return nil, fmt.Errorf("s3 origin: %w", err)
	}
	return data, nil
}

// s3Error writes an S3 XML error document.
func s3Error(w http.ResponseWriter, status int, code, message, extra, id string) {
	body := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		"<Error><Code>" + code + "</Code><Message>" + message + "</Message>" + extra +
		"<RequestId>" + id + "</RequestId><HostId>aGxzdGVzdA==</HostId></Error>"
	h := w.Header()
	h.Set("Content-Type", "application/xml")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

// xmlEscape returns s escaped for XML character data (xml.EscapeText).
func xmlEscape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s)) // a strings.Builder never fails
	return b.String()
}
