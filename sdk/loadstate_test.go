package sdk

import (
	"context"
	"encoding/json"
	"testing"

	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
)

// stateDest answers LoadStatus with a fixed state.
type stateDest struct{ state LoadState }

func (stateDest) Spec() Spec { return Spec{Name: "state", Version: "0.1.0"} }
func (stateDest) BeginLoad(context.Context, LoadRequest) (string, error) {
	return "", nil
}
func (stateDest) Write(context.Context, LoadRequest, RecordReader) (WriteResult, error) {
	return WriteResult{}, nil
}
func (stateDest) CommitLoad(context.Context, LoadRequest, json.RawMessage) (CommitResult, error) {
	return CommitResult{}, nil
}
func (stateDest) AbortLoad(context.Context, LoadRequest) error { return nil }
func (d stateDest) LoadStatus(context.Context, LoadRequest) (LoadState, error) {
	return d.state, nil
}

// TestLoadStateMapsExplicitly: each LoadState has its protocol value; a
// value outside the three states is an INTERNAL error, never a cast.
func TestLoadStateMapsExplicitly(t *testing.T) {
	for _, tc := range []struct {
		state LoadState
		want  connectorv1.LoadState
		code  connectorv1.ErrorCode
	}{
		{LoadUnknown, connectorv1.LoadState_LOAD_STATE_UNKNOWN, 0},
		{LoadStaged, connectorv1.LoadState_LOAD_STATE_STAGED, 0},
		{LoadCommitted, connectorv1.LoadState_LOAD_STATE_COMMITTED, 0},
		{LoadState(0), connectorv1.LoadState_LOAD_STATE_UNSPECIFIED, connectorv1.ErrorCode_ERROR_CODE_INTERNAL},
		{LoadState(9), connectorv1.LoadState_LOAD_STATE_UNSPECIFIED, connectorv1.ErrorCode_ERROR_CODE_INTERNAL},
	} {
		resp, err := newServer(stateDest{tc.state}, nil).LoadStatus(context.Background(),
			&connectorv1.LoadStatusRequest{LoadId: "l1"})
		if err != nil {
			t.Fatal(err)
		}
		if resp.GetState() != tc.want || resp.GetError().GetCode() != tc.code {
			t.Errorf("LoadState(%d): got %s, error %v; want %s, code %s", tc.state, resp.GetState(), resp.GetError(), tc.want, tc.code)
		}
	}
}
