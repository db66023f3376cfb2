package hlstest

import (
	"crypto"
	"errors"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/cfhls/cfhls/policy"
	"github.com/cfhls/cfhls/signer"
)

func TestCloudFrontConcurrentLog(t *testing.T) {
	fx := newFixture(t)
	s := newSigner(t, ECDSAKey(), crypto.SHA256)
	signed := mustSignURL(t, s, fx.cf.URL+"/movies/1/master.m3u8", policy.New(fx.cf.URL+"/movies/1/*", t0.Add(time.Hour)))
	const n = 40
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			u := signed
			if i%2 == 1 {
				u = fx.cf.URL + "/movies/1/master.m3u8"
			}
			resp, err := fx.cf.Client().Get(u)
			if assert.NoError(t, err) {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			_ = fx.cf.Log()
		}(i)
	}
	wg.Wait()
	assert.Len(t, fx.cf.Log(), n)
	assert.Len(t, fx.cf.Refusals(), n/2)
	for _, e := range fx.cf.Refusals() {
		assert.ErrorIs(t, e.Err, signer.ErrMissingKeyPairID)
		assert.Contains(t, e.String(), "403 GET https://"+testDomain+"/movies/1/master.m3u8 [*] refused: ")
	}
	fx.cf.Reset()
	assert.Empty(t, fx.cf.Log())
}

func TestDecisionString(t *testing.T) {
	for d, want := range map[Decision]string{DecisionAllowed: "allowed", DecisionRefused: "refused", DecisionUnchecked: "unchecked", DecisionPreflight: "preflight", 0: "Decision(0)"} {
		assert.Equal(t, want, d.String())
	}
}

func TestDenialMessages(t *testing.T) {
	for _, tc := range []struct {
		err  error
		code string
		msg  string
	}{
		{signer.ErrMissingKeyPairID, "AccessDenied", "Missing Key-Pair-Id query parameter or cookie value"},
		{signer.ErrUnknownKey, "AccessDenied", "Unknown Key"},
		{signer.ErrMalformedPolicy, "AccessDenied", "Malformed Policy"},
		{signer.ErrBadSignature, "AccessDenied", "Access denied"},
		{signer.ErrExpired, "AccessDenied", "Access denied"},
		{signer.ErrNotYetValid, "AccessDenied", "Access denied"},
		{signer.ErrSourceIP, "AccessDenied", "Access denied"},
		{signer.ErrResource, "AccessDenied", "Access denied"},
		{ErrMethodNotAllowed, "MethodNotAllowed", "This distribution is not configured to allow the HTTP request method that was used for this request. The distribution supports only cachable requests."},
	} {
		t.Run(tc.err.Error(), func(t *testing.T) {
			code, msg := denial(errors.Join(errors.New("context"), tc.err))
			assert.Equal(t, tc.code, code)
			assert.Equal(t, tc.msg, msg)
		})
	}
}
