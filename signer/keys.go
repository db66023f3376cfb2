package signer

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"os"
	"strings"
)

// ParsePrivateKey reads a CloudFront signing key from PEM: PKCS#1
// ("RSA PRIVATE KEY"), PKCS#8 ("PRIVATE KEY", RSA or EC) or SEC1
// ("EC PRIVATE KEY"), or such a PEM wrapped once more in base64, as keys are
// often kept in secrets and environment variables. An "EC PARAMETERS" block
// before the key is skipped.
//
// Only RSA 2048 and ECDSA P-256 keys are returned, the two CloudFront accepts.
// Encrypted keys wrap [ErrEncryptedKey] and name the openssl command that
// writes a plain copy; other sizes, curves and algorithms wrap
// [ErrUnsupportedKey]; empty input or input without a PEM key wraps [ErrNoKey].
func ParsePrivateKey(data []byte) (crypto.Signer, error) {
	block, err := keyBlock(data)
	if err != nil {
		return nil, err
	}
	var key any
	switch block.Type {
	case "RSA PRIVATE KEY", "EC PRIVATE KEY":
		if strings.Contains(block.Headers["Proc-Type"], "ENCRYPTED") {
			tool := "rsa"
			if block.Type == "EC PRIVATE KEY" {
				tool = "ec"
			}
			return nil, fmt.Errorf("%w: %s with a passphrase; write a plain copy with: openssl %s -in key.pem -out key-plain.pem", ErrEncryptedKey, block.Type, tool)
		}
		if block.Type == "RSA PRIVATE KEY" {
			key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
		} else {
			key, err = x509.ParseECPrivateKey(block.Bytes)
		}
		if err != nil {
			// Some tools write PKCS#8 under a traditional header.
			if k, err8 := x509.ParsePKCS8PrivateKey(block.Bytes); err8 == nil {
				key, err = k, nil
			}
		}
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			if k, err1 := x509.ParsePKCS1PrivateKey(block.Bytes); err1 == nil {
				key, err = k, nil
			}
		}
	case "ENCRYPTED PRIVATE KEY":
		return nil, fmt.Errorf("%w: encrypted PKCS#8; write a plain copy with: openssl pkcs8 -in key.pem -out key-plain.pem", ErrEncryptedKey)
	case "OPENSSH PRIVATE KEY":
		return nil, fmt.Errorf("%w: OpenSSH key format; convert a copy with: ssh-keygen -p -m PKCS8 -f key", ErrUnsupportedKey)
	case "PUBLIC KEY", "RSA PUBLIC KEY", "CERTIFICATE":
		return nil, fmt.Errorf("%w: PEM block is %q; signing needs the private key (the public key goes to the CloudFront key group)", ErrNoKey, block.Type)
	default:
		return nil, fmt.Errorf("%w: PEM block %q is not a private key", ErrNoKey, block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrNoKey, block.Type, err)
	}
	s, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("%w: %T; CloudFront accepts RSA 2048 and ECDSA P-256", ErrUnsupportedKey, key)
	}
	if err := checkPublic(s.Public()); err != nil {
		return nil, err
	}
	return s, nil
}

// LoadPrivateKey reads a private key file with [ParsePrivateKey].
func LoadPrivateKey(path string) (crypto.Signer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("signer: read private key: %w", err)
	}
	k, err := ParsePrivateKey(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

// ParsePublicKey reads a public key from PEM: PKIX ("PUBLIC KEY", what
// CloudFront key groups hold), PKCS#1 ("RSA PUBLIC KEY"), or the key of a
// "CERTIFICATE"; base64-wrapped PEM too. Only RSA 2048 and ECDSA P-256 keys
// are returned.
func ParsePublicKey(data []byte) (crypto.PublicKey, error) {
	block, err := keyBlock(data)
	if err != nil {
		return nil, err
	}
	var pub any
	switch block.Type {
	case "PUBLIC KEY":
		pub, err = x509.ParsePKIXPublicKey(block.Bytes)
	case "RSA PUBLIC KEY":
		pub, err = x509.ParsePKCS1PublicKey(block.Bytes)
	case "CERTIFICATE":
		var c *x509.Certificate
		if c, err = x509.ParseCertificate(block.Bytes); err == nil {
			pub = c.PublicKey
		}
	default:
		return nil, fmt.Errorf("%w: PEM block %q is not a public key (derive one with: openssl pkey -in key.pem -pubout)", ErrNoKey, block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrNoKey, block.Type, err)
	}
	if err := checkPublic(pub); err != nil {
		return nil, err
	}
	return pub, nil
}

// LoadPublicKey reads a public key file with [ParsePublicKey].
func LoadPublicKey(path string) (crypto.PublicKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("signer: read public key: %w", err)
	}
	k, err := ParsePublicKey(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

// keyBlock finds the first PEM block that is not "EC PARAMETERS", unwrapping
// one layer of base64 around the PEM when there is no PEM header.
func keyBlock(data []byte) (*pem.Block, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return nil, fmt.Errorf("%w: input is empty", ErrNoKey)
	}
	if !bytes.Contains(data, []byte("-----BEGIN ")) {
		dec, err := base64.StdEncoding.DecodeString(string(bytes.Join(bytes.Fields(data), nil)))
		if err != nil || !bytes.Contains(dec, []byte("-----BEGIN ")) {
			return nil, fmt.Errorf("%w: input is neither PEM nor base64-wrapped PEM", ErrNoKey)
		}
		data = dec
	}
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			return nil, fmt.Errorf("%w: no complete PEM block (check the BEGIN and END lines)", ErrNoKey)
		}
		if block.Type != "EC PARAMETERS" {
			return block, nil
		}
	}
}

// checkPublic accepts the keys CloudFront accepts: RSA 2048 and ECDSA P-256.
func checkPublic(pub any) error {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if k.N.BitLen() != 2048 {
			return fmt.Errorf("%w: RSA %d bits; CloudFront accepts RSA 2048 (openssl genrsa -out key.pem 2048)", ErrUnsupportedKey, k.N.BitLen())
		}
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() {
			return fmt.Errorf("%w: ECDSA on %s; CloudFront accepts P-256 (openssl ecparam -name prime256v1 -genkey -noout -out key.pem)", ErrUnsupportedKey, k.Curve.Params().Name)
		}
	default:
		return fmt.Errorf("%w: %T; CloudFront accepts RSA 2048 and ECDSA P-256", ErrUnsupportedKey, pub)
	}
	return nil
}
