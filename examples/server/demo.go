package main

import (
	"encoding/json"
	"net/http"

	"github.com/cfhls/cfhls/policy"
)

// The page server's demo endpoints, which exist only to show the flow on
// the player page; a real deployment has none of them:
//
//	GET  /events          the timeline (events.go)
//	GET  /demo/clock      the demo clock; POST advance=7h or reset=1 moves it (clock.go)
//	GET  /demo/policy     the decoded policy of the credentials in use
//	GET  /demo/variants   a presentation's variants, named (variants.go)

// demoRoutes adds the demo endpoints to mux: origin is the CDN's origin,
// which /demo/variants reads in process.
func (st *stack) demoRoutes(mux *http.ServeMux, origin http.Handler) {
	mux.Handle("GET /events", st.events)
	clock := clockHandler(st.clock, st.events)
	mux.Handle("GET /demo/clock", clock)
	mux.Handle("POST /demo/clock", clock)
	mux.HandleFunc("GET /demo/policy", servePolicy)
	mux.Handle("GET /demo/variants", variantsHandler(origin))
}

// policyView is a decoded policy as the page shows it.
type policyView struct {
	Source    string `json:"source"`              // where it was read: "url" (?policy=) or "cookies" (CloudFront-Policy)
	Resource  string `json:"resource"`            // the URL or wildcard pattern it covers
	Expires   int64  `json:"expires"`             // DateLessThan, Unix seconds
	NotBefore int64  `json:"notBefore,omitempty"` // DateGreaterThan, Unix seconds, when set
	SourceIP  string `json:"sourceIP,omitempty"`  // AWS:SourceIp, when set
}

// servePolicy decodes a policy: the value of ?policy= (a Policy parameter
// as it travels, CloudFront base64), or else the request's
// CloudFront-Policy cookie, which the page cannot read itself (HttpOnly).
// It only decodes: whether the signature verifies is the CDN's business.
func servePolicy(w http.ResponseWriter, r *http.Request) {
	view := policyView{Source: "url"}
	raw := r.URL.Query().Get("policy")
	if raw == "" {
		c, err := r.Cookie("CloudFront-Policy")
		if err != nil {
			http.Error(w, "policy: no ?policy= and no CloudFront-Policy cookie", http.StatusNotFound)
			return
		}
		raw, view.Source = c.Value, "cookies"
	}
	doc, err := policy.Decode(raw)
	if err != nil {
		http.Error(w, "policy: "+err.Error(), http.StatusBadRequest)
		return
	}
	p, err := policy.Parse(doc)
	if err != nil {
		http.Error(w, "policy: "+err.Error(), http.StatusBadRequest)
		return
	}
	view.Resource, view.Expires = p.Resource, p.Expires.Unix()
	if !p.NotBefore.IsZero() {
		view.NotBefore = p.NotBefore.Unix()
	}
	if p.SourceIP.IsValid() {
		view.SourceIP = p.SourceIP.String()
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(view)
}
