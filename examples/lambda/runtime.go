package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// runtimeAPIVersion is the version of the Lambda Runtime API the function
// speaks; aws-lambda-go uses the same one for its invocation loop.
const runtimeAPIVersion = "2018-06-01"

// runtimeError is the error document the Runtime API takes on its error
// endpoints: a message, a type and a stack trace (empty here: a wrong
// environment variable has no useful stack).
type runtimeError struct {
	Message    string   `json:"errorMessage"`
	Type       string   `json:"errorType"`
	StackTrace []string `json:"stackTrace"`
}

// reportInitError posts err to the Runtime API's initialization error
// endpoint (POST /2018-06-01/runtime/init/error on AWS_LAMBDA_RUNTIME_API),
// with its type in the Lambda-Runtime-Function-Error-Type header, so that
// Lambda answers the first invocation and logs with this message, not only
// with the process's exit status. The runtime must exit afterwards.
// aws-lambda-go has no such call: its Start begins with the first GET of the
// next invocation.
func reportInitError(ctx context.Context, api string, err error) error {
	kind := errTypeInit
	var ie *initError
	if errors.As(err, &ie) {
		kind = ie.kind
	}
	body, merr := json.Marshal(runtimeError{Message: err.Error(), Type: kind, StackTrace: []string{}})
	if merr != nil {
		return merr
	}
	// Lambda's init phase is short (10 s by default); do not spend it all
	// on a Runtime API that does not answer.
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	url := "http://" + api + "/" + runtimeAPIVersion + "/runtime/init/error"
	req, rerr := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if rerr != nil {
		return rerr
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Lambda-Runtime-Function-Error-Type", kind)
	resp, rerr := http.DefaultClient.Do(req)
	if rerr != nil {
		return rerr
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	if resp.StatusCode != http.StatusAccepted {
		return fmt.Errorf("POST %s: %s: %s", url, resp.Status, bytes.TrimSpace(answer))
	}
	return nil
}
