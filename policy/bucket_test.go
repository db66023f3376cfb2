package policy_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/cfhls/cfhls/policy"
)

func TestRoundUp(t *testing.T) {
	base := time.Unix(1800000000, 0) // a multiple of 15 minutes
	for _, tc := range []struct {
		name   string
		in     time.Time
		bucket time.Duration
		want   time.Time
	}{
		{"on boundary stays", base, 15 * time.Minute, base},
		{"one second past", base.Add(time.Second), 15 * time.Minute, base.Add(15 * time.Minute)},
		{"one nanosecond past", base.Add(time.Nanosecond), 15 * time.Minute, base.Add(15 * time.Minute)},
		{"just before next", base.Add(15*time.Minute - time.Second), 15 * time.Minute, base.Add(15 * time.Minute)},
		{"hour bucket", base.Add(time.Minute), time.Hour, time.Unix(1800001200+2400, 0)},
		{"zero bucket rounds to second", base.Add(300 * time.Millisecond), 0, base.Add(time.Second)},
		{"sub-second bucket", base.Add(300 * time.Millisecond), time.Millisecond, base.Add(time.Second)},
		{"negative bucket", base, -time.Hour, base},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := policy.RoundUp(tc.in, tc.bucket)
			assert.Equal(t, tc.want.Unix(), got.Unix())
			assert.Zero(t, got.Nanosecond())
			assert.False(t, got.Before(tc.in))
		})
	}
}

// TestRoundUpSharesBucket shows the point: viewers a few minutes apart get the
// same expiry, so the same policy and the same cached signature.
func TestRoundUpSharesBucket(t *testing.T) {
	a := policy.RoundUp(time.Unix(1800000001, 0).Add(6*time.Hour), 15*time.Minute)
	b := policy.RoundUp(time.Unix(1800000001+600, 0).Add(6*time.Hour), 15*time.Minute)
	assert.Equal(t, a.Unix(), b.Unix())
}
