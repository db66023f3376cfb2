package hlstest_test

import (
	"fmt"
	"sync/atomic"
	"time"

	"github.com/cfhls/cfhls/hlstest"
	"github.com/cfhls/cfhls/policy"
	"github.com/cfhls/cfhls/signer"
)

// A cache policy on the playlists' behavior: the first request is a miss
// that reaches the origin, the next ones are answered from the cache, with
// their age, until the TTL runs out. An expired viewer is refused even
// though the answer is cached, and Stats counts what the origin served.
func ExampleCachePolicy() {
	var now atomic.Int64 // the simulator's clock, moved by hand
	start := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	now.Store(start.Unix())
	key := hlstest.ECDSAKey()
	cf := hlstest.NewUnstartedCloudFront(hlstest.NewS3Origin(hlstest.Presentation("movies/1")))
	cf.Keys = []hlstest.Key{key}
	cf.Now = func() time.Time { return time.Unix(now.Load(), 0) }
	cf.Behaviors = []hlstest.Behavior{{
		PathPattern: "*.m3u8",
		Cache:       &hlstest.CachePolicy{DefaultTTL: time.Minute},
	}}
	cf.Start()
	defer cf.Close()

	s, err := signer.New(key.ID, key.Private)
	if err != nil {
		panic(err)
	}
	master := cf.URL + "/movies/1/master.m3u8"
	viewer, err := s.SignURL(master, policy.New(cf.URL+"/movies/1/*", start.Add(time.Hour)))
	if err != nil {
		panic(err)
	}
	expired, err := s.SignURL(master, policy.New(cf.URL+"/movies/1/*", start.Add(10*time.Second)))
	if err != nil {
		panic(err)
	}
	for _, step := range []struct {
		after time.Duration
		url   string
	}{{0, viewer}, {20 * time.Second, viewer}, {30 * time.Second, expired}, {90 * time.Second, viewer}} {
		now.Store(start.Add(step.after).Unix())
		resp, err := cf.Client().Get(step.url)
		if err != nil {
			panic(err)
		}
		resp.Body.Close()
		fmt.Printf("%3s %d %s (Age %q)\n", step.after, resp.StatusCode, resp.Header.Get("X-Cache"), resp.Header.Get("Age"))
	}
	st := cf.Stats().Behaviors["*.m3u8"]
	fmt.Printf("origin requests %d, hits %d, refresh hits %d, refused %d\n", st.OriginRequests, st.Hits, st.RefreshHits, st.Refused)
	// Output:
	//  0s 200 Miss from cloudfront (Age "")
	// 20s 200 Hit from cloudfront (Age "20")
	// 30s 403 Error from cloudfront (Age "")
	// 1m30s 200 RefreshHit from cloudfront (Age "0")
	// origin requests 2, hits 1, refresh hits 1, refused 1
}
