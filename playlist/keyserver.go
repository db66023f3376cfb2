package playlist

import (
	"errors"
	"fmt"
	"io/fs"
	"log"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cfhls/cfhls/signer"
)

// KeyServer serves HLS AES-128 keys to authorized viewers only, with
// Cache-Control: no-store, as Apple recommends for key delivery. Point
// EXT-X-KEY URIs at it with Handler.Keys.
//
// A key's name is the request's whole path without its leading '/': mount
// the server under a prefix with http.StripPrefix, and lay Keys out like the
// presentations ("movies/1/enc.key"), so that credentials for one title's
// path never reach another title's key.
//
// A viewer is admitted when Authorize accepts the request (a session cookie,
// say), or when the CloudFront credentials on the key URL (which Handler.Keys
// puts there) verify with Verifier against the URL Resource returns. There is
// no anonymous default: at least one of the two must be configured.
//
// Configuration: Keys is required, and Authorize or Verifier with Resource
// (or both); Verifier and Resource go together. Validate reports a
// configuration that cannot work (wrapping ErrConfig, naming the field):
// call it when building the KeyServer. ServeHTTP runs it once, at the first
// request; a KeyServer that fails it (one with neither Authorize nor
// Verifier and Resource, say, which would refuse every viewer) answers every
// request 500 without asking Authorize or reading Keys, and logs why to
// ErrorLog, on every request.
//
// It is safe for concurrent use once configured; set fields before the first
// request, and do not copy a KeyServer after its first request.
type KeyServer struct {
	// Keys holds the key files, by name (the request path without its
	// leading '/'). Required.
	Keys fs.FS
	// Authorize, when set, admits the viewer of r to the key named name by
	// returning nil. Required unless Verifier and Resource are set.
	Authorize func(r *http.Request, name string) error
	// Verifier, when set with Resource, admits a request whose credentials
	// verify. Required with Resource.
	Verifier *signer.Verifier
	// Resource returns the URL the credentials must cover for this request,
	// e.g. the CDN URL of the key beside its playlist, so that the same
	// credentials that unlock a presentation unlock its keys. Required with
	// Verifier.
	Resource func(r *http.Request) (string, error)
	// Now is the clock for Verifier; nil means time.Now.
	Now func() time.Time
	// ClientIP returns the viewer's address for the Verifier's IP check.
	// Nil means the connection's address: viewers reach the key server
	// directly, so no forwarding header is trusted.
	ClientIP func(r *http.Request) netip.Addr
	// AllowOrigins lists the origins allowed by CORS ("*" for any).
	AllowOrigins []string
	// ErrorLog receives refusals; nil uses the log package.
	ErrorLog *log.Logger

	checked sync.Once // Validate has run, at the first request
	invalid error     // what it said
}

// ServeHTTP answers GET, HEAD and CORS preflights. Every answer has
// Cache-Control: no-store and X-Content-Type-Options: nosniff; refusals are
// fixed texts that echo nothing from the request (the cause goes to
// ErrorLog). A KeyServer that fails Validate answers every request 500.
func (k *KeyServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if err := k.configErr(); err != nil {
		signer.AddCORSHeaders(w, r, k.AllowOrigins)
		writeError(w, k.ErrorLog, http.StatusInternalServerError, "key server misconfigured", err)
		return
	}
	if signer.ServeCORS(w, r, k.AllowOrigins) {
		return
	}
	name := strings.TrimPrefix(r.URL.Path, "/")
	if !fs.ValidPath(name) || signer.CheckID(name) != nil || k.Keys == nil {
		writeError(w, k.ErrorLog, http.StatusNotFound, "no such key", nil)
		return
	}
	if err := k.authorize(r, name); err != nil {
		writeError(w, k.ErrorLog, http.StatusForbidden, "not authorized for this key", fmt.Errorf("key %s: %w", name, err))
		return
	}
	key, err := fs.ReadFile(k.Keys, name)
	if err != nil {
		writeError(w, k.ErrorLog, http.StatusNotFound, "no such key", fmt.Errorf("key %s: %w", name, err))
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.Itoa(len(key)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(key)
	}
}

func (k *KeyServer) authorize(r *http.Request, name string) error {
	var errs []error
	if k.Authorize != nil {
		err := k.Authorize(r, name)
		if err == nil {
			return nil
		}
		errs = append(errs, err)
	}
	if k.Verifier != nil && k.Resource != nil {
		err := k.verify(r)
		if err == nil {
			return nil
		}
		errs = append(errs, err)
	}
	if len(errs) == 0 {
		// Validate rules this out; fail closed should a field change after
		// the first request.
		return errors.New("playlist.KeyServer: no admission check configured; refusing")
	}
	return errors.Join(errs...)
}

func (k *KeyServer) verify(r *http.Request) error {
	creds, err := signer.FromQuery(r.URL.Query())
	if err != nil {
		return err
	}
	res, err := k.Resource(r)
	if err != nil {
		return err
	}
	now := time.Now
	if k.Now != nil {
		now = k.Now
	}
	client := signer.RemoteIP(r)
	if k.ClientIP != nil {
		client = k.ClientIP(r)
	}
	_, err = k.Verifier.VerifyCredentials(res, creds, client, now())
	return err
}
