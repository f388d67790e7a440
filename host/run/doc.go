// Package run executes load units: for each unit, in DAG order with
// bounded parallelism, it reads the source through its plugin, stages the
// Arrow batches in the sink (BeginLoad, Write), records the pending load
// and its checkpoint in the state store, publishes with CommitLoad, then
// commits the checkpoint. Any failure aborts the load, so a target is never
// half-written and state never advances past what the target holds.
//
// On start, Recover resolves loads a crashed run left pending: a load the
// sink reports committed gets its state commit; any other is aborted.
//
// The host forwards the source's Arrow IPC bytes to the sink untouched.
package run
