package mssql

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	mssqldb "github.com/microsoft/go-mssqldb"

	"github.com/dpone-go/dpone/sdk"
)

// TestBulkOptions: TABLOCK and KEEP_NULLS by default, each configurable in
// sink.options, and the bulk statement names the quoted staging table.
func TestBulkOptions(t *testing.T) {
	for _, tc := range []struct {
		opts string
		want mssqldb.BulkOptions
	}{
		{``, mssqldb.BulkOptions{Tablock: true, KeepNulls: true, KilobytesPerBatch: 4096}},
		{`{"tablock":false,"keep_nulls":false,"check_constraints":true}`, mssqldb.BulkOptions{CheckConstraints: true, KilobytesPerBatch: 4096}},
	} {
		l, err := resolveLoad(sdk.LoadRequest{LoadID: "L1", Mode: sdk.ModeAppend, Target: sdk.TableRef{Namespace: "sales", Name: "orders"},
			Options: json.RawMessage(tc.opts)}, true)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tc.want, l.bulkOptions()); diff != "" {
			t.Errorf("options %s (-want +got):\n%s", tc.opts, diff)
		}
		stmt := mssqldb.CopyIn(l.staging, l.bulkOptions(), "id", "odd]name")
		if !strings.Contains(stmt, `"TableName":"[sales].[_dpone_stg_l1]"`) {
			t.Errorf("bulk statement does not name staging: %s", stmt)
		}
	}
}

// TestSinkOptionsSchema: the spec publishes the sink options BeginLoad
// decodes, so plan refuses an unknown key before any I/O.
func TestSinkOptionsSchema(t *testing.T) {
	var doc struct {
		Properties           map[string]any `json:"properties"`
		AdditionalProperties bool           `json:"additionalProperties"`
	}
	if err := json.Unmarshal([]byte(New().Spec().SinkOptionsSchema), &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"tablock", "keep_nulls", "check_constraints"} {
		if _, ok := doc.Properties[k]; !ok {
			t.Errorf("sink options schema lacks %s: %v", k, doc.Properties)
		}
	}
	if doc.AdditionalProperties || len(doc.Properties) != 3 {
		t.Errorf("schema %+v: want exactly the three keys, no others", doc)
	}
}
