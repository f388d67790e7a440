package plan

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/dpone-go/dpone/host/catalog"
	"github.com/dpone-go/dpone/host/connector"
	"github.com/dpone-go/dpone/host/connector/v1convert"
	"github.com/dpone-go/dpone/host/manifest"
	"github.com/dpone-go/dpone/host/schema"
	"github.com/dpone-go/dpone/host/state"
)

// Planner resolves units one at a time, in DAG order, and remembers the
// target each resolved unit produces, so that a later unit reading that
// table is planned from it even before it exists. It is not safe for
// concurrent use.
type Planner struct {
	o        Options
	produced []produced
}

// produced is the table a resolved unit's load leaves behind.
type produced struct {
	unit   string
	typ    string // sink connector
	cfg    string // sink config JSON
	table  manifest.TableRef
	schema *catalog.Schema
}

// NewPlanner returns a planner.
func NewPlanner(o Options) *Planner { return &Planner{o: o} }

// Resolve validates and resolves one unit. The returned Unit is never nil:
// on error its Error field says what is wrong and the error wraps the
// cause (ErrConfig for configuration problems, ErrUnsupported, or the
// connector's coded error).
func (p *Planner) Resolve(ctx context.Context, u *manifest.Unit) (*Unit, error) {
	up := &Unit{
		Unit: u.ID, DependsOn: u.DependsOn, Source: u.Source.Type, SourceTable: tableName(u.Source.Table),
		Sink: u.Sink.Type, Target: tableName(u.Sink.Table), Mode: u.Sink.Strategy.Mode,
		UniqueKey: u.Sink.Strategy.UniqueKey, ReadMode: "full", Staging: "_dpone_stg_<load id> in " + u.Sink.Table.Schema,
		StateBefore: "none", StateAfter: "unchanged (full read)", M: u,
		SourceConfig: u.Source.RedactedConfig(), SinkConfig: u.Sink.RedactedConfig(), Contract: u.SchemaContract,
		Files: stagingFiles(u.Sink.Staging),
	}
	if err := p.resolve(ctx, u, up); err != nil {
		up.Error = err.Error()
		return up, fmt.Errorf("unit %s: %w", u.ID, err)
	}
	return up, nil
}

func (p *Planner) resolve(ctx context.Context, u *manifest.Unit, up *Unit) error {
	o := p.o
	err := ValidateUnit(u)
	if err != nil {
		return err
	}
	up.Incremental = Incremental(u)
	if up.Parallel, err = parallelism(u); err != nil {
		return configErr(err)
	}
	up.Warnings = Warnings(u)
	src, srcSpec, err := o.Connectors.Catalog(ctx, u.Source.Type)
	if err != nil {
		return err
	}
	sink, sinkSpec, err := o.Connectors.Catalog(ctx, u.Sink.Type)
	if err != nil {
		return err
	}
	up.SourceSpec, up.SinkSpec = srcSpec, sinkSpec
	if err := checkCapabilities(u, srcSpec, sinkSpec); err != nil {
		return err
	}
	if err := validateAgainstSpecs(u, srcSpec, sinkSpec); err != nil {
		return err
	}
	policy, err := Policy(u)
	if err != nil {
		return err
	}
	up.Policy = &policy
	up.SchemaEvolution = map[string]any{"mode": policy.Mode, "on_type_change": policy.OnTypeChange, "managed": policy.Managed}
	if up.Checker, err = schema.ParseContract(u.SchemaContract); err != nil {
		return err
	}
	if up.Gates, err = ParseGates(u); err != nil {
		return err
	}
	srcCfg, err := ConfigJSON(u.Source)
	if err != nil {
		return err
	}
	sinkCfg, err := ConfigJSON(u.Sink)
	if err != nil {
		return err
	}
	up.SinkConfigJSON = sinkCfg
	srcOpts, err := SourceOptions(u, srcSpec)
	if err != nil {
		return err
	}
	up.Read = &catalog.ReadRequest{
		ConfigJSON: srcCfg, Namespace: u.Source.Table.Schema, Stream: u.Source.Table.Name,
		Mode: catalog.SourceModeFull, OptionsJSON: srcOpts, BatchBytes: batchBytes(u),
	}
	if up.Incremental {
		up.ReadMode = "incremental (" + fmt.Sprint(u.Source.Options["incremental_strategy"]) + ")"
		up.StateAfter = "the source's checkpoint after this load, committed after the target commits"
		up.Read.Mode = catalog.SourceModeIncremental
		if o.Store != nil {
			cp, err := o.Store.Checkpoint(ctx, state.StreamKey{Manifest: o.Manifest.Metadata.ID, Unit: u.ID})
			switch {
			case err == nil:
				up.Read.PriorState = cp.State
				up.StateBefore = fmt.Sprintf("v%d %s", cp.Version, shortState(cp.State))
			case !errors.Is(err, state.ErrNotFound):
				return fmt.Errorf("read state of %s: %w", u.ID, err)
			}
		}
	}
	up.ReadRequest = showRead(up.Read)

	srcSchema, err := p.sourceSchema(ctx, u, src, srcSpec, up)
	if err != nil {
		return err
	}
	up.SourceSchema = srcSchema
	for _, f := range srcSchema.GetFields() {
		up.Columns = append(up.Columns, f.GetName()+" "+v1convert.TypeName(f.GetType()))
	}
	// Source columns named like the target's lineage columns (a table dpone
	// wrote, read back) are dropped: the sink sets its own load's values.
	drop, warning, err := SourceLineage(u, srcSchema.GetFields())
	if err != nil {
		return configErr(err)
	}
	if warning != "" {
		up.Warnings = append(up.Warnings, warning)
		up.DropColumns = drop
		if srcSchema, err = WithoutFields(srcSchema, drop); err != nil {
			return err
		}
	}
	if err := keysInSource(u, srcSchema); err != nil {
		return err
	}

	table := &catalog.TableRef{Namespace: u.Sink.Table.Schema, Name: u.Sink.Table.Name}
	// The load the target's schema changes are for (its mode, key and
	// options reach the sink with them: protocol v1.3).
	forLoad, err := BeginRequest(u, sinkSpec, sinkCfg, "", table, nil, o.RunID, o.At)
	if err != nil {
		return err
	}
	if err := p.planTarget(ctx, u, sink, sinkSpec, forLoad, srcSchema, policy, up); err != nil {
		return err
	}
	if up.Checker != nil && up.Checker.Enforcement == schema.EnforceQuarantine {
		if up.Quarantine, err = planQuarantine(ctx, u, sink, sinkSpec, sinkCfg, table, srcSchema); err != nil {
			return err
		}
	}
	loadSchema, err := LoadSchema(up.Ev, srcSchema)
	if err != nil {
		return err
	}
	if up.Begin, err = BeginRequest(u, sinkSpec, sinkCfg, "", table, loadSchema, o.RunID, o.At); err != nil {
		return err
	}
	up.BeginRequest = showBegin(up.Begin)
	up.PayloadFormat, up.Path = payloadPath(up, up.streamFormats)
	created, err := producedSchema(u, loadSchema)
	if err != nil {
		return err
	}
	p.produced = append(p.produced, produced{unit: u.ID, typ: u.Sink.Type, cfg: string(sinkCfg), table: u.Sink.Table, schema: created})
	return nil
}

// sourceSchema returns the schema the unit's Read will produce: the
// schema an earlier unit of the plan creates when it loads the table this
// unit reads, else from DescribeStream when the source has it (it sees the
// read options), else from Discover.
func (p *Planner) sourceSchema(ctx context.Context, u *manifest.Unit, src Catalog, spec *catalog.Spec, up *Unit) (*catalog.Schema, error) {
	if pr := p.producer(u); pr != nil {
		up.SourceCreatedBy = pr.unit
		return pr.schema, nil
	}
	req := up.Read
	if spec.Capabilities.DescribeStream {
		st, err := src.DescribeStream(ctx, &catalog.ReadRequest{ConfigJSON: req.ConfigJSON, Namespace: req.Namespace,
			Stream: req.Stream, OptionsJSON: req.OptionsJSON, Mode: catalog.SourceModeFull})
		if err != nil {
			return nil, fmt.Errorf("describe %s in %s: %w", u.Source.Table, u.Source.Type, err)
		}
		up.streamFormats = st.PayloadFormats
		return st.GetSchema(), nil
	}
	sel := u.Source.Table.Name
	if u.Source.Table.Schema != "" {
		sel = u.Source.Table.Schema + "." + sel
	}
	streams, err := src.Discover(ctx, req.ConfigJSON, []string{sel})
	if err != nil {
		return nil, fmt.Errorf("discover %s in %s: %w", sel, u.Source.Type, err)
	}
	for _, s := range streams {
		if s.GetName() == u.Source.Table.Name && (u.Source.Table.Schema == "" || s.GetNamespace() == "" || s.GetNamespace() == u.Source.Table.Schema) {
			up.streamFormats = s.PayloadFormats
			return s.GetSchema(), nil
		}
	}
	if len(streams) == 1 {
		up.streamFormats = streams[0].PayloadFormats
		return streams[0].GetSchema(), nil
	}
	return nil, fmt.Errorf("source %s has no stream %s: %w", u.Source.Type, sel, connector.ErrNotFound)
}

// producer is the latest earlier unit whose target is u's source table
// (same connector, same connection config, same table), or nil. A unit
// that reads a query instead of the table is never matched.
func (p *Planner) producer(u *manifest.Unit) *produced {
	if _, q := u.Source.Options["query"]; q {
		return nil
	}
	cfg, err := ConfigJSON(u.Source)
	if err != nil {
		return nil
	}
	for i := len(p.produced) - 1; i >= 0; i-- {
		pr := &p.produced[i]
		if pr.typ == u.Source.Type && pr.cfg == string(cfg) && pr.table == u.Source.Table {
			return pr
		}
	}
	return nil
}

// planTarget describes the target of the load forLoad and resolves the
// schema changes to apply before staging, with the DDL the sink renders
// for them. For a target the sink creates itself at commit, the DDL is
// what the sink says its commit runs (a dry-run create, protocol v1.3),
// and no change is applied before staging.
func (p *Planner) planTarget(ctx context.Context, u *manifest.Unit, sink Catalog, spec *catalog.Spec,
	forLoad *catalog.BeginLoad, src *catalog.Schema, policy schema.Policy, up *Unit) error {
	caps := spec.Capabilities
	cfg, table := forLoad.ConfigJSON, forLoad.Target
	if !caps.DescribeTarget {
		up.TargetState = "unknown (sink cannot describe targets): created by the sink at commit if absent"
		return nil
	}
	desc, err := sink.DescribeTarget(ctx, cfg, table)
	if err != nil {
		return fmt.Errorf("describe target %s: %w", up.Target, err)
	}
	if desc.Exists {
		up.TargetState = "exists"
		ev, err := Evolve(u, spec, table, src.GetFields(), desc.Schema.GetFields(), policy)
		if ev != nil {
			if d := schema.Describe(ev); d != "" {
				up.Evolution = strings.Split(strings.TrimRight(d, "\n"), "\n")
			}
		}
		if err != nil {
			return err
		}
		up.Ev = ev
		if ev != nil {
			up.Changes = ev.Changes()
		}
	} else {
		// A v1.0 sink (no typed_options) does not know CREATE_TABLE's
		// primary key, and a sink whose schema ops leave create_table
		// out creates targets with options of its own: either creates
		// its target itself.
		if !createsTargets(caps) {
			up.TargetState = "absent: created by the sink at commit"
			if !caps.LoadSchema {
				return nil
			}
		}
		load, err := LoadSchema(nil, src)
		if err != nil {
			return err
		}
		create, err := createTable(u, table, load)
		if err != nil {
			return err
		}
		if !createsTargets(caps) {
			// Shown, never applied: the sink runs these at commit.
			up.DDL, up.Lossy, err = sink.ApplySchema(ctx, &catalog.SchemaRequest{ConfigJSON: cfg, Table: table,
				Changes: []*catalog.SchemaChange{create}, DryRun: true, For: forLoad})
			if err != nil {
				return fmt.Errorf("render DDL for %s: %w", up.Target, err)
			}
			return nil
		}
		up.TargetState = "absent: created before staging"
		up.Changes = []*catalog.SchemaChange{create}
	}
	if len(up.Changes) == 0 {
		return nil
	}
	if up.DDL, up.Lossy, err = sink.ApplySchema(ctx, &catalog.SchemaRequest{ConfigJSON: cfg, Table: table,
		Changes: up.Changes, DryRun: true, For: forLoad}); err != nil {
		return fmt.Errorf("render DDL for %s: %w", up.Target, err)
	}
	return nil
}

// keysInSource refuses a unique_key that is not a column of the source:
// found here, from the described schema, before anything is staged.
func keysInSource(u *manifest.Unit, s *catalog.Schema) error {
	if len(u.Sink.Strategy.UniqueKey) == 0 || s == nil {
		return nil
	}
	var names []string
	for _, f := range s.GetFields() {
		names = append(names, f.GetName())
	}
	for _, k := range u.Sink.Strategy.UniqueKey {
		if !slices.Contains(names, k) {
			return fmt.Errorf("%w: sink.strategy.unique_key %q is not a column of source %s (its columns: %s)%s",
				ErrConfig, k, tableName(u.Source.Table), strings.Join(names, ", "), didYouMean(k, names))
		}
	}
	return nil
}
