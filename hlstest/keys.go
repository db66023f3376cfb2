package hlstest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"sync"
)

// Key pair IDs of the keys RSAKey and ECDSAKey return. They look like the IDs
// CloudFront gives public keys.
const (
	RSAKeyID   = "K2HLSTESTRSA01"
	ECDSAKeyID = "K2HLSTESTEC256"
)

// Key is a test signing key with the ID a CloudFront key group would know it by.
type Key struct {
	// ID is the Key-Pair-Id that credentials signed with Private name.
	ID string
	// Private signs: *rsa.PrivateKey or *ecdsa.PrivateKey.
	Private crypto.Signer
	// Public verifies; CloudFront.Keys reads it with ID.
	Public crypto.PublicKey
}

var (
	rsaOnce, ecOnce sync.Once
	rsaKey, ecKey   Key
)

// RSAKey returns an RSA 2048 key with ID RSAKeyID. It is generated once per
// process (RSA generation is slow) and shared by every caller.
func RSAKey() Key {
	rsaOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(fmt.Sprintf("hlstest: generating RSA key: %v", err))
		}
		rsaKey = Key{ID: RSAKeyID, Private: k, Public: &k.PublicKey}
	})
	return rsaKey
}

// ECDSAKey returns an ECDSA P-256 key with ID ECDSAKeyID, generated once per
// process and shared by every caller.
func ECDSAKey() Key {
	ecOnce.Do(func() { ecKey = NewECDSAKey(ECDSAKeyID) })
	return ecKey
}

// NewECDSAKey returns a fresh ECDSA P-256 key with the given ID, for tests
// that need a key the simulator does not trust, or a key group of several.
func NewECDSAKey(id string) Key {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(fmt.Sprintf("hlstest: generating ECDSA key: %v", err))
	}
	return Key{ID: id, Private: k, Public: &k.PublicKey}
}
