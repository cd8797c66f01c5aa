package loadtest

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain proves the load test's runs leave no goroutine behind.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
