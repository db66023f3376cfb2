package playlist

import "strings"

// defaultPort returns the port an http(s) scheme implies, or "".
func defaultPort(scheme string) string {
	switch strings.ToLower(scheme) {
	case "http":
		return "80"
	case "https":
		return "443"
	}
	return ""
}

// trimPort drops an empty port or the scheme's default port from host, so
// that "cdn", "cdn:" and "cdn:443" compare equal under https.
func trimPort[T string | []byte](host T, port string) T {
	n := len(host)
	if n > 0 && host[n-1] == ':' {
		return host[:n-1]
	}
	if port != "" && n > len(port) && host[n-len(port)-1] == ':' && string(host[n-len(port):]) == port {
		return host[:n-len(port)-1]
	}
	return host
}

// scopeHost is a scheme and host the default scope covers.
type scopeHost struct {
	scheme string
	port   string // the scheme's default port
	host   string // without the default port
}

func makeScopeHost(scheme, host string) scopeHost {
	port := defaultPort(scheme)
	return scopeHost{scheme: scheme, port: port, host: trimPort(host, port)}
}

// matchAbsolute reports whether an absolute URL's scheme and host are o's.
func (o *scopeHost) matchAbsolute(scheme, host []byte) bool {
	return o.host != "" && equalFold(scheme, o.scheme) && equalFold(trimPort(host, o.port), o.host)
}

// matchHost reports whether a network-path reference's host is o's (its
// scheme would be inherited).
func (o *scopeHost) matchHost(host []byte) bool {
	return o.host != "" && equalFold(trimPort(host, o.port), o.host)
}
