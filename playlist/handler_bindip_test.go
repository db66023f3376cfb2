package playlist_test

import (
	"bytes"
	"log"
	"net/http"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/playlist"
	"github.com/cfhls/cfhls/policy"
)

// TestHandlerBindViewerIP: with BindViewerIP, ServerSide credentials work
// from the viewer's address only (CloudFront-Viewer-Address, else the
// connection); a viewer whose address cannot go in a policy (IPv6) is
// refused, with the reason logged, rather than given unbound credentials.
func TestHandlerBindViewerIP(t *testing.T) {
	e := newEnv(t)
	viewerNet := policy.New(cdn+"/sample/*", clock.Add(time.Hour))
	viewerNet.SourceIP = netip.MustParsePrefix("198.51.100.0/24")
	netCreds, err := e.signer.Credentials(viewerNet)
	require.NoError(t, err)
	for _, tc := range []struct {
		name, remote, viewerAddress string
		carrier                     bool
		status                      int
		ip                          string // the minted policy's AWS:SourceIp
		log                         string
	}{
		{"CloudFront-Viewer-Address", "130.176.0.1:1", "198.51.100.7:53211", false, http.StatusOK, "198.51.100.7/32", ""},
		{"IPv4-mapped CloudFront-Viewer-Address", "130.176.0.1:1", "::ffff:198.51.100.7:53211", false, http.StatusOK, "198.51.100.7/32", ""},
		{"connection address without the header", "203.0.113.9:1", "", false, http.StatusOK, "203.0.113.9/32", ""},
		{"IPv6 viewer refused", "130.176.0.1:1", "2001:db8::7:53211", false, http.StatusForbidden, "", "2001:db8::7"},
		{"narrower than the viewer's own network", "130.176.0.1:1", "198.51.100.7:53211", true, http.StatusOK, "198.51.100.7/32", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logged bytes.Buffer
			h := serverSideHandler(e)
			h.ServerSide.BindViewerIP = true
			h.ErrorLog = log.New(&logged, "", 0)
			target := cdn + "/sample/master.m3u8"
			if tc.carrier {
				target += "?" + e.carrier.Encode(netCreds)
			} else {
				h.ServerSide.Viewer = playlist.Carried{}
			}
			w := getFrom(h, tc.remote, target, "X-Forwarded-Proto", "https", "CloudFront-Viewer-Address", tc.viewerAddress)
			require.Equal(t, tc.status, w.Code, w.Body.String())
			if tc.status != http.StatusOK {
				assert.Equal(t, "nosniff", w.Header().Get("X-Content-Type-Options"))
				assert.Contains(t, w.Body.String(), "IPv4 only")
				assert.Contains(t, logged.String(), tc.log)
				return
			}
			got := mintedPolicy(t, uriQuery(t, w.Body.String(), "low/index.m3u8"))
			assert.Equal(t, netip.MustParsePrefix(tc.ip), got.SourceIP)
			assert.Equal(t, cdn+"/sample/*", got.Resource)
		})
	}
	t.Run("no address at all", func(t *testing.T) {
		h := serverSideHandler(e)
		h.ServerSide.Viewer, h.ServerSide.BindViewerIP = playlist.Carried{}, true
		h.ClientIP = func(*http.Request) netip.Addr { return netip.Addr{} }
		w := get(h, "GET", cdn+"/sample/master.m3u8")
		assert.Equal(t, http.StatusForbidden, w.Code)
	})
	t.Run("off: any address", func(t *testing.T) {
		h := serverSideHandler(e)
		h.ServerSide.Viewer = playlist.Carried{}
		w := getFrom(h, "203.0.113.9:1", cdn+"/sample/master.m3u8", "X-Forwarded-Proto", "https")
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		assert.False(t, mintedPolicy(t, uriQuery(t, w.Body.String(), "low/index.m3u8")).SourceIP.IsValid())
	})
}
