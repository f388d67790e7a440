// Package sdk is what a dpone connector author imports.
//
// A connector is a separate binary, dpone-connector-<name>, that the dpone
// host starts and talks to over gRPC (hashicorp/go-plugin). The SDK hides
// the protocol: implement Source, Destination or both, and serve it:
//
//	package main
//
//	import (
//		"example.com/acme/connector"
//		"github.com/dpone-go/dpone/sdk"
//	)
//
//	func main() { sdk.Serve(connector.New) }
//
// Required interfaces are small. A Source lists its streams (Discover) and
// reads one (Read), writing Arrow records to a RecordWriter; BatchBuilder
// sizes them by bytes. A Destination loads in two phases tied by a load id
// chosen by the host: BeginLoad creates staging, Write fills it, CommitLoad
// publishes atomically, AbortLoad drops staging.
//
// Everything else is optional and found by type assertion: Checker,
// Partitioner, TargetDescriber, SchemaApplier, LoadStatuser. The SDK
// advertises what a connector implements as capabilities in GetSpec, so the
// host never calls a method that is not there.
//
// Incremental reads by a cursor column (incremental_strategy: column) use
// Cursor: NewCursor parses the options and the prior checkpoint, Bounds
// says what to select, Cursor.Writer drops the rows already read at the
// checkpoint's cursor value and writes the checkpoints. Package cursortest
// proves a source's use of it against a real database.
//
// Errors: return an *Error (Errorf(CodeAuth, ...)) to tell the host what
// went wrong; anything else reaches the host as INTERNAL. The host maps
// codes back to sentinel errors, so errors.Is works across the process
// boundary. Log with hclog to stderr; Serve sets it up.
//
// Certify a connector with package sdktest, or `dpone certify`.
package sdk
