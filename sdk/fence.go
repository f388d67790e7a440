package sdk

import (
	"fmt"

	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
)

// Fence is what the host tells a destination about the unit behind a load,
// so that a run which lost its unit lock can never commit, and a target
// loaded by two units is noticed.
//
// The host holds one lock per unit (manifest + unit); every new holder
// gets a higher Generation. A destination that sets Spec.Fencing keeps,
// per (Manifest, Unit), the highest generation it has seen in the target
// (e.g. a row in a _dpone_fences table next to its receipts):
//
//   - BeginLoad and LoadStatus raise it to Generation (LoadStatus with a
//     newer generation is how a recovering run takes over: it waits for a
//     commit in flight, and any older holder's later commit fails);
//   - BeginLoad and CommitLoad refuse a Generation lower than the stored
//     one, CommitLoad inside its commit transaction, before any change;
//   - receipts record Manifest and Unit; CommitLoad refuses a target whose
//     receipts name another manifest or unit unless SharedTarget is set.
//
// A zero Generation means the host sent no fence (an older host, or a
// test): destinations then skip the checks.
type Fence struct {
	Manifest string
	Unit     string
	// Generation is the lock generation of the run making the request.
	Generation int64
	// SharedTarget is the unit's sink.shared_target: other units may load
	// the same target.
	SharedTarget bool
}

// Set reports whether the host sent a fence.
func (f Fence) Set() bool { return f.Generation > 0 }

// StaleError is the error a destination returns when a request's
// generation is older than the target's fence: a CONFIG error (never
// retryable) that names both generations and what happened.
func (f Fence) StaleError(loadID string, current int64) error {
	return Errorf(CodeConfig, "load %s of unit %s/%s is fenced off: its run lock generation %d is older than the target's fence %d "+
		"(the run lost its unit lock, e.g. paused past the lock ttl, and another run took the unit over); nothing was committed",
		loadID, f.Manifest, f.Unit, f.Generation, current)
}

// SharedTargetError is the error a destination returns when a target's
// receipts name another unit and the load's unit did not set
// sink.shared_target.
func (f Fence) SharedTargetError(target, otherManifest, otherUnit string) error {
	return Errorf(CodeConfig, "target %s is loaded by unit %s/%s too; unit %s/%s would write into it as a second writer "+
		"(appends would double rows): give the units different targets, or set sink.shared_target: true on unit %s if both writers are intended",
		target, otherManifest, otherUnit, f.Manifest, f.Unit, f.Unit)
}

func fenceOf(b *connectorv1.BeginLoadRequest) Fence {
	return Fence{Manifest: b.GetManifestId(), Unit: b.GetUnitId(), Generation: b.GetFenceGeneration(), SharedTarget: b.GetSharedTarget()}
}

// String renders the fence for logs.
func (f Fence) String() string {
	return fmt.Sprintf("%s/%s@%d", f.Manifest, f.Unit, f.Generation)
}
