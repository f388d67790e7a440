// Package run executes load units: for each unit, in DAG order with
// bounded parallelism and a run lock, it resolves the unit's plan (package
// plan: configs, read and BeginLoad requests, policy, contract, schema
// changes and their DDL) and executes exactly that value: it reads the
// source through its plugin (one stream, or one per partition of a
// consistent snapshot), applies the plan's DDL, records the load as
// pending in the state store, stages the Arrow batches in the sink
// (BeginLoad, Write), records the checkpoint with the pending load,
// publishes with CommitLoad, then commits the checkpoint. Any failure
// aborts the load, so a target is never half-written and state never
// advances past what the target holds.
//
// Run calls connectors through the small interfaces it declares (Source,
// Sink, plan.Catalog, given by Connectors): *Pool is the real one, and
// connectortest.Fake a fake that enforces the protocol's call order, so
// the exactly-once sequence is unit-tested with a failure injected at
// every boundary.
//
// Host steps on the data (data contracts, quarantine, quality gates,
// column renames from schema evolution) decode batches and work on whole
// Arrow columns; without them the batches pass through untouched.
//
// Before a unit loads, under its lock, the run resolves the loads earlier
// runs of that unit left pending, reaching the sink with the unit's plan
// (current credentials) and fencing it with its lock generation: a load
// the sink reports committed gets its state commit; any other is aborted.
// Before a commit the run checks that it still holds the unit's lock.
package run
