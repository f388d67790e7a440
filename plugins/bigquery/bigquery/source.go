package bigquery

import (
	"encoding/json"
	"strings"

	"github.com/dpone-go/dpone/sdk"
)

// sourceOptions are the source's keys of source.options.
type sourceOptions struct {
	// Query is read instead of the stream's table (standard SQL). Its
	// rows come through a query job and jobs.getQueryResults.
	Query string `json:"query"`
	// IncrementalStrategy is "" (full reads) or "column".
	IncrementalStrategy string `json:"incremental_strategy"`
	// CursorOptions are the column strategy's keys, shared by every
	// source through the SDK.
	sdk.CursorOptions
	// ReadAPI picks how a table is read in full: auto (default: the
	// Storage Read API, tabledata.list when it is unavailable or an
	// endpoint override is set), storage, or rest (tabledata.list).
	ReadAPI string `json:"read_api"`
}

// Read APIs (read_api).
const (
	readAuto    = "auto"
	readStorage = "storage"
	readREST    = "rest"
)

// decodeSourceOptions decodes and checks ReadRequest.Options.
func decodeSourceOptions(raw json.RawMessage) (sourceOptions, error) {
	var o sourceOptions
	if err := sdk.DecodeOptions(raw, &o, "bigquery source options"); err != nil {
		return o, err
	}
	switch o.IncrementalStrategy {
	case "":
		if o.IncrementalColumn != "" {
			return o, sdk.Errorf(sdk.CodeConfig, "bigquery source options: incremental_column needs incremental_strategy: column")
		}
	case "column":
		if o.IncrementalColumn == "" {
			return o, sdk.Errorf(sdk.CodeConfig, "bigquery source options: incremental_strategy column needs incremental_column")
		}
	default:
		return o, sdk.Errorf(sdk.CodeUnsupported, "bigquery source: incremental_strategy %q is not supported (supported: column)", o.IncrementalStrategy)
	}
	switch o.ReadAPI {
	case "":
		o.ReadAPI = readAuto
	case readAuto, readStorage, readREST:
	default:
		return o, sdk.Errorf(sdk.CodeConfig, "bigquery source options: read_api %q: use auto, storage or rest", o.ReadAPI)
	}
	if o.ReadAPI == readStorage && (o.Query != "" || o.IncrementalStrategy != "") {
		return o, sdk.Errorf(sdk.CodeConfig, "bigquery source options: read_api storage reads whole tables only: a query or an incremental read runs a query job (ordered by the cursor) and reads its results with jobs.getQueryResults; drop read_api or set it to auto")
	}
	o.Query = strings.TrimRight(strings.TrimSpace(o.Query), ";")
	return o, nil
}

// source is a ReadRequest resolved to BigQuery names.
type source struct {
	cfg   Config
	table sdk.TableRef // the stream's table (its dataset defaults to the config's)
	opts  sourceOptions
	req   sdk.ReadRequest
}

// resolveSource parses a ReadRequest's config and options.
func resolveSource(req sdk.ReadRequest) (*source, error) {
	cfg, err := parseConfig(req.Config)
	if err != nil {
		return nil, err
	}
	opts, err := decodeSourceOptions(req.Options)
	if err != nil {
		return nil, err
	}
	t := sdk.TableRef{Namespace: req.Namespace, Name: req.Stream}
	if t.Namespace == "" {
		t.Namespace = cfg.Dataset
	}
	if opts.Query == "" && req.Mode == sdk.ReadIncremental && opts.IncrementalStrategy == "" {
		return nil, sdk.Errorf(sdk.CodeConfig, "bigquery source %s.%s: an incremental read needs incremental_strategy: column and incremental_column in source.options", t.Namespace, t.Name)
	}
	return &source{cfg: cfg, table: t, opts: opts, req: req}, nil
}

// byQuery reports a read that runs a query job: a query source, or a
// column-strategy read (rows ordered by the cursor, which only a query
// gives).
func (s *source) byQuery() bool {
	return s.opts.Query != "" || s.opts.IncrementalStrategy == "column"
}

// name is the stream as errors name it.
func (s *source) name() string { return s.table.Namespace + "." + s.table.Name }

// from is the relation a query read selects from: the query in
// parentheses, or the table.
func (s *source) from() string {
	if s.opts.Query != "" {
		return "(" + s.opts.Query + ")"
	}
	return quoteIdent(s.cfg.Project + "." + s.table.Namespace + "." + s.table.Name)
}
