package hlstest

import (
	"errors"

	"github.com/cfhls/cfhls/signer"
)

var (
	// ErrMethodNotAllowed reports a request with a method the behavior does
	// not allow: anything but GET and HEAD, and OPTIONS preflights on a
	// behavior without CORS.
	ErrMethodNotAllowed = errors.New("hlstest: method not allowed")
	// ErrNotPlaylist reports a playlist response that does not start with
	// #EXTM3U.
	ErrNotPlaylist = errors.New("hlstest: not a playlist")
)

// denial returns the Code and Message of CloudFront's 403 XML body for a
// refusal. CloudFront is known to say "Missing Key-Pair-Id query parameter or
// cookie value", "Unknown Key" and "Malformed Policy"; for every other
// verification failure (bad signature, expired, not yet valid, source IP,
// resource) it says "Access denied".
func denial(err error) (code, message string) {
	switch {
	case errors.Is(err, signer.ErrMissingKeyPairID):
		return "AccessDenied", "Missing Key-Pair-Id query parameter or cookie value"
	case errors.Is(err, signer.ErrUnknownKey):
		return "AccessDenied", "Unknown Key"
	case errors.Is(err, signer.ErrMalformedPolicy):
		return "AccessDenied", "Malformed Policy"
	case errors.Is(err, ErrMethodNotAllowed):
		return "MethodNotAllowed", "This distribution is not configured to allow the HTTP request method that was used for this request. The distribution supports only cachable requests."
	}
	return "AccessDenied", "Access denied"
}

// errorBody renders CloudFront's XML error body.
func errorBody(code, message string) string {
	return `<?xml version="1.0" encoding="UTF-8"?><Error><Code>` + code +
		`</Code><Message>` + message + `</Message></Error>`
}
