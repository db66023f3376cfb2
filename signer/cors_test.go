package signer_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/cfhls/cfhls/signer"
)

func TestServeCORS(t *testing.T) {
	for _, tc := range []struct {
		name, method, origin string
		allow                []string
		answered             bool
		status               int
		allowOrigin, creds   string
	}{
		{"GET listed origin", "GET", "https://a.example", []string{"https://a.example"}, false, 200, "https://a.example", "true"},
		{"HEAD any origin", "HEAD", "https://b.example", []string{"*"}, false, 200, "*", ""},
		{"GET other origin", "GET", "https://c.example", []string{"https://a.example"}, false, 200, "", ""},
		{"GET no origin header", "GET", "", []string{"*"}, false, 200, "", ""},
		{"GET no allow-list", "GET", "https://a.example", nil, false, 200, "", ""},
		{"preflight", "OPTIONS", "https://a.example", []string{"https://a.example"}, true, 204, "https://a.example", "true"},
		{"preflight without CORS", "OPTIONS", "https://a.example", nil, true, 204, "", ""},
		{"POST", "POST", "https://a.example", []string{"*"}, true, 405, "*", ""},
		{"DELETE", "DELETE", "", nil, true, 405, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(tc.method, "/x", nil)
			if tc.origin != "" {
				r.Header.Set("Origin", tc.origin)
			}
			r.Header.Set("Access-Control-Request-Headers", "range")
			w := httptest.NewRecorder()
			assert.Equal(t, tc.answered, signer.ServeCORS(w, r, tc.allow))
			assert.Equal(t, tc.status, w.Code)
			assert.Equal(t, tc.allowOrigin, w.Header().Get("Access-Control-Allow-Origin"))
			assert.Equal(t, tc.creds, w.Header().Get("Access-Control-Allow-Credentials"))
			if tc.method == "OPTIONS" && tc.allowOrigin != "" {
				assert.Equal(t, "range", w.Header().Get("Access-Control-Allow-Headers"))
				assert.Equal(t, "GET, HEAD, OPTIONS", w.Header().Get("Access-Control-Allow-Methods"))
			}
			if tc.status == http.StatusMethodNotAllowed {
				assert.Equal(t, "GET, HEAD, OPTIONS", w.Header().Get("Allow"))
			}
		})
	}
}
