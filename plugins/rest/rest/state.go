package rest

import (
	"encoding/json"

	"github.com/dpone-go/dpone/sdk"
)

// stateVersion is the version of the checkpoints the rest source writes.
const stateVersion = 1

// state is a rest stream's checkpoint.
type state struct {
	V        int    `json:"v"`
	Strategy string `json:"strategy,omitempty"`
	// Cursor is the largest incremental_column value committed (a
	// resource without parent).
	Cursor *string `json:"cursor,omitempty"`
	// Seen are the fingerprints of the records read at Cursor.
	Seen []string `json:"seen,omitempty"`
	// Parents are a child resource's cursors, one per parent record (by
	// the parent's primary key): never shared between parents.
	Parents map[string]parentState `json:"parents,omitempty"`
	// ParentCursor is the largest parent cursor read with
	// parent.incremental: the next read asks the parent for the records
	// changed since (minus lookback) and reads only their children.
	ParentCursor *string `json:"parent_cursor,omitempty"`
	// OAuth is the rotated OAuth2 refresh token, sealed (AES-GCM under a
	// key derived from client_secret): state never holds it in clear.
	OAuth string `json:"oauth,omitempty"`
}

// parentState is one parent's cursor and tie group.
type parentState struct {
	Cursor string   `json:"cursor"`
	Seen   []string `json:"seen,omitempty"`
}

// parseState reads a prior checkpoint; nil or empty is a fresh state.
func parseState(raw []byte) (*state, error) {
	st := &state{V: stateVersion, Strategy: strategyColumn}
	if len(raw) == 0 {
		return st, nil
	}
	if err := json.Unmarshal(raw, st); err != nil {
		return nil, sdk.Errorf(sdk.CodeConfig, "prior state is not a rest checkpoint (%w): reset the stream's state (dpone state reset)", err)
	}
	if st.V != stateVersion {
		return nil, sdk.Errorf(sdk.CodeConfig, "rest checkpoint version %d is not supported (want %d): reset the stream's state (dpone state reset)", st.V, stateVersion)
	}
	return st, nil
}
