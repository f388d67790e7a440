package plan_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/host/connector/connectortest"
	"github.com/dpone-go/dpone/host/manifest"
	"github.com/dpone-go/dpone/host/plan"
)

func unit(id string, src, dst manifest.TableRef, mode string, needs ...string) *manifest.Unit {
	u := &manifest.Unit{ID: id, Needs: needs, DependsOn: needs,
		Source: manifest.Endpoint{Type: "fake", Table: src},
		Sink:   manifest.Endpoint{Type: "fake", Table: dst, Strategy: manifest.Strategy{Mode: mode}}}
	if mode == "incremental_merge" {
		u.Sink.Strategy.UniqueKey = []string{"id"}
	}
	return u
}

func names(u *plan.Unit) []string {
	var out []string
	for _, f := range u.Changes[0].GetField().GetType().GetFields() {
		out = append(out, f.GetName())
	}
	return out
}

// TestSourceCreatedByEarlierUnit: a unit reading the table an earlier unit
// of the plan creates is planned from the schema that unit produces,
// whatever the manifest order, without asking the source.
func TestSourceCreatedByEarlierUnit(t *testing.T) {
	fake := connectortest.New(3, 3)
	m := &manifest.Manifest{Metadata: manifest.Metadata{ID: "m"}}
	staged := manifest.TableRef{Schema: "stg", Name: "t"}
	units := []*manifest.Unit{
		unit("publish", staged, manifest.TableRef{Schema: "mart", Name: "t"}, "full_refresh", "stage"),
		unit("stage", manifest.TableRef{Schema: "s", Name: "t"}, staged, "incremental_merge"),
	}
	p, err := plan.Build(context.Background(), plan.Options{Manifest: m, Connectors: fake, RunID: "r"}, units)
	if err != nil {
		t.Fatal(err)
	}
	if got := []string{p.Units[0].Unit, p.Units[1].Unit}; !slices.Equal(got, []string{"stage", "publish"}) {
		t.Fatalf("plan order: got %v, want DAG order [stage publish]", got)
	}
	pub := p.Units[1]
	if pub.SourceCreatedBy != "stage" || pub.Error != "" {
		t.Fatalf("publish: source created by %q, error %q; want \"stage\", none", pub.SourceCreatedBy, pub.Error)
	}
	want := []string{"id int64", "_dpone_run_id string", "_dpone_loaded_at timestamp(6, tz)"}
	if diff := cmp.Diff(want, pub.Columns); diff != "" {
		t.Errorf("publish columns, the schema stage produces (-want +got):\n%s", diff)
	}
	// The lineage columns read from upstream are replaced by this load's.
	if diff := cmp.Diff([]string{"id", "_dpone_run_id", "_dpone_loaded_at"}, names(pub)); diff != "" {
		t.Errorf("publish CREATE columns (-want +got):\n%s", diff)
	}
	if n := strings.Count(strings.Join(fake.Calls(), " "), "DescribeStream"); n != 1 {
		t.Errorf("DescribeStream calls: got %d, want 1 (stage only)", n)
	}
}

// TestSinkCreatesItsTargets: a sink whose schema ops leave create_table
// out creates its absent targets itself (with options the host's CREATE
// cannot carry): the plan sends it no CREATE.
func TestSinkCreatesItsTargets(t *testing.T) {
	u := unit("u", manifest.TableRef{Schema: "s", Name: "t"}, manifest.TableRef{Schema: "d", Name: "t"}, "incremental_merge")
	fake := connectortest.New(1, 1)
	fake.SchemaOps = []string{"add_column", "widen_type", "drop_not_null"}
	p, err := plan.Build(context.Background(), plan.Options{Manifest: &manifest.Manifest{Metadata: manifest.Metadata{ID: "m"}},
		Connectors: fake, RunID: "r"}, []*manifest.Unit{u})
	if err != nil {
		t.Fatal(err)
	}
	pu := p.Units[0]
	if len(pu.Changes) != 0 || len(pu.DDL) != 0 || pu.TargetState != "absent: created by the sink at commit" {
		t.Errorf("got changes %v, ddl %q, target %q; want none, none, created by the sink", pu.Changes, pu.DDL, pu.TargetState)
	}
}

// TestSinkShowsTheCreateItRuns: a sink that creates its targets itself
// and reads the load its schema changes are for (v1.3) shows in the plan
// the CREATE its commit runs, rendered from the unit's mode, key and sink
// options by a dry-run call; nothing is applied before staging.
func TestSinkShowsTheCreateItRuns(t *testing.T) {
	u := unit("u", manifest.TableRef{Schema: "s", Name: "t"}, manifest.TableRef{Schema: "d", Name: "t"}, "incremental_merge")
	u.Sink.Options = map[string]any{"engine": "ReplacingMergeTree"}
	fake := connectortest.New(1, 1)
	fake.SchemaOps = []string{"add_column", "widen_type", "drop_not_null"}
	fake.LoadSchema = true
	p, err := plan.Build(context.Background(), plan.Options{Manifest: &manifest.Manifest{Metadata: manifest.Metadata{ID: "m"}},
		Connectors: fake, RunID: "r"}, []*manifest.Unit{u})
	if err != nil {
		t.Fatal(err)
	}
	pu := p.Units[0]
	if pu.Error != "" || len(pu.Changes) != 0 || pu.TargetState != "absent: created by the sink at commit" {
		t.Fatalf("got error %q, changes %v, target %q; want none, none, created by the sink", pu.Error, pu.Changes, pu.TargetState)
	}
	if diff := cmp.Diff([]string{"SINK CREATE d.t mode=incremental_merge key=[id]"}, pu.DDL); diff != "" {
		t.Errorf("plan DDL (-want +got):\n%s", diff)
	}
	reqs := fake.SchemaRequests()
	if len(reqs) != 1 || !reqs[0].DryRun || reqs[0].For == nil {
		t.Fatalf("ApplySchema requests %+v: want one dry run for the load", reqs)
	}
	f := reqs[0].For
	if !strings.Contains(string(f.OptionsJSON), `"engine":"ReplacingMergeTree"`) || f.Load == nil || f.Load.Lineage == nil || f.Load.Lineage.RunID != "r" {
		t.Errorf("load of the dry run: options %s, load %+v; want the sink options and the run's lineage", f.OptionsJSON, f.Load)
	}
}

func TestCreateTableShape(t *testing.T) {
	tests := []struct {
		name    string
		mode    string
		options map[string]any
		cols    []string
		pk      []string
	}{
		{name: "merge", mode: "incremental_merge", cols: []string{"id", "_dpone_run_id", "_dpone_loaded_at"}, pk: []string{"id"}},
		{name: "append", mode: "incremental_append", cols: []string{"id", "_dpone_run_id", "_dpone_loaded_at"}},
		{name: "lineage off", mode: "incremental_merge", options: map[string]any{"lineage": false}, cols: []string{"id"}, pk: []string{"id"}},
		{name: "lineage renamed", mode: "full_refresh", options: map[string]any{"lineage": map[string]any{"run_id_column": "etl_run"}},
			cols: []string{"id", "etl_run", "_dpone_loaded_at"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := unit("u", manifest.TableRef{Schema: "s", Name: "t"}, manifest.TableRef{Schema: "d", Name: "t"}, tt.mode)
			u.Sink.Options = tt.options
			p, err := plan.Build(context.Background(), plan.Options{Manifest: &manifest.Manifest{Metadata: manifest.Metadata{ID: "m"}},
				Connectors: connectortest.New(1, 1), RunID: "r"}, []*manifest.Unit{u})
			if err != nil {
				t.Fatal(err)
			}
			pu := p.Units[0]
			if diff := cmp.Diff(tt.cols, names(pu)); diff != "" {
				t.Errorf("columns (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.pk, pu.Changes[0].PrimaryKey); diff != "" {
				t.Errorf("primary key (-want +got):\n%s", diff)
			}
			if len(pu.DDL) != 1 || pu.TargetState != "absent: created before staging" {
				t.Errorf("got ddl %q, target %q", pu.DDL, pu.TargetState)
			}
			if pu.Begin.LoadID != "" || pu.BeginFor("L").LoadID != "L" || pu.Begin.LoadID != "" {
				t.Errorf("BeginFor must stamp a clone, not the plan's request")
			}
		})
	}
}
