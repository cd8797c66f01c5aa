//go:build race

package explore

// raceBuild is set when the tests run under the race detector, which slows
// an in-process search tenfold: the heaviest referee cases then skip.
const raceBuild = true
