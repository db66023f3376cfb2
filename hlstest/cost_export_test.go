package hlstest

import "net/http"

// ServeInProcess answers one viewer request as a started simulator would,
// without a socket: the cost model (cost_test.go) drives hundreds of
// thousands of requests per simulated design through it on a fake clock.
// The request must look like one a server received: RequestURI and Host
// set, TLS non-nil for https, RemoteAddr the viewer's address.
func (cf *CloudFront) ServeInProcess(w http.ResponseWriter, r *http.Request) {
	cf.serve(w, r)
}
