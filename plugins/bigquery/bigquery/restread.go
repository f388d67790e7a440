package bigquery

import (
	"context"
	"strings"

	bq "google.golang.org/api/bigquery/v2"

	"github.com/dpone-go/dpone/sdk"
)

// restPageRows is how many rows one REST page asks for; BigQuery caps a
// page at about 10 MB whatever the count.
const restPageRows = 50000

// page is one page of REST rows.
type page struct {
	rows  []*bq.TableRow
	next  string
	total int64
}

// emitter writes decoded rows in records of about the writer's batch
// size, and progress against the estimate.
type emitter struct {
	d        *rowDecoder
	out      recordSink
	progress sdk.RecordWriter
	limit    int
	estimate int64
	done     int64
}

// add decodes a page's rows, writing a record whenever one is full.
func (e *emitter) add(rows []*bq.TableRow) error {
	for _, r := range rows {
		if err := e.d.append(r); err != nil {
			return err
		}
		if e.d.bytes >= e.limit {
			if err := e.emit(); err != nil {
				return err
			}
		}
	}
	return nil
}

// emit writes the rows decoded so far.
func (e *emitter) emit() error {
	if e.d.rows == 0 {
		return nil
	}
	rec := e.d.flush()
	defer rec.Release()
	if err := e.out.Write(rec); err != nil {
		return err
	}
	e.done += rec.NumRows()
	return e.progress.Progress(e.done, e.estimate)
}

// pages reads every page from fetch (token "" first) into e.
func (e *emitter) pages(ctx context.Context, fetch func(token string) (page, error)) error {
	token := ""
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		p, err := fetch(token)
		if err != nil {
			return err
		}
		if p.total > 0 {
			e.estimate = p.total
		}
		if err := e.add(p.rows); err != nil {
			return err
		}
		if p.next == "" || p.next == token {
			return e.emit()
		}
		token = p.next
	}
}

// readTableREST reads a table in full with tabledata.list: the fallback
// when the Storage Read API is unavailable (read_api: rest or auto).
func readTableREST(ctx context.Context, svc *bq.Service, s *source, out sdk.RecordWriter) error {
	meta, err := svc.Tables.Get(s.cfg.Project, s.table.Namespace, s.table.Name).Context(ctx).Do()
	if err != nil {
		return classify("bigquery source: get table "+s.name(), err)
	}
	all := meta.Schema.Fields
	cols, err := project(arrowSchema(meta.Schema), s.req.Columns, nil)
	if err != nil {
		return err
	}
	fields, pick := all, []int(nil)
	if len(cols) > 0 {
		fields, pick = nil, nil
		for i, f := range all {
			for _, c := range cols {
				if f.Name == c {
					fields = append(fields, f)
					pick = append(pick, i)
				}
			}
		}
	}
	d := newRowDecoder(fields)
	d.cells.emulator = !int64Timestamps(s.cfg)
	defer d.release()
	if err := out.Schema(d.schema); err != nil {
		return err
	}
	e := &emitter{d: d, out: out, progress: out, limit: out.BatchBytes(), estimate: int64(meta.NumRows)}
	call := svc.Tabledata.List(s.cfg.Project, s.table.Namespace, s.table.Name).FormatOptionsUseInt64Timestamp(int64Timestamps(s.cfg)).MaxResults(restPageRows)
	if len(cols) > 0 {
		call = call.SelectedFields(strings.Join(cols, ","))
	}
	return e.pages(ctx, func(token string) (page, error) {
		if token != "" {
			call = call.PageToken(token)
		}
		l, err := call.Context(ctx).Do()
		if err != nil {
			return page{}, classify("bigquery source: tabledata.list "+s.name(), err)
		}
		// With selectedFields BigQuery sends only those cells, in table
		// order; a server that ignores it sends every cell.
		d.pick = nil
		if len(l.Rows) > 0 && len(l.Rows[0].F) == len(all) && pick != nil {
			d.pick = pick
		}
		return page{rows: l.Rows, next: l.PageToken, total: l.TotalRows}, nil
	})
}
