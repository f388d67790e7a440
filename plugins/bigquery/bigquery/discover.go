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

// selectTables resolves the selector (sdk.Selected: a table name,
// dataset.table, a dataset, or a glob of those; none means the config's
// dataset) to tables, not dpone's bookkeeping tables (_dpone_*).
func selectTables(ctx context.Context, svc *bq.Service, cfg Config, selector []string) ([]sdk.TableRef, error) {
	datasets, all := datasetsToList(cfg.Dataset, selector)
	if all {
		datasets = nil
		err := svc.Datasets.List(cfg.Project).Context(ctx).Pages(ctx, func(l *bq.DatasetList) error {
			for _, d := range l.Datasets {
				datasets = append(datasets, d.DatasetReference.DatasetId)
			}
			return nil
		})
		if err != nil {
			return nil, classify("list datasets of "+cfg.Project, err)
		}
	}
	var tables []sdk.TableRef
	for _, ds := range datasets {
		err := svc.Tables.List(cfg.Project, ds).Context(ctx).Pages(ctx, func(l *bq.TableList) error {
			for _, t := range l.Tables {
				name := t.TableReference.TableId
				if !strings.HasPrefix(name, "_dpone_") && (len(selector) == 0 || sdk.Selected(selector, ds, name)) {
					tables = append(tables, sdk.TableRef{Namespace: ds, Name: name})
				}
			}
			return nil
		})
		if isNotFound(err) && ds != cfg.Dataset {
			continue // a bare selector entry that names a table, not a dataset
		}
		if err != nil {
			return nil, classify("list tables of "+cfg.Project+"."+ds, err)
		}
	}
	return tables, nil
}

// datasetsToList are the datasets whose tables a selector can keep: the
// config's, every dataset an entry names (dataset, dataset.table, or a
// bare entry that may be either), or all (a glob over datasets).
func datasetsToList(dflt string, selector []string) (datasets []string, all bool) {
	seen := map[string]bool{dflt: true}
	datasets = []string{dflt}
	for _, s := range selector {
		ds, _, qualified := strings.Cut(s, ".")
		if strings.ContainsAny(ds, "*?[") {
			if qualified {
				return nil, true
			}
			continue // a glob over table names of the default dataset
		}
		if !seen[ds] {
			seen[ds] = true
			datasets = append(datasets, ds)
		}
	}
	return datasets, false
}
