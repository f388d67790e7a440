package bigquery

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	bq "google.golang.org/api/bigquery/v2"

	"github.com/dpone-go/dpone/sdk"
)

// partition_replace into a target that BigQuery partitions by the
// strategy's one partition_by column writes each staged partition through
// its partition decorator (`table$20261201`): one query job per partition,
// WRITE_TRUNCATE, selecting that partition's rows of staging. The unit
// replaced is BigQuery's partition (the day, hour, month or year of a time
// column; the bucket of an integer range), on this path and on the
// transactional fallback alike (partitionMatch).

// columnPartitioning is how a target is partitioned by a column, read
// from its table metadata.
type columnPartitioning struct {
	Field string
	Type  string // the column's type: DATE, TIMESTAMP, DATETIME or INT64
	Unit  string // HOUR, DAY, MONTH or YEAR; "" for an integer range
	Range *bq.RangePartitioningRange
}

// partitioningOf is t's column partitioning, nil when t is unpartitioned,
// partitioned by ingestion time or by a column of no known type.
func partitioningOf(t *bq.Table) *columnPartitioning {
	if t == nil || t.Schema == nil {
		return nil
	}
	p := &columnPartitioning{}
	switch {
	case t.TimePartitioning != nil && t.TimePartitioning.Field != "":
		p.Field, p.Unit = t.TimePartitioning.Field, t.TimePartitioning.Type
		if p.Unit == "" {
			p.Unit = "DAY"
		}
	case t.RangePartitioning != nil && t.RangePartitioning.Range != nil && t.RangePartitioning.Range.Interval > 0:
		p.Field, p.Range = t.RangePartitioning.Field, t.RangePartitioning.Range
	default:
		return nil
	}
	for _, f := range t.Schema.Fields {
		if f.Name == p.Field && f.Mode != "REPEATED" {
			p.Type = legacyType(f.Type)
		}
	}
	switch {
	case p.Range != nil && p.Type == "INT64":
	case p.Range == nil && slices.Contains([]string{"DATE", "TIMESTAMP", "DATETIME"}, p.Type):
	default:
		return nil
	}
	return p
}

// legacyType is the standard SQL name of a REST schema type.
func legacyType(t string) string {
	switch t {
	case "INTEGER":
		return "INT64"
	case "FLOAT":
		return "FLOAT64"
	case "BOOLEAN":
		return "BOOL"
	case "RECORD":
		return "STRUCT"
	}
	return t
}

// decoratorPartitioning is the target's partitioning when this load
// replaces whole BigQuery partitions: partition_replace whose partition_by
// is exactly the target's partitioning column; nil otherwise (the
// publish script then deletes the staged partition_by values).
func (l *load) decoratorPartitioning(target *bq.Table) *columnPartitioning {
	p := partitioningOf(target)
	if p == nil || l.req.Mode != sdk.ModePartitionReplace || !slices.Equal(l.strategy.PartitionBy, []string{p.Field}) {
		return nil
	}
	return p
}

// unitFormats are the partition decorators' formats per time unit.
var unitFormats = map[string]string{"HOUR": "%Y%m%d%H", "DAY": "%Y%m%d", "MONTH": "%Y%m", "YEAR": "%Y"}

// idExpr is the SQL of the partition id (the decorator's suffix) of the
// row alias's column: NULL for a NULL value or an integer outside the
// range, which BigQuery keeps in __NULL__ / __UNPARTITIONED__ (partitions
// a decorator does not write: a load holding one takes the transactional
// path).
func (p *columnPartitioning) idExpr(alias string) string {
	col := alias + quoteIdent(p.Field)
	if r := p.Range; r != nil {
		return fmt.Sprintf("IF(%[1]s >= %[2]d AND %[1]s < %[3]d, CAST(%[2]d + %[4]d * DIV(%[1]s - %[2]d, %[4]d) AS STRING), NULL)",
			col, r.Start, r.End, r.Interval)
	}
	f := unitFormats[p.Unit]
	switch p.Type {
	case "DATE":
		return fmt.Sprintf("FORMAT_DATE('%s', %s)", f, col)
	case "DATETIME":
		return fmt.Sprintf("FORMAT_DATETIME('%s', %s)", f, col)
	}
	return fmt.Sprintf("FORMAT_TIMESTAMP('%s', %s, 'UTC')", f, col)
}

// partitionMatch is the transactional path's DELETE predicate on a
// partitioned target: target rows in a partition staging holds rows of
// (NULL matching NULL, so __NULL__ and __UNPARTITIONED__ are replaced
// too).
func (p *columnPartitioning) partitionMatch() string {
	return fmt.Sprintf("%s IS NOT DISTINCT FROM %s", p.idExpr("T."), p.idExpr("S."))
}

// partitionsSQL lists staging's partitions (id, rows), NULL first.
func (l *load) partitionsSQL(p *columnPartitioning) string {
	return fmt.Sprintf("SELECT %s AS partition_id, COUNT(*) AS n FROM %s GROUP BY partition_id ORDER BY partition_id", p.idExpr(""), l.staging)
}

// partitionJob replaces one partition of the target: the staged rows of
// partition id, as the target's columns in the target's order (lineage
// from parameters, a target column the load lacks NULL), written to
// `table$id` with WRITE_TRUNCATE under a job id derived from the load id
// and the partition (a retried commit finds the job done and does not
// write again).
func (l *load) partitionJob(target *bq.Table, p *columnPartitioning, id string) *bq.Job {
	staged := map[string]string{}
	names := stagingFields(l.req.Schema)
	for i, e := range l.selectExprs("", names) {
		staged[names[i]] = e
	}
	params := map[string]string{}
	var sel []string
	for _, f := range target.Schema.Fields {
		e, ok := staged[f.Name]
		lg := l.req.Load.Lineage
		switch {
		case ok:
		case lg != nil && f.Name == lg.RunIDColumn:
			e, params["run_id"] = "@run_id", lg.RunID
		case lg != nil && f.Name == lg.LoadedAtColumn:
			e, params["loaded_at"] = "TIMESTAMP(@loaded_at)", lg.LoadedAt
		default:
			e = "CAST(NULL AS " + sqlType(f) + ")"
		}
		if e != quoteIdent(f.Name) {
			e += " AS " + quoteIdent(f.Name)
		}
		sel = append(sel, e)
	}
	job := l.queryJob("part_"+id, fmt.Sprintf("SELECT %s\nFROM %s\nWHERE %s = '%s'", strings.Join(sel, ", "), l.staging, p.idExpr(""), id), params)
	q := job.Configuration.Query
	q.DestinationTable = &bq.TableReference{ProjectId: l.cfg.Project, DatasetId: l.dataset, TableId: l.req.Target.Name + "$" + id}
	q.WriteDisposition, q.CreateDisposition = "WRITE_TRUNCATE", "CREATE_NEVER"
	job.Configuration.Labels["dpone"] = "partition"
	return job
}

// receiptScript writes the receipt of a load published through partition
// decorators, in a transaction that checks the fence and skips a load
// whose receipt exists.
func (l *load) receiptScript() string {
	var b strings.Builder
	b.WriteString("DECLARE done BOOL DEFAULT (SELECT COUNT(*) > 0 FROM " + l.receipts + " WHERE load_id = @load_id);\n")
	b.WriteString("IF NOT done THEN\nBEGIN TRANSACTION;\n")
	b.WriteString(l.checkFenceSQL())
	fmt.Fprintf(&b, "INSERT INTO %s (load_id, target, mode, `rows`, receipt, committed_at, manifest, unit)\n"+
		"SELECT @load_id, @target, @mode, COUNT(*), @receipt, CURRENT_TIMESTAMP(), @manifest, @unit FROM %s;\n", l.receipts, l.staging)
	b.WriteString("COMMIT TRANSACTION;\nEND IF;\n")
	return b.String()
}

// checkScript refuses, before any partition is written, a fenced-off load
// and a second writer into the target.
func (l *load) checkScript() string {
	return l.checkFenceSQL() + l.sharedTargetSQL()
}

// sqlType is the standard SQL type of a REST schema field (for a NULL of
// a target column the load lacks).
func sqlType(f *bq.TableFieldSchema) string {
	t := legacyType(f.Type)
	if t == "STRUCT" {
		parts := make([]string, len(f.Fields))
		for i, c := range f.Fields {
			parts[i] = quoteIdent(c.Name) + " " + sqlType(c)
		}
		t = "STRUCT<" + strings.Join(parts, ", ") + ">"
	}
	if (t == "NUMERIC" || t == "BIGNUMERIC") && f.Precision > 0 {
		t += "(" + strconv.FormatInt(f.Precision, 10) + ", " + strconv.FormatInt(f.Scale, 10) + ")"
	}
	if f.Mode == "REPEATED" {
		t = "ARRAY<" + t + ">"
	}
	return t
}

// maxDecoratorPartitions bounds the partitions a load writes through
// decorators: each is a query job that counts against the table's daily
// table operations (1,500), so a load staging more (a backfill) publishes
// in the transaction instead.
const maxDecoratorPartitions = 32

// maxDescription is the longest table description BigQuery keeps.
const maxDescription = 16384

// decoratable reports whether a load with staged partitions parts and
// receipt publishes through partition decorators: every partition has a
// decorator (no __NULL__ or __UNPARTITIONED__), there are at most
// maxDecoratorPartitions, and the publishing marker with the receipt fits
// staging's description.
func decoratable(parts []stagedPartition, receipt []byte) bool {
	if len(parts) > maxDecoratorPartitions || len(publishingPrefix)+len(receipt) > maxDescription {
		return false
	}
	for _, p := range parts {
		if p.Null {
			return false
		}
	}
	return true
}

// publishingPrefix starts the staging table's description once its
// partitions are being written; the receipt follows it, so LoadStatus can
// finish the load.
const publishingPrefix = "dpone:publishing:"
