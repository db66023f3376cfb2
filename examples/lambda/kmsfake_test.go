package main

// The KMS fake: GetPublicKey and Sign over JSON 1.1, keys held locally.

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// kmsKey is a key the KMS fake holds: the private half never leaves it.
type kmsKey struct {
	// private signs; nil for a symmetric key, which has no public key.
	private crypto.Signer
	// usage is SIGN_VERIFY unless set.
	usage string
	// disabled keys answer DisabledException.
	disabled bool
}

// kmsFake speaks KMS's JSON 1.1 protocol (target TrentService, signing
// name kms) for GetPublicKey and Sign, with keys held locally: keys by key
// ID, aliases ("alias/NAME") to key IDs. KeyId may be a key ID, key ARN,
// alias name or alias ARN, as with KMS.
type kmsFake struct {
	*jsonFake
	mu      sync.Mutex
	keys    map[string]kmsKey
	aliases map[string]string
}

// kmsARN is the ARN of key ID id in the fake's account and region.
func kmsARN(id string) string { return "arn:aws:kms:" + fakeRegion + ":111122223333:key/" + id }

// newKMSFake starts a KMS fake and returns the function's stores pointed at
// it.
func newKMSFake(t *testing.T, keys map[string]kmsKey, aliases map[string]string) (*kmsFake, stores) {
	f := &kmsFake{keys: keys, aliases: aliases}
	var srv *httptest.Server
	f.jsonFake, srv = newJSONFake(t, "kms", "TrentService", map[string]func(map[string]any) jsonReply{
		"GetPublicKey": f.getPublicKey,
		"Sign":         f.sign,
	})
	return f, fakeStores(srv)
}

// point makes alias name the key id, as UpdateAlias does.
func (f *kmsFake) point(alias, id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.aliases[alias] = id
}

// resolve finds the key KeyId names.
func (f *kmsFake) resolve(keyID string) (string, kmsKey, *jsonReply) {
	f.mu.Lock()
	defer f.mu.Unlock()
	keyID = strings.TrimPrefix(keyID, "arn:aws:kms:"+fakeRegion+":111122223333:")
	id := strings.TrimPrefix(keyID, "key/")
	if a, ok := f.aliases[keyID]; ok {
		id = a
	}
	k, ok := f.keys[id]
	if !ok {
		e := jsonError(400, "NotFoundException", "Key '"+kmsARN(id)+"' does not exist")
		return "", k, &e
	}
	if k.disabled {
		e := jsonError(400, "DisabledException", kmsARN(id)+" is disabled.")
		return "", k, &e
	}
	return id, k, nil
}

// keySpec names the key spec and signing algorithms of pub.
func keySpec(pub crypto.PublicKey) (string, []string) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return "RSA_" + strconv.Itoa(k.N.BitLen()), []string{"RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_384", "RSASSA_PSS_SHA_512",
			"RSASSA_PKCS1_V1_5_SHA_256", "RSASSA_PKCS1_V1_5_SHA_384", "RSASSA_PKCS1_V1_5_SHA_512"}
	case *ecdsa.PublicKey:
		return "ECC_NIST_" + strings.ReplaceAll(k.Curve.Params().Name, "-", ""), []string{"ECDSA_SHA_256"}
	}
	return "", nil
}

// getPublicKey answers GetPublicKey with the DER SubjectPublicKeyInfo.
func (f *kmsFake) getPublicKey(in map[string]any) jsonReply {
	id, k, fail := f.resolve(str(in, "KeyId"))
	if fail != nil {
		return *fail
	}
	if k.private == nil {
		return jsonError(400, "UnsupportedOperationException", kmsARN(id)+" key usage is ENCRYPT_DECRYPT which is not valid for GetPublicKey.")
	}
	der, err := x509.MarshalPKIXPublicKey(k.private.Public())
	require.NoError(f.t, err)
	spec, algs := keySpec(k.private.Public())
	usage := k.usage
	if usage == "" {
		usage = "SIGN_VERIFY"
	} else {
		algs = nil
	}
	return jsonOK(map[string]any{"KeyId": kmsARN(id), "PublicKey": base64.StdEncoding.EncodeToString(der), "KeySpec": spec,
		"CustomerMasterKeySpec": spec, "KeyUsage": usage, "SigningAlgorithms": algs})
}

// sign answers Sign over a digest with the local private key.
func (f *kmsFake) sign(in map[string]any) jsonReply {
	id, k, fail := f.resolve(str(in, "KeyId"))
	if fail != nil {
		return *fail
	}
	alg, mt := str(in, "SigningAlgorithm"), str(in, "MessageType")
	digest, err := base64.StdEncoding.DecodeString(str(in, "Message"))
	if err != nil || mt != "DIGEST" || len(digest) != sha256.Size {
		f.t.Errorf("Sign: MessageType %q, Message of %d bytes (%v): want a SHA-256 DIGEST", mt, len(digest), err)
		return jsonError(400, "ValidationException", "Digest is invalid length for algorithm "+alg+".")
	}
	var sig []byte
	switch key := k.private.(type) {
	case *rsa.PrivateKey:
		if alg != "RSASSA_PKCS1_V1_5_SHA_256" {
			return jsonError(400, "InvalidKeyUsageException", "wrong algorithm "+alg)
		}
		sig, err = rsa.SignPKCS1v15(nil, key, crypto.SHA256, digest)
	case *ecdsa.PrivateKey:
		if alg != "ECDSA_SHA_256" {
			return jsonError(400, "InvalidKeyUsageException", "wrong algorithm "+alg)
		}
		sig, err = ecdsa.SignASN1(rand.Reader, key, digest)
	default:
		return jsonError(400, "InvalidKeyUsageException", "not a signing key")
	}
	require.NoError(f.t, err)
	return jsonOK(map[string]any{"KeyId": kmsARN(id), "Signature": base64.StdEncoding.EncodeToString(sig), "SigningAlgorithm": alg})
}
