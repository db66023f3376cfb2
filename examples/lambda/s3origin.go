package main

import (
	"context"
	"errors"
	"io"
	"log"
	"net/http"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// objectStore is the part of the S3 client the playlist origin uses.
type objectStore interface {
	GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

// s3Origin serves objects of one bucket, read with the function's role
// (s3:GetObject), so the bucket can stay private behind CloudFront's origin
// access control. The object key is the request path without its leading '/'.
type s3Origin struct {
	client objectStore
	bucket string
}

func (o *s3Origin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	key := strings.TrimPrefix(r.URL.Path, "/")
	if key == "" || strings.HasSuffix(key, "/") {
		http.NotFound(w, r)
		return
	}
	out, err := o.client.GetObject(r.Context(), &s3.GetObjectInput{Bucket: aws.String(o.bucket), Key: aws.String(key)})
	if err != nil {
		var missing *types.NoSuchKey
		if errors.As(err, &missing) {
			http.NotFound(w, r)
			return
		}
		log.Printf("s3 origin: s3://%s/%s: %v", o.bucket, key, err)
		http.Error(w, "origin failed", http.StatusBadGateway)
		return
	}
	defer out.Body.Close()
	if out.ContentType != nil {
		w.Header().Set("Content-Type", *out.ContentType)
	}
	if out.ContentEncoding != nil {
		w.Header().Set("Content-Encoding", *out.ContentEncoding)
	}
	if out.ContentLength != nil {
		w.Header().Set("Content-Length", strconv.FormatInt(*out.ContentLength, 10))
	}
	w.WriteHeader(http.StatusOK)
	_, _ = io.Copy(w, out.Body)
}
