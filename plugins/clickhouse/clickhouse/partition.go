package clickhouse

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/dpone-go/dpone/sdk"
)

// partition is a Partition descriptor: the rows whose hash modulo N is I.
type partition struct {
	N int `json:"n"`
	I int `json:"i"`
}

var _ sdk.Partitioner = (*Connector)(nil)

// Partition splits a stream into n parts by a hash of its key (the
// sorting key of a ReplacingMergeTree, else every column): together they
// cover each row once. ClickHouse has no snapshots shared across
// connections: rows inserted while the parts are read may be in some
// parts and not others (data parts are immutable, so no row is read
// twice).
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
	for i := range n {
		out[i], _ = json.Marshal(partition{N: n, I: i})
	}
	return out, nil
}

// partitionWhere renders the predicate of a partition descriptor over
// the read's columns: by the key columns when the table has a key.
func partitionWhere(desc []byte, all []column) (string, error) {
	if len(desc) == 0 {
		return "", nil
	}
	var p partition
	if err := json.Unmarshal(desc, &p); err != nil || p.N < 1 || p.I < 0 || p.I >= p.N {
		return "", sdk.Errorf(sdk.CodeConfig, "partition descriptor %q is not one Partition returned", desc)
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
