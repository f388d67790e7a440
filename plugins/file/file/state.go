package file

import (
	"encoding/json"
	"time"

	"github.com/dpone-go/dpone/sdk"
)

// strategyFiles is the incremental strategy of this source: a file is read
// once, and again only when its size or modification time changes.
const strategyFiles = "files"

// stateVersion is the version of the checkpoint format.
const stateVersion = 1

// fileState is what the checkpoint remembers of one loaded file.
type fileState struct {
	Size  int64     `json:"size"`
	MTime time.Time `json:"mtime"`
}

// state is the checkpoint of the "files" strategy:
// {"v":1,"files":{"orders_1.csv":{"size":120,"mtime":"2026-01-02T03:04:05Z"}}}.
// Keys are paths relative to root, with forward slashes.
type state struct {
	V     int                  `json:"v"`
	Files map[string]fileState `json:"files"`
}

// parseState decodes a prior checkpoint; nil or empty means no state.
func parseState(b []byte) (state, error) {
	s := state{V: stateVersion, Files: map[string]fileState{}}
	if len(b) == 0 {
		return s, nil
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, sdk.Errorf(sdk.CodeConfig, "prior state is not a file source checkpoint: %w", err)
	}
	if s.V != stateVersion {
		return s, sdk.Errorf(sdk.CodeConfig, "prior state has version %d; this file source reads version %d (reset the state to reload)", s.V, stateVersion)
	}
	if s.Files == nil {
		s.Files = map[string]fileState{}
	}
	return s, nil
}

// loaded reports whether f was loaded before and has not changed since.
func (s state) loaded(f fileEntry) bool {
	fs, ok := s.Files[f.rel]
	return ok && fs.Size == f.size && fs.MTime.Equal(f.mtime)
}

// stateOf is the checkpoint after loading files: exactly the files that
// match now (files that disappeared are forgotten).
func stateOf(files []fileEntry) ([]byte, error) {
	s := state{V: stateVersion, Files: make(map[string]fileState, len(files))}
	for _, f := range files {
		s.Files[f.rel] = fileState{Size: f.size, MTime: f.mtime}
	}
	return json.Marshal(s)
}
