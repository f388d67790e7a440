package run

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"google.golang.org/protobuf/proto"

	"github.com/dpone-go/dpone/host/connector"
	"github.com/dpone-go/dpone/host/state"
	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
)

// Recover resolves every load an earlier run left pending (it recorded
// the load, then crashed before or after CommitLoad): it asks the sink's
// LoadStatus; a committed load gets its state commit, anything else is
// aborted. No row is lost or loaded twice either way.
func Recover(ctx context.Context, store state.Store, pool *Pool, logf func(string, ...any)) error {
	loads, err := store.PendingLoads(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, l := range loads {
		if err := recoverLoad(ctx, store, pool, l, logf); err != nil {
			errs = append(errs, fmt.Errorf("load %s (%s): %w", l.ID, l.Stream.Unit, err))
		}
	}
	return errors.Join(errs...)
}

func recoverLoad(ctx context.Context, store state.Store, pool *Pool, l state.Load, logf func(string, ...any)) error {
	sinkType, begin, err := decodePending(l.Begin)
	if err != nil {
		return fmt.Errorf("decode pending load: %w", err)
	}
	sink, spec, err := pool.Get(ctx, sinkType)
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
