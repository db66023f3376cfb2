package hlstest

import (
	"crypto"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/policy"
)

// panicMessage calls f and returns what it panicked with, formatted with %v,
// and whether it panicked.
func panicMessage(f func()) (msg string, panicked bool) {
	defer func() {
		if r := recover(); r != nil {
			msg, panicked = fmt.Sprint(r), true
		}
	}()
	f()
	return "", false
}

// TestNewCloudFrontIsUnstartedPlusStart: NewCloudFront(origin, keys...) and
// NewUnstartedCloudFront(origin) with Keys set, then Start, make simulators
// that answer every request alike and log the same decisions.
func TestNewCloudFrontIsUnstartedPlusStart(t *testing.T) {
	origin := NewS3Origin(Presentation("movies/1"))
	keys := []Key{RSAKey(), ECDSAKey()}
	started := NewCloudFront(origin, keys...)
	t.Cleanup(started.Close)
	unstarted := NewUnstartedCloudFront(origin)
	unstarted.Keys = keys
	unstarted.Start()
	t.Cleanup(unstarted.Close)

	assert.Equal(t, unstarted.Keys, started.Keys)
	assert.Nil(t, started.Behaviors)
	assert.Empty(t, started.Domain)
	assert.Nil(t, started.Now)
	untrusted := NewECDSAKey("K2UNTRUSTED01")
	for _, tc := range []struct {
		name     string
		key      *Key // signs the URL; nil: unsigned
		status   int
		decision Decision
	}{
		{name: "unsigned", status: http.StatusForbidden, decision: DecisionRefused},
		{name: "signed by the RSA key", key: &keys[0], status: http.StatusOK, decision: DecisionAllowed},
		{name: "signed by the ECDSA key", key: &keys[1], status: http.StatusOK, decision: DecisionAllowed},
		{name: "signed by an untrusted key", key: &untrusted, status: http.StatusForbidden, decision: DecisionRefused},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var bodies []string
			for _, cf := range []*CloudFront{started, unstarted} {
				u := cf.URL + "/movies/1/master.m3u8"
				if tc.key != nil {
					s := newSigner(t, *tc.key, crypto.SHA256)
					u = mustSignURL(t, s, u, policy.New(cf.URL+"/movies/1/*", time.Now().Add(time.Hour)))
				}
				resp, body := get(t, cf.Client(), u)
				assert.Equal(t, tc.status, resp.StatusCode, body)
				e := lastEntry(t, cf)
				assert.Equal(t, tc.decision, e.Decision, e.String())
				bodies = append(bodies, body)
			}
			assert.Equal(t, bodies[0], bodies[1])
		})
	}
}

// TestStartPanics: Start refuses a configuration that cannot work with a
// panic naming the field, as httptest.Server.Start does when it cannot
// start.
func TestStartPanics(t *testing.T) {
	origin := http.NotFoundHandler()
	for _, tc := range []struct {
		name   string
		origin http.Handler
		set    func(cf *CloudFront)
		want   string // the message, or its start
	}{
		{name: "no origin", set: func(*CloudFront) {},
			want: "hlstest: CloudFront.Default has no Origin, and CloudFront.Origin is nil"},
		{name: "behavior without origin", set: func(cf *CloudFront) {
			cf.Default.Origin = origin
			cf.Behaviors = []Behavior{{PathPattern: "*.ts"}}
		}, want: `hlstest: CloudFront.Behaviors[0] ("*.ts") has no Origin, and CloudFront.Origin is nil`},
		{name: "behavior without pattern", origin: origin, set: func(cf *CloudFront) {
			cf.Behaviors = []Behavior{{PathPattern: "*.m3u8"}, {Public: true}}
		}, want: "hlstest: CloudFront.Behaviors[1] has no PathPattern"},
		{name: "public key that is not a key", origin: origin, set: func(cf *CloudFront) {
			cf.Keys = []Key{RSAKey(), {ID: "K1", Public: "not a key"}}
		}, want: `hlstest: CloudFront.Keys[1] (ID "K1"): `},
		{name: "key without public key", origin: origin, set: func(cf *CloudFront) {
			cf.Keys = []Key{{ID: "K1", Private: ECDSAKey().Private}}
		}, want: `hlstest: CloudFront.Keys[0] (ID "K1"): `},
		{name: "bad key ID", origin: origin, set: func(cf *CloudFront) {
			cf.Keys = []Key{{ID: "K 1", Public: ECDSAKey().Public}}
		}, want: `hlstest: CloudFront.Keys[0] (ID "K 1"): `},
		{name: "domain with scheme", origin: origin, set: func(cf *CloudFront) { cf.Domain = "https://d.cloudfront.net" },
			want: `hlstest: CloudFront.Domain: "https://d.cloudfront.net" is not a host name (no scheme, port or path)`},
		{name: "domain with port", origin: origin, set: func(cf *CloudFront) { cf.Domain = "d.cloudfront.net:443" },
			want: `hlstest: CloudFront.Domain: "d.cloudfront.net:443" is not a host name (no scheme, port or path)`},
		{name: "domain with path", origin: origin, set: func(cf *CloudFront) { cf.Domain = "d.cloudfront.net/movies" },
			want: `hlstest: CloudFront.Domain: "d.cloudfront.net/movies" is not a host name (no scheme, port or path)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cf := NewUnstartedCloudFront(tc.origin)
			tc.set(cf)
			msg, panicked := panicMessage(cf.Start)
			require.True(t, panicked, "Start did not panic")
			assert.True(t, strings.HasPrefix(msg, tc.want), "got  %q\nwant %q...", msg, tc.want)
			assert.Empty(t, cf.URL, "a simulator that did not start has no URL")
			assert.NotPanics(t, cf.Close)
		})
	}
}

// TestStartTwicePanics: like httptest.Server.Start, a second Start panics.
func TestStartTwicePanics(t *testing.T) {
	for _, tc := range []struct {
		name  string
		start func() *CloudFront
	}{
		{"NewCloudFront", func() *CloudFront { return NewCloudFront(http.NotFoundHandler()) }},
		{"NewUnstartedCloudFront and Start", func() *CloudFront {
			cf := NewUnstartedCloudFront(http.NotFoundHandler())
			cf.Start()
			return cf
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cf := tc.start()
			t.Cleanup(cf.Close)
			assert.PanicsWithValue(t, "hlstest: CloudFront already started", cf.Start)
		})
	}
}

// TestUnstartedCloudFront: before Start there is no URL, certificate or
// client, and Close closes the Listener it was given.
func TestUnstartedCloudFront(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	cf := NewUnstartedCloudFront(http.NotFoundHandler())
	cf.Listener = l
	assert.Empty(t, cf.URL)
	assert.Nil(t, cf.Certificate())
	assert.Empty(t, cf.Log())
	assert.PanicsWithValue(t, "hlstest: CloudFront.Client or ClientFrom called before Start", func() { cf.Client() })
	cf.Close()
	_, err = l.Accept()
	assert.ErrorIs(t, err, net.ErrClosed, "Close closes the Listener of a simulator never started")
}

// TestFieldsAreReadByStart: changing the fields of a started simulator
// changes nothing.
func TestFieldsAreReadByStart(t *testing.T) {
	cf := NewCloudFront(NewS3Origin(Presentation("movies/1")))
	t.Cleanup(cf.Close)
	cf.Default.Public = true
	cf.Now = func() time.Time { return t0 }
	resp, _ := get(t, cf.Client(), cf.URL+"/movies/1/master.m3u8")
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, "Default changed after Start")
	assert.WithinDuration(t, time.Now(), lastEntry(t, cf).Time, time.Minute, "Now changed after Start")
}

// TestListenerObserveAndLogLimit: the simulator serves on the Listener it is
// given, calls Observe for every request and keeps LogLimit entries.
func TestListenerObserveAndLogLimit(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var mu sync.Mutex
	var seen []Entry
	cf := NewUnstartedCloudFront(NewS3Origin(fstest.MapFS{"a.txt": {Data: []byte("a")}}))
	cf.Listener = l
	cf.Default.Public = true
	cf.Observe = func(e Entry) { mu.Lock(); seen = append(seen, e); mu.Unlock() }
	cf.LogLimit = 3
	cf.Start()
	defer cf.Close()
	assert.Equal(t, "http://"+l.Addr().String(), cf.URL, "the simulator serves on the given listener")

	for range 7 {
		resp, err := cf.Client().Get(cf.URL + "/a.txt")
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		assert.Equal(t, http.StatusOK, resp.StatusCode)
	}
	mu.Lock()
	assert.Len(t, seen, 7, "Observe sees every request")
	mu.Unlock()
	assert.Len(t, cf.Log(), 3, "the log keeps the newest 3")
}

func TestCloudFrontCloseWaitsForRequests(t *testing.T) {
	entered := make(chan struct{})
	release := make(chan struct{})
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
		_, _ = io.WriteString(w, "done")
	})
	cf := NewUnstartedCloudFront(slow)
	cf.Default.Public = true
	cf.Start()
	got := make(chan string, 1)
	go func() {
		resp, err := cf.Client().Get(cf.URL + "/slow")
		if err != nil {
			got <- err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got <- string(b)
	}()
	<-entered
	closed := make(chan struct{})
	go func() {
		cf.Close()
		close(closed)
	}()
	select {
	case <-closed:
		t.Fatal("Close returned while a request was in flight")
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return after the request completed")
	}
	assert.Equal(t, "done", <-got)
	require.Len(t, cf.Log(), 1, "the log stays readable after Close")
	assert.Equal(t, http.StatusOK, cf.Log()[0].Status)
}
