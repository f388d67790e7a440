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
