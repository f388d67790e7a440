package run

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/dpone-go/dpone/host/catalog"
	"github.com/dpone-go/dpone/host/connector"
	"github.com/dpone-go/dpone/host/manifest"
	"github.com/dpone-go/dpone/host/plan"
	"github.com/dpone-go/dpone/host/schema"
	"github.com/dpone-go/dpone/host/state"
)

// ErrLoadCommitted reports a pending load the target has committed: it is
// not abandoned (its state commit belongs to the next run of its unit).
var ErrLoadCommitted = errors.New("the target committed this load")

// AbandonResult says what Abandon did.
type AbandonResult struct {
	// StagingDropped is true when the sink dropped the load's staging.
	StagingDropped bool
	// Warning says what was left behind, if anything ("" otherwise).
	Warning string
}

// Abandon gives up a pending load: while holding its unit's lock (as
// runID, so a run loading the unit is never disturbed), it asks the sink
// to drop the load's staging, reached through u (the unit as the current
// manifest and environment give it; nil when no manifest was given or the
// unit is gone), and marks the load aborted with reason. A load the
// target has committed is refused with ErrLoadCommitted.
func Abandon(ctx context.Context, store state.Store, pool Connectors, u *manifest.Unit, l state.Load, runID, reason string) (AbandonResult, error) {
	var res AbandonResult
	if l.Status != state.LoadPending {
		return res, fmt.Errorf("load %s is %s, not pending: nothing to abandon", l.ID, l.Status)
	}
	unit := strings.TrimSuffix(l.Stream.Unit, schema.QuarantineSuffix)
	lock, err := store.Lock(ctx, LockKey(l.Stream.Manifest, unit), runID, time.Minute)
	var held state.ErrLocked
	if errors.As(err, &held) {
		return res, fmt.Errorf("unit %s is being loaded by run %s: wait for it to end (it resolves its own loads)", unit, held.HeldBy)
	}
	if err != nil {
		return res, err
	}
	defer lock.Release(context.WithoutCancel(ctx))
	if u == nil {
		res.Warning = "no manifest names the unit (pass --manifest): the load's staging table, if any, stays in the target; " +
			"drop it by hand (its name derives from the load id)"
	} else if err := dropStaging(ctx, pool, u, l, lock.Generation()); err != nil {
		if errors.Is(err, ErrLoadCommitted) {
			return res, err
		}
		res.Warning = fmt.Sprintf("the staging of load %s was not dropped (%v): drop it by hand (its name derives from the load id)", l.ID, err)
	} else {
		res.StagingDropped = true
	}
	if err := store.MarkAborted(ctx, l.ID, reason); err != nil {
		return res, err
	}
	return res, nil
}

// dropStaging asks the unit's sink about the load and drops its staging,
// refusing a load the target committed.
func dropStaging(ctx context.Context, pool Connectors, u *manifest.Unit, l state.Load, gen int64) error {
	sink, spec, err := pool.Sink(ctx, u.Sink.Type)
	if err != nil {
		return err
	}
	cfg, err := plan.ConfigJSON(u.Sink)
	if err != nil {
		return err
	}
	sinkType, begin, err := resumeRequest(u, spec, cfg, l, gen)
	if err != nil {
		return err
	}
	if spec.Capabilities.LoadStatus {
		st, err := sink.LoadStatus(ctx, begin)
		if err != nil {
			return fmt.Errorf("ask the %s sink for the load's status: %w", sinkType, err)
		}
		if st == catalog.LoadStateCommitted {
			return fmt.Errorf("%w: load %s is not abandoned; the next run of unit %s records its state", ErrLoadCommitted, l.ID, u.ID)
		}
	}
	err = sink.AbortLoad(ctx, begin)
	if err != nil && !errors.Is(err, connector.ErrNotFound) {
		return err
	}
	return nil
}
