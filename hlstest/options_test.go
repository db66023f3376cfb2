package hlstest

import (
	"net"
	"net/http"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWithListenerObserverAndLogLimit(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var mu sync.Mutex
	var seen []Entry
	cf := NewCloudFront(NewS3Origin(fstest.MapFS{"a.txt": {Data: []byte("a")}}),
		WithListener(l),
		WithDefaultBehavior(Behavior{Public: true}),
		WithObserver(func(e Entry) { mu.Lock(); seen = append(seen, e); mu.Unlock() }),
		WithLogLimit(3))
	defer cf.Close()
	assert.Equal(t, "http://"+l.Addr().String(), cf.URL, "the simulator serves on the given listener")

	for range 7 {
		resp, err := cf.Client().Get(cf.URL + "/a.txt")
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		assert.Equal(t, http.StatusOK, resp.StatusCode)
	}
	mu.Lock()
	assert.Len(t, seen, 7, "the observer sees every request")
	mu.Unlock()
	assert.Len(t, cf.Log(), 3, "the log keeps the newest 3")
}
