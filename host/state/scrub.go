package state

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"google.golang.org/protobuf/proto"

	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
)

// LoadRecord is what a load keeps in Load.Begin: enough to find the sink
// and its staging again, and no secret. Credentials and options are
// re-resolved from the current manifest and environment when a later run
// or `dpone state abandon` resolves the load.
type LoadRecord struct {
	// Sink is the sink connector's name (its plugin).
	Sink string `json:"sink"`
	// ConnectionID is the sink's connection_id ("" for inline params).
	ConnectionID string `json:"connection_id,omitempty"`
	// Begin is the protobuf BeginLoadRequest with config_json and
	// options_json cleared.
	Begin []byte `json:"begin"`
	// OptionsSHA256 is the hex sha256 of the options the load began with.
	OptionsSHA256 string `json:"options_sha256,omitempty"`
}

// NewLoadRecord strips begin of its resolved config and options and
// encodes the record stored with a load.
func NewLoadRecord(sink, connectionID string, begin *connectorv1.BeginLoadRequest) ([]byte, error) {
	b := proto.Clone(begin).(*connectorv1.BeginLoadRequest)
	opts := b.GetOptionsJson()
	b.ConfigJson, b.OptionsJson = nil, nil
	enc, err := proto.Marshal(b)
	if err != nil {
		return nil, err
	}
	return json.Marshal(LoadRecord{Sink: sink, ConnectionID: connectionID, Begin: enc, OptionsSHA256: Digest(opts)})
}

// DecodeLoadRecord reads a load's record and its (config-less) BeginLoad
// request.
func DecodeLoadRecord(b []byte) (LoadRecord, *connectorv1.BeginLoadRequest, error) {
	var rec LoadRecord
	if err := json.Unmarshal(b, &rec); err != nil {
		return rec, nil, fmt.Errorf("decode load record: %w", err)
	}
	begin := &connectorv1.BeginLoadRequest{}
	if err := proto.Unmarshal(rec.Begin, begin); err != nil {
		return rec, nil, fmt.Errorf("decode load record: %w", err)
	}
	if rec.Sink == "" {
		return rec, nil, fmt.Errorf("decode load record: it names no sink connector")
	}
	return rec, begin, nil
}

// Digest is the hex sha256 of b ("" for empty b).
func Digest(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// scrubLoadRecords is migration 2's data step: dpone up to state schema 1
// kept the sink's resolved config (credentials) and options in every load
// record; rewrite each record without them.
func scrubLoadRecords(ctx context.Context, tx *sql.Tx, d *dialect) error {
	rows, err := tx.QueryContext(ctx, d.q(`SELECT id, begin_request FROM {s}loads WHERE begin_request IS NOT NULL`))
	if err != nil {
		return err
	}
	type row struct {
		id  string
		rec []byte
	}
	var todo []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, scanBlob{&r.rec}); err != nil {
			rows.Close()
			return err
		}
		todo = append(todo, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, r := range todo {
		var old struct {
			Sink  string `json:"sink"`
			Begin []byte `json:"begin"`
		}
		var clean []byte
		begin := &connectorv1.BeginLoadRequest{}
		if json.Unmarshal(r.rec, &old) == nil && proto.Unmarshal(old.Begin, begin) == nil {
			if clean, err = NewLoadRecord(old.Sink, "", begin); err != nil {
				return err
			}
		}
		// An unreadable record cannot be trusted to hold no secret: drop
		// it (the load then cannot be recovered; `dpone state abandon`
		// still marks it).
		if _, err := tx.ExecContext(ctx, d.q(`UPDATE {s}loads SET begin_request = $1 WHERE id = $2`), blobArg(clean), r.id); err != nil {
			return err
		}
	}
	return nil
}
