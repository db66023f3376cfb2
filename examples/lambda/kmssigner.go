package main

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// The KMS signer lives in this example, not in the signer package: the
// library takes any crypto.Signer, so its users need not import (nor vendor,
// nor audit) the KMS SDK, and only a deployment that keeps its key in KMS
// pays for it.

// keyService is the part of the KMS client the signer uses.
type keyService interface {
	GetPublicKey(ctx context.Context, in *kms.GetPublicKeyInput, opts ...func(*kms.Options)) (*kms.GetPublicKeyOutput, error)
	Sign(ctx context.Context, in *kms.SignInput, opts ...func(*kms.Options)) (*kms.SignOutput, error)
}

// kmsSignTimeout bounds one KMS Sign call: crypto.Signer.Sign takes no
// context, and a viewer's request should not hang on a stalled call. The SDK
// retries within it.
// It is half the Terraform module's function timeout (10 s), so that a
// stalled call ends as a signing error, not a Lambda timeout.
const kmsSignTimeout = 5 * time.Second

// ErrKMSHash reports a signature asked over a digest KMS cannot sign for
// CloudFront: KMS has no SHA-1 signing algorithm, so the cfhls Signer must
// be made with signer.WithHash(crypto.SHA256).
var ErrKMSHash = errors.New("kms signer: KMS signs SHA-256 digests only (make the signer with signer.WithHash(crypto.SHA256))")

// kmsSigner is a crypto.Signer whose private key never leaves AWS KMS: each
// Sign is a KMS Sign call over the digest (MessageType DIGEST). The cfhls
// Signer caches credentials by policy, so with bucketed expiries one KMS call
// serves every viewer of a policy in a bucket. It is safe for concurrent use.
type kmsSigner struct {
	client keyService
	// keyID is what the configuration named: a key ID, key ARN, alias name
	// or alias ARN.
	keyID string
	// arn is the key's ARN, as GetPublicKey answered.
	arn string
	// pub is the public key, fetched once.
	pub crypto.PublicKey
	// algorithm is RSASSA_PKCS1_V1_5_SHA_256 for RSA 2048 keys and
	// ECDSA_SHA_256 for P-256 keys, what CloudFront verifies.
	algorithm kmstypes.SigningAlgorithmSpec
}

// newKMSSigner fetches the public key of the KMS key keyID once and checks
// that CloudFront can use it: an asymmetric SIGN_VERIFY key of spec RSA_2048
// or ECC_NIST_P256.
func newKMSSigner(ctx context.Context, client keyService, keyID string) (*kmsSigner, error) {
	// Lambda's init phase lasts 10 s at most: leave the rest of it to say why.
	ctx, cancel := context.WithTimeout(ctx, kmsSignTimeout)
	defer cancel()
	out, err := client.GetPublicKey(ctx, &kms.GetPublicKeyInput{KeyId: aws.String(keyID)})
	if err != nil {
		return nil, fmt.Errorf("get public key: %w", err)
	}
	if out.KeyUsage != kmstypes.KeyUsageTypeSignVerify {
		return nil, fmt.Errorf("key usage is %q: CloudFront needs a SIGN_VERIFY key (create it with --key-usage SIGN_VERIFY --key-spec RSA_2048 or ECC_NIST_P256)", out.KeyUsage)
	}
	pub, err := x509.ParsePKIXPublicKey(out.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("public key: %w", err)
	}
	var alg kmstypes.SigningAlgorithmSpec
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if k.N.BitLen() != 2048 {
			return nil, fmt.Errorf("RSA key of %d bits: CloudFront accepts RSA 2048 (key spec RSA_2048) or ECDSA P-256 (ECC_NIST_P256)", k.N.BitLen())
		}
		alg = kmstypes.SigningAlgorithmSpecRsassaPkcs1V15Sha256
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() {
			return nil, fmt.Errorf("ECDSA key on %s: CloudFront accepts P-256 (key spec ECC_NIST_P256) or RSA 2048", k.Curve.Params().Name)
		}
		alg = kmstypes.SigningAlgorithmSpecEcdsaSha256
	default:
		return nil, fmt.Errorf("%T key (spec %q): CloudFront accepts RSA 2048 (RSA_2048) or ECDSA P-256 (ECC_NIST_P256)", pub, out.KeySpec)
	}
	if len(out.SigningAlgorithms) > 0 && !slices.Contains(out.SigningAlgorithms, alg) {
		return nil, fmt.Errorf("the key does not offer %s (it offers %v)", alg, out.SigningAlgorithms)
	}
	return &kmsSigner{client: client, keyID: keyID, arn: aws.ToString(out.KeyId), pub: pub, algorithm: alg}, nil
}

// Public returns the public key fetched when the signer was made.
func (s *kmsSigner) Public() crypto.PublicKey { return s.pub }

// Sign has KMS sign digest, a SHA-256 digest (opts.HashFunc() must be
// crypto.SHA256, or it fails with ErrKMSHash); rand is unused. RSA
// signatures are PKCS #1 v1.5 (PSS options are refused), ECDSA ones ASN.1
// DER, as crypto/rsa and crypto/ecdsa make them and CloudFront reads them.
// The signature is checked against the public key before it is returned,
// so a key that changed under an alias since startup fails here, not at
// CloudFront.
func (s *kmsSigner) Sign(_ io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	if opts == nil || opts.HashFunc() != crypto.SHA256 {
		return nil, ErrKMSHash
	}
	if _, pss := opts.(*rsa.PSSOptions); pss {
		return nil, errors.New("kms signer: RSA-PSS asked, but CloudFront verifies PKCS #1 v1.5")
	}
	if len(digest) != crypto.SHA256.Size() {
		return nil, fmt.Errorf("kms signer: digest of %d bytes, want %d", len(digest), crypto.SHA256.Size())
	}
	ctx, cancel := context.WithTimeout(context.Background(), kmsSignTimeout)
	defer cancel()
	out, err := s.client.Sign(ctx, &kms.SignInput{
		KeyId:            aws.String(s.keyID),
		Message:          digest,
		MessageType:      kmstypes.MessageTypeDigest,
		SigningAlgorithm: s.algorithm,
	})
	if err != nil {
		return nil, fmt.Errorf("kms signer: sign with %s: %w", s.keyID, err)
	}
	if err := s.check(digest, out.Signature); err != nil {
		return nil, fmt.Errorf("kms signer: %s signed with %s, and the public key of %s fetched at startup does not verify it (%w): was the alias pointed at another key? Put its public key in the key group, then restart", s.keyID, aws.ToString(out.KeyId), s.arn, err)
	}
	return out.Signature, nil
}

// check verifies sig over digest with the public key.
func (s *kmsSigner) check(digest, sig []byte) error {
	switch k := s.pub.(type) {
	case *rsa.PublicKey:
		return rsa.VerifyPKCS1v15(k, crypto.SHA256, digest, sig)
	case *ecdsa.PublicKey:
		if !ecdsa.VerifyASN1(k, digest, sig) {
			return errors.New("ecdsa: verification error")
		}
	}
	return nil
}
