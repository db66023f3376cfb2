package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Parse reads a CloudFront policy document. Statement may be an array of
// exactly one statement or a single object; field names are matched exactly,
// as CloudFront does. Several statements, unknown fields or conditions, a
// missing Resource or DateLessThan, and trailing data are refused with an error
// wrapping [ErrMalformed]. The result is validated; a policy that parses but is
// invalid (say, an IPv6 source) wraps both ErrMalformed and [ErrInvalid].
func Parse(data []byte) (Policy, error) {
	var p Policy
	top, err := fields(data, "policy", "Statement")
	if err != nil {
		return p, err
	}
	raw, ok := top["Statement"]
	if !ok {
		return p, malformed("policy has no Statement")
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '[' {
		var list []json.RawMessage
		if err := json.Unmarshal(raw, &list); err != nil {
			return p, fmt.Errorf("%w: Statement: %w", ErrMalformed, err)
		}
		if len(list) != 1 {
			return p, malformed("Statement has %d statements; CloudFront takes exactly one", len(list))
		}
		raw = list[0]
	}
	st, err := fields(raw, "Statement", "Resource", "Condition")
	if err != nil {
		return p, err
	}
	if err := json.Unmarshal(st["Resource"], &p.Resource); err != nil || p.Resource == "" {
		return p, malformed("Statement has no Resource string")
	}
	cond, err := fields(st["Condition"], "Condition", "DateLessThan", "DateGreaterThan", "IpAddress")
	if err != nil {
		return p, err
	}
	if _, ok := cond["DateLessThan"]; !ok {
		return p, malformed("Condition has no DateLessThan")
	}
	if p.Expires, err = epoch(cond["DateLessThan"], "DateLessThan"); err != nil {
		return p, err
	}
	if raw, ok := cond["DateGreaterThan"]; ok {
		if p.NotBefore, err = epoch(raw, "DateGreaterThan"); err != nil {
			return p, err
		}
	}
	if raw, ok := cond["IpAddress"]; ok {
		if p.SourceIP, err = sourceIP(raw); err != nil {
			return p, err
		}
	}
	if err := p.Validate(); err != nil {
		return p, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return p, nil
}

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}

// fields decodes one JSON object, refusing keys outside allowed (exact case)
// and anything after the object.
func fields(data []byte, what string, allowed ...string) (map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var m map[string]json.RawMessage
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%w: %s is not a JSON object: %w", ErrMalformed, what, err)
	}
	if m == nil {
		return nil, malformed("%s is null", what)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, malformed("%s has data after the object", what)
	}
next:
	for k := range m {
		for _, a := range allowed {
			if k == a {
				continue next
			}
		}
		return nil, malformed("%s has unknown field %q (allowed: %s)", what, k, strings.Join(allowed, ", "))
	}
	return m, nil
}

func epoch(raw json.RawMessage, name string) (time.Time, error) {
	m, err := fields(raw, name, "AWS:EpochTime")
	if err != nil {
		return time.Time{}, err
	}
	n, ok := m["AWS:EpochTime"]
	if !ok {
		return time.Time{}, malformed("%s has no AWS:EpochTime", name)
	}
	s, err := strconv.ParseInt(string(bytes.TrimSpace(n)), 10, 64)
	if err != nil || s <= 0 {
		return time.Time{}, malformed("%s AWS:EpochTime %s is not a positive whole number of seconds", name, n)
	}
	return time.Unix(s, 0).UTC(), nil
}

func sourceIP(raw json.RawMessage) (netip.Prefix, error) {
	m, err := fields(raw, "IpAddress", "AWS:SourceIp")
	if err != nil {
		return netip.Prefix{}, err
	}
	var s string
	if err := json.Unmarshal(m["AWS:SourceIp"], &s); err != nil {
		return netip.Prefix{}, malformed("IpAddress has no AWS:SourceIp string")
	}
	if !strings.Contains(s, "/") {
		// A bare address means that one address.
		a, err := netip.ParseAddr(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("%w: AWS:SourceIp %q: %w", ErrMalformed, s, err)
		}
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, malformed("AWS:SourceIp %q: %v", s, err)
	}
	return p, nil
}
