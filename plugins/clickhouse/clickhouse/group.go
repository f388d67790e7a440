package clickhouse

import (
	"github.com/ClickHouse/ch-go/proto"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/zeebo/xxh3"
)

// groupBytes is how much Arrow data the sink gathers into one INSERT
// (several native blocks in one query). One INSERT per record made one
// server round trip and one new part per record, parts the server then
// merged; grouping keeps memory bounded by this size plus one record.
const groupBytes = 32 << 20

// blockGroup is the records of one INSERT with their native blocks and
// the digest of their bytes (the INSERT's deduplication token).
type blockGroup struct {
	recs   []arrow.RecordBatch
	inputs []proto.Input
	bytes  int
	hash   *xxh3.Hasher
}

// add keeps rec (retained: the reader releases it at its next record)
// and its block.
func (g *blockGroup) add(rec arrow.RecordBatch, input proto.Input) {
	if g.hash == nil {
		g.hash = xxh3.New()
	}
	rec.Retain()
	g.recs = append(g.recs, rec)
	g.inputs = append(g.inputs, input)
	g.bytes += hashRecord(g.hash, rec)
}

// release drops the group's records.
func (g *blockGroup) release() {
	for _, r := range g.recs {
		r.Release()
	}
	g.recs, g.inputs, g.bytes = g.recs[:0], g.inputs[:0], 0
	if g.hash != nil {
		g.hash.Reset()
	}
}

// noRows is a column with no rows left to send (ch-go sends the input
// again at the end of a stream when its first column still has rows).
type noRows struct{ proto.ColInput }

func (noRows) Rows() int { return 0 }
