package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// The demo's clock: the stack's clock (config.clock, or time.Now) plus an
// offset the player page can move with POST /demo/clock, so that a viewer
// can watch credentials expire without waiting hours. The simulated
// CloudFront, the rewriting origin, the sign endpoint and the key server
// all read this clock, so they move together; the live channels keep the
// stack's own clock (their content does not jump). This exists only for the
// demo: a real deployment's clock is the real one.

// maxClockOffset bounds how far the demo clock may be moved either way.
const maxClockOffset = 400 * 24 * time.Hour

// demoClock is a base clock plus an offset.
type demoClock struct {
	base   func() time.Time
	mu     sync.Mutex
	offset time.Duration
}

// Now is the base clock's time plus the offset.
func (c *demoClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.base().Add(c.offset)
}

// Offset is how far the clock has been moved.
func (c *demoClock) Offset() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.offset
}

// advance moves the clock forward by d (positive), within maxClockOffset.
func (c *demoClock) advance(d time.Duration) error {
	if d <= 0 {
		return fmt.Errorf("advance %v: want a positive duration", d)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if d > maxClockOffset-c.offset {
		return fmt.Errorf("advance %v: the clock may be at most %v ahead", d, maxClockOffset)
	}
	c.offset += d
	return nil
}

// reset puts the clock back on its base.
func (c *demoClock) reset() {
	c.mu.Lock()
	c.offset = 0
	c.mu.Unlock()
}

// clockState is what /demo/clock answers.
type clockState struct {
	Now    int64   `json:"now"`    // the demo clock, Unix milliseconds
	Offset float64 `json:"offset"` // seconds it is ahead of the stack's clock
}

// clockHandler serves /demo/clock: GET answers the clock's state; POST with
// the form value advance (a Go duration such as "7h") moves it forward,
// with reset=1 puts it back, then answers the new state and publishes the
// move on the timeline.
func clockHandler(c *demoClock, hub *eventHub) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			// Only the demo's own page moves the clock: a form posted from
			// another site (which needs no CORS preflight) is refused.
			if o := r.Header.Get("Origin"); o != "" && o != "http://"+r.Host {
				http.Error(w, "demo clock: only the demo page may move the clock", http.StatusForbidden)
				return
			}
			r.Body = http.MaxBytesReader(w, r.Body, 1<<10)
			if err := r.ParseForm(); err != nil {
				http.Error(w, "demo clock: "+err.Error(), http.StatusBadRequest)
				return
			}
			reason, err := moveClock(c, r.PostForm.Get("advance"), r.PostForm.Get("reset") != "")
			if err != nil {
				http.Error(w, "demo clock: "+err.Error(), http.StatusBadRequest)
				return
			}
			hub.publish(event{Time: c.Now(), Who: "page", Method: r.Method, Path: r.URL.Path, Source: "none",
				Decision: "allowed", Reason: reason, Status: http.StatusOK})
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_ = json.NewEncoder(w).Encode(clockState{Now: c.Now().UnixMilli(), Offset: c.Offset().Seconds()})
	})
}

// moveClock applies a POST to /demo/clock: reset, or advance by a Go
// duration. It returns what happened, for the timeline.
func moveClock(c *demoClock, advance string, reset bool) (string, error) {
	switch {
	case reset && advance != "":
		return "", fmt.Errorf("advance or reset, not both")
	case reset:
		c.reset()
		return "clock reset: no offset", nil
	case advance == "":
		return "", fmt.Errorf("want advance=DURATION (such as 7h) or reset=1")
	}
	d, err := time.ParseDuration(advance)
	if err != nil {
		return "", fmt.Errorf("advance: %w", err)
	}
	if err := c.advance(d); err != nil {
		return "", err
	}
	return fmt.Sprintf("clock moved %v ahead (now %v ahead)", d, c.Offset()), nil
}
