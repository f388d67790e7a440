// Package sdktest is dpone's connector certification suite.
//
// Like testing/fstest.TestFS, it is a function, not a copied test: a
// connector's own test calls
//
//	func TestCertify(t *testing.T) {
//		sdktest.TestSource(t, sdktest.Fixture{Factory: myconn.New, Config: ..., Streams: ...})
//	}
//
// and gets named subtests (spec, check, discover, read/<stream>,
// types/<stream>, incremental/<stream>[/<strategy>], partitions/<stream>,
// strategy/<name>, cancel, throughput/read, mutations/<stream>; for
// destinations load/<mode>, abort, crash, commit_twice, load_status,
// types/load, throughput/write). Every misbehaviour is reported, not only
// the first. A check of a capability the connector does not claim is n/a;
// a core check the fixture gives no input for fails; any other skip says
// why, and fails under Options.Strict (dpone certify --strict).
//
// Plugins run in a non-UTC local time zone (Fixture.TimeZone, default
// America/St_Johns). Values are compared exactly per logical type.
// Fixture mutation steps change the source between incremental reads.
//
// The suite always talks to the connector through the real gRPC adapter:
// in process (Fixture.Factory: the SDK's server on an in-memory gRPC
// connection) or out of process (Fixture.Binary: the plugin binary is
// started with go-plugin and the dpone handshake). A simulated crash kills
// the plugin process (out of process) or stops the gRPC server and drops the
// connector value, then starts a fresh one from the Factory (in process).
//
// The core runs against the small T interface, so `dpone certify` runs the
// same checks outside `go test` with a Runner. Results are collected in a
// Report that renders as JSON and Markdown.
package sdktest
