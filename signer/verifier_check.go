package signer

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cfhls/cfhls/policy"
)

// rawCredentials are signing parameters as they arrived, unparsed.
type rawCredentials struct {
	keyID, sig, expires, policy, hash string
}

// rawFrom reads the signing parameters from params (plain names), refusing
// any given more than once. A repeated parameter's first value is read all
// the same, for Inspect; Verify stops at the error.
func rawFrom(params url.Values, src Source) (rawCredentials, error) {
	var vals [5]string
	var err error
	for i, n := range []string{ParamKeyPairID, ParamSignature, ParamExpires, ParamPolicy, ParamHashAlgorithm} {
		vs := params[n]
		if len(vs) > 1 && err == nil {
			err = fmt.Errorf("%w: %s %s given %d times", ErrMalformedPolicy, src, n, len(vs))
		}
		if len(vs) > 0 {
			vals[i] = vs[0]
		}
	}
	return rawCredentials{keyID: vals[0], sig: vals[1], expires: vals[2], policy: vals[3], hash: vals[4]}, err
}

// Each part of the credentials is read by one function below. check reads
// each when it reaches it, in CloudFront's order, and stops at the first
// refusal, so Verify does no more work than it needs and fills Result only
// as far as it got; inspect reads them all.

// check verifies raw as CloudFront would for res.URL, filling res as it goes.
func (v *Verifier) check(res *Result, raw rawCredentials, client netip.Addr, now time.Time) error {
	if raw.keyID == "" {
		return errNoKeyPairID
	}
	res.KeyPairID = raw.keyID
	v.mu.RLock()
	key, ok := v.keys[raw.keyID]
	cache := v.cache
	v.mu.RUnlock()
	if !ok {
		return fmt.Errorf("%w: Key-Pair-Id %q is not in the trusted key group", ErrUnknownKey, raw.keyID)
	}
	var err error
	if res.Hash, err = readHash(raw.hash); err != nil {
		return err
	}
	canned, err := readDocument(res, raw.expires, raw.policy)
	if err != nil {
		return err
	}
	if res.Signature, err = readSignature(raw.sig); err != nil {
		return err
	}
	if err := verifyCached(cache, key, raw.keyID, res.Hash, res.PolicyJSON, res.Signature); err != nil {
		return err
	}
	if err := readPolicy(res, canned); err != nil {
		return err
	}
	return res.Policy.Evaluate(res.URL, client, now)
}

// inspect reads every part of raw into res, whatever fails, and returns the
// first error check would return in the same order, but for the key lookup
// and the signature verification, which it does not do.
func inspect(res *Result, raw rawCredentials) error {
	var errs [5]error
	if raw.keyID == "" {
		errs[0] = errNoKeyPairID
	}
	res.KeyPairID = raw.keyID
	res.Hash, errs[1] = readHash(raw.hash)
	var canned time.Time
	canned, errs[2] = readDocument(res, raw.expires, raw.policy)
	res.Signature, errs[3] = readSignature(raw.sig)
	if errs[2] == nil {
		errs[4] = readPolicy(res, canned)
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// errNoKeyPairID refuses credentials without a Key-Pair-Id.
var errNoKeyPairID = fmt.Errorf("%w: the credentials have no Key-Pair-Id", ErrMissingKeyPairID)

// readHash reads Hash-Algorithm: empty or SHA1, or SHA256.
func readHash(name string) (crypto.Hash, error) {
	switch name {
	case "", "SHA1":
		return crypto.SHA1, nil
	case "SHA256":
		return crypto.SHA256, nil
	}
	return 0, fmt.Errorf("%w: Hash-Algorithm %q is neither SHA1 nor SHA256", ErrMalformedPolicy, name)
}

// readDocument reads the signed policy document into res: Form as soon as
// exactly one of Expires and Policy is present, then PolicyJSON (decoded
// from Policy, or rebuilt from the URL and Expires as CloudFront does), or
// PolicyErr. For the canned form it returns the expiry.
func readDocument(res *Result, expires, pol64 string) (time.Time, error) {
	var err error
	switch {
	case expires != "" && pol64 != "":
		err = fmt.Errorf("%w: both Expires and Policy are present", ErrMalformedPolicy)
	case pol64 != "":
		res.Form = policy.FormCustom
		doc, derr := cloudFrontBase64(pol64)
		if derr != nil {
			err = fmt.Errorf("%w: Policy: %w", ErrMalformedPolicy, derr)
			break
		}
		res.PolicyJSON = doc
	case expires != "":
		res.Form = policy.FormCanned
		n, perr := strconv.ParseInt(expires, 10, 64)
		if perr != nil || n <= 0 {
			err = fmt.Errorf("%w: Expires %q is not Unix seconds", ErrMalformedPolicy, expires)
			break
		}
		res.PolicyJSON = []byte(`{"Statement":[{"Resource":"` + res.URL + `","Condition":{"DateLessThan":{"AWS:EpochTime":` + strconv.FormatInt(n, 10) + `}}}]}`)
		return time.Unix(n, 0).UTC(), nil
	default:
		err = fmt.Errorf("%w: neither Expires nor Policy is present", ErrMalformedPolicy)
	}
	res.PolicyErr = err
	return time.Time{}, err
}

// readSignature decodes Signature.
func readSignature(sig64 string) ([]byte, error) {
	if sig64 == "" {
		return nil, fmt.Errorf("%w: no Signature", ErrBadSignature)
	}
	sig, err := cloudFrontBase64(sig64)
	if err != nil {
		return nil, fmt.Errorf("%w: Signature: %w", ErrBadSignature, err)
	}
	return sig, nil
}

// readPolicy fills res.Policy from the document readDocument read, or
// res.PolicyErr. A canned policy is not parsed: CloudFront built it from the
// request itself, and the resource is whatever URL the viewer sent.
func readPolicy(res *Result, canned time.Time) error {
	if res.Form == policy.FormCanned {
		res.Policy = policy.Policy{Resource: res.URL, Expires: canned}
		return nil
	}
	p, err := policy.Parse(res.PolicyJSON)
	if err != nil {
		res.PolicyErr = fmt.Errorf("%w: %w", ErrMalformedPolicy, err)
		return res.PolicyErr
	}
	res.Policy = p
	return nil
}

func verifySignature(pub crypto.PublicKey, h crypto.Hash, doc, sig []byte) error {
	var digest []byte
	if h == crypto.SHA256 {
		d := sha256.Sum256(doc)
		digest = d[:]
	} else {
		d := sha1.Sum(doc)
		digest = d[:]
	}
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if err := rsa.VerifyPKCS1v15(k, h, digest, sig); err != nil {
			return fmt.Errorf("%w: RSA %v signature does not verify over the policy", ErrBadSignature, h)
		}
	case *ecdsa.PublicKey:
		if !ecdsa.VerifyASN1(k, digest, sig) {
			return fmt.Errorf("%w: ECDSA %v signature does not verify over the policy", ErrBadSignature, h)
		}
	default:
		return fmt.Errorf("%w: key type %T", ErrUnknownKey, pub)
	}
	return nil
}

// verifierBase64 is CloudFront's base64 alphabet ('-' '~', '_' padding),
// decoding strictly. The Verifier keeps its own encoding value rather than
// calling the policy package's, so that it shares nothing with signing.
var verifierBase64 = base64.NewEncoding("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-~").WithPadding('_').Strict()

// cloudFrontBase64 decodes CloudFront's base64 strictly. encoding/base64
// skips CR and LF, which no CloudFront value holds: they are refused first.
func cloudFrontBase64(s string) ([]byte, error) {
	if strings.ContainsAny(s, "\r\n") {
		return nil, fmt.Errorf("%q has characters outside CloudFront's base64 alphabet", s)
	}
	b, err := verifierBase64.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%q is not CloudFront base64: %w", s, err)
	}
	return b, nil
}
