package bigquery

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	bq "google.golang.org/api/bigquery/v2"

	"github.com/dpone-go/dpone/sdk"
)

// Discover lists the tables and views of the config's dataset, or those
// the selector names (a dataset, or dataset.table), with their schemas and
// row and byte estimates from table metadata. BigQuery has no primary
// keys that it enforces; declared ones (NOT ENFORCED) are reported.
func (c *Connector) Discover(ctx context.Context, config json.RawMessage, selector []string) ([]sdk.Stream, error) {
	cfg, err := parseConfig(config)
	if err != nil {
		return nil, err
	}
	cl, err := connect(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	refs, err := selectTables(ctx, cl.bq, cfg, selector)
	if err != nil {
		return nil, err
	}
	out := make([]sdk.Stream, 0, len(refs))
	for _, r := range refs {
		t, err := cl.bq.Tables.Get(cfg.Project, r.Namespace, r.Name).Context(ctx).Do()
		if err != nil {
			return nil, classify("discover "+r.Namespace+"."+r.Name, err)
		}
		out = append(out, tableStream(t))
	}
	return out, nil
}

// tableStream is a stream from table metadata.
func tableStream(t *bq.Table) sdk.Stream {
	s := sdk.Stream{Namespace: t.TableReference.DatasetId, Name: t.TableReference.TableId,
		Schema: arrowSchema(t.Schema), RowEstimate: int64(t.NumRows), ByteEstimate: t.NumBytes}
	if t.TableConstraints != nil && t.TableConstraints.PrimaryKey != nil {
		s.PrimaryKey = t.TableConstraints.PrimaryKey.Columns
	}
	for _, f := range s.Schema.Fields() {
		switch f.Type.ID() {
		case arrow.INT64, arrow.DATE32, arrow.TIMESTAMP, arrow.DECIMAL128:
			s.CursorCandidates = append(s.CursorCandidates, f.Name)
		}
	}
	return s
}

// selectTables resolves the selector to tables (not the dpone bookkeeping
// tables _dpone_loads and staging).
func selectTables(ctx context.Context, svc *bq.Service, cfg Config, selector []string) ([]sdk.TableRef, error) {
	datasets, tables := []string{}, []sdk.TableRef{}
	for _, s := range selector {
		if ds, t, ok := strings.Cut(s, "."); ok {
			tables = append(tables, sdk.TableRef{Namespace: ds, Name: t})
		} else if s != "" {
			datasets = append(datasets, s)
		}
	}
	if len(selector) == 0 {
		datasets = []string{cfg.Dataset}
	}
	for _, ds := range datasets {
		err := svc.Tables.List(cfg.Project, ds).Context(ctx).Pages(ctx, func(l *bq.TableList) error {
			for _, t := range l.Tables {
				if strings.HasPrefix(t.TableReference.TableId, "_dpone_") {
					continue
				}
				tables = append(tables, sdk.TableRef{Namespace: ds, Name: t.TableReference.TableId})
			}
			return nil
		})
		if err != nil {
			return nil, classify("list tables of "+cfg.Project+"."+ds, err)
		}
	}
	return tables, nil
}
