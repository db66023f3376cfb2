package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"sync"

	"github.com/cfhls/cfhls/signer"
)

// The demo login: POST /login starts a session for a demo viewer. A real
// deployment checks its own sessions and entitlements in Authorize.

const sessionCookie = "cfhls_demo_session"

var sessions sync.Map // token → true

func login(w http.ResponseWriter, r *http.Request) {
	token, err := newSession()
	if err != nil {
		http.Error(w, "no randomness", http.StatusInternalServerError)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
	w.Header().Set("Cache-Control", "no-store")
	// 200 with a body rather than 204: Chromium reports a fetch answered
	// 204 as a failed (aborted) request in its developer tools.
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"user":"demo"}` + "\n"))
}

// newSession starts a demo session and returns its token, the value of the
// session cookie.
func newSession() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	token := hex.EncodeToString(b)
	sessions.Store(token, true)
	return token, nil
}

func checkSession(r *http.Request) error {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return errors.New("not logged in")
	}
	if _, ok := sessions.Load(c.Value); !ok {
		return errors.New("unknown session")
	}
	return nil
}

// authorize lets every logged-in demo viewer watch every presentation.
func authorize(r *http.Request, id string) (signer.Grant, error) {
	if err := checkSession(r); err != nil {
		return signer.Grant{}, errors.Join(signer.ErrNotAuthorized, err)
	}
	return signer.Grant{}, nil
}
