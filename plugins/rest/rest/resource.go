package rest

import (
	"encoding/json"
	"net/http"
	"slices"

	"github.com/dpone-go/dpone/sdk"

	"github.com/dpone-go/dpone/plugins/rest/rest/page"
)

// Resource is one stream: an endpoint, how to page through it and how its
// records become columns.
type Resource struct {
	// Name is the stream name.
	Name string `json:"name"`
	// Path is appended to base_url; it may hold {{ parent.<field> }} and
	// {{ cursor }}. An absolute URL is used as it is.
	Path string `json:"path"`
	// Method is GET (default) or POST.
	Method string `json:"method"`
	// Body is the JSON body of a POST; string values may hold templates
	// ({{ cursor }}, {{ parent.id }}).
	Body json.RawMessage `json:"body"`
	// Params and Headers are added to the client's for this resource;
	// values may hold templates.
	Params  map[string]string `json:"params"`
	Headers map[string]string `json:"headers"`
	// RecordsPath is where the records are in a response: a JSONPath
	// (RFC 9535: $.data, $.result.items, $.data[*], $..orders,
	// $.data[?@.active == true]); each value it selects is an array of
	// records, one record (an object) or null. Default the root. Paths
	// of member names (and a final wildcard) stream; others read each
	// page whole.
	RecordsPath string `json:"records_path"`
	// PrimaryKey names the columns that identify a record.
	PrimaryKey []string `json:"primary_key"`
	// Columns declare column types (see docs/types/rest.md); other
	// columns are inferred from a sample unless infer is false.
	Columns []Column `json:"columns"`
	// Infer adds columns found in the first sample_records records;
	// default true.
	Infer *bool `json:"infer"`
	// SampleRecords is how many records inference reads; default 100.
	SampleRecords int `json:"sample_records"`
	// Nested is what happens to nested objects: json (one json column,
	// default) or flatten (a__b columns; arrays stay json).
	Nested string `json:"nested"`
	// Paginator is how to get the next page.
	Paginator Paginator `json:"paginator"`
	// Parent makes this a child resource: one request (and paginator) per
	// parent record.
	Parent *Parent `json:"parent"`
	// Incremental says where the cursor goes in a request.
	Incremental *Incremental `json:"incremental"`
	// Status maps status codes to actions for this resource, over the
	// client's retry.status.
	Status map[string]string `json:"status"`

	cursor sdk.CursorOptions
}

// Parent ties a child resource to its parent.
type Parent struct {
	// Resource is the parent's name (a resource of the config).
	Resource string `json:"resource"`
	// Fields of the parent record added to each child record as
	// _parent_<field> columns.
	Fields []string `json:"fields"`
	// Incremental has an incremental read send the parent its own cursor
	// (the parent resource's incremental.param or body_field) and read the
	// children of the parents it returns only: for APIs where a change to
	// a child updates its parent's cursor field. Default false: every
	// parent's children are requested on every read.
	Incremental bool `json:"incremental"`
	// CursorField is the parent's cursor field with incremental; default
	// the child's incremental_column.
	CursorField string `json:"cursor_field"`
}

// Incremental says how a read sends its cursor (the largest
// incremental_column value committed, minus lookback) to the API.
type Incremental struct {
	// Param is the query parameter that carries the cursor.
	Param string `json:"param"`
	// BodyField is the top-level JSON body field that carries it (POST).
	BodyField string `json:"body_field"`
}

// Column is a declared column.
type Column struct {
	Name string `json:"name"`
	// Type is a logical type: bool, int64, float64, string, date,
	// timestamp, decimal(p,s), json.
	Type string `json:"type"`
	// Path is the record field, a__b for nested; default Name.
	Path string `json:"path"`
}

const (
	strategyColumn      = "column"
	nestedJSON          = "json"
	nestedFlatten       = "flatten"
	defaultSampleRecord = 100
)

// check validates a resource and fills in its defaults.
func (r *Resource) check(c *Config) error {
	if r.Path == "" {
		return sdk.Errorf(sdk.CodeConfig, "resource %q: path is required (define it in the config's resources or in source.options)", r.Name)
	}
	switch r.Method {
	case "":
		r.Method = http.MethodGet
	case http.MethodGet, http.MethodPost:
	default:
		return sdk.Errorf(sdk.CodeConfig, "resource %q: method %q: want GET or POST", r.Name, r.Method)
	}
	if len(r.Body) > 0 && !json.Valid(r.Body) {
		return sdk.Errorf(sdk.CodeConfig, "resource %q: body is not valid JSON", r.Name)
	}
	if _, err := page.Compile(r.RecordsPath); err != nil {
		return sdk.Errorf(sdk.CodeConfig, "resource %q: records_path: %w", r.Name, err)
	}
	switch r.Nested {
	case "":
		r.Nested = nestedJSON
	case nestedJSON, nestedFlatten:
	default:
		return sdk.Errorf(sdk.CodeConfig, "resource %q: nested %q: want json or flatten", r.Name, r.Nested)
	}
	if r.SampleRecords <= 0 {
		r.SampleRecords = defaultSampleRecord
	}
	for _, col := range r.Columns {
		if col.Name == "" {
			return sdk.Errorf(sdk.CodeConfig, "resource %q: a column has no name", r.Name)
		}
		if _, err := parseType(col.Type); err != nil {
			return sdk.Errorf(sdk.CodeConfig, "resource %q: column %q: %w", r.Name, col.Name, err)
		}
	}
	if err := r.Paginator.check(r.Name); err != nil {
		return err
	}
	if r.Parent != nil {
		if r.Parent.Resource == r.Name || !slices.ContainsFunc(c.Resources, func(p Resource) bool { return p.Name == r.Parent.Resource }) {
			return sdk.Errorf(sdk.CodeConfig, "resource %q: parent.resource %q is not another resource of the config", r.Name, r.Parent.Resource)
		}
	}
	for k, v := range r.Status {
		if !validStatusKey(k) || !slices.Contains([]string{actionRetry, actionFail, actionSkip, actionEnd}, v) {
			return sdk.Errorf(sdk.CodeConfig, "resource %q: status.%s %q: want a status (\"404\", \"5xx\") mapped to retry, fail, skip or end", r.Name, k, v)
		}
	}
	return nil
}

// inferOn reports whether inference adds columns.
func (r *Resource) inferOn() bool { return r.Infer == nil || *r.Infer }
