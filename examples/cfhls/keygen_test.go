package main

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/signer"
)

// assertKeyPair checks the files keygen wrote for prefix.
func assertKeyPair(t *testing.T, prefix, typ string) {
	t.Helper()
	privPEM, err := os.ReadFile(prefix + ".pem")
	require.NoError(t, err)
	pubPEM, err := os.ReadFile(prefix + ".pub.pem")
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(privPEM), "-----BEGIN PRIVATE KEY-----\n"), "PKCS#8")
	assert.True(t, strings.HasPrefix(string(pubPEM), "-----BEGIN PUBLIC KEY-----\n"), "PKIX")
	if runtime.GOOS != "windows" {
		fi, err := os.Stat(prefix + ".pem")
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), "private key mode")
	}
	priv, err := signer.ParsePrivateKey(privPEM)
	require.NoError(t, err)
	pub, err := signer.ParsePublicKey(pubPEM)
	require.NoError(t, err)
	switch typ {
	case "rsa":
		k, ok := pub.(*rsa.PublicKey)
		require.True(t, ok, "%T", pub)
		assert.Equal(t, 2048, k.N.BitLen())
		assert.True(t, k.Equal(priv.Public()), "the public key is the private key's")
	case "ecdsa":
		k, ok := pub.(*ecdsa.PublicKey)
		require.True(t, ok, "%T", pub)
		assert.Equal(t, "P-256", k.Curve.Params().Name)
		assert.True(t, k.Equal(priv.Public()), "the public key is the private key's")
	}
}

func TestKeygen(t *testing.T) {
	tests := []struct {
		name string
		args []string
		typ  string
	}{
		{"default is rsa", nil, "rsa"},
		{"rsa", []string{"-type", "rsa"}, "rsa"},
		{"ecdsa", []string{"-type", "ecdsa"}, "ecdsa"},
		{"ECDSA upper case", []string{"-type", "ECDSA"}, "ecdsa"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prefix := filepath.Join(t.TempDir(), "cf")
			r := cfhls(t, "", append(append([]string{"keygen"}, tt.args...), "-out", prefix)...)
			require.Equal(t, exitOK, r.code, r.stderr)
			assert.Empty(t, r.stderr)
			assert.Contains(t, r.stdout, "wrote "+prefix+".pem")
			assert.Contains(t, r.stdout, "wrote "+prefix+".pub.pem")
			assertKeyPair(t, prefix, tt.typ)
		})
	}
}

func TestKeygenOutWithPemSuffix(t *testing.T) {
	prefix := filepath.Join(t.TempDir(), "cf")
	r := cfhls(t, "", "keygen", "-out", prefix+".pem")
	require.Equal(t, exitOK, r.code, r.stderr)
	assertKeyPair(t, prefix, "rsa")
	_, err := os.Stat(prefix + ".pem.pem")
	assert.ErrorIs(t, err, os.ErrNotExist)
}

func TestKeygenRefusesToOverwrite(t *testing.T) {
	tests := []struct {
		name     string
		existing string // which file exists already
	}{
		{"private key exists", ".pem"},
		{"public key exists", ".pub.pem"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prefix := filepath.Join(t.TempDir(), "cf")
			require.NoError(t, os.WriteFile(prefix+tt.existing, []byte("keep me\n"), 0o644))

			r := cfhls(t, "", "keygen", "-out", prefix)
			assert.Equal(t, exitFailed, r.code)
			assert.Contains(t, r.stderr, prefix+tt.existing+" exists")
			assert.Contains(t, r.stderr, "-force")
			data, err := os.ReadFile(prefix + tt.existing)
			require.NoError(t, err)
			assert.Equal(t, "keep me\n", string(data), "left alone")
			for _, other := range []string{".pem", ".pub.pem"} {
				if other != tt.existing {
					_, err := os.Stat(prefix + other)
					assert.ErrorIs(t, err, os.ErrNotExist, "nothing written")
				}
			}

			r = cfhls(t, "", "keygen", "-type", "ecdsa", "-force", "-out", prefix)
			require.Equal(t, exitOK, r.code, r.stderr)
			assertKeyPair(t, prefix, "ecdsa") // includes mode 0600 on a file that was 0644
		})
	}
}

func TestKeygenUnwritable(t *testing.T) {
	prefix := filepath.Join(t.TempDir(), "no", "such", "dir", "cf")
	r := cfhls(t, "", "keygen", "-out", prefix)
	assert.Equal(t, exitFailed, r.code)
	assert.Contains(t, r.stderr, "cfhls keygen: ")
	assert.Contains(t, r.stderr, "no such file or directory")
	assert.Empty(t, r.stdout)
}
