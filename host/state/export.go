package state

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// ExportFormat names the JSON document Export writes.
const ExportFormat = "dpone.state.v1"

type exportDoc struct {
	Format      string             `json:"format"`
	Checkpoints []exportCheckpoint `json:"checkpoints"`
}

type exportCheckpoint struct {
	Manifest string `json:"manifest"`
	Unit     string `json:"unit"`
	// State is the blob itself when it is JSON, else StateBytes holds it.
	State      json.RawMessage `json:"state,omitempty"`
	StateBytes []byte          `json:"state_bytes,omitempty"`
	Version    int64           `json:"version"`
	UpdatedAt  time.Time       `json:"updated_at"`
	RunID      string          `json:"run_id,omitempty"`
	LoadID     string          `json:"load_id,omitempty"`
}

// Export writes every checkpoint of s as one indented JSON document.
func Export(ctx context.Context, s Store, w io.Writer) error {
	cps, err := s.Checkpoints(ctx)
	if err != nil {
		return fmt.Errorf("export state: %w", err)
	}
	doc := exportDoc{Format: ExportFormat, Checkpoints: []exportCheckpoint{}}
	for _, c := range cps {
		e := exportCheckpoint{Manifest: c.Stream.Manifest, Unit: c.Stream.Unit, Version: c.Version,
			UpdatedAt: c.UpdatedAt, RunID: c.RunID, LoadID: c.LoadID}
		if json.Valid(c.State) {
			e.State = json.RawMessage(c.State)
		} else {
			e.StateBytes = c.State
		}
		doc.Checkpoints = append(doc.Checkpoints, e)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("export state: %w", err)
	}
	return nil
}

// Import reads a document written by Export and sets each checkpoint in s
// (an audit event with reason "import" each; versions continue from s's
// own). Checkpoints of s that the document does not name are left alone.
func Import(ctx context.Context, s Store, r io.Reader) error {
	var doc exportDoc
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return fmt.Errorf("import state: %w", err)
	}
	if doc.Format != ExportFormat {
		return fmt.Errorf("import state: format %q, want %q", doc.Format, ExportFormat)
	}
	for _, e := range doc.Checkpoints {
		state := e.StateBytes
		if len(e.State) > 0 {
			// Export indents the document, blobs included: compact them
			// back (a compact blob round-trips byte for byte).
			var buf bytes.Buffer
			if err := json.Compact(&buf, e.State); err != nil {
				return fmt.Errorf("import state: %s/%s: %w", e.Manifest, e.Unit, err)
			}
			state = buf.Bytes()
		}
		if len(state) == 0 {
			return fmt.Errorf("import state: checkpoint %s/%s has no state", e.Manifest, e.Unit)
		}
		if err := s.SetCheckpoint(ctx, StreamKey{Manifest: e.Manifest, Unit: e.Unit}, state, "import"); err != nil {
			return fmt.Errorf("import state: %w", err)
		}
	}
	return nil
}
