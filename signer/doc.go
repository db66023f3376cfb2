// Package signer makes and checks CloudFront credentials: signed URLs, signed
// cookies, and the prefixed copies that carry credentials past CloudFront to an
// origin that rewrites playlists.
//
// Keys come from PEM in PKCS#1, PKCS#8 or SEC1 form ([ParsePrivateKey],
// [LoadPrivateKey]); CloudFront accepts RSA 2048 and ECDSA P-256 only, and so
// does this package. A [Signer] turns a policy.Policy into [Credentials]
// (cached, so one signature serves every viewer of the same policy), a signed
// URL ([Signer.SignURL]) or cookies ([Signer.Cookies]). A [Carrier] names the
// prefixed copies (the AWS blog's "Policy-PREFIX=…" convention) that survive
// CloudFront's stripping of its own parameters. A [Verifier] checks URLs and
// cookies exactly as CloudFront does and says why it refuses; it shares no code
// with the signing path, so a signer bug cannot hide behind a mirrored check.
// It keeps the signatures it verified (bounded, [Verifier.SetCacheSize]) by
// their exact bytes and key, so that the same credentials on every request
// of a session cost one RSA or ECDSA verification; expiry, start, address
// and resource are checked on every call.
package signer
