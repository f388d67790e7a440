package postgres

import (
	"context"
	"io"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/dpone-go/dpone/sdk"
)

// copyIntoStaging copies r, a binary COPY stream of the columns names
// (quoted), into the load's staging table: one Write's COPY.
//
// The load's only Write (sole: the host opens one Write stream for it)
// into a staging table that holds no row copies with FREEZE, in one
// transaction that first truncates the empty table: PostgreSQL allows
// FREEZE only into a table created or truncated in the copying
// transaction. Its rows are written frozen and its pages marked
// all-visible, so neither the commit's index build, nor the target's
// first reader, nor a later VACUUM rewrites the 1 GB of pages a 5M-row
// load fills to set hint bits or freeze them (measured in
// docs/types/postgres.md#copy-freeze). Concurrent Writes (parallel
// partitions) copy as before: the truncate's ACCESS EXCLUSIVE lock would
// make them wait for one another. A staging table that already holds rows
// (a Write retried after another committed) is never truncated: the
// check and the truncate run under that lock.
func copyIntoStaging(ctx context.Context, conn *pgx.Conn, l *load, names []string, r io.Reader, sole bool) (pgconn.CommandTag, error) {
	copySQL := "COPY " + l.staging + " (" + strings.Join(names, ", ") + ") FROM STDIN (FORMAT binary"
	pc := conn.PgConn()
	if !sole {
		return pc.CopyFrom(ctx, r, copySQL+")")
	}
	// The simple protocol throughout: an extended-protocol query would
	// leave a portal open, and COPY FREEZE refuses a transaction with one
	// ("prior transaction activity").
	if err := pc.Exec(ctx, "BEGIN; LOCK TABLE "+l.staging+" IN ACCESS EXCLUSIVE MODE").Close(); err != nil {
		return pgconn.CommandTag{}, err
	}
	committed := false
	defer func() {
		if !committed {
			_ = pc.Exec(context.WithoutCancel(ctx), "ROLLBACK").Close()
		}
	}()
	var empty bool
	if err := conn.QueryRow(ctx, "SELECT NOT EXISTS (SELECT FROM "+l.staging+")", pgx.QueryExecModeSimpleProtocol).Scan(&empty); err != nil {
		return pgconn.CommandTag{}, err
	}
	opts := ")"
	if empty {
		if err := pc.Exec(ctx, "TRUNCATE "+l.staging).Close(); err != nil {
			return pgconn.CommandTag{}, err
		}
		opts = ", FREEZE)"
	}
	tag, err := pc.CopyFrom(ctx, r, copySQL+opts)
	if err != nil {
		return tag, err
	}
	if err := pc.Exec(ctx, "COMMIT").Close(); err != nil {
		return pgconn.CommandTag{}, err
	}
	committed = true
	return tag, nil
}

// soleWriter says whether the host opens one Write stream for the load
// (LoadRequest.Writers, protocol v1.5); a host that does not say gets
// the plain COPY.
func soleWriter(req sdk.LoadRequest) bool { return req.Writers == 1 }
