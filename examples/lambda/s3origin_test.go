package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/assert"

	"github.com/cfhls/cfhls/hlstest"
)

// fakeBucket answers GetObject from an fs.FS, as S3 would for a bucket.
type fakeBucket struct {
	name string
	fsys fs.FS
	fail error
}

func (b fakeBucket) GetObject(_ context.Context, in *s3.GetObjectInput, _ ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	if b.fail != nil {
		return nil, b.fail
	}
	if aws.ToString(in.Bucket) != b.name {
		return nil, errors.New("NoSuchBucket")
	}
	data, err := fs.ReadFile(b.fsys, aws.ToString(in.Key))
	if err != nil {
		return nil, &types.NoSuchKey{}
	}
	return &s3.GetObjectOutput{Body: io.NopCloser(bytes.NewReader(data)), ContentLength: aws.Int64(int64(len(data))),
		ContentType: aws.String(hlstest.ContentType(aws.ToString(in.Key)))}, nil
}

func TestS3Origin(t *testing.T) {
	fsys := hlstest.Presentation("movies/1")
	for _, tc := range []struct {
		name, path string
		fail       error
		status     int
		ctype      string
	}{
		{"playlist", "/movies/1/master.m3u8", nil, 200, "application/vnd.apple.mpegurl"},
		{"missing", "/movies/1/nope.m3u8", nil, 404, ""},
		{"directory", "/movies/1/", nil, 404, ""},
		{"root", "/", nil, 404, ""},
		{"access denied", "/movies/1/master.m3u8", errors.New("AccessDenied"), 502, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := &s3Origin{client: fakeBucket{name: "media", fsys: fsys, fail: tc.fail}, bucket: "media"}
			w := httptest.NewRecorder()
			o.ServeHTTP(w, httptest.NewRequest("GET", tc.path, nil))
			assert.Equal(t, tc.status, w.Code)
			if tc.ctype != "" {
				assert.Equal(t, tc.ctype, w.Header().Get("Content-Type"))
				assert.Contains(t, w.Body.String(), "#EXTM3U")
			}
		})
	}
	var _ http.Handler = &s3Origin{}
}
