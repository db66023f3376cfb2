package policy

import (
	"fmt"
	"net/netip"
	"time"
)

// maxEpoch is the last second of year 9999 (UTC). An expiry past it is almost
// always milliseconds passed where CloudFront wants seconds.
const maxEpoch = 253402300799

// Validate reports whether CloudFront would accept the policy. The error
// wraps [ErrInvalid] and names the field at fault.
func (p Policy) Validate() error {
	if err := validateResource(p.Resource); err != nil {
		return err
	}
	if p.Expires.IsZero() {
		return fmt.Errorf("%w: Expires (DateLessThan) is required", ErrInvalid)
	}
	if err := validateEpoch("Expires", p.Expires); err != nil {
		return err
	}
	if !p.NotBefore.IsZero() {
		if err := validateEpoch("NotBefore", p.NotBefore); err != nil {
			return err
		}
		if p.Expires.Unix() <= p.NotBefore.Unix() {
			return fmt.Errorf("%w: Expires %s is not after NotBefore %s",
				ErrInvalid, p.Expires.UTC().Format(time.RFC3339), p.NotBefore.UTC().Format(time.RFC3339))
		}
	}
	if err := validateSourceIP(p.SourceIP); err != nil {
		return err
	}
	return nil
}

func validateResource(r string) error {
	if r == "" {
		return fmt.Errorf("%w: Resource is empty", ErrInvalid)
	}
	for i := 0; i < len(r); i++ {
		c := r[i]
		switch {
		case c == ' ':
			return fmt.Errorf("%w: Resource has a space at byte %d: percent-encode it as %%20", ErrInvalid, i)
		case c < 0x20 || c == 0x7f:
			return fmt.Errorf("%w: Resource has control character %#02x at byte %d: percent-encode it", ErrInvalid, c, i)
		case c >= 0x80:
			return fmt.Errorf("%w: Resource has a non-ASCII byte at %d: percent-encode the path and use Punycode for the host", ErrInvalid, i)
		case c == '"' || c == '\\':
			return fmt.Errorf("%w: Resource has %q at byte %d: percent-encode it", ErrInvalid, c, i)
		}
	}
	return nil
}

func validateEpoch(field string, t time.Time) error {
	s := t.Unix()
	if s <= 0 {
		return fmt.Errorf("%w: %s %d is not after 1970-01-01", ErrInvalid, field, s)
	}
	if s > maxEpoch {
		return fmt.Errorf("%w: %s %d is beyond year 9999: milliseconds passed as seconds? CloudFront wants Unix seconds", ErrInvalid, field, s)
	}
	return nil
}

func validateSourceIP(p netip.Prefix) error {
	if p == (netip.Prefix{}) {
		return nil
	}
	if !p.IsValid() {
		return fmt.Errorf("%w: SourceIP %s is not a valid CIDR block", ErrInvalid, p)
	}
	if !p.Addr().Is4() {
		return fmt.Errorf("%w: SourceIP %s is not IPv4: CloudFront's AWS:SourceIp takes IPv4 CIDR only", ErrInvalid, p)
	}
	if p.Masked() != p {
		return fmt.Errorf("%w: SourceIP %s has host bits set: did you mean %s?", ErrInvalid, p, p.Masked())
	}
	return nil
}
