package run

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/dpone-go/dpone/host/connector"
	"github.com/dpone-go/dpone/host/schema"
	"github.com/dpone-go/dpone/host/state"
	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
)

// Recover resolves every load an earlier run left pending (it recorded
// the load, then crashed before or after CommitLoad): it asks the sink's
// LoadStatus; a committed load gets its state commit, anything else is
// aborted. No row is lost or loaded twice either way. A load whose unit is
// locked by a live run belongs to that run and is left alone; runID is the
// recovering run, which holds each unit's lock while it resolves it.
func Recover(ctx context.Context, store state.Store, pool Connectors, runID string, logf func(string, ...any)) error {
	loads, err := store.PendingLoads(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, l := range loads {
		unit := strings.TrimSuffix(l.Stream.Unit, schema.QuarantineSuffix)
		lock, err := store.Lock(ctx, LockKey(l.Stream.Manifest, unit), runID, time.Minute)
		var held state.ErrLocked
		if errors.As(err, &held) {
			continue // a live run is loading it
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("load %s (%s): %w", l.ID, l.Stream.Unit, err))
			continue
		}
		err = recoverLoad(ctx, store, pool, l, logf)
		_ = lock.Release(context.WithoutCancel(ctx))
		if err != nil {
			errs = append(errs, fmt.Errorf("load %s (%s): %w", l.ID, l.Stream.Unit, err))
		}
	}
	return errors.Join(errs...)
}

// LockKey names a unit's run lock.
func LockKey(manifestID, unit string) string { return manifestID + "/" + unit }

func recoverLoad(ctx context.Context, store state.Store, pool Connectors, l state.Load, logf func(string, ...any)) error {
	sinkType, begin, err := decodePending(l.Begin)
	if err != nil {
		return fmt.Errorf("decode pending load: %w", err)
	}
	sink, spec, err := pool.Sink(ctx, sinkType)
	if err != nil {
		return err
	}
	st := connectorv1.LoadState_LOAD_STATE_UNKNOWN
	if spec.GetCapabilities().GetLoadStatus() {
		st, err = sink.LoadStatus(ctx, &connectorv1.LoadStatusRequest{ConfigJson: begin.GetConfigJson(), LoadId: l.ID, Begin: begin})
		if err != nil {
			return fmt.Errorf("ask %s for load status: %w", sinkType, err)
		}
	}
	if st == connectorv1.LoadState_LOAD_STATE_COMMITTED {
		logf("recovered load %s of %s: the target committed it; committing its state", l.ID, l.Stream.Unit)
		return store.MarkCommitted(ctx, l.ID)
	}
	logf("recovered load %s of %s: not committed in the target; aborting it", l.ID, l.Stream.Unit)
	err = sink.AbortLoad(ctx, &connectorv1.AbortLoadRequest{ConfigJson: begin.GetConfigJson(), LoadId: l.ID, Begin: begin})
	if err != nil && !errors.Is(err, connector.ErrNotFound) {
		return fmt.Errorf("abort: %w", err)
	}
	return store.MarkAborted(ctx, l.ID, "recovered after a crash: not committed in the target")
}

// pendingRecord is what the state store keeps of a pending load (as
// state.Load.Begin): the sink connector and its BeginLoad request, enough
// for a later run to ask LoadStatus and commit or abort.
type pendingRecord struct {
	Sink  string `json:"sink"`
	Begin []byte `json:"begin"` // protobuf BeginLoadRequest
}

func encodePending(sink string, begin *connectorv1.BeginLoadRequest) ([]byte, error) {
	b, err := proto.Marshal(begin)
	if err != nil {
		return nil, err
	}
	return json.Marshal(pendingRecord{Sink: sink, Begin: b})
}

func decodePending(b []byte) (string, *connectorv1.BeginLoadRequest, error) {
	var rec pendingRecord
	if err := json.Unmarshal(b, &rec); err != nil {
		return "", nil, err
	}
	begin := &connectorv1.BeginLoadRequest{}
	if err := proto.Unmarshal(rec.Begin, begin); err != nil {
		return "", nil, err
	}
	if rec.Sink == "" {
		return "", nil, fmt.Errorf("pending load names no sink connector")
	}
	return rec.Sink, begin, nil
}
