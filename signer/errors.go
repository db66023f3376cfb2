package signer

import (
	"errors"

	"github.com/cfhls/cfhls/policy"
)

// Key errors.
var (
	// ErrNoKey reports input with no PEM block to read (empty or garbage),
	// or a nil key given to New.
	ErrNoKey = errors.New("signer: no PEM key found")
	// ErrEncryptedKey reports a passphrase-protected key; the error says which
	// openssl command writes a plain copy.
	ErrEncryptedKey = errors.New("signer: key is encrypted")
	// ErrUnsupportedKey reports a key CloudFront does not accept: anything but
	// RSA 2048 and ECDSA P-256.
	ErrUnsupportedKey = errors.New("signer: unsupported key")
)

// Configuration errors.
var (
	// ErrConfig reports a configuration that cannot work: an Option that New
	// cannot apply, or a Handler whose fields do not fit together.
	ErrConfig = errors.New("signer: invalid configuration")
	// ErrKeyPairID reports an empty or malformed key pair ID.
	ErrKeyPairID = errors.New("signer: invalid key pair ID")
)

// Signing errors.
var (
	// ErrBadURL reports a URL that cannot be signed: relative, not http(s), or
	// unparsable.
	ErrBadURL = errors.New("signer: URL cannot be signed")
	// ErrAlreadySigned reports a URL that already carries CloudFront signing
	// parameters (Expires, Policy, Signature, Key-Pair-Id, Hash-Algorithm).
	ErrAlreadySigned = errors.New("signer: URL already has signing parameters")
	// ErrNoCredentials reports a query or cookie set with no credentials in it.
	ErrNoCredentials = errors.New("signer: no credentials")
)

// Verification errors: why CloudFront would refuse a request. Policy
// violations wrap the policy package's sentinels, re-exported here.
var (
	// ErrMissingKeyPairID reports signing parameters without Key-Pair-Id, or a
	// request with no credentials at all (CloudFront says "Missing Key-Pair-Id
	// query parameter or cookie value" for both).
	ErrMissingKeyPairID = errors.New("signer: missing Key-Pair-Id")
	// ErrUnknownKey reports a Key-Pair-Id the verifier has no public key for.
	ErrUnknownKey = errors.New("signer: unknown key")
	// ErrMalformedPolicy reports a policy, expiry or hash parameter that
	// cannot be read.
	ErrMalformedPolicy = errors.New("signer: malformed policy")
	// ErrBadSignature reports a missing signature or one that does not verify
	// over the policy with the named key.
	ErrBadSignature = errors.New("signer: bad signature")

	// ErrExpired is policy.ErrExpired.
	ErrExpired = policy.ErrExpired
	// ErrNotYetValid is policy.ErrNotYetValid.
	ErrNotYetValid = policy.ErrNotYetValid
	// ErrSourceIP is policy.ErrSourceIP.
	ErrSourceIP = policy.ErrSourceIP
	// ErrResource is policy.ErrResource.
	ErrResource = policy.ErrResource
)
