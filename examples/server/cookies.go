package main

import (
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/cfhls/cfhls/signer"
)

// In cookies mode the CDN reads the credentials from CloudFront-* cookies,
// and playlists carry none, so no URL plays as is. What the demo prints
// instead: the cookies for each presentation, and an ffmpeg command that
// plays with them.

// playerCookies returns what plays presentation id in cookies mode: the
// CloudFront-* cookies the sign endpoint would set (the same key, scope and
// policy), and the cookie of a new demo session, which admits the player to
// the key server (cookies ignore ports, so it goes there too).
func (st *stack) playerCookies(id string) ([]*http.Cookie, error) {
	p, err := st.policy(st.scope(id))
	if err != nil {
		return nil, err
	}
	cookies, err := st.signer.Cookies(p, signer.CookieOptions{Insecure: true})
	if err != nil {
		return nil, err
	}
	token, err := newSession()
	if err != nil {
		return nil, err
	}
	return append(cookies, &http.Cookie{Name: sessionCookie, Value: token, Path: "/"}), nil
}

// ffmpegCookieLines formats cookies for ffmpeg's -cookies option: one
// "name=value; path=/" line per cookie. No domain: ffmpeg compares it with
// the host and port of each URL, so domain=127.0.0.1 would match nothing on
// 127.0.0.1:8081, and a cookie without one goes to every host.
func ffmpegCookieLines(cookies []*http.Cookie) string {
	var b strings.Builder
	for _, c := range cookies {
		fmt.Fprintf(&b, "%s=%s; path=/\n", c.Name, c.Value)
	}
	return b.String()
}

// ansiQuote quotes s for bash, zsh and ksh as $'…', which keeps newlines on
// one line as \n.
func ansiQuote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\n", `\n`)
	return "$'" + r.Replace(s) + "'"
}

// printCookies prints, for presentation id, the cookies that play it (as a
// Cookie header) and the ffmpeg command that plays its unsigned master
// playlist with them.
func printCookies(w io.Writer, st *stack, id, what string) error {
	cookies, err := st.playerCookies(id)
	if err != nil {
		return err
	}
	pairs := make([]string, len(cookies))
	for i, c := range cookies {
		pairs[i] = c.Name + "=" + c.Value
	}
	fmt.Fprintf(w, "%s: cookies, then an ffmpeg command (bash) that plays it with them:\n", what)
	fmt.Fprintf(w, "  Cookie: %s\n", strings.Join(pairs, "; "))
	fmt.Fprintf(w, "  ffmpeg -cookies %s -i %s -map 0 -c copy -f null -\n",
		ansiQuote(ffmpegCookieLines(cookies)), st.masterURL(id))
	return nil
}
