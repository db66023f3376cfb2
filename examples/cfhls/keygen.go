package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

var keygenCommand = &command{
	name:     "keygen",
	synopsis: "[-type rsa|ecdsa] [-force] -out PREFIX",
	summary:  "make a key pair: PREFIX.pem (private) and PREFIX.pub.pem (public)",
	help: `Makes a key pair CloudFront accepts (RSA 2048, or ECDSA P-256) and writes the
private key to PREFIX.pem (PKCS#8, mode 0600: keep it secret; it signs) and the
public key to PREFIX.pub.pem (PKIX: upload it to CloudFront as a public key,
add it to a key group, and trust the key group in the cache behavior).
Existing files are left alone unless -force is given.

examples:
  cfhls keygen -out cloudfront
  cfhls keygen -type ecdsa -out keys/cloudfront-ec
`,
	run: runKeygen,
}

func runKeygen(e *env, c *command, args []string) int {
	fs := c.flags()
	var typ, out string
	var force bool
	fs.StringVar(&typ, "type", "rsa", "key `TYPE`: rsa (RSA 2048) or ecdsa (ECDSA P-256)")
	fs.StringVar(&out, "out", "", "write `PREFIX`.pem and PREFIX.pub.pem; required")
	fs.BoolVar(&force, "force", false, "overwrite existing files")
	if _, code, ok := e.parse(c, fs, args, 0); !ok {
		return code
	}
	if out == "" {
		return e.usageError(c, "missing -out PREFIX: where to write PREFIX.pem and PREFIX.pub.pem")
	}
	out = strings.TrimSuffix(out, ".pem")
	if out == "" || strings.HasSuffix(out, "/") || strings.HasSuffix(out, string(os.PathSeparator)) {
		return e.usageError(c, "-out needs a file name prefix, such as keys/cloudfront")
	}
	var key crypto.Signer
	var desc string
	var err error
	switch strings.ToLower(typ) {
	case "rsa":
		key, err = rsa.GenerateKey(rand.Reader, 2048)
		desc = "RSA 2048"
	case "ecdsa", "ec":
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		desc = "ECDSA P-256"
	default:
		return e.usageError(c, "-type %q: CloudFront accepts rsa (RSA 2048) and ecdsa (ECDSA P-256)", typ)
	}
	if err != nil {
		return e.fail(c, "generating the key: %v", err)
	}
	priv, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return e.fail(c, "encoding the private key: %v", err)
	}
	pub, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		return e.fail(c, "encoding the public key: %v", err)
	}
	privPath, pubPath := out+".pem", out+".pub.pem"
	if !force {
		for _, p := range []string{privPath, pubPath} {
			if _, err := os.Lstat(p); err == nil {
				return e.fail(c, "%s exists: choose another -out, or give -force to overwrite it", p)
			}
		}
	}
	if err := writeFile(privPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: priv}), 0o600, force); err != nil {
		return e.fail(c, "%v", err)
	}
	if err := writeFile(pubPath, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}), 0o644, force); err != nil {
		return e.fail(c, "%v (the private key is in %s)", err, privPath)
	}
	fmt.Fprintf(e.stdout, `wrote %s (private key, %s, PKCS#8, mode 0600): keep it secret
wrote %s (public key): upload it to CloudFront, add it to a key group, and
  sign with: cfhls sign -key %s -key-pair-id ID -ttl 6h URL
  (ID is the public key's ID in CloudFront, such as K2JCJMDEHXQW5F)
`, privPath, desc, pubPath, privPath)
	return exitOK
}

// writeFile writes data to a new file at path with mode perm; an existing
// file is replaced only when force is set, and then gets perm too.
func writeFile(path string, data []byte, perm os.FileMode, force bool) error {
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if force {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(path, flags, perm)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%s exists: choose another -out, or give -force to overwrite it", path)
	}
	if err != nil {
		return err
	}
	if force {
		if err := f.Chmod(perm); err != nil {
			f.Close()
			return err
		}
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
