package state

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
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
	// Begin is the load's request as the connector client encoded it (a
	// dpone.connector.v1 BeginLoadRequest, see v1convert.MarshalBegin)
	// with config_json and options_json removed.
	Begin []byte `json:"begin"`
	// OptionsSHA256 is the hex sha256 of the options the load began with.
	OptionsSHA256 string `json:"options_sha256,omitempty"`
}

// Field numbers of dpone.connector.v1.BeginLoadRequest that a record never
// keeps: the resolved connection config and the options (which may hold
// credentials too; only their digest is kept). The protocol freezes them.
const (
	beginConfigField  protowire.Number = 1
	beginOptionsField protowire.Number = 7
	// The staging area (its credentials): re-resolved like the config.
	beginStagingField protowire.Number = 50
)

// NewLoadRecord encodes the record stored with a load: begin is the load's
// request as the connector client encodes it (v1convert.MarshalBegin); the
// record keeps it without its resolved config and options, whatever the
// caller left in, and keeps the options' digest.
func NewLoadRecord(sink, connectionID string, begin []byte) ([]byte, error) {
	clean, opts, err := stripBegin(begin)
	if err != nil {
		return nil, fmt.Errorf("encode load record: %w", err)
	}
	return json.Marshal(LoadRecord{Sink: sink, ConnectionID: connectionID, Begin: clean, OptionsSHA256: Digest(opts)})
}

// DecodeLoadRecord reads a load's record; its Begin is the config-less
// request for the connector client to decode (v1convert.UnmarshalBegin).
func DecodeLoadRecord(b []byte) (LoadRecord, error) {
	var rec LoadRecord
	if err := json.Unmarshal(b, &rec); err != nil {
		return rec, fmt.Errorf("decode load record: %w", err)
	}
	if _, _, err := stripBegin(rec.Begin); err != nil {
		return rec, fmt.Errorf("decode load record: %w", err)
	}
	if rec.Sink == "" {
		return rec, fmt.Errorf("decode load record: it names no sink connector")
	}
	return rec, nil
}

// stripBegin returns an encoded BeginLoadRequest without its config and
// options fields (and its staging area), and the options' bytes (the last occurrence, as protobuf
// reads a repeated scalar). It fails on bytes that are not a protobuf
// message.
func stripBegin(b []byte) (clean, opts []byte, err error) {
	clean = make([]byte, 0, len(b))
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return nil, nil, fmt.Errorf("not a BeginLoadRequest: %w", protowire.ParseError(n))
		}
		m := protowire.ConsumeFieldValue(num, typ, b[n:])
		if m < 0 {
			return nil, nil, fmt.Errorf("not a BeginLoadRequest: %w", protowire.ParseError(m))
		}
		switch num {
		case beginConfigField, beginStagingField:
		case beginOptionsField:
			v, k := protowire.ConsumeBytes(b[n:])
			if typ != protowire.BytesType || k < 0 {
				return nil, nil, errors.New("not a BeginLoadRequest: options_json is not bytes")
			}
			opts = v
		default:
			clean = append(clean, b[:n+m]...)
		}
		b = b[n+m:]
	}
	return clean, opts, nil
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
		if json.Unmarshal(r.rec, &old) == nil {
			clean, _ = NewLoadRecord(old.Sink, "", old.Begin)
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
