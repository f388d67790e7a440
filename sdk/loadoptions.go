package sdk

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// Load modes a destination may implement (Spec.SinkModes).
const (
	ModeFullRefresh      = "full_refresh"
	ModeAppend           = "incremental_append"
	ModeMerge            = "incremental_merge"
	ModeSnapshotDiff     = "snapshot_diff"
	ModeReplace          = "replace"
	ModePartitionReplace = "partition_replace"
)

// DeletedAtColumn marks the rows snapshot_diff soft-deleted.
const DeletedAtColumn = "_dpone_deleted_at"

// DefaultMaxDeleteRatio guards snapshot_diff when the strategy sets none.
const DefaultMaxDeleteRatio = 0.5

// LoadOptions are the keys the host adds to LoadRequest.Options; a
// destination decodes its own sink.options beside them.
type LoadOptions struct {
	// Lineage names the two constant columns the target gets at commit;
	// nil or empty column names mean lineage is off.
	Lineage *Lineage `json:"lineage"`
	// Strategy is the manifest's whole sink.strategy block.
	Strategy json.RawMessage `json:"strategy"`
	// SchemaEvolution belongs to the host; destinations ignore it.
	SchemaEvolution json.RawMessage `json:"schema_evolution"`
}

// Lineage is the host's lineage block: the run id and load time, and the
// target columns that hold them ("" = that column is off).
type Lineage struct {
	RunID          string `json:"run_id"`
	LoadedAt       string `json:"loaded_at"`
	RunIDColumn    string `json:"run_id_column"`
	LoadedAtColumn string `json:"loaded_at_column"`
}

// Strategy is a load's mode with the options the mode needs.
type Strategy struct {
	Mode      string   `json:"mode"`
	UniqueKey []string `json:"unique_key"`
	// Deletes is snapshot_diff's delete style: hard (default) or soft.
	Deletes string `json:"deletes"`
	// MaxDeleteRatio fails a snapshot_diff commit that would delete more
	// than this share of the target's live rows (default 0.5).
	MaxDeleteRatio *float64 `json:"max_delete_ratio"`
	// Where is replace's SQL predicate: the slice of the target replaced.
	Where string `json:"where"`
	// PartitionBy names partition_replace's partition columns (a name or
	// a list in the manifest).
	PartitionBy ColumnNames `json:"partition_by"`
}

// ColumnNames decodes partition_by: a column name or a list of them.
type ColumnNames []string

// UnmarshalJSON accepts "col" or ["a", "b"].
func (c *ColumnNames) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*c = ColumnNames{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("partition_by: want a column name or a list of them")
	}
	*c = many
	return nil
}

// Strategy decodes the strategy block of opts and checks the options the
// load's mode needs; LoadRequest.Mode and UniqueKey are authoritative.
// Errors carry CodeConfig and name the key.
func (r LoadRequest) Strategy(opts LoadOptions) (Strategy, error) {
	var s Strategy
	if raw := bytes.TrimSpace(opts.Strategy); len(raw) > 0 && string(raw) != "null" {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&s); err != nil {
			return s, Errorf(CodeConfig, "sink.strategy: %s", strings.TrimPrefix(err.Error(), "json: "))
		}
	}
	s.Mode, s.UniqueKey = r.Mode, r.UniqueKey
	switch r.Mode {
	case ModeMerge, ModeSnapshotDiff:
		if len(r.UniqueKey) == 0 {
			return s, Errorf(CodeConfig, "mode %s needs sink.strategy.unique_key", r.Mode)
		}
	case ModeReplace:
		if strings.TrimSpace(s.Where) == "" {
			return s, Errorf(CodeConfig, "mode replace needs sink.strategy.where (an SQL predicate naming the slice to replace)")
		}
	case ModePartitionReplace:
		if len(s.PartitionBy) == 0 {
			return s, Errorf(CodeConfig, "mode partition_replace needs sink.strategy.partition_by")
		}
	}
	if r.Mode == ModeSnapshotDiff {
		switch s.Deletes {
		case "":
			s.Deletes = "hard"
		case "hard", "soft":
		default:
			return s, Errorf(CodeConfig, "sink.strategy.deletes %q: want hard or soft", s.Deletes)
		}
		if s.MaxDeleteRatio == nil {
			ratio := DefaultMaxDeleteRatio
			s.MaxDeleteRatio = &ratio
		}
		if ratio := *s.MaxDeleteRatio; ratio < 0 || ratio > 1 {
			return s, Errorf(CodeConfig, "sink.strategy.max_delete_ratio %v: want a number from 0 to 1", ratio)
		}
	}
	return s, nil
}

// SoftDeletes reports whether the target carries DeletedAtColumn.
func (s Strategy) SoftDeletes() bool { return s.Mode == ModeSnapshotDiff && s.Deletes == "soft" }
