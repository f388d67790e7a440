package mssql

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/dpone-go/dpone/sdk"
)

// partitionDesc is one key range of a partitioned read: rows with
// Lo <= key < Hi, an absent bound open. SQL Server has no exported
// snapshots: the ranges are read in separate transactions (READ
// COMMITTED), so a partitioned read is consistent per range, not across.
type partitionDesc struct {
	V      int    `json:"v"`
	Column string `json:"column,omitempty"`
	Lo     *int64 `json:"lo,omitempty"`
	Hi     *int64 `json:"hi,omitempty"`
}

var _ sdk.Partitioner = (*Connector)(nil)

// Partition splits a table whose primary key is one integer column into n
// key ranges of equal width between its MIN and MAX (the first and last
// open, so rows inserted meanwhile land in one); any other table is one
// partition.
func (c *Connector) Partition(ctx context.Context, req sdk.ReadRequest, n int) ([][]byte, error) {
	var opts sourceOptions
	if err := sdk.DecodeOptions(req.Options, &opts, "mssql source options"); err != nil {
		return nil, err
	}
	db, err := open(ctx, req.Config)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	schema := req.Namespace
	if schema == "" {
		schema = "dbo"
	}
	ts, err := describeTables(ctx, db, schema, req.Stream)
	if err != nil {
		return nil, err
	}
	if len(ts) == 0 {
		return nil, sdk.Errorf(sdk.CodeNotFound, "mssql source: table %s does not exist", streamName(req))
	}
	col, ok := intKey(ts[0])
	if !ok || n <= 1 || (opts.IncrementalStrategy != "" && req.Mode == sdk.ReadIncremental) {
		return marshalParts([]partitionDesc{{V: 1}})
	}
	var lo, hi *int64
	q, err := keyBoundsSQL(schema, req.Stream, col)
	if err != nil {
		return nil, err
	}
	if err := db.QueryRowContext(ctx, q).Scan(&lo, &hi); err != nil {
		return nil, classify(fmt.Errorf("partition %s: %w", streamName(req), err))
	}
	if lo == nil || hi == nil {
		return marshalParts([]partitionDesc{{V: 1}})
	}
	return marshalParts(keyRanges(col, *lo, *hi, n))
}

// intKey is the table's primary key when it is one integer column.
func intKey(t tableDesc) (string, bool) {
	if len(t.PrimaryKey) != 1 {
		return "", false
	}
	for _, c := range t.Columns {
		if c.Name == t.PrimaryKey[0] {
			switch c.Type {
			case "tinyint", "smallint", "int", "bigint":
				return c.Name, true
			}
		}
	}
	return "", false
}

// keyBoundsSQL reads the key's range.
func keyBoundsSQL(schema, table, col string) (string, error) {
	from, err := qualified(schema, table)
	if err != nil {
		return "", err
	}
	return "SELECT CAST(MIN(" + ident(col) + ") AS bigint), CAST(MAX(" + ident(col) + ") AS bigint) FROM " + from + ";", nil
}

// keyRanges splits [lo, hi] into at most n contiguous ranges, the first
// and last open-ended.
func keyRanges(col string, lo, hi int64, n int) []partitionDesc {
	span := uint64(hi - lo)
	if span < uint64(n) {
		n = int(span) + 1
	}
	step := span/uint64(n) + 1
	parts := make([]partitionDesc, n)
	for i := range parts {
		parts[i] = partitionDesc{V: 1, Column: col}
		if i > 0 {
			b := lo + int64(uint64(i)*step)
			parts[i].Lo = &b
		}
		if i < n-1 {
			b := lo + int64(uint64(i+1)*step)
			parts[i].Hi = &b
		}
	}
	return parts
}

func marshalParts(ps []partitionDesc) ([][]byte, error) {
	out := make([][]byte, len(ps))
	for i, p := range ps {
		b, err := json.Marshal(p)
		if err != nil {
			return nil, err
		}
		out[i] = b
	}
	return out, nil
}

// partitionWhere renders a descriptor's range as a condition ("" for the
// whole table).
func partitionWhere(raw []byte) (string, error) {
	if raw == nil {
		return "", nil
	}
	var p partitionDesc
	if err := json.Unmarshal(raw, &p); err != nil || p.V != 1 {
		return "", sdk.Errorf(sdk.CodeConfig, "mssql source: partition descriptor %q is not one this connector made", raw)
	}
	var conds []string
	if p.Lo != nil {
		conds = append(conds, ident(p.Column)+" >= "+strconv.FormatInt(*p.Lo, 10))
	}
	if p.Hi != nil {
		conds = append(conds, ident(p.Column)+" < "+strconv.FormatInt(*p.Hi, 10))
	}
	w := ""
	for i, c := range conds {
		if i == 0 {
			w = " WHERE " + c
		} else {
			w += " AND " + c
		}
	}
	return w, nil
}
