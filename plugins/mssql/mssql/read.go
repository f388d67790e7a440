package mssql

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/dpone-go/dpone/sdk"
)

// sourceOptions are the SQL Server source's own keys of source.options.
type sourceOptions struct{}

// Read streams SELECT <columns> FROM <table> into Arrow records sized by
// out.BatchBytes(): rows are decoded one at a time into the builders, never
// buffered whole. Only full reads are implemented.
func (c *Connector) Read(ctx context.Context, req sdk.ReadRequest, out sdk.RecordWriter) error {
	if err := sdk.DecodeOptions(req.Options, &sourceOptions{}, "mssql source options"); err != nil {
		return err
	}
	if req.Mode == sdk.ReadIncremental {
		return sdk.Errorf(sdk.CodeUnsupported, "mssql source: incremental reads are not implemented yet: use mode full_refresh for %s", streamName(req))
	}
	if req.Partition != nil {
		return sdk.Errorf(sdk.CodeUnsupported, "mssql source: partitioned reads are not implemented")
	}
	db, err := open(ctx, req.Config)
	if err != nil {
		return err
	}
	defer db.Close()
	schema := req.Namespace
	if schema == "" {
		schema = "dbo"
	}
	ts, err := describeTables(ctx, db, schema, req.Stream)
	if err != nil {
		return err
	}
	if len(ts) == 0 {
		return sdk.Errorf(sdk.CodeNotFound, "mssql source: table %s does not exist (or is not visible to this login)", streamName(req))
	}
	fields, err := projectFields(ts[0].Columns, req.Columns)
	if err != nil {
		return err
	}
	q, err := selectSQL(schema, req.Stream, fields)
	if err != nil {
		return err
	}
	s := arrow.NewSchema(fields, nil)
	if err := out.Schema(s); err != nil {
		return err
	}
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return classify(fmt.Errorf("read %s: %w", streamName(req), err))
	}
	defer rows.Close()
	bb := sdk.NewBatchBuilder(nil, s, out)
	defer bb.Release()
	vals := make([]any, len(fields))
	ptrs := make([]any, len(fields))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return classify(fmt.Errorf("read %s: %w", streamName(req), err))
		}
		for i, f := range fields {
			if err := appendValue(f, bb.Field(i), vals[i]); err != nil {
				return err
			}
		}
		if err := bb.RowDone(); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return classify(fmt.Errorf("read %s: %w", streamName(req), err))
	}
	return bb.Flush()
}

// projectFields maps the requested columns (all readable ones when none)
// to Arrow fields; a requested column that is missing or unreadable is an
// error naming it.
func projectFields(cols []column, want []string) ([]arrow.Field, error) {
	var fields []arrow.Field
	for _, c := range cols {
		if len(want) > 0 && !slices.Contains(want, c.Name) {
			continue
		}
		f, err := c.arrowField()
		if err != nil {
			if len(want) > 0 {
				return nil, err
			}
			continue
		}
		fields = append(fields, f)
	}
	for _, w := range want {
		if !slices.ContainsFunc(fields, func(f arrow.Field) bool { return f.Name == w }) {
			return nil, sdk.Errorf(sdk.CodeSchema, "mssql source: column %q does not exist", w)
		}
	}
	return fields, nil
}

// selectSQL renders the full read. xml is selected as nvarchar(max) so it
// arrives as text; everything else as stored.
func selectSQL(schema, table string, fields []arrow.Field) (string, error) {
	from, err := qualified(schema, table)
	if err != nil {
		return "", err
	}
	sel := make([]string, len(fields))
	for i, f := range fields {
		sel[i] = ident(f.Name)
		if n, _ := f.Metadata.GetValue(sdk.MetaNative); n == "xml" {
			sel[i] = "CAST(" + ident(f.Name) + " AS nvarchar(max)) AS " + ident(f.Name)
		}
	}
	return "SELECT " + strings.Join(sel, ", ") + " FROM " + from + ";", nil
}

func streamName(req sdk.ReadRequest) string {
	if req.Namespace != "" {
		return req.Namespace + "." + req.Stream
	}
	return req.Stream
}
