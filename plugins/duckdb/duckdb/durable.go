package duckdb

import "context"

// checkpointCommitted writes the WAL into the database file after a
// committed load, so the .duckdb file alone holds every committed row:
// an operator who copies or uploads the file (without its .wal) gets the
// whole warehouse. Without it DuckDB checkpoints only when the WAL passes
// checkpoint_threshold (16MB) or the database closes. It fails while
// another load's transaction runs in the same file; the committed rows are
// then safe in the WAL, and the next load's checkpoint or the plugin's
// exit (Close) writes them into the file.
func (d *database) checkpointCommitted(ctx context.Context, target string) {
	if _, err := d.db.ExecContext(context.WithoutCancel(ctx), "CHECKPOINT"); err != nil {
		logInfo("checkpoint after commit deferred to the next load or the plugin's exit: "+err.Error(), "target", target)
	}
}
