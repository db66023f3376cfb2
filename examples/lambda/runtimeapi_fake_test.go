package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFakeRuntime checks the fake Runtime API itself, with plain HTTP
// requests, against the documented interface, so that TestBootstrap's
// passing means something.
func TestFakeRuntime(t *testing.T) {
	do := func(t *testing.T, method, url, body string, header ...string) (int, http.Header, string) {
		t.Helper()
		req, err := http.NewRequest(method, url, strings.NewReader(body))
		require.NoError(t, err)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, resp.Header, string(b)
	}
	// next GETs the next invocation of rt, queued just before.
	next := func(t *testing.T, rt *fakeRuntime, event string) (*invocation, http.Header) {
		t.Helper()
		inv := rt.Invoke([]byte(event))
		status, h, body := do(t, http.MethodGet, rt.URL+apiPrefix+"invocation/next", "")
		require.Equal(t, http.StatusOK, status, body)
		assert.Equal(t, event, body)
		return inv, h
	}

	t.Run("next gives the event and its headers", func(t *testing.T) {
		rt := newFakeRuntime(t)
		inv, h := next(t, rt, `{"rawPath":"/sign"}`)
		assert.Equal(t, inv.id, h.Get("Lambda-Runtime-Aws-Request-Id"))
		assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`, inv.id)
		ms, err := strconv.ParseInt(h.Get("Lambda-Runtime-Deadline-Ms"), 10, 64)
		require.NoError(t, err)
		assert.WithinDuration(t, time.Now().Add(rt.Timeout), time.UnixMilli(ms), 5*time.Second)
		assert.Equal(t, rt.FunctionARN, h.Get("Lambda-Runtime-Invoked-Function-Arn"))
		assert.Regexp(t, regexp.MustCompile(`^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$`), h.Get("Lambda-Runtime-Trace-Id"))
		assert.Equal(t, 1, rt.Nexts())
	})

	t.Run("response is taken once", func(t *testing.T) {
		rt := newFakeRuntime(t)
		inv, _ := next(t, rt, `{}`)
		url := rt.URL + apiPrefix + "invocation/" + inv.id + "/response"
		status, _, body := do(t, http.MethodPost, url, `{"statusCode":200}`)
		assert.Equal(t, http.StatusAccepted, status)
		assert.JSONEq(t, `{"status":"OK"}`, body)
		a := inv.Wait(t, time.Second)
		assert.Equal(t, "response", a.Kind)
		assert.Equal(t, `{"statusCode":200}`, string(a.Body))

		status, _, body = do(t, http.MethodPost, url, `{}`)
		assert.Equal(t, http.StatusBadRequest, status, "answered already")
		assert.Contains(t, body, "InvalidRequestID")
	})

	t.Run("error with its type", func(t *testing.T) {
		rt := newFakeRuntime(t)
		inv, _ := next(t, rt, `{}`)
		doc := `{"errorMessage":"boom","errorType":"Boom","stackTrace":[]}`
		status, _, _ := do(t, http.MethodPost, rt.URL+apiPrefix+"invocation/"+inv.id+"/error", doc,
			"Lambda-Runtime-Function-Error-Type", "Function.Boom")
		assert.Equal(t, http.StatusAccepted, status)
		a := inv.Wait(t, time.Second)
		assert.Equal(t, "error", a.Kind)
		assert.Equal(t, "Function.Boom", a.ErrorType)
		assert.JSONEq(t, doc, string(a.Body))
	})

	t.Run("response over 6 MB", func(t *testing.T) {
		rt := newFakeRuntime(t)
		inv, _ := next(t, rt, `{}`)
		big := string(bytes.Repeat([]byte("x"), maxResponseBytes+1))
		status, _, _ := do(t, http.MethodPost, rt.URL+apiPrefix+"invocation/"+inv.id+"/response", big)
		assert.Equal(t, http.StatusRequestEntityTooLarge, status)
		assert.Equal(t, "error", inv.Wait(t, time.Second).Kind)
	})

	t.Run("init error before next only", func(t *testing.T) {
		rt := newFakeRuntime(t)
		doc := `{"errorMessage":"bad","errorType":"Cfhls.ConfigInvalid","stackTrace":[]}`
		url := rt.URL + apiPrefix + "init/error"
		status, _, _ := do(t, http.MethodPost, url, doc, "Lambda-Runtime-Function-Error-Type", "Cfhls.ConfigInvalid")
		assert.Equal(t, http.StatusAccepted, status)
		a, ok := rt.InitError(nil)
		require.True(t, ok)
		assert.Equal(t, "Cfhls.ConfigInvalid", a.ErrorType)

		rt = newFakeRuntime(t)
		next(t, rt, `{}`)
		status, _, body := do(t, http.MethodPost, rt.URL+apiPrefix+"init/error", doc)
		assert.Equal(t, http.StatusForbidden, status, "after the first next")
		var e struct{ ErrorType, ErrorMessage string }
		require.NoError(t, json.Unmarshal([]byte(body), &e))
		assert.Equal(t, "InvalidStateTransition", e.ErrorType)
	})

	for _, tc := range []struct {
		name, method, path string
		status             int
	}{
		{"unknown path", http.MethodGet, "/2018-06-01/runtime/invocation/next/more", http.StatusNotFound},
		{"other version", http.MethodGet, "/2020-01-01/runtime/invocation/next", http.StatusNotFound},
		{"next with POST", http.MethodPost, apiPrefix + "invocation/next", http.StatusMethodNotAllowed},
		{"response with GET", http.MethodGet, apiPrefix + "invocation/x/response", http.StatusMethodNotAllowed},
		{"response to an unknown ID", http.MethodPost, apiPrefix + "invocation/x/response", http.StatusBadRequest},
		{"error for an unknown ID", http.MethodPost, apiPrefix + "invocation/x/error", http.StatusBadRequest},
		{"init error with GET", http.MethodGet, apiPrefix + "init/error", http.StatusMethodNotAllowed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rt := newFakeRuntime(t)
			status, h, body := do(t, tc.method, rt.URL+tc.path, "{}")
			assert.Equal(t, tc.status, status, body)
			assert.Equal(t, "application/json", h.Get("Content-Type"))
			assert.Zero(t, rt.Nexts())
		})
	}
}
