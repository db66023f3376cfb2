package main

import (
	"crypto/x509"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/hlstest"
	"github.com/cfhls/cfhls/policy"
	"github.com/cfhls/cfhls/signer"
)

// TestTrustedPublicKeys: CFHLS_TRUSTED_PUBLIC_KEYS is read as ID=KEY pairs
// and refused with the variable named when malformed.
func TestTrustedPublicKeys(t *testing.T) {
	der, err := x509.MarshalPKIXPublicKey(hlstest.ECDSAKey().Private.Public())
	require.NoError(t, err)
	good := base64.StdEncoding.EncodeToString(der)
	for _, tc := range []struct {
		name, raw string
		keys      int
		err       string
	}{
		{"unset", "", 0, ""},
		{"one", "KOLD=" + good, 1, ""},
		{"two, spaces", " KOLD=" + good + " , KOTHER=" + good, 2, ""},
		{"no ID", "=" + good, 0, "entry 1"},
		{"no key", "KOLD", 0, "entry 1"},
		{"not base64", "KOLD=???", 0, "not base64"},
		{"not a key", "KOLD=" + base64.StdEncoding.EncodeToString([]byte("nope")), 0, "KOLD"},
		{"too many", "K1=" + good + ",K2=" + good + ",K3=" + good + ",K4=" + good + ",K5=" + good, 0, "5 keys"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := loadConfig(env(map[string]string{"CFHLS_TRUSTED_PUBLIC_KEYS": tc.raw}))
			if tc.err != "" {
				assert.ErrorContains(t, err, "CFHLS_TRUSTED_PUBLIC_KEYS")
				assert.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			assert.Len(t, c.trusted, tc.keys)
		})
	}
}

// TestServerSideTrustsTheKeyGroup: in server-side mode the origin admits a
// viewer whose credentials another key of the group signed (the key being
// retired in a rotation) only when CFHLS_TRUSTED_PUBLIC_KEYS lists it.
func TestServerSideTrustsTheKeyGroup(t *testing.T) {
	old := hlstest.ECDSAKey()
	der, err := x509.MarshalPKIXPublicKey(old.Private.Public())
	require.NoError(t, err)
	oldSigner, err := signer.New("KOLD", old.Private)
	require.NoError(t, err)
	for _, tc := range []struct {
		name    string
		trusted string
		want    int
	}{
		{"the old key not listed: refused", "", http.StatusForbidden},
		{"the old key listed: admitted", "KOLD=" + base64.StdEncoding.EncodeToString(der), http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			app := newTestApp(t, map[string]string{"CFHLS_MODE": "server-side", "CFHLS_TRUSTED_PUBLIC_KEYS": tc.trusted})
			// The viewer's credentials, signed with the old key, travel as
			// carried copies on the playlist request.
			creds, err := oldSigner.Credentials(policy.New(cdn+"/movies/1/*", time.Now().Add(time.Hour)))
			require.NoError(t, err)
			r := httptest.NewRequest("GET", "/movies/1/index.m3u8?"+signer.Suffix("-PREFIX").Encode(creds), nil)
			r.Header.Set(originSecretHeader, testOriginSecret)
			w := httptest.NewRecorder()
			app.ServeHTTP(w, r)
			assert.Equal(t, tc.want, w.Code, w.Body.String())
		})
	}
}
