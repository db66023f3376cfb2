package hlstest_test

import (
	"container/heap"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/cfhls/cfhls/signer"
)

// The simulator: N players on one fake clock, driven as discrete events
// (each player's next request is an event; the clock jumps from one to the
// next), every request sent in-process through the simulated CloudFront of
// the design (CloudFront.ServeInProcess), no sockets. One goroutine per
// design, so the clock needs no locking.

// costClock is a design's one clock: CloudFront, the origins, the
// Handlers and the sign endpoint all read it.
type costClock struct{ t time.Time }

func (c *costClock) Now() time.Time { return c.t }

// costScenario is what the viewers watch.
type costScenario struct {
	Name    string
	Live    bool
	Viewers int
	// Stagger spreads the viewers' starts evenly from T0.
	Stagger time.Duration
	// Length is how long the live channel is watched (until T0+Length);
	// VOD viewers watch the whole title.
	Length time.Duration
}

// costT0 is when every simulation starts: not on a 15-minute boundary, so
// the first bucket is a partial one, as in life.
var costT0 = time.Date(2028, 8, 16, 20, 4, 7, 0, time.UTC)

// costLookahead is how far ahead of the playhead a VOD player fetches
// (hls.js's default maxBufferLength).
const costLookahead = 30 * time.Second

// costLiveHoldBack is how many segments from the end of a live playlist a
// player starts (three target durations, RFC 8216 section 6.3.3).
const costLiveHoldBack = 3

type costViewer struct {
	idx     int
	start   time.Time
	addr    string
	master  string        // signed URL, or plain with cookies
	cookie  string        // Cookie header, cookies design
	media   string        // media playlist URL as the player resolved it
	dir     string        // media playlist URL up to its last '/'
	vod     *costMedia    // VOD: the media playlist
	next    int           // VOD: index; live: media sequence number
	target  time.Duration // live: target duration
	started bool
}

type costEvent struct {
	at  time.Time
	seq int
	v   *costViewer
}

type costQueue []costEvent

func (q costQueue) Len() int { return len(q) }
func (q costQueue) Less(i, j int) bool {
	if !q[i].at.Equal(q[j].at) {
		return q[i].at.Before(q[j].at)
	}
	return q[i].seq < q[j].seq
}
func (q costQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *costQueue) Push(x any)   { *q = append(*q, x.(costEvent)) }
func (q *costQueue) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}

// costSim runs one scenario against one design.
type costSim struct {
	t     testing.TB
	st    *costStack
	sc    costScenario
	sink  costSink
	queue costQueue
	seq   int
	end   time.Time // live: when viewers stop

	viewerBytes int64
	exact       bool  // send every request: no memo, no analytic refusals
	analytic    int64 // refusals counted, not sent (see refused)
	// analyticPlaylists are the live reloads among them (see reload).
	analyticPlaylists int64
	memo              map[string]costMemo
	memoHits          int64 // segment requests counted, not sent (see segmentGet)
	refusedViewers    map[int]bool
	// media keeps each distinct VOD media playlist parsed once: the viewers
	// of a bucket get the same bytes (in every design but the blog's, where
	// each viewer's own credentials are in every URI).
	media map[string]*costMedia
}

// costMedia is a parsed VOD media playlist.
type costMedia struct {
	segs []string
	at   []time.Duration // when each segment starts in the title
}

func (s *costSim) schedule(v *costViewer, at time.Time) {
	s.seq++
	heap.Push(&s.queue, costEvent{at: at, seq: s.seq, v: v})
}

// run plays every viewer to the end and returns the counters.
func (s *costSim) run() costResult {
	s.refusedViewers = map[int]bool{}
	s.end = costT0.Add(s.sc.Length)
	for i := range s.sc.Viewers {
		v := &costViewer{idx: i, addr: fmt.Sprintf("198.18.%d.%d:50000", i/250, i%250+1)}
		v.start = costT0
		if s.sc.Viewers > 1 {
			v.start = costT0.Add(s.sc.Stagger * time.Duration(i) / time.Duration(s.sc.Viewers))
		}
		s.schedule(v, v.start)
	}
	for s.queue.Len() > 0 {
		e := heap.Pop(&s.queue).(costEvent)
		s.st.clock.t = e.at
		switch {
		case !e.v.started:
			s.join(e.v)
		case s.sc.Live:
			s.reload(e.v)
		default:
			s.segment(e.v)
		}
	}
	return s.st.result(s)
}

// get sends one viewer request through the design's CloudFront.
func (s *costSim) get(v *costViewer, rawURL string, keep bool) (int, []byte) {
	r, err := costRequest(rawURL, v.addr, v.cookie)
	if err != nil {
		s.t.Fatalf("viewer %d: %v", v.idx, err)
	}
	s.sink.reset(keep)
	s.st.cf.ServeInProcess(&s.sink, r)
	s.viewerBytes += s.sink.n
	if s.sink.code == http.StatusForbidden {
		s.refusedViewers[v.idx] = true
	}
	return s.sink.code, s.sink.body.Bytes()
}

// playlist fetches a playlist the player needs; anything but 200 ends the
// simulation: every design must deliver the playlists it lists.
func (s *costSim) playlist(v *costViewer, rawURL string) []byte {
	code, body := s.get(v, rawURL, true)
	if code != http.StatusOK {
		s.t.Fatalf("%s: viewer %d at %s: GET %s: %d %s (refusal: %v)", s.st.name, v.idx,
			s.st.clock.t.Sub(costT0), rawURL, code, body, s.st.lastRefusal)
	}
	return body
}

// join signs in, fetches the master playlist and one variant (by viewer
// index), and schedules the first segment or reload.
func (s *costSim) join(v *costViewer) {
	v.started = true
	if err := s.st.sign(v); err != nil {
		s.t.Fatalf("%s: viewer %d: sign endpoint: %v", s.st.name, v.idx, err)
	}
	variants := costURIs(s.playlist(v, v.master), true)
	if len(variants) == 0 {
		s.t.Fatalf("%s: master playlist without variants", s.st.name)
	}
	v.media = costResolve(costDir(v.master), variants[v.idx%len(variants)])
	v.dir = costDir(v.media)
	if s.sc.Live {
		v.next = -1
		s.reload(v)
		return
	}
	body := s.playlist(v, v.media)
	m := s.media[string(body)]
	if m == nil {
		m = &costMedia{segs: costURIs(body, false), at: costStarts(body)}
		if s.media == nil {
			s.media = map[string]*costMedia{}
		}
		s.media[string(body)] = m
	}
	v.vod = m
	s.schedule(v, s.fetchAt(v, 0))
}

func (s *costSim) fetchAt(v *costViewer, k int) time.Time {
	return v.start.Add(max(0, v.vod.at[k]-costLookahead))
}

// segment fetches VOD segment v.next, at its time.
func (s *costSim) segment(v *costViewer) {
	k := v.next
	code := s.segmentGet(v, costResolve(v.dir, v.vod.segs[k]))
	v.next++
	switch code {
	case http.StatusOK:
	case http.StatusForbidden:
		if s.refused(v, k) {
			return
		}
	default:
		s.t.Fatalf("%s: viewer %d: segment %d: status %d", s.st.name, v.idx, k, code)
	}
	if v.next < len(v.vod.segs) {
		s.schedule(v, s.fetchAt(v, v.next))
	}
}

// refused handles a refused VOD segment. The player does not fetch the
// playlist again (VOD players don't), so it keeps asking for the next
// segments with what the playlist gave it. When the refusal was for an
// expired policy, and every later segment URI of the playlist carries the
// same Expires (the Lambda@Edge design signs a whole playlist with one
// expiry), every later request is refused too: it comes later, so the
// policy is still expired, and CloudFront answers 403 whether or not the
// signature verifies. Those requests are then counted (CloudFront request,
// refusal, the same 403 body) without being sent, and refused returns true:
// the outcome is provably the same and it saves an ECDSA verification per
// request. In any other case it returns false and the player goes on
// sending them.
func (s *costSim) refused(v *costViewer, k int) bool {
	if s.exact || !errors.Is(s.st.lastRefusal, signer.ErrExpired) {
		return false
	}
	segs := v.vod.segs
	exp := costParam(segs[k], signer.ParamExpires)
	if exp == "" {
		return false
	}
	for _, u := range segs[k+1:] {
		if costParam(u, signer.ParamExpires) != exp {
			return false
		}
	}
	rest := int64(len(segs) - k - 1)
	s.analytic += rest
	s.viewerBytes += rest * s.sink.n
	return true
}

// reload fetches a live media playlist, then every segment it lists that the
// player has not fetched yet (starting costLiveHoldBack segments from the end
// the first time), and schedules the next reload a target duration later.
//
// A refused reload (the Lambda@Edge design's media playlist URL expires 300 s
// after the master playlist was fetched) is counted and the player keeps
// reloading the same URL, as players do; when the refusal was for an expired
// policy, every later reload of that URL is refused too (same Expires, later
// time), so they are counted without being sent, as in refused.
func (s *costSim) reload(v *costViewer) {
	code, body := s.get(v, v.media, true)
	if code == http.StatusForbidden && v.next >= 0 {
		next := s.st.clock.t.Add(v.target)
		if s.exact || !errors.Is(s.st.lastRefusal, signer.ErrExpired) {
			if next.Before(s.end) {
				s.schedule(v, next)
			}
			return
		}
		var rest int64
		for at := next; at.Before(s.end); at = at.Add(v.target) {
			rest++
		}
		s.analytic += rest
		s.analyticPlaylists += rest
		s.viewerBytes += rest * s.sink.n
		return
	}
	if code != http.StatusOK {
		s.t.Fatalf("%s: viewer %d at %s: GET %s: %d (refusal: %v)", s.st.name, v.idx, s.st.clock.t.Sub(costT0), v.media, code, s.st.lastRefusal)
	}
	segs := costURIs(body, false)
	seq, target := costMediaSequence(body)
	if v.next < 0 {
		v.next = seq + max(0, len(segs)-costLiveHoldBack)
		v.target = target
	}
	for i, u := range segs {
		if seq+i < v.next {
			continue
		}
		if code := s.segmentGet(v, costResolve(v.dir, u)); code != http.StatusOK {
			s.t.Fatalf("%s: viewer %d: live segment %d: status %d (refusal: %v)", s.st.name, v.idx, seq+i, code, s.st.lastRefusal)
		}
		v.next = seq + i + 1
	}
	if at := s.st.clock.t.Add(v.target); at.Before(s.end) {
		s.schedule(v, at)
	}
}
