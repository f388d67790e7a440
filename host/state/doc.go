// Package state keeps dpone's durable run state: stream checkpoints (opaque
// connector blobs, versioned), runs, loads, unit locks and the ledger of
// dpone backfill ([Ledger], implemented by both backends).
//
// One [Store] interface has two backends: an embedded SQLite file (the
// default, `.dpone/state.db`, pure Go) and PostgreSQL (schema `dpone_state`)
// for many workers sharing state. Both run the same SQL through
// database/sql, apply numbered schema migrations on open, and are safe for
// concurrent use by several goroutines and several processes.
//
// # Exactly-once protocol
//
// A load's new checkpoint is recorded with [Store.RecordPending] before the
// sink's CommitLoad, and resolved after it with [Store.MarkCommitted] (which
// moves the stream checkpoint in the same transaction) or
// [Store.MarkAborted]. After a crash, [Store.PendingLoads] lists the loads to
// resolve by asking the sink's LoadStatus.
package state
