package clickhouse

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/dpone-go/dpone/sdk"
)

// partition is a Partition descriptor: the table partitions it reads
// (PartitionIDs; Rest adds every partition not in Known, i.e. created
// after the split), or, for a table with one partition or a query, the
// rows whose hash modulo N is I.
type partition struct {
	N            int      `json:"n,omitempty"`
	I            int      `json:"i,omitempty"`
	ByPartition  bool     `json:"by_partition,omitempty"`
	PartitionIDs []string `json:"partition_ids,omitempty"`
	Rest         bool     `json:"rest,omitempty"`
	Known        []string `json:"known,omitempty"`
}

var _ sdk.Partitioner = (*Connector)(nil)

// Partition splits a stream into n parts that together cover each row
// once. A table with at least two partitions (its PARTITION BY) is split
// by them, balanced by their row counts from system.parts: each part reads
// only its own data parts (_partition_id), and the last one also every
// partition created after the split. FINAL stays exact, as ClickHouse
// merges rows only within a partition. Otherwise (one partition, a
// query) the parts are a hash of the key (the sorting key of a
// ReplacingMergeTree, else every column), each scanning the whole table.
// ClickHouse has no snapshots shared across connections: rows inserted
// while the parts are read may be in some parts and not others (data
// parts are immutable, so no row is read twice).
func (c *Connector) Partition(ctx context.Context, req sdk.ReadRequest, n int) ([][]byte, error) {
	if n < 1 {
		return nil, sdk.Errorf(sdk.CodeConfig, "partition count %d: want at least 1", n)
	}
	opts, err := decodeSourceOptions(req.Options)
	if err != nil {
		return nil, err
	}
	s, err := c.open(ctx, req.Config)
	if err != nil {
		return nil, err
	}
	if _, _, err := s.relation(ctx, req, opts); err != nil {
		return nil, err
	}
	out := make([][]byte, n)
	if n > 1 && opts.Query == "" {
		db := req.Namespace
		if db == "" {
			db = s.database
		}
		groups, known, err := s.partitionGroups(ctx, db, req.Stream, n)
		if err != nil {
			return nil, err
		}
		if groups != nil {
			for i, g := range groups {
				p := partition{ByPartition: true, PartitionIDs: g}
				if i == n-1 {
					p.Rest, p.Known = true, known
				}
				out[i], _ = json.Marshal(p)
			}
			return out, nil
		}
	}
	for i := range n {
		out[i], _ = json.Marshal(partition{N: n, I: i})
	}
	return out, nil
}

// partitionGroups deals db.name's active partitions into n groups of
// about equal rows (largest first, each to the smallest group), or nil
// when the table has fewer than two partitions.
func (s *server) partitionGroups(ctx context.Context, db, name string, n int) (groups [][]string, known []string, err error) {
	rows, err := s.conn.Query(detach(ctx), `SELECT partition_id, toInt64(sum(rows)) AS r FROM system.parts
		WHERE database = ? AND table = ? AND active GROUP BY partition_id ORDER BY r DESC, partition_id`, db, name)
	if err != nil {
		return nil, nil, classify(fmt.Errorf("list partitions of %s.%s: %w", db, name, err))
	}
	defer rows.Close()
	groups = make([][]string, n)
	sums := make([]int64, n)
	for rows.Next() {
		var id string
		var r int64
		if err := rows.Scan(&id, &r); err != nil {
			return nil, nil, classify(fmt.Errorf("list partitions of %s.%s: %w", db, name, err))
		}
		g := 0
		for i := range sums {
			if sums[i] < sums[g] {
				g = i
			}
		}
		groups[g] = append(groups[g], id)
		sums[g] += r
		known = append(known, id)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, classify(fmt.Errorf("list partitions of %s.%s: %w", db, name, err))
	}
	if len(known) < 2 {
		return nil, nil, nil
	}
	return groups, known, nil
}

// partitionWhere renders the predicate of a partition descriptor over
// the read's columns.
func partitionWhere(desc []byte, all []column) (string, error) {
	if len(desc) == 0 {
		return "", nil
	}
	var p partition
	if err := json.Unmarshal(desc, &p); err != nil || (!p.ByPartition && (p.N < 1 || p.I < 0 || p.I >= p.N)) {
		return "", sdk.Errorf(sdk.CodeConfig, "partition descriptor %q is not one Partition returned", desc)
	}
	if p.ByPartition {
		conds := []string{"0"} // more parts than partitions: some read none
		if len(p.PartitionIDs) > 0 {
			conds = append(conds, "_partition_id IN ("+literals(p.PartitionIDs)+")")
		}
		if p.Rest {
			conds = append(conds, "_partition_id NOT IN ("+literals(p.Known)+")")
		}
		return "(" + strings.Join(conds, " OR ") + ")", nil
	}
	var key []string
	for _, c := range all {
		if c.field.Metadata.FindKey(metaPrimaryKey) >= 0 {
			key = append(key, c.name)
		}
	}
	if len(key) == 0 {
		for _, c := range all {
			key = append(key, c.name)
		}
	}
	return fmt.Sprintf("cityHash64(%s) %% %d = %d", columnList(key), p.N, p.I), nil
}

// literals renders quoted string literals, comma-separated.
func literals(vals []string) string {
	q := make([]string, len(vals))
	for i, v := range vals {
		q[i] = literal(v)
	}
	return strings.Join(q, ", ")
}
