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
// any given more than once.
func rawFrom(params url.Values, src Source) (rawCredentials, error) {
	var vals [5]string
	for i, n := range []string{ParamKeyPairID, ParamSignature, ParamExpires, ParamPolicy, ParamHashAlgorithm} {
		vs := params[n]
		if len(vs) > 1 {
			return rawCredentials{}, fmt.Errorf("%w: %s %s given %d times", ErrMalformedPolicy, src, n, len(vs))
		}
		if len(vs) == 1 {
			vals[i] = vs[0]
		}
	}
	return rawCredentials{keyID: vals[0], sig: vals[1], expires: vals[2], policy: vals[3], hash: vals[4]}, nil
}

// check verifies raw as CloudFront would for res.URL, filling res as it goes.
func (v *Verifier) check(res *Result, raw rawCredentials, client netip.Addr, now time.Time) error {
	keyID, sig64, expires, pol64, hashName := raw.keyID, raw.sig, raw.expires, raw.policy, raw.hash
	if keyID == "" {
		return fmt.Errorf("%w: the credentials have no Key-Pair-Id", ErrMissingKeyPairID)
	}
	res.KeyPairID = keyID
	v.mu.RLock()
	pub, ok := v.keys[keyID]
	v.mu.RUnlock()
	if !ok {
		return fmt.Errorf("%w: Key-Pair-Id %q is not in the trusted key group", ErrUnknownKey, keyID)
	}
	switch hashName {
	case "", "SHA1":
		res.Hash = crypto.SHA1
	case "SHA256":
		res.Hash = crypto.SHA256
	default:
		return fmt.Errorf("%w: Hash-Algorithm %q is neither SHA1 nor SHA256", ErrMalformedPolicy, hashName)
	}
	switch {
	case expires != "" && pol64 != "":
		return fmt.Errorf("%w: both Expires and Policy are present", ErrMalformedPolicy)
	case pol64 != "":
		doc, err := cloudFrontBase64(pol64)
		if err != nil {
			return fmt.Errorf("%w: Policy: %w", ErrMalformedPolicy, err)
		}
		res.PolicyJSON = doc
		res.Form = policy.FormCustom
	case expires != "":
		n, err := strconv.ParseInt(expires, 10, 64)
		if err != nil || n <= 0 {
			return fmt.Errorf("%w: Expires %q is not Unix seconds", ErrMalformedPolicy, expires)
		}
		res.Form = policy.FormCanned
		res.PolicyJSON = []byte(`{"Statement":[{"Resource":"` + res.URL + `","Condition":{"DateLessThan":{"AWS:EpochTime":` + strconv.FormatInt(n, 10) + `}}}]}`)
	default:
		return fmt.Errorf("%w: neither Expires nor Policy is present", ErrMalformedPolicy)
	}
	if sig64 == "" {
		return fmt.Errorf("%w: no Signature", ErrBadSignature)
	}
	sig, err := cloudFrontBase64(sig64)
	if err != nil {
		return fmt.Errorf("%w: Signature: %w", ErrBadSignature, err)
	}
	if err := verifySignature(pub, res.Hash, res.PolicyJSON, sig); err != nil {
		return err
	}
	if res.Form == policy.FormCanned {
		// CloudFront built this policy from the request itself: nothing to
		// parse, and the resource is whatever URL the viewer sent.
		n, _ := strconv.ParseInt(expires, 10, 64)
		res.Policy = policy.Policy{Resource: res.URL, Expires: time.Unix(n, 0).UTC()}
	} else {
		p, err := policy.Parse(res.PolicyJSON)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrMalformedPolicy, err)
		}
		res.Policy = p
	}
	return res.Policy.Evaluate(res.URL, client, now)
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
