// Package plan resolves selected manifest units into a reviewable plan
// before any data moves. A resolved Unit is one value holding everything a
// load needs: the connection configs, the read request, the evolution
// policy, the data contract, the schema changes and the DDL the sink
// renders for them (a dry-run ApplySchema), and the BeginLoad request.
// `dpone plan` prints it; `dpone run` executes the same value (package run
// never re-derives any of it), so what plan shows is what run does.
//
// Validation runs before any I/O (Validate): option keys and value types,
// merge keys, and the connector capabilities a unit needs. Resolution
// then asks the connectors' catalogs for the source's schema and the
// target's, refuses keys that are not columns of the source, and renders
// the DDL.
package plan

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/dpone-go/dpone/host/manifest"
	"github.com/dpone-go/dpone/host/state"
)

// Plan is what `dpone plan` shows.
type Plan struct {
	Manifest string  `json:"manifest"`
	RunID    string  `json:"run_id"`
	Units    []*Unit `json:"units"`
}

// Options configure planning.
type Options struct {
	Manifest   *manifest.Manifest
	Connectors Connectors
	// Store supplies the checkpoint an incremental read resumes from; nil
	// plans every read from the start.
	Store state.Store
	// RunID and At stamp the lineage columns the BeginLoad request carries
	// (the run's id and start time).
	RunID string
	At    time.Time
}

// Build validates and plans units in DAG order. Problems with one unit are
// recorded on its Unit; the returned error joins them all, so a caller can
// print the plan and still fail. A unit that reads a table an earlier unit
// of the plan creates is planned from the schema that unit will produce.
func Build(ctx context.Context, o Options, units []*manifest.Unit) (*Plan, error) {
	p := &Plan{Manifest: o.Manifest.Metadata.ID, RunID: o.RunID}
	order, err := topo(units)
	if err != nil {
		return nil, err
	}
	pl := NewPlanner(o)
	var errs []error
	for _, u := range order {
		up, err := pl.Resolve(ctx, u)
		if err != nil {
			errs = append(errs, err)
		}
		p.Units = append(p.Units, up)
	}
	return p, errors.Join(errs...)
}

// topo orders units so that every unit comes after the units it depends on.
func topo(units []*manifest.Unit) ([]*manifest.Unit, error) {
	g := manifest.GraphOf(units)
	ids, err := g.TopoOrder()
	if err != nil {
		return nil, err
	}
	byID := map[string]*manifest.Unit{}
	for _, u := range units {
		byID[u.ID] = u
	}
	out := make([]*manifest.Unit, 0, len(units))
	for _, id := range ids {
		out = append(out, byID[id])
	}
	return out, nil
}

func tableName(t manifest.TableRef) string {
	if t.Schema == "" {
		return t.Name
	}
	return t.Schema + "." + t.Name
}

// WriteText renders the plan for people.
func (p *Plan) WriteText(w io.Writer) {
	fmt.Fprintf(w, "Plan for %s: %d unit(s)\n", p.Manifest, len(p.Units))
	for _, u := range p.Units {
		fmt.Fprintf(w, "\n%s\n", u.Unit)
		row := func(k, v string) { fmt.Fprintf(w, "  %-12s %s\n", k+":", v) }
		src := u.Source + " " + u.SourceTable + " (" + u.ReadMode + ")"
		if u.SourceCreatedBy != "" {
			src += ", source created by " + u.SourceCreatedBy
		}
		row("source", src)
		row("sink", u.Sink+" "+u.Target)
		mode := u.Mode
		if len(u.UniqueKey) > 0 && keyedModes[u.Mode] {
			mode += " by " + strings.Join(u.UniqueKey, ", ")
		}
		row("mode", mode)
		if len(u.DependsOn) > 0 {
			row("depends on", strings.Join(u.DependsOn, ", "))
		}
		row("staging", u.Staging)
		if u.Files != "" {
			row("files", u.Files)
		}
		if u.Path != "" {
			row("path", u.Path)
		}
		if u.TargetState != "" {
			row("target", u.TargetState)
		}
		if len(u.Columns) > 0 {
			row("columns", strings.Join(u.Columns, ", "))
		}
		for _, ev := range u.Evolution {
			row("evolution", ev)
		}
		for _, d := range u.DDL {
			row("ddl", strings.ReplaceAll(d, "\n", "\n               "))
		}
		if q := u.Quarantine; q != nil {
			row("quarantine", q.Table+" ("+q.State+")")
			for _, d := range q.DDL {
				row("ddl", d)
			}
		}
		row("state", u.StateBefore+" -> "+u.StateAfter)
		for _, l := range u.Lossy {
			row("lossy", l)
		}
		for _, w := range u.Warnings {
			row("WARNING", w)
		}
		if u.Error != "" {
			row("ERROR", u.Error)
		}
	}
}

// shortState keeps a checkpoint readable in a plan: a column checkpoint
// can hold thousands of tie fingerprints.
func shortState(b []byte) string {
	const limit = 240
	if len(b) <= limit {
		return string(b)
	}
	return fmt.Sprintf("%s… (%d bytes; dpone state show prints it whole)", strings.ToValidUTF8(string(b[:limit]), ""), len(b))
}
