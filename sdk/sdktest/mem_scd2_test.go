package sdktest_test

import (
	"fmt"
	"reflect"
	"slices"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/dpone-go/dpone/sdk"
	"github.com/dpone-go/dpone/sdk/sdktest"
)

// memVersion is one version of an scd2 history kept by mem: the loaded
// values by column, and the history columns.
type memVersion struct {
	vals     map[string]any
	from, to *time.Time
	cur      bool
}

// commitSCD2 applies an scd2 load to the history of target (mem keeps it
// as versions beside the table it reads back). With the scd2NoClose bug a
// tracked change opens a new version but leaves the old one current.
func (m *mem) commitSCD2(req sdk.LoadRequest, staged []arrow.RecordBatch) error {
	st, err := req.Strategy()
	if err != nil {
		return err
	}
	o := st.SCD2
	var names []string
	for _, f := range req.Schema.Fields() {
		names = append(names, f.Name)
	}
	tracked, err := o.Tracked(names, req.UniqueKey, nil)
	if err != nil {
		return err
	}
	at := time.Now().UTC()
	if lg := req.Load.Lineage; lg != nil && lg.LoadedAt != "" {
		if at, err = time.Parse(time.RFC3339Nano, lg.LoadedAt); err != nil {
			return sdk.Errorf(sdk.CodeConfig, "lineage.loaded_at: %w", err)
		}
	}
	key := func(v map[string]any) string {
		var k []any
		for _, c := range req.UniqueKey {
			k = append(k, v[c])
		}
		return fmt.Sprint(k...)
	}
	same := func(a, b map[string]any, cols []string) bool {
		for _, c := range cols {
			if !reflect.DeepEqual(a[c], b[c]) {
				return false
			}
		}
		return true
	}
	rows := sdktest.Values(staged...)
	seen := map[string]bool{}
	for _, r := range rows {
		if seen[key(r)] {
			return sdk.Errorf(sdk.CodeData, "scd2: key %s twice in one load", key(r))
		}
		seen[key(r)] = true
	}
	hist := slices.Clone(m.st.history[req.Target.Name])
	current := map[string]int{}
	for i, v := range hist {
		if v.cur {
			current[key(v.vals)] = i
		}
	}
	end := func(i int) {
		t := at
		hist[i].to, hist[i].cur = &t, false
	}
	for _, r := range rows {
		i, ok := current[key(r)]
		switch {
		case !ok:
		case !same(hist[i].vals, r, tracked):
			if !m.bugs.scd2NoClose {
				end(i)
			}
		default:
			hist[i].vals = r // untracked columns are updated in place
			continue
		}
		t := at
		hist = append(hist, memVersion{vals: r, from: &t, cur: true})
	}
	if o.HardDeletes == sdk.HardDeletesClose {
		for k, i := range current {
			if !seen[k] {
				end(i)
			}
		}
	}
	m.st.history[req.Target.Name] = hist
	m.st.tables[req.Target.Name] = historyTable(req.Schema, o, hist)
	return nil
}

// historyTable renders versions as one-row records of the loaded schema
// (int64, string and float64 columns, as the suite loads) plus the history
// columns.
func historyTable(schema *arrow.Schema, o sdk.SCD2, hist []memVersion) *table {
	ts := &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	out := arrow.NewSchema(append(slices.Clone(schema.Fields()),
		arrow.Field{Name: o.ValidFrom, Type: ts, Nullable: true}, arrow.Field{Name: o.ValidTo, Type: ts, Nullable: true},
		arrow.Field{Name: o.IsCurrent, Type: arrow.FixedWidthTypes.Boolean, Nullable: true}), nil)
	t := &table{schema: out}
	for _, v := range hist {
		b := array.NewRecordBuilder(memory.DefaultAllocator, out)
		for j, f := range schema.Fields() {
			switch x := v.vals[f.Name].(type) {
			case nil:
				b.Field(j).AppendNull()
			case int64:
				b.Field(j).(*array.Int64Builder).Append(x)
			case string:
				b.Field(j).(*array.StringBuilder).Append(x)
			case float64:
				b.Field(j).(*array.Float64Builder).Append(x)
			default:
				panic(fmt.Sprintf("mem scd2: column %s: %T", f.Name, x))
			}
		}
		n := schema.NumFields()
		for j, tm := range []*time.Time{v.from, v.to} {
			if tm == nil {
				b.Field(n + j).AppendNull()
			} else {
				b.Field(n + j).(*array.TimestampBuilder).Append(arrow.Timestamp(tm.UnixMicro()))
			}
		}
		b.Field(n + 2).(*array.BooleanBuilder).Append(v.cur)
		t.rows = append(t.rows, b.NewRecordBatch())
		b.Release()
	}
	return t
}
