package hlstest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// newClientLocked builds a client whose transport reaches the simulator for
// its domain, trusts its certificate, and, when ip is valid, registers each
// connection it makes to the simulator so the simulator sees ip as the
// client address. cf.mu is held.
func (cf *CloudFront) newClientLocked(ip netip.Addr) *http.Client {
	if cf.srv == nil {
		panic("hlstest: CloudFront.Client or ClientFrom called before Start")
	}
	tr := &http.Transport{
		Proxy:               nil,
		MaxIdleConnsPerHost: 8,
		IdleConnTimeout:     30 * time.Second,
	}
	if cert := cf.srv.Certificate(); cert != nil {
		pool := x509.NewCertPool()
		pool.AddCert(cert)
		tr.TLSClientConfig = &tls.Config{RootCAs: pool}
	}
	var d net.Dialer
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if host, _, err := net.SplitHostPort(addr); err == nil && cf.host != "" && strings.EqualFold(host, cf.host) {
			addr = cf.addr
		}
		c, err := d.DialContext(ctx, network, addr)
		if err != nil || addr != cf.addr || !ip.IsValid() {
			return c, err
		}
		key := c.LocalAddr().String()
		cf.clientIPs.Store(key, ip)
		return &registeredConn{Conn: c, forget: func() { cf.clientIPs.CompareAndDelete(key, ip) }}, nil
	}
	cf.transports = append(cf.transports, tr)
	return &http.Client{Transport: tr}
}

// registeredConn forgets its client-IP registration when closed.
type registeredConn struct {
	net.Conn
	once   sync.Once
	forget func()
}

// Close forgets the registration once and closes the connection.
func (c *registeredConn) Close() error {
	c.once.Do(c.forget)
	return c.Conn.Close()
}

// checkDomain accepts a DNS host name: dot-separated labels of letters,
// digits and hyphens.
func checkDomain(name string) error {
	if name == "" || len(name) > 253 {
		return fmt.Errorf("%q is not a host name", name)
	}
	for _, label := range strings.Split(name, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return fmt.Errorf("%q is not a host name (no scheme, port or path)", name)
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return fmt.Errorf("%q is not a host name (no scheme, port or path)", name)
			}
		}
	}
	return nil
}

// selfSignedCert returns a TLS configuration with a self-signed ECDSA P-256
// certificate for name and the loopback addresses, valid from 2000 to 2100
// so that an injected clock does not matter.
func selfSignedCert(name string) (*tls.Config, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generating certificate key: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{Organization: []string{"hlstest"}, CommonName: name},
		NotBefore:             time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:              time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{name},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("creating certificate: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}, nil
}
