package run

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/dpone-go/dpone/host/catalog"
	"github.com/dpone-go/dpone/host/connector"
	"github.com/dpone-go/dpone/host/connector/v1convert"
	"github.com/dpone-go/dpone/host/manifest"
	"github.com/dpone-go/dpone/host/plan"
	"github.com/dpone-go/dpone/host/schema"
	"github.com/dpone-go/dpone/host/state"
	"github.com/dpone-go/dpone/proto/loadopts"
)

// ErrPendingLoad marks a unit that cannot run because a load an earlier
// run left pending cannot be resolved (its sink unreachable, or the
// unit's sink changed since).
var ErrPendingLoad = errors.New("a pending load cannot be resolved")

// LockKey names a unit's run lock.
func LockKey(manifestID, unit string) string { return manifestID + "/" + unit }

// recoverUnit resolves the loads earlier runs of the unit left pending
// (its own stream and its quarantine stream), oldest first, while this
// run holds the unit's lock: it asks the sink's LoadStatus (raising the
// unit's fence to this run's lock generation, so an earlier holder that
// is merely paused can no longer commit); a committed load gets its state
// commit, anything else is aborted. No row is lost or loaded twice either
// way. Loads of units this run does not run are left alone. Credentials
// come from p, the unit as the manifest and environment resolve now (its
// sink config and spec); the state keeps none. It returns how many loads
// it resolved: a committed one moves the unit's checkpoint, so a plan
// resolved before it is stale.
func (r *unitRun) recoverUnit(ctx context.Context, p *plan.Unit) (int, error) {
	e, u := r.e, r.u
	n := 0
	for _, unit := range []string{u.ID, u.ID + schema.QuarantineSuffix} {
		stream := state.StreamKey{Manifest: e.manifestID, Unit: unit}
		loads, err := e.store.Loads(ctx, state.LoadFilter{Status: state.LoadPending, Stream: &stream})
		if err != nil {
			return n, fmt.Errorf("unit %s: list pending loads: %w", u.ID, err)
		}
		slices.Reverse(loads) // oldest first
		for _, l := range loads {
			err := errors.New("the unit's sink config did not resolve")
			if p != nil && p.SinkConfigJSON != nil && p.SinkSpec != nil {
				err = ResolveLoad(ctx, e.store, e.conns, u, p.SinkSpec, p.SinkConfigJSON, l, r.generation(), e.logf)
			}
			if err != nil {
				return n, fmt.Errorf("%w: load %s of unit %s (left pending by run %s at %s): %w; fix what the error says and run again, "+
					"or give the load up with `dpone state abandon %s --yes` (drops its staging where reachable)",
					ErrPendingLoad, l.ID, u.ID, l.RunID, l.CreatedAt.Format(time.RFC3339), err, l.ID)
			}
			n++
			if l.RunID != e.runID {
				_ = e.store.AbandonRun(ctx, l.RunID, fmt.Sprintf("its load %s of unit %s was left pending and resolved by run %s", l.ID, u.ID, e.runID))
			}
		}
	}
	return n, nil
}

// ResolveLoad finishes or aborts one pending load of unit u, reaching the
// unit's sink (described by spec) with its current config cfg, and with
// gen as the caller's lock generation (the fence): LoadStatus committed →
// the state commit; otherwise AbortLoad and the load is marked aborted.
func ResolveLoad(ctx context.Context, store state.Store, conns Connectors, u *manifest.Unit, spec *catalog.Spec,
	cfg []byte, l state.Load, gen int64, logf func(string, ...any)) error {
	sinkType, begin, err := resumeRequest(u, spec, cfg, l, gen)
	if err != nil {
		return err
	}
	sink, spec, err := conns.Sink(ctx, sinkType)
	if err != nil {
		return err
	}
	st := catalog.LoadStateUnknown
	if spec.Capabilities.LoadStatus {
		st, err = sink.LoadStatus(ctx, begin)
		if err != nil {
			return fmt.Errorf("ask the %s sink for the load's status: %w", sinkType, err)
		}
	}
	if st == catalog.LoadStateCommitted {
		logf("recovered load %s of %s: the target committed it; committing its state", l.ID, l.Stream.Unit)
		return store.MarkCommitted(ctx, l.ID)
	}
	logf("recovered load %s of %s: not committed in the target; aborting it", l.ID, l.Stream.Unit)
	err = sink.AbortLoad(ctx, begin)
	if err != nil && !errors.Is(err, connector.ErrNotFound) {
		return fmt.Errorf("abort it in the %s sink: %w", sinkType, err)
	}
	return store.MarkAborted(ctx, l.ID, "recovered: not committed in the target")
}

// resumeRequest rebuilds a pending load's BeginLoad request: the recorded
// target, schema, mode, typed load options and fence identity, with the
// unit's current config cfg and its own sink options as a sink with spec
// takes them (state keeps no resolved config and only a digest of the
// options), and gen as the fence.
func resumeRequest(u *manifest.Unit, spec *catalog.Spec, cfg []byte, l state.Load, gen int64) (string, *catalog.BeginLoad, error) {
	rec, err := state.DecodeLoadRecord(l.Begin)
	if err != nil {
		return "", nil, fmt.Errorf("the load's record in the state store is unreadable (%v)", err)
	}
	begin, err := v1convert.UnmarshalBegin(rec.Begin)
	if err != nil {
		return "", nil, fmt.Errorf("the load's record in the state store is unreadable (%v)", err)
	}
	if rec.Sink != u.Sink.Type {
		return "", nil, fmt.Errorf("the load was begun by the %s sink, the unit now loads into %s", rec.Sink, u.Sink.Type)
	}
	if rec.ConnectionID != "" && rec.ConnectionID != u.Sink.ConnectionID {
		return "", nil, fmt.Errorf("the load was begun on sink connection %q, the unit now uses %q", rec.ConnectionID, u.Sink.ConnectionID)
	}
	// The options as the load's run sent them: its run id and start for
	// lineage; a quarantine load's are fixed.
	opts := &catalog.BeginLoad{}
	if strings.HasSuffix(l.Stream.Unit, schema.QuarantineSuffix) {
		err = v1convert.ApplyLoad(loadopts.Load{Mode: "incremental_append"}, opts, spec.Capabilities.TypedOptions)
	} else {
		opts, err = plan.BeginRequest(u, spec, cfg, l.ID, begin.Target, begin.Schema, l.RunID, l.CreatedAt)
	}
	if err != nil {
		return "", nil, err
	}
	if begin.Load == nil {
		begin.Load = opts.Load
	}
	// Every later call names the load by the id it is recorded under.
	begin.LoadID = l.ID
	begin.ConfigJSON, begin.OptionsJSON, begin.FenceGeneration = cfg, opts.OptionsJSON, gen
	begin.Staging = opts.Staging // state keeps none: its credentials are resolved anew
	return rec.Sink, begin, nil
}
