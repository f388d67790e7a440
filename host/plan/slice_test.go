package plan_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/dpone-go/dpone/host/catalog"
	"github.com/dpone-go/dpone/host/connector/connectortest"
	"github.com/dpone-go/dpone/host/manifest"
	"github.com/dpone-go/dpone/host/plan"
)

// TestResolveSliceRefusesSourceWithoutRange: a source that does not
// declare cursor_range cannot be backfilled: plan says so before any I/O.
func TestResolveSliceRefusesSourceWithoutRange(t *testing.T) {
	u := unit("s.t", manifest.TableRef{Schema: "s", Name: "t"}, manifest.TableRef{Schema: "d", Name: "t"}, "incremental_merge")
	u.Source.Options = map[string]any{"incremental_strategy": "column", "incremental_column": "id"}
	fake := connectortest.New(3, 3)
	pl := plan.NewPlanner(plan.Options{Manifest: &manifest.Manifest{Metadata: manifest.Metadata{ID: "m"}}, Connectors: fake, RunID: "r"})
	up, err := pl.ResolveSlice(context.Background(), u, catalog.CursorRange{Lower: "0", Upper: "10"}, `"id" >= 0 AND "id" < 10`)
	if !errors.Is(err, plan.ErrUnsupported) || !strings.Contains(err.Error(), "cannot read a cursor range") {
		t.Fatalf("got %v, want ErrUnsupported naming the cursor_range capability", err)
	}
	if up == nil || up.Error == "" {
		t.Errorf("the plan's unit carries no error: %+v", up)
	}
	if len(fake.Calls()) != 0 {
		t.Errorf("calls before the refusal: %v, want none", fake.Calls())
	}
}

// TestCursorColumn: a backfill needs the column strategy and its column.
func TestCursorColumn(t *testing.T) {
	u := unit("s.t", manifest.TableRef{Name: "t"}, manifest.TableRef{Name: "t"}, "incremental_append")
	if _, err := plan.CursorColumn(u); !errors.Is(err, plan.ErrConfig) {
		t.Errorf("no strategy: got %v, want ErrConfig", err)
	}
	u.Source.Options = map[string]any{"incremental_strategy": "column", "incremental_column": "at"}
	if c, err := plan.CursorColumn(u); err != nil || c != "at" {
		t.Errorf("got %q, %v; want at", c, err)
	}
}
