package main

import (
	"regexp"
	"strings"
)

// credParam matches a credential parameter in a URL's query, CloudFront's
// own or a carried copy (Policy-PREFIX=…, Signature-PREFIX=…), with its
// value.
var credParam = regexp.MustCompile(`[?&](?:Policy|Signature)[-A-Za-z0-9._~]*=[^&#\s"'<>]+`)

// shortKeep is how much of a credential value shortURLs keeps.
const shortKeep = 10

// shortURLs shortens the values of the credential parameters (Policy,
// Signature and their carried copies) of every URL in s, keeping their
// names: "…?Policy=eyJTdGF0ZW…&Signature=g0KfYhEOde…&Key-Pair-Id=K2JC…".
// A policy or signature runs to hundreds of characters, and a URL with the
// carried copies too would drown the message it is in.
func shortURLs(s string) string {
	return credParam.ReplaceAllStringFunc(s, func(m string) string {
		name, value, _ := strings.Cut(m, "=")
		n := 0
		for i := range value {
			if n == shortKeep {
				if len(value)-i <= len("…") {
					return m // nothing saved
				}
				return name + "=" + value[:i] + "…"
			}
			n++
		}
		return m
	})
}
