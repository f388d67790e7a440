// Package plan resolves selected manifest units into a reviewable plan
// before any data moves: per unit the source and sink, the load mode, the
// staging object, the DDL the sink would run (rendered by the sink itself
// through a dry-run ApplySchema) and the state transition. It refuses
// combinations the chosen plugins do not support, from their declared
// capabilities, before any I/O on the data.
package plan

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/dpone-go/dpone/host/connector"
	"github.com/dpone-go/dpone/host/manifest"
	"github.com/dpone-go/dpone/host/run"
	hostschema "github.com/dpone-go/dpone/host/schema"
	"github.com/dpone-go/dpone/host/state"
	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
	"github.com/dpone-go/dpone/proto/logical"
)

// Plan is what `dpone plan` shows.
type Plan struct {
	Manifest string      `json:"manifest"`
	Units    []*UnitPlan `json:"units"`
}

// UnitPlan is one unit's plan.
type UnitPlan struct {
	Unit        string   `json:"unit"`
	DependsOn   []string `json:"depends_on,omitempty"`
	Source      string   `json:"source"`
	SourceTable string   `json:"source_table"`
	Sink        string   `json:"sink"`
	Target      string   `json:"target"`
	Mode        string   `json:"mode"`
	UniqueKey   []string `json:"unique_key,omitempty"`
	ReadMode    string   `json:"read_mode"`
	Staging     string   `json:"staging"`
	TargetState string   `json:"target_state"`
	Columns     []string `json:"columns,omitempty"`
	Evolution   []string `json:"evolution,omitempty"`
	DDL         []string `json:"ddl,omitempty"`
	// Lossy are the sink's notes on columns its types cannot hold exactly.
	Lossy       []string `json:"lossy,omitempty"`
	StateBefore string   `json:"state_before"`
	StateAfter  string   `json:"state_after"`
	Warnings    []string `json:"warnings,omitempty"`
	Error       string   `json:"error,omitempty"`
}

// Build plans units. Problems with one unit are recorded on its UnitPlan;
// the returned error joins them all, so a caller can print the plan and
// still fail.
func Build(ctx context.Context, m *manifest.Manifest, units []*manifest.Unit, pool *run.Pool, store state.Store) (*Plan, error) {
	p := &Plan{Manifest: m.Metadata.ID}
	var errs []error
	for _, u := range units {
		up := planUnit(ctx, m, u, pool, store)
		if up.Error != "" {
			errs = append(errs, fmt.Errorf("unit %s: %s", u.ID, up.Error))
		}
		p.Units = append(p.Units, up)
	}
	return p, errors.Join(errs...)
}

func planUnit(ctx context.Context, m *manifest.Manifest, u *manifest.Unit, pool *run.Pool, store state.Store) *UnitPlan {
	up := &UnitPlan{
		Unit: u.ID, DependsOn: u.DependsOn, Source: u.Source.Type, SourceTable: tableName(u.Source.Table),
		Sink: u.Sink.Type, Target: tableName(u.Sink.Table), Mode: u.Sink.Strategy.Mode,
		UniqueKey: u.Sink.Strategy.UniqueKey, ReadMode: "full", Staging: "_dpone_stg_<load id> in " + u.Sink.Table.Schema,
		StateBefore: "none", StateAfter: "unchanged (full read)",
	}
	if run.Incremental(u) {
		up.ReadMode = "incremental (" + fmt.Sprint(u.Source.Options["incremental_strategy"]) + ")"
		up.StateAfter = "the source's checkpoint after this load, committed after the target commits"
		if store != nil {
			cp, err := store.Checkpoint(ctx, state.StreamKey{Manifest: m.Metadata.ID, Unit: u.ID})
			if err == nil {
				up.StateBefore = fmt.Sprintf("v%d %s", cp.Version, string(cp.State))
			}
		}
	}
	up.Warnings = run.Warnings(u)
	src, srcSpec, err := pool.Get(ctx, u.Source.Type)
	if err != nil {
		up.Error = err.Error()
		return up
	}
	sink, sinkSpec, err := pool.Get(ctx, u.Sink.Type)
	if err != nil {
		up.Error = err.Error()
		return up
	}
	if err := run.CheckCapabilities(u, srcSpec, sinkSpec); err != nil {
		up.Error = err.Error()
		return up
	}
	schema, err := sourceSchema(ctx, u, src, srcSpec)
	if err != nil {
		up.Error = err.Error()
		return up
	}
	for _, f := range schema.GetFields() {
		up.Columns = append(up.Columns, f.GetName()+" "+logical.Name(f.GetType()))
	}
	if err := planTarget(ctx, u, sink, sinkSpec, schema, up); err != nil {
		up.Error = err.Error()
	}
	return up
}

// sourceSchema returns the schema the unit's Read will produce: from
// DescribeStream when the source has it (it sees the read options), else
// from Discover.
func sourceSchema(ctx context.Context, u *manifest.Unit, src *connector.Client, spec *connectorv1.GetSpecResponse) (*connectorv1.Schema, error) {
	cfg, err := json.Marshal(u.Source.Config)
	if err != nil {
		return nil, err
	}
	if spec.GetCapabilities().GetDescribeStream() {
		opts, err := run.SourceOptions(u, spec)
		if err != nil {
			return nil, err
		}
		st, err := src.DescribeStream(ctx, &connectorv1.ReadRequest{ConfigJson: cfg, Namespace: u.Source.Table.Schema,
			Stream: u.Source.Table.Name, OptionsJson: opts, Mode: connectorv1.SourceMode_SOURCE_MODE_FULL})
		if err != nil {
			return nil, fmt.Errorf("describe %s in %s: %w", u.Source.Table, u.Source.Type, err)
		}
		return st.GetSchema(), nil
	}
	sel := u.Source.Table.Name
	if u.Source.Table.Schema != "" {
		sel = u.Source.Table.Schema + "." + sel
	}
	streams, err := src.Discover(ctx, cfg, []string{sel})
	if err != nil {
		return nil, fmt.Errorf("discover %s in %s: %w", sel, u.Source.Type, err)
	}
	for _, s := range streams {
		if s.GetName() == u.Source.Table.Name && (u.Source.Table.Schema == "" || s.GetNamespace() == "" || s.GetNamespace() == u.Source.Table.Schema) {
			return s.GetSchema(), nil
		}
	}
	if len(streams) == 1 {
		return streams[0].GetSchema(), nil
	}
	return nil, fmt.Errorf("source %s has no stream %s: %w", u.Source.Type, sel, connector.ErrNotFound)
}

// planTarget fills the target state and the DDL the sink would run.
func planTarget(ctx context.Context, u *manifest.Unit, sink *connector.Client, spec *connectorv1.GetSpecResponse, schema *connectorv1.Schema, up *UnitPlan) error {
	caps := spec.GetCapabilities()
	cfg, err := json.Marshal(u.Sink.Config)
	if err != nil {
		return err
	}
	table := &connectorv1.TableRef{Namespace: u.Sink.Table.Schema, Name: u.Sink.Table.Name}
	if !caps.GetDescribeTarget() {
		up.TargetState = "unknown (sink cannot describe targets)"
		return nil
	}
	desc, err := sink.DescribeTarget(ctx, cfg, table)
	if err != nil {
		return fmt.Errorf("describe target %s: %w", up.Target, err)
	}
	if desc.GetExists() {
		up.TargetState = "exists"
		policy, err := run.Policy(u)
		if err != nil {
			return err
		}
		ev, evErr := run.TargetEvolution(ctx, u, sink, spec, cfg, table, schema.GetFields(), policy)
		if ev != nil {
			if d := hostschema.Describe(ev); d != "" {
				up.Evolution = strings.Split(strings.TrimRight(d, "\n"), "\n")
			}
		}
		if evErr != nil {
			return evErr
		}
		up.DDL, up.Lossy, err = run.ApplyEvolution(ctx, sink, cfg, table, ev, true)
		return err
	}
	up.TargetState = "absent: created at commit"
	if !caps.GetApplySchema() {
		return nil
	}
	resp, err := sink.ApplySchema(ctx, &connectorv1.ApplySchemaRequest{
		ConfigJson: cfg, Table: table, DryRun: true,
		Changes: []*connectorv1.SchemaChange{{Op: connectorv1.SchemaChange_OP_CREATE_TABLE,
			Field: &connectorv1.Field{Name: u.Sink.Table.Name, Type: &connectorv1.LogicalType{
				Kind: connectorv1.TypeKind_TYPE_KIND_STRUCT, Fields: schema.GetFields()}}}},
	})
	if err != nil {
		return fmt.Errorf("render DDL for %s: %w", up.Target, err)
	}
	up.DDL, up.Lossy = resp.GetDdl(), resp.GetLossy()
	return nil
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
		row("source", u.Source+" "+u.SourceTable+" ("+u.ReadMode+")")
		row("sink", u.Sink+" "+u.Target)
		mode := u.Mode
		if len(u.UniqueKey) > 0 {
			mode += " by " + strings.Join(u.UniqueKey, ", ")
		}
		row("mode", mode)
		if len(u.DependsOn) > 0 {
			row("depends on", strings.Join(u.DependsOn, ", "))
		}
		row("staging", u.Staging)
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
