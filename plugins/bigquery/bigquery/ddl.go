package bigquery

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/dpone-go/dpone/sdk"
)

// column is one target column: name, BigQuery type, nullability.
type column struct {
	Name, Type string
	Required   bool
}

// loadColumns are the load's columns followed by the lineage columns.
// The unique key is NOT NULL (the host's rule for the targets it creates:
// a merge key is never NULL, whatever the source declares).
func (l *load) loadColumns() ([]column, error) {
	var cols []column
	for _, f := range l.req.Schema.Fields() {
		if l.isHistoryColumn(f.Name) {
			continue
		}
		t, err := bqType(f)
		if err != nil {
			return nil, err
		}
		key := slices.Contains(l.req.UniqueKey, f.Name) || slices.Contains(l.strategy.UniqueKey, f.Name)
		cols = append(cols, column{Name: f.Name, Type: t, Required: !f.Nullable || key})
	}
	if lg := l.req.Load.Lineage; lg != nil {
		if lg.RunIDColumn != "" {
			cols = append(cols, column{Name: lg.RunIDColumn, Type: "STRING"})
		}
		if lg.LoadedAtColumn != "" {
			cols = append(cols, column{Name: lg.LoadedAtColumn, Type: "TIMESTAMP"})
		}
	}
	if l.strategy.SoftDeletes() {
		cols = append(cols, column{Name: sdk.DeletedAtColumn, Type: "TIMESTAMP"})
	}
	return append(cols, l.historyColumns()...), nil
}

// targetDDL creates the target when absent, with the sink options'
// partitioning, clustering, descriptions and labels. It runs before the
// publish transaction: BigQuery transactions hold no DDL.
func (l *load) targetDDL() (string, error) {
	cols, err := l.loadColumns()
	if err != nil {
		return "", err
	}
	types := map[string]string{}
	defs := make([]string, len(cols))
	for i, c := range cols {
		types[c.Name] = c.Type
		defs[i] = "  " + quoteIdent(c.Name) + " " + c.Type
		if c.Required {
			defs[i] += " NOT NULL"
		}
		if d, ok := l.opts.ColumnDescriptions[c.Name]; ok {
			defs[i] += " OPTIONS(description = " + quoteString(d) + ")"
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE TABLE IF NOT EXISTS %s (\n%s\n)", l.target, strings.Join(defs, ",\n"))
	part, err := l.opts.partitionClause(types)
	if err != nil {
		return "", err
	}
	if part != "" {
		b.WriteString("\n" + part)
	}
	if len(l.opts.ClusterBy) > 0 {
		for _, c := range l.opts.ClusterBy {
			if _, ok := types[c]; !ok {
				return "", configErr("sink options: cluster_by column %q is not a column of the load", c)
			}
		}
		b.WriteString("\nCLUSTER BY " + identList(l.opts.ClusterBy))
	}
	var opts []string
	if p := l.opts.Partition; p != nil && p.ExpirationDays > 0 {
		opts = append(opts, fmt.Sprintf("partition_expiration_days = %d", p.ExpirationDays))
	}
	if l.opts.Description != "" {
		opts = append(opts, "description = "+quoteString(l.opts.Description))
	}
	if len(l.opts.Labels) > 0 {
		keys := make([]string, 0, len(l.opts.Labels))
		for k := range l.opts.Labels {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		pairs := make([]string, len(keys))
		for i, k := range keys {
			pairs[i] = fmt.Sprintf("(%s, %s)", quoteString(k), quoteString(l.opts.Labels[k]))
		}
		opts = append(opts, "labels = ["+strings.Join(pairs, ", ")+"]")
	}
	if len(opts) > 0 {
		b.WriteString("\nOPTIONS(" + strings.Join(opts, ", ") + ")")
	}
	return b.String(), nil
}

// receiptsDDL creates the dataset's receipts table.
func (l *load) receiptsDDL() string {
	return "CREATE TABLE IF NOT EXISTS " + l.receipts + ` (
  load_id STRING NOT NULL, target STRING NOT NULL, mode STRING NOT NULL,
  ` + "`rows`" + ` INT64 NOT NULL, receipt STRING, committed_at TIMESTAMP NOT NULL,
  manifest STRING NOT NULL, unit STRING NOT NULL
)`
}

// stagingFields are the staging table's columns: the load's own, all
// nullable as Parquet files state them (lineage is added at publish).
func stagingFields(s *arrow.Schema) []string {
	names := make([]string, s.NumFields())
	for i, f := range s.Fields() {
		names[i] = f.Name
	}
	return names
}

// sortStrings sorts in place.
func sortStrings(s []string) { sort.Strings(s) }

// identList quotes and joins names.
func identList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = quoteIdent(n)
	}
	return strings.Join(q, ", ")
}

// quoteString is a BigQuery string literal.
func quoteString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\n", `\n`, "\r", `\r`)
	return "'" + r.Replace(s) + "'"
}
