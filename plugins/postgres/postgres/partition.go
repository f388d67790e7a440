package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/dpone-go/dpone/sdk"
)

// partitionDesc is the opaque descriptor Partition returns and Read takes
// in ReadRequest.Partition. Every partition of one Partition call names the
// same exported snapshot; together their key ranges cover the table once.
type partitionDesc struct {
	V int `json:"v"`
	// Snapshot is the pg_export_snapshot() id every partition imports.
	Snapshot string `json:"snapshot"`
	// Table is the qualified table the partition belongs to; "" for a query.
	Table string `json:"table"`
	// Column is the integer key the ranges split; "" for one partition
	// holding everything (or for block ranges).
	Column string `json:"column,omitempty"`
	// Blocks: Lo and Hi are heap block numbers, read by a TID range scan
	// (V 2).
	Blocks bool `json:"blocks,omitempty"`
	// Lo is the inclusive lower bound, Hi the exclusive upper bound; nil is
	// unbounded, so the first and last ranges are open-ended.
	Lo    *int64 `json:"lo,omitempty"`
	Hi    *int64 `json:"hi,omitempty"`
	Index int    `json:"index"`
	Count int    `json:"count"`
	// Rows estimates the rows of the partition (for progress).
	Rows int64 `json:"rows_estimate"`
}

// Partition implements sdk.Partitioner: it exports a snapshot from a
// coordinator transaction and splits the table into at most n ranges, each
// read by its own Read from that one snapshot, so the partitions together
// are one consistent copy. A plain table (or materialized view) of at least
// n heap blocks on PostgreSQL 14 or later is split into ranges of its
// blocks, read by TID range scans: each partition reads only its own
// pages, whatever the table's keys (a key range read by an index scan
// costs more, measured below). Otherwise the ranges are of its
// single-column integer primary key.
//
// Block ranges cover every row once: under the snapshot each visible row
// version has one ctid, and the last range is open-ended (pages added
// after Partition hold no row the snapshot sees).
//
// Fewer than n descriptors come back when the table has fewer distinct
// keys; exactly one (the whole stream, still from the snapshot) when n < 2,
// when the stream is a query, when the read is incremental
// (incremental_strategy set: one checkpoint must cover the whole stream) or
// when a small table has no single-column integer primary key.
//
// Snapshot lifetime: the coordinator transaction stays open in this plugin
// process until every partition's Read has imported the snapshot (Read does
// that first thing), or until snapshotLease has passed since Partition
// returned, or until the process exits, whichever comes first. A Read that
// arrives after that fails with UNAVAILABLE: call Partition again and read
// every partition anew (into a new load).
func (c *Connector) Partition(ctx context.Context, req sdk.ReadRequest, n int) ([][]byte, error) {
	opts, err := parseReadOptions(req.Options)
	if err != nil {
		return nil, err
	}
	if opts.Query == "" && req.Stream == "" {
		return nil, sdk.Errorf(sdk.CodeConfig, "postgres source: no stream (table) and no query option")
	}
	conn, err := connect(ctx, req.Config)
	if err != nil {
		return nil, err
	}
	keep := false
	defer func() {
		if !keep {
			conn.Close(context.WithoutCancel(ctx))
		}
	}()
	var snap string
	_, err = conn.Exec(ctx, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
	if err == nil {
		err = conn.QueryRow(ctx, "SELECT pg_export_snapshot()").Scan(&snap)
	}
	if err != nil {
		return nil, classify(fmt.Errorf("partition %s: export snapshot: %w", streamName(req, opts), err))
	}
	base := partitionDesc{V: 1, Snapshot: snap, Count: 1}
	var bounds []int64
	if opts.Query == "" {
		rel, err := lookupTable(ctx, conn, req.Namespace, req.Stream)
		if err != nil {
			return nil, err
		}
		base.Table, base.Rows = qualified(req.Namespace, req.Stream), rel.Rows
		blocks, err := heapBlocks(ctx, conn, rel)
		if err != nil {
			return nil, classify(fmt.Errorf("partition %s: %w", base.Table, err))
		}
		if n > 1 && opts.IncrementalStrategy == "" && blocks >= int64(n) {
			base.V, base.Blocks = 2, true
			for i := 1; i < n; i++ {
				bounds = append(bounds, blocks*int64(i)/int64(n))
			}
		} else if col := integerKey(rel); col != "" && n > 1 && opts.IncrementalStrategy == "" {
			if bounds, err = splitPoints(ctx, conn, base.Table, col, rel.Rows, n); err != nil {
				return nil, classify(fmt.Errorf("partition %s: %w", base.Table, err))
			}
			if len(bounds) > 0 {
				base.Column = col
			}
		}
	}
	parts := make([][]byte, len(bounds)+1)
	base.Count = len(parts)
	for i := range parts {
		d := base
		d.Index, d.Rows = i, base.Rows/int64(len(parts))
		if i > 0 {
			d.Lo = &bounds[i-1]
		}
		if i < len(bounds) {
			d.Hi = &bounds[i]
		}
		if parts[i], err = json.Marshal(d); err != nil {
			return nil, err
		}
	}
	c.snapshots.hold(snap, conn, len(parts), snapshotLease)
	keep = true
	return parts, nil
}

// heapBlocks is the number of heap blocks of a plain table or
// materialized view on PostgreSQL 14 or later (TID range scans), else 0.
func heapBlocks(ctx context.Context, conn *pgx.Conn, rel *relation) (int64, error) {
	if rel.Relation != "r" && rel.Relation != "m" {
		return 0, nil
	}
	var blocks int64
	err := conn.QueryRow(ctx, `SELECT CASE WHEN current_setting('server_version_num')::int >= 140000
  THEN pg_relation_size($1::oid::regclass) / current_setting('block_size')::int8 ELSE 0 END`, rel.OID).Scan(&blocks)
	return blocks, err
}

// integerKey returns the table's primary key column when it is a single
// int2, int4 or int8 column, else "".
func integerKey(rel *relation) string {
	if len(rel.PK) != 1 {
		return ""
	}
	i := slices.IndexFunc(rel.Columns, func(c pgColumn) bool { return c.Name == rel.PK[0] })
	if i < 0 {
		return ""
	}
	switch rel.Columns[i].OID {
	case 20, 21, 23: // int8, int2, int4
		return rel.PK[0]
	}
	return ""
}

// sampleRows is about how many keys splitPoints samples from a big table.
const sampleRows = 30000

// splitPoints returns up to n-1 strictly increasing keys that split the
// table's key column into n ranges of about equal row counts: quantiles of
// a block sample for big tables, an even split of [min, max] otherwise.
// Rows need not fall where the sample says: the ranges are open-ended at
// both ends, so they cover every key whatever the bounds are.
func splitPoints(ctx context.Context, conn *pgx.Conn, table, col string, rows int64, n int) ([]int64, error) {
	var raw []*int64
	if rows > 10*sampleRows {
		fracs := make([]float64, n-1)
		for i := range fracs {
			fracs[i] = float64(i+1) / float64(n)
		}
		pct := max(100*float64(sampleRows)/float64(rows), 0.01)
		q := "SELECT percentile_disc($1::float8[]) WITHIN GROUP (ORDER BY " + ident(col) + "::int8) FROM " + table +
			" TABLESAMPLE SYSTEM (" + strconv.FormatFloat(pct, 'f', 4, 64) + ") REPEATABLE (0)"
		if err := conn.QueryRow(ctx, q, fracs).Scan(&raw); err != nil {
			return nil, fmt.Errorf("sample keys: %w", err)
		}
	}
	if len(raw) == 0 || raw[0] == nil {
		var lo, hi *int64
		if err := conn.QueryRow(ctx, "SELECT min("+ident(col)+")::int8, max("+ident(col)+")::int8 FROM "+table).Scan(&lo, &hi); err != nil {
			return nil, fmt.Errorf("key range: %w", err)
		}
		if lo == nil {
			return nil, nil // empty table: one partition
		}
		raw = evenSplit(*lo, *hi, n)
	}
	var out []int64
	for _, b := range raw {
		if b != nil && (len(out) == 0 || *b > out[len(out)-1]) {
			out = append(out, *b)
		}
	}
	return out, nil
}

// evenSplit returns the n-1 inner bounds that cut [lo, hi] into n ranges
// of about equal width (big arithmetic: the span may exceed int64).
func evenSplit(lo, hi int64, n int) []*int64 {
	span := new(big.Int).Sub(big.NewInt(hi), big.NewInt(lo))
	span.Add(span, big.NewInt(1))
	var out []*int64
	for i := 1; i < n; i++ {
		b := new(big.Int).Mul(span, big.NewInt(int64(i)))
		b.Quo(b, big.NewInt(int64(n)))
		b.Add(b, big.NewInt(lo))
		if v := b.Int64(); v > lo {
			out = append(out, &v)
		}
	}
	return out
}

var snapshotID = regexp.MustCompile(`^[0-9A-Fa-f]+(-[0-9A-Fa-f]+)+$`)

// parsePartition decodes and checks a descriptor against the Read it came
// with.
func parsePartition(raw []byte, req sdk.ReadRequest, opts readOptions) (*partitionDesc, error) {
	var d partitionDesc
	if err := json.Unmarshal(raw, &d); err != nil {
		return nil, sdk.Errorf(sdk.CodeConfig, "postgres source: partition descriptor: %w", err)
	}
	if (d.V != 1 && d.V != 2) || d.Blocks != (d.V == 2) || !snapshotID.MatchString(d.Snapshot) {
		return nil, sdk.Errorf(sdk.CodeConfig, "postgres source: partition descriptor %s was not made by this connector's Partition", raw)
	}
	table := ""
	if opts.Query == "" {
		table = qualified(req.Namespace, req.Stream)
	}
	if d.Table != table {
		return nil, sdk.Errorf(sdk.CodeConfig, "postgres source: partition of %q given to a read of %q", d.Table, table)
	}
	if (d.Column != "" || d.Blocks) && opts.IncrementalStrategy != "" {
		return nil, sdk.Errorf(sdk.CodeConfig, "postgres source: a key-range partition cannot be read incrementally")
	}
	return &d, nil
}

// where is the partition's key or block range as SQL, "" when it has none.
func (d *partitionDesc) where() string {
	if d.Blocks {
		var conds []string
		if d.Lo != nil {
			conds = append(conds, "ctid >= '("+strconv.FormatInt(*d.Lo, 10)+",0)'::tid")
		}
		if d.Hi != nil {
			conds = append(conds, "ctid < '("+strconv.FormatInt(*d.Hi, 10)+",0)'::tid")
		}
		return strings.Join(conds, " AND ")
	}
	var conds []string
	if d.Column != "" && d.Lo != nil {
		conds = append(conds, ident(d.Column)+" >= "+strconv.FormatInt(*d.Lo, 10))
	}
	if d.Column != "" && d.Hi != nil {
		conds = append(conds, ident(d.Column)+" < "+strconv.FormatInt(*d.Hi, 10))
	}
	if len(conds) == 0 {
		return ""
	}
	if len(conds) == 1 {
		return conds[0]
	}
	return conds[0] + " AND " + conds[1]
}

// importSnapshot starts conn's read transaction on the partition's
// snapshot and tells the coordinator, whatever the outcome, that this
// partition no longer needs it.
func (c *Connector) importSnapshot(ctx context.Context, conn *pgx.Conn, d *partitionDesc) error {
	defer c.snapshots.imported(d.Snapshot)
	_, err := conn.Exec(ctx, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
	if err == nil {
		_, err = conn.Exec(ctx, "SET TRANSACTION SNAPSHOT '"+d.Snapshot+"'")
	}
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if isInvalidSnapshot(err) {
			return sdk.Errorf(sdk.CodeUnavailable, "postgres source: snapshot %s of partition %d/%d is gone (its coordinator ended: lease over or plugin restarted): partition the stream again", d.Snapshot, d.Index+1, d.Count)
		}
		return classify(fmt.Errorf("import snapshot %s: %w", d.Snapshot, err))
	}
	return nil
}
