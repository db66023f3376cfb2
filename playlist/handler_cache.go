package playlist

import (
	"strconv"
	"strings"
)

// cacheControl is the Cache-Control of a rewritten playlist: CacheControl,
// or "private, no-cache" when it is empty; for a live media playlist, with
// its freshness capped to half the target duration (see capMaxAge).
func (h *Handler) cacheControl(info mediaInfo) string {
	cc := h.CacheControl
	if cc == "" {
		return "private, no-cache"
	}
	if !info.live {
		return cc
	}
	return capMaxAge(cc, info.target/2)
}

// capMaxAge lowers every max-age, s-maxage, stale-while-revalidate and
// stale-if-error directive of cc above limit seconds (or whose value is not
// a number) to limit, and leaves every other byte as it is: no cache may
// serve the playlist older than that, fresh or stale. A value with neither, and without no-cache or no-store,
// gets ", max-age=<limit>": a cache would otherwise choose its own lifetime
// (CloudFront its default TTL).
func capMaxAge(cc string, limit int64) string {
	var b strings.Builder
	fresh, revalidate := false, false
	rest := cc
	for {
		d, tail, more := cutDirective(rest)
		name, value, hasValue := strings.Cut(strings.TrimSpace(d), "=")
		name = strings.ToLower(strings.TrimSpace(name))
		switch {
		case name == "max-age" || name == "s-maxage" || name == "stale-while-revalidate" || name == "stale-if-error":
			fresh = fresh || name == "max-age" || name == "s-maxage"
			n, err := strconv.ParseInt(strings.Trim(strings.TrimSpace(value), `"`), 10, 64)
			if !hasValue || err != nil || n > limit {
				lead := d[:len(d)-len(strings.TrimLeft(d, " \t"))]
				trail := d[len(strings.TrimRight(d, " \t")):]
				d = lead + name + "=" + strconv.FormatInt(limit, 10) + trail
			}
		case name == "no-store" || name == "no-cache" && !hasValue:
			revalidate = true
		}
		b.WriteString(d)
		if !more {
			break
		}
		b.WriteByte(',')
		rest = tail
	}
	if !fresh && !revalidate {
		b.WriteString(", max-age=" + strconv.FormatInt(limit, 10))
	}
	return b.String()
}

// cutDirective cuts s at its first ',' outside a quoted string: the
// directive before it, what follows, and whether there was a ','.
func cutDirective(s string) (d, rest string, found bool) {
	quoted := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && quoted:
			i++
		case c == '"':
			quoted = !quoted
		case c == ',' && !quoted:
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}
