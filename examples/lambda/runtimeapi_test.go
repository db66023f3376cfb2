package main

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeRuntime is a local implementation of the Lambda Runtime API, version
// 2018-06-01, as documented in the AWS Lambda Developer Guide ("Using the
// Lambda runtime API for custom runtimes") and its OpenAPI description:
//
//   - GET  /2018-06-01/runtime/invocation/next blocks until an event is
//     queued, then answers 200 with the event as the body and the headers
//     Lambda-Runtime-Aws-Request-Id, Lambda-Runtime-Deadline-Ms (Unix ms),
//     Lambda-Runtime-Invoked-Function-Arn and Lambda-Runtime-Trace-Id.
//   - POST /2018-06-01/runtime/invocation/{id}/response takes the answer:
//     202 {"status":"OK"}; 400 for an ID that is not in flight (unknown or
//     answered already); 413 above the 6 MB synchronous payload limit.
//   - POST /2018-06-01/runtime/invocation/{id}/error takes an error document
//     ({"errorMessage","errorType","stackTrace"}), with an optional
//     Lambda-Runtime-Function-Error-Type header: 202, or 400 as above.
//   - POST /2018-06-01/runtime/init/error takes the same document during
//     initialization, that is before the first GET of next: 202; after it,
//     403, as the OpenAPI description allows.
//
// Anything else is answered 404 (unknown path) or 405 (wrong method). A
// response POSTed with the trailers Lambda-Runtime-Function-Error-Type and
// Lambda-Runtime-Function-Error-Body (how aws-lambda-go reports a response
// body that failed while being read) is recorded as an error. One
// invocation is in flight at a time, as in a Lambda execution environment
// without AWS_LAMBDA_MAX_CONCURRENCY.
type fakeRuntime struct {
	*httptest.Server
	// Timeout sets Lambda-Runtime-Deadline-Ms from the time next answers.
	Timeout time.Duration
	// FunctionARN is sent as Lambda-Runtime-Invoked-Function-Arn.
	FunctionARN string

	queue   chan *invocation
	initErr chan runtimeAnswer

	mu       sync.Mutex
	inflight map[string]*invocation
	nexts    int // GETs of next answered or waiting
}

// maxResponseBytes is Lambda's limit on a synchronous invocation's payload.
const maxResponseBytes = 6 << 20

// invocation is one queued event and, once answered, the runtime's answer.
type invocation struct {
	id, traceID string
	event       []byte
	answer      chan runtimeAnswer // buffered: receives exactly one answer
}

// runtimeAnswer is what the runtime POSTed for an invocation or at init.
type runtimeAnswer struct {
	// Kind is "response" or "error".
	Kind string
	// Body is the POSTed body: the handler's JSON answer, or the error
	// document.
	Body []byte
	// ErrorType is the Lambda-Runtime-Function-Error-Type header or trailer.
	ErrorType string
	// Header is the request's header.
	Header http.Header
}

// newFakeRuntime starts the fake; t.Cleanup closes it.
func newFakeRuntime(t *testing.T) *fakeRuntime {
	f := &fakeRuntime{
		Timeout:     30 * time.Second,
		FunctionARN: "arn:aws:lambda:us-east-1:123456789012:function:cfhls",
		queue:       make(chan *invocation, 64),
		initErr:     make(chan runtimeAnswer, 1),
		inflight:    map[string]*invocation{},
	}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

// Addr is the value of AWS_LAMBDA_RUNTIME_API: host:port, no scheme.
func (f *fakeRuntime) Addr() string { return strings.TrimPrefix(f.URL, "http://") }

// Invoke queues event for the runtime's next GET of next.
func (f *fakeRuntime) Invoke(event []byte) *invocation {
	inv := &invocation{id: newRequestID(), traceID: newTraceID(), event: event, answer: make(chan runtimeAnswer, 1)}
	f.queue <- inv
	return inv
}

// Wait returns the runtime's answer to inv, failing t after timeout.
func (inv *invocation) Wait(t *testing.T, timeout time.Duration) runtimeAnswer {
	t.Helper()
	select {
	case a := <-inv.answer:
		return a
	case <-time.After(timeout):
		t.Fatalf("no answer to invocation %s within %v", inv.id, timeout)
		return runtimeAnswer{}
	}
}

// InitError returns what the runtime POSTed to /runtime/init/error, or
// false if it posted nothing before done was closed.
func (f *fakeRuntime) InitError(done <-chan struct{}) (runtimeAnswer, bool) {
	select {
	case a := <-f.initErr:
		return a, true
	case <-done:
		select {
		case a := <-f.initErr:
			return a, true
		default:
			return runtimeAnswer{}, false
		}
	}
}

// Nexts is how many times the runtime has asked for the next invocation.
func (f *fakeRuntime) Nexts() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.nexts
}

const apiPrefix = "/2018-06-01/runtime/"

func (f *fakeRuntime) serve(w http.ResponseWriter, r *http.Request) {
	path, ok := strings.CutPrefix(r.URL.Path, apiPrefix)
	switch {
	case !ok:
		apiError(w, http.StatusNotFound, "UnknownPath", "no such path: "+r.URL.Path)
	case path == "invocation/next":
		f.next(w, r)
	case path == "init/error":
		f.initError(w, r)
	case strings.HasPrefix(path, "invocation/"):
		id, kind, _ := strings.Cut(strings.TrimPrefix(path, "invocation/"), "/")
		if kind != "response" && kind != "error" {
			apiError(w, http.StatusNotFound, "UnknownPath", "no such path: "+r.URL.Path)
			return
		}
		f.answer(w, r, id, kind)
	default:
		apiError(w, http.StatusNotFound, "UnknownPath", "no such path: "+r.URL.Path)
	}
}

func (f *fakeRuntime) next(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		apiError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", r.Method)
		return
	}
	f.mu.Lock()
	f.nexts++
	f.mu.Unlock()
	var inv *invocation
	select {
	case inv = <-f.queue:
	case <-r.Context().Done(): // the runtime went away
		return
	}
	f.mu.Lock()
	f.inflight[inv.id] = inv
	f.mu.Unlock()
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
	h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(time.Now().Add(f.Timeout).UnixMilli(), 10))
	h.Set("Lambda-Runtime-Invoked-Function-Arn", f.FunctionARN)
	h.Set("Lambda-Runtime-Trace-Id", inv.traceID)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(inv.event)
}

// answer takes a POST of /invocation/{id}/response or /invocation/{id}/error.
func (f *fakeRuntime) answer(w http.ResponseWriter, r *http.Request, id, kind string) {
	if r.Method != http.MethodPost {
		apiError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", r.Method)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxResponseBytes+1))
	if err != nil {
		apiError(w, http.StatusBadRequest, "InvalidRequest", err.Error())
		return
	}
	// Trailers are known once the body has been read to its end.
	_, _ = io.Copy(io.Discard, r.Body)
	f.mu.Lock()
	inv := f.inflight[id]
	delete(f.inflight, id)
	f.mu.Unlock()
	if inv == nil {
		apiError(w, http.StatusBadRequest, "InvalidRequestID", "invocation "+id+" is not in flight")
		return
	}
	a := runtimeAnswer{Kind: kind, Body: body, Header: r.Header.Clone(), ErrorType: r.Header.Get("Lambda-Runtime-Function-Error-Type")}
	if t := r.Trailer.Get("Lambda-Runtime-Function-Error-Type"); t != "" {
		a.Kind, a.ErrorType = "error", t
	}
	if kind == "response" && len(body) > maxResponseBytes {
		a = runtimeAnswer{Kind: "error", ErrorType: "Function.ResponseSizeTooLarge", Header: a.Header}
		inv.answer <- a
		apiError(w, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", fmt.Sprintf("response is over %d bytes", maxResponseBytes))
		return
	}
	inv.answer <- a
	accepted(w)
}

func (f *fakeRuntime) initError(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		apiError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", r.Method)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		apiError(w, http.StatusBadRequest, "InvalidRequest", err.Error())
		return
	}
	if f.Nexts() > 0 {
		apiError(w, http.StatusForbidden, "InvalidStateTransition", "init/error after the first invocation/next")
		return
	}
	select {
	case f.initErr <- runtimeAnswer{Kind: "error", Body: body, ErrorType: r.Header.Get("Lambda-Runtime-Function-Error-Type"), Header: r.Header.Clone()}:
		accepted(w)
	default:
		apiError(w, http.StatusForbidden, "InvalidStateTransition", "init/error was already reported")
	}
}

func accepted(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	_, _ = io.WriteString(w, `{"status":"OK"}`+"\n")
}

// apiError answers with the Runtime API's ErrorResponse document.
func apiError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"errorType": typ, "errorMessage": msg})
}

// newRequestID returns a UUID-shaped request ID, like Lambda's.
func newRequestID() string {
	b := randomHex(16)
	return b[:8] + "-" + b[8:12] + "-" + b[12:16] + "-" + b[16:20] + "-" + b[20:]
}

// newTraceID returns an X-Ray trace header: Root=1-{epoch hex}-{96 bits},
// a 64-bit parent ID, not sampled.
func newTraceID() string {
	return fmt.Sprintf("Root=1-%08x-%s;Parent=%s;Sampled=0", time.Now().Unix(), randomHex(12), randomHex(8))
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
