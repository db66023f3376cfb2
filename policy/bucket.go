package policy

import "time"

// RoundUp returns t rounded up to the next multiple of bucket, counted in whole
// seconds from the Unix epoch (t itself when it is already on a boundary).
// Viewers whose expiries fall in the same bucket then get the same policy, so
// a signer's cache serves them one signature and their URLs stay stable:
//
//	expires := policy.RoundUp(now.Add(6*time.Hour), 15*time.Minute)
//
// A bucket under one second rounds up to a whole second.
func RoundUp(t time.Time, bucket time.Duration) time.Time {
	b := int64(bucket / time.Second)
	if b < 1 {
		b = 1
	}
	s := t.Unix()
	if t.Nanosecond() > 0 {
		s++
	}
	if r := s % b; r != 0 {
		if r < 0 {
			r += b
		}
		s += b - r
	}
	return time.Unix(s, 0).In(t.Location())
}
