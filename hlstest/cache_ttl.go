package hlstest

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// directives is a parsed Cache-Control header.
type directives map[string]string

// parseCacheControl parses every Cache-Control value of h: directive names
// lower-cased, values unquoted. Malformed parts are skipped.
func parseCacheControl(h http.Header) directives {
	d := directives{}
	for _, v := range h.Values("Cache-Control") {
		for _, part := range strings.Split(v, ",") {
			name, value, _ := strings.Cut(strings.TrimSpace(part), "=")
			name = strings.ToLower(strings.TrimSpace(name))
			if name == "" {
				continue
			}
			if _, seen := d[name]; !seen {
				d[name] = strings.Trim(strings.TrimSpace(value), `"`)
			}
		}
	}
	return d
}

// seconds returns a delta-seconds directive's value, and whether it is
// present and valid.
func (d directives) seconds(name string) (time.Duration, bool) {
	v, ok := d[name]
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, false
	}
	if n > int64(100*365*24*time.Hour/time.Second) { // CloudFront's maximum is 100 years
		n = int64(100 * 365 * 24 * time.Hour / time.Second)
	}
	return time.Duration(n) * time.Second, true
}

// noCache reports whether the bare no-store, no-cache or private
// directives are present. no-cache="Set-Cookie" and private="..." name
// fields and do not count; no-store has no argument.
func (d directives) noCache() bool {
	_, noStore := d["no-store"]
	return noStore || (hasKey(d, "no-cache") && d["no-cache"] == "") || (hasKey(d, "private") && d["private"] == "")
}

func hasKey(d directives, k string) bool { _, ok := d[k]; return ok }

// clamp raises d to lo and lowers it to hi.
func clamp(d, lo, hi time.Duration) time.Duration { return min(max(d, lo), hi) }

// ttl returns how long an origin answer with this status and these headers
// stays cached; 0 means it is not stored.
func (p *CachePolicy) ttl(status int, h http.Header, now time.Time) time.Duration {
	d := parseCacheControl(h)
	age, hasAge := d.seconds("s-maxage")
	if !hasAge {
		age, hasAge = d.seconds("max-age")
	}
	switch status {
	case http.StatusOK, http.StatusMovedPermanently, http.StatusFound,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
	case http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusRequestURITooLong,
		http.StatusInternalServerError, http.StatusNotImplemented, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return p.errorTTL(d, age)
	case http.StatusBadRequest, http.StatusForbidden, http.StatusPreconditionFailed,
		http.StatusUnsupportedMediaType:
		if !hasAge {
			return 0
		}
		return p.errorTTL(d, age)
	default:
		return 0
	}
	switch {
	case d.noCache():
		return p.MinTTL
	case hasAge:
		return clamp(age, p.MinTTL, p.MaxTTL)
	case h.Get("Expires") != "":
		until := time.Duration(0) // an invalid date means already expired
		if t, err := http.ParseTime(h.Get("Expires")); err == nil {
			until = max(t.Sub(now), 0)
		}
		return clamp(until, p.MinTTL, p.MaxTTL)
	}
	return p.DefaultTTL
}

// errorTTL returns how long a cacheable error stays cached.
func (p *CachePolicy) errorTTL(d directives, age time.Duration) time.Duration {
	if p.ErrorTTL < 0 || d.noCache() {
		return 0
	}
	return max(p.ErrorTTL, age)
}
