package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Protocol-level fakes of the AWS services the function calls. The real
// aws-sdk-go-v2 clients are pointed at them with BaseEndpoint, so a test
// exercises request signing, serialization and error mapping, not only our
// interfaces. Each fake checks the SigV4 signature of every request with its
// own implementation of the algorithm (it shares no code with the SDK's
// signer), the protocol's headers, and the fields it reads.

// The identity and region the SDK clients under test sign with.
const (
	fakeRegion    = "eu-west-3"
	fakeAccessKey = "AKIDCFHLSFAKE0000001"
	fakeSecretKey = "cfhls-fake-secret-access-key"
)

// fakeConfig is what the function's clients are built from in the tests:
// static credentials, a region, and BaseEndpoint at srv, without retries so
// that an error answer surfaces at once.
func fakeConfig(srv *httptest.Server) aws.Config {
	return aws.Config{
		Region: fakeRegion,
		Credentials: aws.NewCredentialsCache(aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: fakeAccessKey, SecretAccessKey: fakeSecretKey, Source: "cfhls test"}, nil
		})),
		BaseEndpoint:     aws.String(srv.URL),
		HTTPClient:       srv.Client(),
		RetryMaxAttempts: 1,
	}
}

// fakeStores are the function's real SDK clients (storesFrom, as in
// production) configured with fakeConfig(srv).
func fakeStores(srv *httptest.Server) stores {
	return storesFrom(func() (aws.Config, error) { return fakeConfig(srv), nil })
}

// checkSigV4 verifies the AWS Signature Version 4 of r, whose body is body,
// as service in fakeRegion with fakeAccessKey: the Authorization header's
// credential scope, then the signature recomputed over the headers it names.
// s3 selects S3's canonical URI (encoded once; other services encode twice).
func checkSigV4(r *http.Request, body []byte, service string, s3 bool) error {
	auth := r.Header.Get("Authorization")
	rest, ok := strings.CutPrefix(auth, "AWS4-HMAC-SHA256 ")
	if !ok {
		return fmt.Errorf("authorization %q is not AWS4-HMAC-SHA256", auth)
	}
	fields := map[string]string{}
	for _, f := range strings.Split(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(f), "=")
		fields[k] = v
	}
	date := r.Header.Get("X-Amz-Date")
	signedAt, err := time.Parse("20060102T150405Z", date)
	if err != nil {
		return fmt.Errorf("X-Amz-Date %q: %w", date, err)
	}
	if d := time.Since(signedAt); d > 5*time.Minute || d < -5*time.Minute {
		return fmt.Errorf("X-Amz-Date %s is %v away", date, d)
	}
	scope := date[:8] + "/" + fakeRegion + "/" + service + "/aws4_request"
	if want := fakeAccessKey + "/" + scope; fields["Credential"] != want {
		return fmt.Errorf("credential %q, want %q", fields["Credential"], want)
	}
	signed := strings.Split(fields["SignedHeaders"], ";")
	for _, must := range []string{"host", "x-amz-date"} {
		if !slices.Contains(signed, must) {
			return fmt.Errorf("SignedHeaders %q lacks %s", fields["SignedHeaders"], must)
		}
	}

	var canon strings.Builder
	path := r.URL.EscapedPath()
	if !s3 {
		path = strings.ReplaceAll(url.PathEscape(path), "%2F", "/")
	}
	fmt.Fprintf(&canon, "%s\n%s\n%s\n", r.Method, path, canonicalQuery(r.URL.Query()))
	for _, h := range signed {
		v := strings.Join(r.Header.Values(h), ",")
		switch h {
		case "host":
			v = r.Host
		case "content-length":
			v = strconv.FormatInt(r.ContentLength, 10)
		}
		fmt.Fprintf(&canon, "%s:%s\n", h, strings.Join(strings.Fields(v), " "))
	}
	payload := r.Header.Get("X-Amz-Content-Sha256")
	if payload == "" {
		sum := sha256.Sum256(body)
		payload = hex.EncodeToString(sum[:])
	} else if payload != "UNSIGNED-PAYLOAD" {
		if sum := sha256.Sum256(body); payload != hex.EncodeToString(sum[:]) {
			return fmt.Errorf("X-Amz-Content-Sha256 %s does not match the body", payload)
		}
	}
	fmt.Fprintf(&canon, "\n%s\n%s", fields["SignedHeaders"], payload)

	reqHash := sha256.Sum256([]byte(canon.String()))
	toSign := "AWS4-HMAC-SHA256\n" + date + "\n" + scope + "\n" + hex.EncodeToString(reqHash[:])
	key := []byte("AWS4" + fakeSecretKey)
	for _, part := range []string{date[:8], fakeRegion, service, "aws4_request"} {
		key = hmacSHA256(key, part)
	}
	if want := hex.EncodeToString(hmacSHA256(key, toSign)); !hmac.Equal([]byte(fields["Signature"]), []byte(want)) {
		return fmt.Errorf("signature %s, want %s over\n%s", fields["Signature"], want, canon.String())
	}
	return nil
}

// hmacSHA256 is HMAC-SHA256(key, data).
func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// canonicalQuery is SigV4's canonical query string: names and values
// percent-encoded but for RFC 3986's unreserved characters, sorted.
func canonicalQuery(q url.Values) string {
	var pairs []string
	for k, vs := range q {
		for _, v := range vs {
			pairs = append(pairs, sigEscape(k)+"="+sigEscape(v))
		}
	}
	slices.Sort(pairs)
	return strings.Join(pairs, "&")
}

// sigEscape percent-encodes s but for A-Z, a-z, 0-9, '-', '.', '_', '~'.
func sigEscape(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

// jsonReply is an answer of a JSON 1.1 operation: a body on success, or an
// error shape named by code.
type jsonReply struct {
	// status is the HTTP status; 200 when zero.
	status int
	// body is marshalled as the JSON answer of a success.
	body any
	// code names the error shape ("ResourceNotFoundException"), sent in the
	// body's __type, or in the X-Amzn-ErrorType header when inHeader is set.
	code     string
	message  string
	inHeader bool
}

// jsonOK answers body.
func jsonOK(body any) jsonReply { return jsonReply{body: body} }

// jsonError answers the error code with message, in the body's __type.
func jsonError(status int, code, message string) jsonReply {
	return jsonReply{status: status, code: code, message: message}
}

// jsonFake is an httptest server speaking the AWS JSON 1.1 protocol
// (Secrets Manager, SSM, KMS): POST / with Content-Type
// application/x-amz-json-1.1 and X-Amz-Target naming the operation, a JSON
// body, SigV4-signed for service. Each operation is a function of the
// decoded request body.
type jsonFake struct {
	t *testing.T
	// service is the SigV4 signing name ("secretsmanager", "ssm", "kms").
	service string
	// target is the X-Amz-Target prefix ("secretsmanager", "AmazonSSM",
	// "TrentService").
	target string
	// ops answer the operations by name ("GetSecretValue").
	ops map[string]func(in map[string]any) jsonReply

	mu sync.Mutex
	// calls records the operations called, in order.
	calls []string
}

// newJSONFake starts a JSON 1.1 fake, closed when the test ends.
func newJSONFake(t *testing.T, service, target string, ops map[string]func(map[string]any) jsonReply) (*jsonFake, *httptest.Server) {
	f := &jsonFake{t: t, service: service, target: target, ops: ops}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

// Calls returns the operations called so far.
func (f *jsonFake) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

// ServeHTTP checks the request as the service would, then answers it.
func (f *jsonFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		f.reply(w, jsonError(400, "SerializationException", err.Error()))
		return
	}
	op, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), f.target+".")
	switch {
	case r.Method != http.MethodPost || r.URL.Path != "/":
		f.t.Errorf("%s: %s %s, want POST /", f.service, r.Method, r.URL.Path)
		f.reply(w, jsonError(404, "UnknownOperationException", "not found"))
		return
	case r.Header.Get("Content-Type") != "application/x-amz-json-1.1":
		f.t.Errorf("%s: Content-Type %q", f.service, r.Header.Get("Content-Type"))
		f.reply(w, jsonError(400, "SerializationException", "wrong content type"))
		return
	case !ok || f.ops[op] == nil:
		f.t.Errorf("%s: unexpected X-Amz-Target %q", f.service, r.Header.Get("X-Amz-Target"))
		f.reply(w, jsonError(400, "UnknownOperationException", "unknown operation"))
		return
	}
	if err := checkSigV4(r, body, f.service, false); err != nil {
		f.t.Errorf("%s %s: %v", f.service, op, err)
		f.reply(w, jsonError(403, "InvalidSignatureException", err.Error()))
		return
	}
	var in map[string]any
	if err := json.Unmarshal(body, &in); err != nil {
		f.t.Errorf("%s %s: body %q: %v", f.service, op, body, err)
		f.reply(w, jsonError(400, "SerializationException", err.Error()))
		return
	}
	f.mu.Lock()
	f.calls = append(f.calls, op)
	f.mu.Unlock()
	f.reply(w, f.ops[op](in))
}

// reply writes a as the service would.
func (f *jsonFake) reply(w http.ResponseWriter, a jsonReply) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-RequestId", "11111111-2222-3333-4444-555555555555")
	body := a.body
	if a.code != "" {
		if a.inHeader {
			w.Header().Set("X-Amzn-ErrorType", a.code)
			body = map[string]string{"message": a.message}
		} else {
			body = map[string]string{"__type": a.code, "message": a.message}
		}
	}
	b, err := json.Marshal(body)
	if err != nil {
		f.t.Errorf("marshal %v: %v", body, err)
	}
	if a.status == 0 {
		a.status = http.StatusOK
	}
	w.WriteHeader(a.status)
	_, _ = w.Write(b)
}

// str returns the string member name of a decoded JSON body, "" when absent.
func str(in map[string]any, name string) string {
	s, _ := in[name].(string)
	return s
}
