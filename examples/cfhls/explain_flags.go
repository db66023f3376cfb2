package main

import (
	"fmt"
	"net/http"
	"net/netip"
	"strings"
)

// addrValue is a flag holding an IP address.
type addrValue struct{ a netip.Addr }

func (v *addrValue) String() string {
	if v == nil || !v.a.IsValid() {
		return ""
	}
	return v.a.String()
}

func (v *addrValue) Set(s string) error {
	a, err := netip.ParseAddr(strings.TrimSpace(s))
	if err != nil {
		return fmt.Errorf("%q is not an IP address such as 192.0.2.7", s)
	}
	v.a = a.Unmap()
	return nil
}

// cookieList is a flag collecting cookies: a Cookie header value
// ("a=1; b=2", optionally starting "Cookie:"), or a "Set-Cookie: …" line as
// cfhls cookies prints them. It may be repeated.
type cookieList []*http.Cookie

func (l *cookieList) String() string {
	if l == nil {
		return ""
	}
	var parts []string
	for _, c := range *l {
		parts = append(parts, c.Name+"="+c.Value)
	}
	return strings.Join(parts, "; ")
}

func (l *cookieList) Set(s string) error {
	s = strings.TrimSpace(s)
	if len(s) >= len("Set-Cookie:") && strings.EqualFold(s[:len("Set-Cookie:")], "Set-Cookie:") {
		c, err := http.ParseSetCookie(strings.TrimSpace(s[len("Set-Cookie:"):]))
		if err != nil {
			return fmt.Errorf("%q: %v", s, err)
		}
		*l = append(*l, c)
		return nil
	}
	if len(s) >= len("Cookie:") && strings.EqualFold(s[:len("Cookie:")], "Cookie:") {
		s = strings.TrimSpace(s[len("Cookie:"):])
	}
	cs, err := http.ParseCookie(s)
	if err != nil {
		return fmt.Errorf("%q is not a Cookie header value such as 'CloudFront-Policy=…; CloudFront-Signature=…; CloudFront-Key-Pair-Id=…': %v", s, err)
	}
	*l = append(*l, cs...)
	return nil
}
