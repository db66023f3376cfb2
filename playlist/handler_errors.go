package playlist

import (
	"errors"
	"log"
	"net/http"
	"strconv"
	"strings"

	"github.com/cfhls/cfhls/policy"
	"github.com/cfhls/cfhls/signer"
)

// refusals maps the causes of a 403 to what the answer says. The texts are
// fixed: a refusal never reflects what the viewer sent (a Key-Pair-Id, a
// policy, a path); the whole cause goes to the ErrorLog. The first match
// wins.
var refusals = []struct {
	err error
	msg string
}{
	{errNoCarried, errNoCarried.Error()},
	{errCanned, "credentials refused: canned policy; sign a wildcard custom policy"},
	{errUnbindable, "credentials refused: the viewer's address cannot be bound to credentials (CloudFront policies take IPv4 only)"},
	{signer.ErrUnknownKey, "credentials refused: unknown key"},
	{signer.ErrMalformedPolicy, "credentials refused: malformed policy"},
	{policy.ErrMalformed, "credentials refused: malformed policy"},
	{signer.ErrBadSignature, "credentials refused: bad signature"},
	{signer.ErrExpired, "credentials refused: expired"},
	{signer.ErrNotYetValid, "credentials refused: not yet valid"},
	{signer.ErrSourceIP, "credentials refused: source IP not allowed"},
	{signer.ErrResource, "credentials refused: resource does not match"},
}

// refusal returns the fixed text of a 403 for err.
func (h *Handler) refusal(err error) string {
	if errors.Is(err, signer.ErrMissingKeyPairID) {
		// The carried name is the Handler's own configuration, not input.
		name := signer.ParamKeyPairID
		if c := h.carrier(); c != nil {
			name = c.Name(name)
		}
		return "credentials refused: " + name + " is missing"
	}
	for _, r := range refusals {
		if errors.Is(err, r.err) {
			return r.msg
		}
	}
	return "credentials refused"
}

// failCredentials answers a credential failure: 404 for a playlist outside
// every scope, 500 for a failure of the Signer, 403 otherwise.
func (h *Handler) failCredentials(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, errNoScope):
		h.fail(w, http.StatusNotFound, "not found", err)
	case errors.Is(err, errSigning):
		h.fail(w, http.StatusInternalServerError, "signing failed", err)
	default:
		// The refusal is a fixed summary of err, which says the same in
		// full: log err alone, so that each reason appears once.
		logCause(h.ErrorLog, http.StatusForbidden, "", err)
		h.fail(w, http.StatusForbidden, h.refusal(err), nil)
	}
}

func (h *Handler) fail(w http.ResponseWriter, status int, msg string, cause error) {
	writeError(w, h.ErrorLog, status, msg, cause)
}

// writeError answers status with msg, a fixed text that must hold no
// request input, as plain text that is never sniffed or cached, and logs
// cause (to logger, or the log package when nil) when there is one.
func writeError(w http.ResponseWriter, logger *log.Logger, status int, msg string, cause error) {
	if cause != nil {
		logCause(logger, status, msg, cause)
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "text/plain; charset=utf-8")
	hdr.Set("Content-Length", strconv.Itoa(len(msg)+1))
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(append([]byte(msg), '\n'))
}

// logCause logs why status was answered (to logger, or the log package when
// nil): msg, then cause, or cause alone when it already starts with msg
// (errNoCarried, errSigning) or msg is empty.
func logCause(logger *log.Logger, status int, msg string, cause error) {
	text := cause.Error()
	if msg != "" && !strings.HasPrefix(text, msg) {
		text = msg + ": " + text
	}
	if logger == nil {
		logger = log.Default()
	}
	logger.Printf("playlist: %d %s", status, text)
}
