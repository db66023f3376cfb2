//go:build race

package hlstest_test

// costRace says the race detector is on: it slows the simulation about
// fivefold, so TestCost simulates fewer viewers by default.
const costRace = true
