package clickhouse

import (
	"context"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/dpone-go/dpone/sdk"
	"github.com/dpone-go/dpone/sdk/objstage"
)

// stagingTypes are the sink.staging types the sink loads from: s3 only.
// The server itself reads the parts (the s3() table function), so they
// must lie where it can fetch them over HTTP; a local directory is the
// plugin's, and ClickHouse's file() reads only the server's own
// user_files directory. GCS has an S3-compatible XML API, but with HMAC
// keys a gcs staging area does not carry.
var stagingTypes = []string{objstage.TypeS3}

// openArea opens the load's staging area, refusing a type the sink does
// not load from (plan refuses it first; a direct caller may not).
func openArea(ctx context.Context, req sdk.LoadRequest) (*objstage.Area, error) {
	if req.Staging.Type != objstage.TypeS3 {
		return nil, sdk.Errorf(sdk.CodeUnsupported, "sink clickhouse loads through s3 staging only (the server reads the parts with s3()), not %s: set sink.staging.type: s3", req.Staging.Type)
	}
	return objstage.Open(ctx, req.Staging)
}

// writeObjects is Write for a load with sink.staging: the records become
// Parquet parts of the load (converted as stageconv.go says, after the
// block path's value checks against staging's columns st), and the
// load's manifest lists them. CommitLoad loads them into staging.
func (c *Connector) writeObjects(ctx context.Context, l *load, schema *arrow.Schema, st *tableInfo, records sdk.RecordReader) (sdk.WriteResult, error) {
	var res sdk.WriteResult
	names := fieldNames(schema)
	fields := make([]arrow.Field, len(names))
	notNull := make([]bool, len(names))
	for i, n := range names {
		col := st.column(n)
		if col == nil {
			return res, sdk.Errorf(sdk.CodeSchema, "load %s: column %q is not in staging %s.%s (the target lacks it: evolve the target's schema first)", l.req.LoadID, n, l.db, l.staging)
		}
		notNull[i] = !nullable(col.typ) && !composite(col.typ)
		fields[i], _ = stagedField(schema.Field(i))
	}
	staged := arrow.NewSchema(fields, nil)
	a, err := openArea(ctx, l.req)
	if err != nil {
		return res, err
	}
	load := c.objects.Get(a, l.req.LoadID)
	w, err := load.NewWriter(staged, 0)
	if err != nil {
		return res, err
	}
	convert := func(rec arrow.RecordBatch) (arrow.RecordBatch, error) {
		return stagedRecord(rec, names, notNull, staged)
	}
	if res.Rows, _, err = w.WriteAll(ctx, records, convert); err != nil {
		return res, err
	}
	return res, load.WriteManifest(ctx)
}

// stagedRecord is rec's columns names, checked and converted, as a
// record of schema staged.
func stagedRecord(rec arrow.RecordBatch, names []string, notNull []bool, staged *arrow.Schema) (arrow.RecordBatch, error) {
	cols := make([]arrow.Array, 0, len(names))
	defer func() {
		for _, c := range cols {
			c.Release()
		}
	}()
	for i, n := range names {
		idx := rec.Schema().FieldIndices(n)
		if len(idx) == 0 {
			return nil, sdk.Errorf(sdk.CodeSchema, "record has no column %q of the load's schema", n)
		}
		f, arr := rec.Schema().Field(idx[0]), rec.Column(idx[0])
		if notNull[i] && arr.NullN() > 0 {
			return nil, sdk.Errorf(sdk.CodeData, "insert column %q into staging: column %q: %d NULL values for a column that is not Nullable (a sorting key column, or declared NOT NULL)", n, n, arr.NullN())
		}
		if err := checkInstants(f, arr); err != nil {
			return nil, sdk.Errorf(sdk.CodeOf(err), "insert column %q into staging: %w", n, err)
		}
		out, err := convertColumn(f, arr)
		if err != nil {
			return nil, sdk.Errorf(sdk.CodeOf(err), "insert column %q into staging: %w", n, err)
		}
		if !arrow.TypeEqual(out.DataType(), staged.Field(i).Type) {
			out.Release()
			return nil, sdk.Errorf(sdk.CodeSchema, "record column %q is %s, the load's schema says %s", n, arr.DataType(), staged.Field(i).Type)
		}
		cols = append(cols, out)
	}
	return array.NewRecordBatch(staged, cols, rec.NumRows()), nil
}

// The dates the server reads from Parquet into Date32 (it refuses the
// others, where native blocks store any day).
var (
	minParquetDate = arrow.Date32FromTime(time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC))
	maxParquetDate = arrow.Date32FromTime(time.Date(2299, 12, 31, 0, 0, 0, 0, time.UTC))
)

// checkDays refuses a date outside minParquetDate..maxParquetDate.
func checkDays(f arrow.Field, arr arrow.Array, day func(i int) arrow.Date32) error {
	for i := range arr.Len() {
		if d := day(i); arr.IsValid(i) && (d < minParquetDate || d > maxParquetDate) {
			return sdk.Errorf(sdk.CodeData, "column %q: %s is outside the dates ClickHouse reads from Parquet (1900-01-01 to 2299-12-31): load this table without sink.staging (native blocks keep any date), or filter or cast it in the source",
				f.Name, d.FormattedString())
		}
	}
	return nil
}

// checkInstants refuses, at any depth, the timestamps the block path
// refuses (outside int64 nanoseconds) and the dates s3() cannot read.
func checkInstants(f arrow.Field, arr arrow.Array) error {
	switch a := arr.(type) {
	case *array.Timestamp:
		return checkTicks(f, a, a.DataType().(*arrow.TimestampType).Unit)
	case *array.Date32:
		return checkDays(f, a, a.Value)
	case *array.Date64:
		return checkDays(f, a, func(i int) arrow.Date32 { return arrow.Date32FromTime(a.Value(i).ToTime()) })
	case *array.List:
		return checkInstants(arrow.Field{Name: f.Name + ".element", Type: a.DataType().(*arrow.ListType).Elem()}, a.ListValues())
	case *array.Map:
		mt := a.DataType().(*arrow.MapType)
		if err := checkInstants(arrow.Field{Name: f.Name + ".key", Type: mt.KeyType()}, a.Keys()); err != nil {
			return err
		}
		return checkInstants(arrow.Field{Name: f.Name + ".value", Type: mt.ItemType()}, a.Items())
	case *array.Struct:
		st := a.DataType().(*arrow.StructType)
		for i := range st.NumFields() {
			if err := checkInstants(arrow.Field{Name: f.Name + "." + st.Field(i).Name, Type: st.Field(i).Type}, a.Field(i)); err != nil {
				return err
			}
		}
	}
	return nil
}

// finishObjects removes a committed load's files unless staging.keep; a
// failure only leaves files behind, so it is logged, not returned.
func (c *Connector) finishObjects(ctx context.Context, req sdk.LoadRequest) {
	if err := c.objects.Finish(ctx, req.Staging, req.LoadID); err != nil {
		logWarn("staging files of a committed load were not removed", "load_id", req.LoadID, "error", err.Error())
	}
}

// abortObjects removes an aborted load's files.
func (c *Connector) abortObjects(ctx context.Context, req sdk.LoadRequest) error {
	return c.objects.Abort(ctx, req.Staging, req.LoadID)
}
