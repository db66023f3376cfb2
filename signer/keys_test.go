package signer_test

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/signer"
)

func TestParsePrivateKey(t *testing.T) {
	for _, tc := range []struct {
		file string
		rsa  bool   // an accepted RSA key
		ec   bool   // an accepted ECDSA key
		err  error  // sentinel for refusals
		msg  string // substring of the refusal
	}{
		{file: "rsa2048-pkcs8.pem", rsa: true},
		{file: "rsa2048-pkcs1.pem", rsa: true},
		{file: "rsa2048-pkcs8.pem.b64", rsa: true},
		{file: "ec-p256-sec1.pem", ec: true},
		{file: "ec-p256-pkcs8.pem", ec: true},
		{file: "rsa1024.pem", err: signer.ErrUnsupportedKey, msg: "RSA 1024 bits"},
		{file: "rsa3072.pem", err: signer.ErrUnsupportedKey, msg: "RSA 3072 bits"},
		{file: "rsa4096.pem", err: signer.ErrUnsupportedKey, msg: "RSA 4096 bits"},
		{file: "ec-p384.pem", err: signer.ErrUnsupportedKey, msg: "P-384"},
		{file: "ec-p256-explicit.pem", err: signer.ErrNoKey, msg: "EC PRIVATE KEY"},
		{file: "ed25519.pem", err: signer.ErrUnsupportedKey, msg: "ed25519"},
		{file: "rsa2048-encrypted-pkcs8.pem", err: signer.ErrEncryptedKey, msg: "openssl pkcs8 -in key.pem -out key-plain.pem"},
		{file: "rsa2048-encrypted-traditional.pem", err: signer.ErrEncryptedKey, msg: "openssl rsa -in key.pem -out key-plain.pem"},
		{file: "ec-encrypted-sec1.pem", err: signer.ErrEncryptedKey, msg: "openssl ec -in key.pem -out key-plain.pem"},
		{file: "cert.pem", err: signer.ErrNoKey, msg: "signing needs the private key"},
		{file: "rsa2048-pub-pkix.pem", err: signer.ErrNoKey, msg: "signing needs the private key"},
		{file: "garbage.pem", err: signer.ErrNoKey, msg: "neither PEM nor base64"},
		{file: "empty.pem", err: signer.ErrNoKey, msg: "empty"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			k, err := signer.ParsePrivateKey(readFile(t, filepath.Join("testdata", "keys", tc.file)))
			if tc.err != nil {
				require.Error(t, err)
				assert.ErrorIs(t, err, tc.err)
				assert.Contains(t, err.Error(), tc.msg)
				assert.Nil(t, k)
				return
			}
			require.NoError(t, err)
			_, isRSA := k.(*rsa.PrivateKey)
			_, isEC := k.(*ecdsa.PrivateKey)
			assert.Equal(t, tc.rsa, isRSA)
			assert.Equal(t, tc.ec, isEC)
		})
	}
}

func TestParsePrivateKeyInline(t *testing.T) {
	pkcs1 := string(readFile(t, filepath.Join("testdata", "keys", "rsa2048-pkcs1.pem")))
	for _, tc := range []struct{ name, in, msg string }{
		{"whitespace only", " \n\t", "empty"},
		{"truncated PEM", pkcs1[:200], "no complete PEM block"},
		{"unknown block", "-----BEGIN FOO-----\nAAAA\n-----END FOO-----\n", `"FOO" is not a private key`},
		{"OpenSSH", "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n", "ssh-keygen"},
		{"corrupt body", "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n", "RSA PRIVATE KEY"},
		{"base64 of garbage", "aGVsbG8gd29ybGQ=", "neither PEM nor base64"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := signer.ParsePrivateKey([]byte(tc.in))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.msg)
		})
	}
}

func TestLoadPrivateKey(t *testing.T) {
	_, err := signer.LoadPrivateKey(filepath.Join("testdata", "keys", "missing.pem"))
	assert.ErrorContains(t, err, "missing.pem")
	_, err = signer.LoadPrivateKey(filepath.Join("testdata", "keys", "rsa1024.pem"))
	assert.ErrorIs(t, err, signer.ErrUnsupportedKey)
	assert.ErrorContains(t, err, "rsa1024.pem")
}

func TestParsePublicKey(t *testing.T) {
	for _, tc := range []struct {
		file string
		ok   bool
		msg  string
	}{
		{"rsa2048-pub-pkix.pem", true, ""},
		{"rsa2048-pub-pkcs1.pem", true, ""},
		{"ec-p256-pub.pem", true, ""},
		{"cert.pem", true, ""},
		{"rsa2048-pkcs8.pem", false, "openssl pkey -in key.pem -pubout"},
		{"empty.pem", false, "empty"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			pub, err := signer.LoadPublicKey(filepath.Join("testdata", "keys", tc.file))
			if !tc.ok {
				assert.ErrorContains(t, err, tc.msg)
				return
			}
			require.NoError(t, err)
			assert.NotNil(t, pub)
		})
	}
	// The public keys belong to the private keys.
	pub, err := signer.LoadPublicKey(filepath.Join("testdata", "keys", "rsa2048-pub-pkcs1.pem"))
	require.NoError(t, err)
	assert.True(t, testRSAKey(t).PublicKey.Equal(pub))
	pub, err = signer.LoadPublicKey(filepath.Join("testdata", "keys", "ec-p256-pub.pem"))
	require.NoError(t, err)
	assert.True(t, testECKey(t).PublicKey.Equal(pub))
}
