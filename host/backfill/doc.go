// Package backfill loads a unit's history in chunks: dpone backfill. It
// splits [from, to) on the unit's cursor column (Split), reads each chunk
// with a cursor range and loads it as a replace of exactly that slice of
// the target (plan.ResolveSlice), so a chunk loaded twice is loaded once.
// Chunks run in lanes under the unit's one lock (run.Session); a ledger in
// dpone's state (state.Ledger) records each chunk's status, rows, load id,
// attempts and error, so the same command resumes with the chunks not yet
// done after a crash or Ctrl-C. The unit's incremental checkpoint is never
// read nor moved. docs/backfill.md is the user's guide.
package backfill
