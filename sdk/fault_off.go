//go:build !dpone_faults

package sdk

// Release builds inject no faults: DPONE_TEST_PLUGIN_FAULT is not read,
// and both functions inline to nothing on the stream paths. Plugins built
// with -tags dpone_faults get fault.go's versions.

func faultAfterBatches(string, string) int { return 0 }

func crashAt(int, int) {}

// FaultPoint kills the plugin process at a named point of its work in
// plugins built with -tags dpone_faults (DPONE_TEST_PLUGIN_FAULT=
// <connector>:<point>:<n>, see fault.go); in release builds it does
// nothing.
func FaultPoint(string, string) {}
