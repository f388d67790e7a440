package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/google/go-cmp/cmp"
	"github.com/rogpeppe/go-internal/testscript"
)

// plandiff PLAN_JSON REPORT_DIR: the DDL of every unit in a `dpone plan
// --json` output equals, byte for byte, the DDL the newest run report in
// REPORT_DIR says the sink executed (followed by the planned quarantine
// DDL when the run quarantined rows), and every unit planned some DDL (so
// the comparison cannot pass vacuously).
func cmdPlanDiff(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: plandiff PLAN_JSON REPORT_DIR")
	}
	type unit struct {
		Unit       string   `json:"unit"`
		DDL        []string `json:"ddl"`
		Quarantine *struct {
			DDL []string `json:"ddl"`
		} `json:"quarantine"`
		RowsQuarantined int64 `json:"rows_quarantined"`
	}
	var plan, report struct {
		Units []unit `json:"units"`
	}
	ts.Check(json.Unmarshal([]byte(ts.ReadFile(args[0])), &plan))
	reports, err := filepath.Glob(filepath.Join(ts.MkAbs(args[1]), "*.json"))
	ts.Check(err)
	if len(reports) == 0 {
		ts.Fatalf("no run report in %s", args[1])
	}
	slices.SortFunc(reports, func(a, b string) int {
		fa, _ := os.Stat(a)
		fb, _ := os.Stat(b)
		return fa.ModTime().Compare(fb.ModTime())
	})
	b, err := os.ReadFile(reports[len(reports)-1])
	ts.Check(err)
	ts.Check(json.Unmarshal(b, &report))
	ran := map[string][]string{}
	quarantined := map[string]bool{}
	for _, u := range report.Units {
		ran[u.Unit] = u.DDL
		quarantined[u.Unit] = u.RowsQuarantined > 0
	}
	var diffs []string
	for _, u := range plan.Units {
		if len(u.DDL) == 0 {
			diffs = append(diffs, "unit "+u.Unit+": the plan has no DDL to compare")
			continue
		}
		want := u.DDL
		if u.Quarantine != nil && quarantined[u.Unit] {
			want = append(slices.Clone(want), u.Quarantine.DDL...)
		}
		if d := cmp.Diff(want, ran[u.Unit]); d != "" {
			diffs = append(diffs, "unit "+u.Unit+" (-plan +run):\n"+d)
		}
	}
	switch {
	case len(diffs) > 0 && !neg:
		ts.Fatalf("DDL planned and run differ:\n%s", strings.Join(diffs, "\n"))
	case len(diffs) == 0 && neg:
		ts.Fatalf("DDL planned and run are the same")
	}
	ts.Logf("%d units: the DDL run is the DDL planned", len(plan.Units))
}
