package policy

import "errors"

// Sentinel errors. Errors returned by this package wrap one of them, so callers
// branch with errors.Is.
var (
	// ErrInvalid reports a policy that CloudFront would not accept (see
	// Policy.Validate).
	ErrInvalid = errors.New("policy: invalid")
	// ErrMalformed reports policy JSON or base64 that cannot be read.
	ErrMalformed = errors.New("policy: malformed")
	// ErrExpired reports a request at or after the policy's DateLessThan.
	ErrExpired = errors.New("policy: expired")
	// ErrNotYetValid reports a request before the policy's DateGreaterThan.
	ErrNotYetValid = errors.New("policy: not yet valid")
	// ErrSourceIP reports a request from outside the policy's AWS:SourceIp.
	ErrSourceIP = errors.New("policy: source IP not allowed")
	// ErrResource reports a request URL that the policy's Resource does not match.
	ErrResource = errors.New("policy: resource does not match")
)
