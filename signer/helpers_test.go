package signer_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/signer"
)

// now is the fixed time tests run at: before the vectors' expiry (1900000000)
// and after their start (1800000000).
var now = time.Unix(1850000000, 0)

func fixedClock() time.Time { return now }

func testKey(t testing.TB, name string) crypto.Signer {
	t.Helper()
	k, err := signer.LoadPrivateKey(filepath.Join("testdata", "keys", name))
	require.NoError(t, err)
	return k
}

func testRSAKey(t testing.TB) *rsa.PrivateKey {
	k, ok := testKey(t, "rsa2048-pkcs8.pem").(*rsa.PrivateKey)
	require.True(t, ok)
	return k
}

func testECKey(t testing.TB) *ecdsa.PrivateKey {
	k, ok := testKey(t, "ec-p256-pkcs8.pem").(*ecdsa.PrivateKey)
	require.True(t, ok)
	return k
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}
