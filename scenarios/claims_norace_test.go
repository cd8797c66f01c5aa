//go:build !race

package scenarios

// raceDetector is set when the tests run with -race, which slows a claim's
// exploration tenfold.
const raceDetector = false
