package plan

import (
	"context"
	"fmt"
	"maps"

	"github.com/dpone-go/dpone/host/catalog"
	"github.com/dpone-go/dpone/host/manifest"
)

// CursorColumn returns the cursor column a backfill of u slices on: its
// source.options incremental_column under incremental_strategy column.
// Anything else is an ErrConfig naming the keys to set.
func CursorColumn(u *manifest.Unit) (string, error) {
	strategy, _ := u.Source.Options["incremental_strategy"].(string)
	column, _ := u.Source.Options["incremental_column"].(string)
	if strategy != "column" || column == "" {
		return "", fmt.Errorf("%w: unit %s: a backfill slices the unit's cursor column: set source.options incremental_strategy: column and incremental_column (it has incremental_strategy %q)",
			ErrConfig, u.ID, strategy)
	}
	return column, nil
}

// SliceUnit returns a copy of u that loads one slice of its target: mode
// replace, deleting the rows that match where and inserting the rows
// read. Its id is u's (state, locks and receipts are the unit's).
func SliceUnit(u *manifest.Unit, where string) *manifest.Unit {
	c := *u
	c.Sink.Strategy = manifest.Strategy{Mode: "replace", UniqueKey: u.Sink.Strategy.UniqueKey, Extra: map[string]any{"where": where}}
	c.Sink.Options = maps.Clone(u.Sink.Options)
	return &c
}

// ResolveSlice resolves u as the load of one cursor range: a full read of
// the rows with rng.Lower <= cursor < rng.Upper (ReadRequest.cursor_range,
// never a NULL cursor) into a replace of the slice where selects in the
// target (SliceUnit), in one read without partitions. The unit's
// checkpoint is neither read nor moved. A source without the cursor_range
// capability or a sink without mode replace is ErrUnsupported.
func (p *Planner) ResolveSlice(ctx context.Context, u *manifest.Unit, rng catalog.CursorRange, where string) (*Unit, error) {
	if _, spec, err := p.o.Connectors.Catalog(ctx, u.Source.Type); err == nil && !spec.Capabilities.CursorRange {
		err := fmt.Errorf("%w: source connector %s cannot read a cursor range (it does not declare the cursor_range capability), "+
			"so dpone backfill cannot slice unit %s: backfill with a source that does (postgres, duckdb), or load the unit with dpone run", ErrUnsupported, u.Source.Type, u.ID)
		return &Unit{Unit: u.ID, Source: u.Source.Type, Sink: u.Sink.Type, M: u, Error: err.Error()}, fmt.Errorf("unit %s: %w", u.ID, err)
	}
	su := SliceUnit(u, where)
	up, err := p.Resolve(ctx, su)
	if err != nil {
		return up, err
	}
	r := up.Read.Clone()
	r.Mode, r.PriorState, r.Partition = catalog.SourceModeFull, nil, nil
	r.CursorRange = &catalog.CursorRange{Lower: rng.Lower, Upper: rng.Upper}
	up.Read = r
	up.ReadRequest = showRead(r)
	up.Incremental, up.Parallel = false, 1
	up.ReadMode = fmt.Sprintf("full, cursor range [%s, %s)", rng.Lower, rng.Upper)
	up.StateBefore, up.StateAfter = "not read (backfill)", "unchanged (a backfill never moves the checkpoint)"
	up.PayloadFormat, up.Path = payloadPath(up, up.streamFormats)
	return up, nil
}
