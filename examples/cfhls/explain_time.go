package main

import (
	"strconv"
	"time"
)

// relTime says how far t is from ref: "in 3y 3mo", "5m ago", "just now".
func relTime(t, ref time.Time) string {
	t, ref = t.Truncate(time.Second), ref.Truncate(time.Second)
	switch {
	case t.Equal(ref):
		return "just now"
	case t.After(ref):
		return "in " + span(ref, t)
	}
	return span(t, ref) + " ago"
}

// span formats the time from a to b (a before b) in its two largest calendar
// units: "3y 3mo", "2d 4h", "5m", "12s".
func span(a, b time.Time) string {
	a, b = a.UTC(), b.UTC()
	years := b.Year() - a.Year()
	for years > 0 && a.AddDate(years, 0, 0).After(b) {
		years--
	}
	c := a.AddDate(years, 0, 0)
	months := 0
	for months < 12 && !c.AddDate(0, months+1, 0).After(b) {
		months++
	}
	c = c.AddDate(0, months, 0)
	d := b.Sub(c)
	days := int(d / (24 * time.Hour))
	d -= time.Duration(days) * 24 * time.Hour
	units := []struct {
		n    int
		name string
	}{
		{years, "y"}, {months, "mo"}, {days, "d"},
		{int(d / time.Hour), "h"}, {int(d % time.Hour / time.Minute), "m"}, {int(d % time.Minute / time.Second), "s"},
	}
	for i, u := range units {
		if u.n == 0 {
			continue
		}
		s := strconv.Itoa(u.n) + u.name
		if i+1 < len(units) && units[i+1].n != 0 {
			s += " " + strconv.Itoa(units[i+1].n) + units[i+1].name
		}
		return s
	}
	return "0s"
}
