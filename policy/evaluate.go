package policy

import (
	"fmt"
	"net/netip"
	"time"
)

// Evaluate decides, as CloudFront does, whether the policy allows a request for
// requestURL (the URL the viewer asked for, scheme and host as sent, with its
// query but without CloudFront's signing parameters) from client at now.
//
// The request is refused at or after Expires ([ErrExpired]), before NotBefore
// ([ErrNotYetValid]), from outside SourceIP ([ErrSourceIP]; an invalid client
// address never matches a set SourceIP), or for a URL Resource does not match
// ([ErrResource]), checked in that order. It does not check signatures: see
// signer.Verifier.
func (p Policy) Evaluate(requestURL string, client netip.Addr, now time.Time) error {
	t := now.Unix()
	if t >= p.Expires.Unix() {
		return fmt.Errorf("%w: at %s (DateLessThan %s, %s ago)", ErrExpired,
			now.UTC().Format(time.RFC3339), p.Expires.UTC().Format(time.RFC3339), now.Sub(p.Expires).Round(time.Second))
	}
	if !p.NotBefore.IsZero() && t < p.NotBefore.Unix() {
		return fmt.Errorf("%w: at %s (DateGreaterThan %s, in %s)", ErrNotYetValid,
			now.UTC().Format(time.RFC3339), p.NotBefore.UTC().Format(time.RFC3339), p.NotBefore.Sub(now).Round(time.Second))
	}
	if p.SourceIP.IsValid() {
		a := client.Unmap()
		if !a.IsValid() || !p.SourceIP.Contains(a) {
			return fmt.Errorf("%w: client %s is outside %s", ErrSourceIP, client, p.SourceIP)
		}
	}
	if !Match(p.Resource, requestURL) {
		return fmt.Errorf("%w: %q does not match resource %q", ErrResource, requestURL, p.Resource)
	}
	return nil
}
