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
// # Required interfaces
//
// A Source lists its streams (Discover) and reads one (Read), writing
// Arrow records to a RecordWriter. BatchBuilder sizes records by bytes;
// its OnFlush hook runs after each batch is written, the place to
// Checkpoint an incremental read. A Destination loads in two phases tied
// by a load id chosen by the host: BeginLoad creates staging, Write fills
// it, CommitLoad publishes atomically, AbortLoad drops staging.
//
// Incremental reads by a cursor column (incremental_strategy: column) use
// Cursor: NewCursor parses the options and the prior checkpoint, Bounds
// says what to select, Cursor.Writer drops the rows already read at the
// checkpoint's cursor value and writes the checkpoints. Package cursortest
// proves a source's use of it against a real database.
//
// # Optional interfaces
//
// Everything else is optional, found by type assertion and advertised as
// a capability in GetSpec, so the host never calls a method that is not
// there. Each one's doc says what the host does without it.
//
//   - Checker: Check verifies credentials and reachability.
//   - Partitioner: Partition splits a stream for parallel reads.
//   - StreamDescriber: DescribeStream gives a Read's schema without rows
//     (plans), when options change the schema.
//   - TargetDescriber: DescribeTarget reports a target table's schema.
//   - SchemaApplier: ApplySchema renders (and applies) DDL for schema
//     changes the host decided.
//   - LoadSchemaApplier: ApplySchemaFor does the same seeing the load the
//     changes are for (mode, key, options): physical design, and the CREATE
//     a sink that creates its own targets shows in plans.
//   - TypeLossReporter: TypeLoss notes columns the target cannot hold
//     exactly; plans show them.
//   - LoadStatuser: LoadStatus answers committed, staged or unknown from
//     the load's receipt, so a crashed run finishes without reloading.
//
// # Options
//
// ReadRequest.Options and LoadRequest.Options carry only the connector's
// own keys of the manifest's source.options and sink.options; decode them
// with DecodeOptions (unknown keys are CONFIG errors) and string-or-number
// options such as lookback and initial_value with ParseScalar. The host's
// load options arrive typed in LoadRequest.Load: the lineage columns every
// target row gets, and the mode options, checked by LoadRequest.Strategy.
//
// # Errors
//
// Return an *Error (Errorf(CodeAuth, "...: %w", err)) to tell the host what
// went wrong; a %w argument stays in the chain. Anything without a code
// reaches the host as INTERNAL. IsRetryable is the one retry rule:
// RATE_LIMITED and UNAVAILABLE are retryable unless the error is a
// cancellation. The host maps codes back to sentinel errors, so errors.Is
// works across the process boundary. Log with hclog to stderr; Serve sets
// it up.
//
// # Versions and certification
//
// Version is this SDK's release (tag sdk/<Version>); GetSpec reports it.
// Certify a connector with package sdktest, or `dpone certify`; scaffold
// a new one with `dpone plugin new`.
package sdk
