package hlstest

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"time"

	"github.com/cfhls/cfhls/signer"
)

// Start starts a simulator from NewUnstartedCloudFront, reading its fields.
//
// Like httptest.Server.Start, it panics when the simulator was already
// started, and when it cannot start: when a key in Keys is not one
// CloudFront accepts, when Domain is not a host name (no scheme, port or
// path), when a behavior in Behaviors has no PathPattern, or when Default
// or a behavior in Behaviors has no Origin and Origin is nil, or when a
// behavior's Cache policy does not validate (CachePolicy.Validate). The
// panic message names the field, such as "CloudFront.Behaviors[1]".
func (cf *CloudFront) Start() {
	if cf.srv != nil {
		panic("hlstest: CloudFront already started")
	}
	if err := cf.configure(); err != nil {
		panic("hlstest: " + err.Error())
	}
	var cert *tls.Config
	if cf.host != "" {
		var err error
		if cert, err = selfSignedCert(cf.host); err != nil {
			panic(fmt.Sprintf("hlstest: CloudFront.Domain: %v", err))
		}
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(cf.serve))
	if cf.Listener != nil {
		_ = srv.Listener.Close()
		srv.Listener = cf.Listener
	}
	srv.Config.ErrorLog = log.New(quietTLS{os.Stderr}, "", log.LstdFlags)
	applyLimits(srv.Config, cf.limits)
	if cert != nil {
		srv.TLS = cert
		srv.StartTLS()
		cf.URL = "https://" + cf.host
	} else {
		srv.Start()
		cf.URL = srv.URL
	}
	cf.addr = srv.Listener.Addr().String()
	cf.srv = srv
}

// configure checks the exported fields and sets what the running simulator
// reads from them. The errors name the field at fault.
func (cf *CloudFront) configure() error {
	verifier := signer.NewVerifier()
	for i, k := range cf.Keys {
		if err := verifier.AddKey(k.ID, k.Public); err != nil {
			return fmt.Errorf("CloudFront.Keys[%d] (ID %q): %w", i, k.ID, err)
		}
	}
	host := strings.ToLower(cf.Domain)
	if host != "" {
		if err := checkDomain(host); err != nil {
			return fmt.Errorf("CloudFront.Domain: %w", err)
		}
	}
	fallback := cf.Default
	fallback.PathPattern = DefaultPathPattern
	if fallback.Origin == nil {
		fallback.Origin = cf.Origin
	}
	if fallback.Origin == nil {
		return errors.New("CloudFront.Default has no Origin, and CloudFront.Origin is nil")
	}
	if err := fallback.prepare(); err != nil {
		return fmt.Errorf("CloudFront.Default.Cache: %w", err)
	}
	routes := make([]Behavior, 0, len(cf.Behaviors))
	for i, b := range cf.Behaviors {
		if b.PathPattern == "" {
			return fmt.Errorf("CloudFront.Behaviors[%d] has no PathPattern", i)
		}
		if b.Origin == nil {
			b.Origin = cf.Origin
		}
		if b.Origin == nil {
			return fmt.Errorf("CloudFront.Behaviors[%d] (%q) has no Origin, and CloudFront.Origin is nil", i, b.PathPattern)
		}
		if err := b.prepare(); err != nil {
			return fmt.Errorf("CloudFront.Behaviors[%d] (%q).Cache: %w", i, b.PathPattern, err)
		}
		routes = append(routes, b)
	}
	clock := cf.Now
	if clock == nil {
		clock = time.Now
	}

	cf.verifier, cf.host, cf.fallback, cf.routes, cf.clock = verifier, host, fallback, routes, clock
	cf.log.limit, cf.log.observe = cf.LogLimit, cf.Observe
	cf.cache.init(cf.CacheSize)
	return nil
}
