package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/dpone-go/dpone/sdk"
)

// The xmin strategy (incremental_strategy: xmin) reads the rows whose
// xmin, the id of the transaction that wrote the row version (an INSERT or
// an UPDATE), is not older than the previous read's snapshot xmin.
//
// Every read runs in one REPEATABLE READ transaction and takes the bounds of
// its snapshot as 64-bit transaction ids (epoch << 32 | xid, from
// pg_current_snapshot()). The next read starts at this snapshot's xmin, the
// oldest transaction still in progress when it was taken, not at its xmax:
// a transaction in progress then may commit later with rows the read could
// not see, and each of its row versions (subtransactions included, whose
// ids are not in the snapshot's xip list) has an xmin >= that bound. The
// price: rows of transactions in [xmin, xmax) that had committed are read
// twice. incremental_merge makes that idempotent; incremental_append may
// insert them twice. Deleted rows are never seen.
//
// A row's xmin is 32 bits. Every row version not frozen by VACUUM has an
// xmin within 2^31 transactions of the current one, and freezing keeps the
// raw xmin (PostgreSQL 9.4 and later), so a 32-bit xmin maps to exactly one
// 64-bit id in (snapshot xmax - 2^32, snapshot xmax): the filter compares
// raw values on each side of the snapshot xmax, across at most one epoch
// boundary. A checkpoint more than 2^31 transactions behind the snapshot
// (or ahead of it: a restored or different cluster) makes that ambiguous:
// the read falls back to the whole table and says so in a WARN log.

// xminCheckpoint is the state of the xmin strategy. Xmin is the next read's
// lower bound; SnapshotXmax is informational (the first transaction id not
// yet assigned when the read's snapshot was taken).
type xminCheckpoint struct {
	V            int    `json:"v"`
	Strategy     string `json:"strategy"`
	Xmin         uint64 `json:"xmin"`
	SnapshotXmax uint64 `json:"snapshot_xmax"`
}

// wrapHorizon is how far (in transactions) a checkpoint may lie behind the
// current snapshot before 32-bit xmin comparisons become ambiguous.
const wrapHorizon = 1 << 31

// firstNormalXid is the lowest id of a real transaction; 0-2 are the
// invalid, bootstrap and frozen ids (pre-9.4 frozen rows show xmin 2).
const firstNormalXid = 3

// xminRead is the xmin strategy of one Read.
type xminRead struct {
	prior *xminCheckpoint // nil on a first read or a full read
	snap  snapshotBounds  // the read's snapshot, set by begin
}

// snapshotBounds are a snapshot's xmin and xmax as 64-bit transaction ids.
type snapshotBounds struct{ xmin, xmax uint64 }

func newXmin(req sdk.ReadRequest) (*xminRead, error) {
	x := &xminRead{}
	if req.Mode != sdk.ReadIncremental || len(req.PriorState) == 0 {
		return x, nil
	}
	var cp xminCheckpoint
	if err := json.Unmarshal(req.PriorState, &cp); err != nil {
		return nil, sdk.Errorf(sdk.CodeConfig, "postgres source: prior state is not a postgres xmin checkpoint: %w", err)
	}
	if cp.Strategy != "xmin" {
		return nil, sdk.Errorf(sdk.CodeConfig, "postgres source: the prior state is not an xmin checkpoint (the incremental_strategy changed?): reset the stream's state")
	}
	if cp.V != 1 {
		return nil, sdk.Errorf(sdk.CodeConfig, "postgres source: checkpoint version %d is not supported (want 1): reset the stream's state", cp.V)
	}
	x.prior = &cp
	return x, nil
}

// checkXminRelation refuses relations without a meaningful xmin (views,
// foreign tables): only tables, partitioned tables and materialized views.
func checkXminRelation(ctx context.Context, conn *pgx.Conn, table string) error {
	var kind string
	if err := conn.QueryRow(ctx, "SELECT relkind::text FROM pg_class WHERE oid = to_regclass($1)", table).Scan(&kind); err != nil {
		return classify(fmt.Errorf("look up %s: %w", table, err))
	}
	switch kind {
	case "r", "p", "m":
		return nil
	}
	return sdk.Errorf(sdk.CodeConfig, "postgres source: incremental_strategy xmin needs a table; %s is not one (relkind %s): use incremental_strategy column", table, kind)
}

// begin reads the snapshot of the current transaction (which must be
// REPEATABLE READ, so the COPY that follows sees the same snapshot) and
// returns the filter of this read: "" for a whole-table read.
func (x *xminRead) begin(ctx context.Context, conn *pgx.Conn, out sdk.RecordWriter) (string, error) {
	q := "SELECT pg_snapshot_xmin(s)::text::bigint, pg_snapshot_xmax(s)::text::bigint FROM pg_current_snapshot() s"
	if serverMajor(conn) < 13 {
		q = "SELECT txid_snapshot_xmin(s), txid_snapshot_xmax(s) FROM txid_current_snapshot() s"
	}
	var lo, hi int64
	if err := conn.QueryRow(ctx, q).Scan(&lo, &hi); err != nil {
		return "", classify(fmt.Errorf("read snapshot bounds: %w", err))
	}
	x.snap = snapshotBounds{xmin: uint64(lo), xmax: uint64(hi)}
	if x.prior == nil {
		return "", nil
	}
	from := x.prior.Xmin
	if reason := beyondHorizon(from, x.snap.xmax); reason != "" {
		msg := fmt.Sprintf("xmin: checkpoint xmin %d is beyond the wraparound horizon (%s); reading the whole table", from, reason)
		if err := out.Log(sdk.LevelWarn, msg); err != nil {
			return "", err
		}
		return "", nil
	}
	if x.prior.SnapshotXmax > from {
		msg := fmt.Sprintf("xmin: the previous read's snapshot had transactions in progress: rows written by transactions %d..%d are read again (idempotent with incremental_merge; incremental_append may load them twice)",
			from, x.prior.SnapshotXmax-1)
		if err := out.Log(sdk.LevelInfo, msg); err != nil {
			return "", err
		}
	}
	return xminFilter("xmin::text::bigint", from, x.snap.xmax), nil
}

// beyondHorizon explains why a checkpoint xmin cannot be compared with
// 32-bit row xmins under a snapshot whose xmax is cur, or returns "".
func beyondHorizon(from, cur uint64) string {
	switch {
	case from > cur:
		return fmt.Sprintf("it is ahead of the server's next transaction id %d: a restored or different cluster", cur)
	case cur-from > wrapHorizon:
		return fmt.Sprintf("the server's next transaction id %d is %d transactions later, more than 2^31", cur, cur-from)
	}
	return ""
}

// xminFilter selects the rows whose 32-bit xmin (the SQL expression expr,
// a bigint in [0, 2^32)) maps to a 64-bit id in [from, xmax), where
// xmax-from <= 2^31: raw ids between the two bounds' low 32 bits, or, when
// an epoch boundary lies between them, above from's or below xmax's.
func xminFilter(expr string, from, xmax uint64) string {
	lo := strconv.FormatUint(from&0xffffffff, 10)
	hi := strconv.FormatUint(xmax&0xffffffff, 10)
	normal := expr + " >= " + strconv.Itoa(firstNormalXid)
	if from>>32 == xmax>>32 {
		return "(" + expr + " >= " + lo + " AND " + expr + " < " + hi + ")"
	}
	return "(" + expr + " >= " + lo + " OR (" + normal + " AND " + expr + " < " + hi + "))"
}

// checkpoint sends the state after the read's last record: the next read
// starts at this read's snapshot xmin.
func (x *xminRead) checkpoint(out sdk.RecordWriter) error {
	b, err := json.Marshal(xminCheckpoint{V: 1, Strategy: "xmin", Xmin: x.snap.xmin, SnapshotXmax: x.snap.xmax})
	if err != nil {
		return err
	}
	return out.Checkpoint(b)
}

// serverMajor is the server's major version (0 when unknown).
func serverMajor(conn *pgx.Conn) int {
	v := conn.PgConn().ParameterStatus("server_version")
	if i := strings.IndexAny(v, ". "); i > 0 {
		v = v[:i]
	}
	n, _ := strconv.Atoi(v)
	return n
}
