//go:build !race

package hlstest_test

// costRace says the race detector is on (see cost_race_test.go).
const costRace = false
