package mssql

import (
	"strings"
	"testing"

	"github.com/dpone-go/dpone/sdk"
)

// TestPartitionTruncateSQL pins partition_replace on a partitioned target:
// the partitioning query and the publish that truncates the touched
// partitions (or deletes when one holds values the load does not bring).
func TestPartitionTruncateSQL(t *testing.T) {
	for _, tc := range []struct{ name, ns string }{{"partition_truncate", "sales"}, {"partition_truncate_threepart", "crm.sales"}} {
		t.Run(tc.name, func(t *testing.T) {
			l := testLoad(t, sdk.ModePartitionReplace, tc.ns, false)
			l.strategy.PartitionBy = []string{"at"}
			p := &partitioning{Function: "pf_month", Column: "at"}
			golden(t, tc.name+".sql", render([]stmt{{SQL: l.partitioningSQL()}, l.partitionReplace(p)}))
		})
	}
}

// TestTruncates: whole partitions are truncated only when the target is
// partitioned by exactly the load's one partition_by column and nothing
// blocks TRUNCATE; every other case deletes row by row.
func TestTruncates(t *testing.T) {
	l := testLoad(t, sdk.ModePartitionReplace, "sales", false)
	l.strategy.PartitionBy = []string{"at"}
	for _, tc := range []struct {
		name string
		p    *partitioning
		by   []string
		want string
	}{
		{"partitioned by the column", &partitioning{Function: "pf", Column: "at"}, []string{"at"}, ""},
		{"not partitioned", nil, []string{"at"}, "the target is not partitioned"},
		{"other column", &partitioning{Function: "pf", Column: "day"}, []string{"at"}, "partitioned by day"},
		{"two columns", &partitioning{Function: "pf", Column: "at"}, []string{"at", "code"}, "partitioned by at"},
		{"blocked", &partitioning{Function: "pf", Column: "at", Blocker: "foreign keys reference it"}, []string{"at"}, "foreign keys reference it"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l.strategy.PartitionBy = tc.by
			ok, why := l.truncates(tc.p)
			if ok != (tc.want == "") || !strings.Contains(why, tc.want) {
				t.Fatalf("got %v %q, want reason %q", ok, why, tc.want)
			}
			got := l.partitionReplace(tc.p).SQL
			if truncated := strings.Contains(got, "TRUNCATE TABLE"); truncated != ok {
				t.Fatalf("publish truncates: got %v, want %v:\n%s", truncated, ok, got)
			}
		})
	}
}
