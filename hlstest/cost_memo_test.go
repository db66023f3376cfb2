package hlstest_test

import (
	"net/http"
	"strconv"
	"time"
)

// Segment requests that provably get the answer an earlier one got are
// counted without being sent: the one reduction of the cost model, which
// lets N = 1,000 run in minutes (CFHLS_COST_EXACT=1 sends every request,
// and TestCost/shortcuts_change_nothing compares both ways at a small N).
//
// The simulator decides a segment request from its URL, its cookies, the
// client's address and the clock: credentials checked, then the cache. A
// request byte for byte the same as one answered "Hit from cloudfront"
// (same URL with the same credentials, same Cookie header) is answered the
// same way, with the same body and no origin request, as long as
//   - the credentials still verify: same bytes, so same signature and
//     policy; the policy has no AWS:SourceIp (the viewers' addresses differ)
//     and no DateGreaterThan, and the clock is before its DateLessThan;
//   - the cached answer is still fresh: it was stored Age seconds before
//     that hit for CachingOptimized's default TTL, 24 h (S3 sends no
//     Cache-Control; the live origin sends max-age=86400), and nothing is
//     evicted (CloudFront.CacheSize is 1 GiB, far above what is stored).
// Such a request is counted as a CloudFront request, a cache hit and the
// same bytes to the viewer.

type costMemo struct {
	code  int
	n     int64
	until time.Time
}

// segmentGet fetches a segment, or counts it from the memo.
func (s *costSim) segmentGet(v *costViewer, rawURL string) int {
	key := rawURL + "\x00" + v.cookie
	if m, ok := s.memo[key]; ok && s.st.clock.t.Before(m.until) {
		s.memoHits++
		s.viewerBytes += m.n
		return m.code
	}
	code, _ := s.get(v, rawURL, false)
	if s.exact || code != http.StatusOK || s.sink.h.Get("X-Cache") != "Hit from cloudfront" {
		return code
	}
	age, err := strconv.Atoi(s.sink.h.Get("Age"))
	if err != nil {
		return code
	}
	r, err := costRequest(rawURL, v.addr, v.cookie)
	if err != nil {
		return code
	}
	res, err := s.st.verifier.VerifyRequest(r, s.st.clock.t)
	p := res.Policy
	if err != nil || p.SourceIP.IsValid() || !p.NotBefore.IsZero() {
		return code
	}
	until := s.st.clock.t.Add(-time.Duration(age) * time.Second).Add(costOptimized.DefaultTTL)
	if p.Expires.Before(until) {
		until = p.Expires
	}
	if s.memo == nil {
		s.memo = map[string]costMemo{}
	}
	s.memo[key] = costMemo{code: code, n: s.sink.n, until: until}
	return code
}
