package hlstest

import "sync/atomic"

// BehaviorStats counts what one behavior did since the simulator started:
// the numbers a cost model needs (origin requests are what a Lambda origin
// is billed for; viewer requests, what CloudFront is billed for).
type BehaviorStats struct {
	// Requests counts viewer requests: every one, refused and preflight
	// included.
	Requests int64
	// Refused counts the requests CloudFront answered 403 itself.
	Refused int64
	// OriginRequests counts the requests the origin got: every allowed
	// request of a behavior without a cache; misses and revalidations of
	// one with a cache.
	OriginRequests int64
	// OriginBytes counts the body bytes the origins sent (none for HEAD or
	// 304).
	OriginBytes int64
	// Hits counts answers from the cache without asking the origin.
	Hits int64
	// RefreshHits counts expired answers the origin confirmed (304) and the
	// cache then served; each is also an origin request.
	RefreshHits int64
	// Misses counts requests a behavior with a cache passed to the origin
	// for a full answer.
	Misses int64
}

// add returns the sum of s and o.
func (s BehaviorStats) add(o BehaviorStats) BehaviorStats {
	return BehaviorStats{
		Requests: s.Requests + o.Requests, Refused: s.Refused + o.Refused,
		OriginRequests: s.OriginRequests + o.OriginRequests, OriginBytes: s.OriginBytes + o.OriginBytes,
		Hits: s.Hits + o.Hits, RefreshHits: s.RefreshHits + o.RefreshHits, Misses: s.Misses + o.Misses,
	}
}

// Stats is a snapshot of a simulator's counters, per behavior.
type Stats struct {
	// Behaviors holds each behavior's counters by PathPattern
	// (DefaultPathPattern for the default behavior). Behaviors that share a
	// PathPattern share an entry.
	Behaviors map[string]BehaviorStats
}

// Total returns the sum over every behavior.
func (s Stats) Total() BehaviorStats {
	var t BehaviorStats
	for _, b := range s.Behaviors {
		t = t.add(b)
	}
	return t
}

// Stats returns the counters of every behavior since Start; before Start,
// none. Requests in flight may be counted in some fields and not yet in
// others.
func (cf *CloudFront) Stats() Stats {
	s := Stats{Behaviors: map[string]BehaviorStats{}}
	if cf.fallback.stats == nil {
		return s
	}
	for _, b := range append(cf.routes[:len(cf.routes):len(cf.routes)], cf.fallback) {
		s.Behaviors[b.PathPattern] = s.Behaviors[b.PathPattern].add(b.stats.snapshot())
	}
	return s
}

// behaviorStats are a behavior's live counters.
type behaviorStats struct {
	requests, refused, originRequests, originBytes atomic.Int64
	hits, refreshHits, misses                      atomic.Int64
}

// count records one answered request.
func (s *behaviorStats) count(e *Entry, originBytes int64) {
	s.requests.Add(1)
	if e.Decision == DecisionRefused {
		s.refused.Add(1)
	}
	if e.OriginURI != "" {
		s.originRequests.Add(1)
	}
	s.originBytes.Add(originBytes)
	switch e.Cache {
	case CacheHit:
		s.hits.Add(1)
	case CacheRefreshHit:
		s.refreshHits.Add(1)
	case CacheMiss:
		s.misses.Add(1)
	}
}

func (s *behaviorStats) snapshot() BehaviorStats {
	return BehaviorStats{
		Requests: s.requests.Load(), Refused: s.refused.Load(),
		OriginRequests: s.originRequests.Load(), OriginBytes: s.originBytes.Load(),
		Hits: s.hits.Load(), RefreshHits: s.refreshHits.Load(), Misses: s.misses.Load(),
	}
}
