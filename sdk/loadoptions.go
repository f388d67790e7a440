package sdk

import (
	"encoding/json"
	"fmt"
	"strings"

	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
	"github.com/dpone-go/dpone/proto/loadopts"
)

// Load modes a destination may implement (Spec.SinkModes).
const (
	ModeFullRefresh      = "full_refresh"
	ModeAppend           = "incremental_append"
	ModeMerge            = "incremental_merge"
	ModeSnapshotDiff     = "snapshot_diff"
	ModeReplace          = "replace"
	ModePartitionReplace = "partition_replace"
	// ModeSCD2 keeps a history table: see SCD2 and docs/manifest.md ("History tables").
	ModeSCD2 = "scd2"
)

// DeletedAtColumn marks the rows snapshot_diff soft-deleted.
const DeletedAtColumn = "_dpone_deleted_at"

// DefaultMaxDeleteRatio guards snapshot_diff when the strategy sets none.
const DefaultMaxDeleteRatio = 0.5

// LoadOptions are what the host asks of a load beyond its mode and unique
// key: the lineage columns and the options of the mode. The SDK fills
// LoadRequest.Load from the protocol's typed fields (v1.1) or from the
// options_json of a host before v1.1; a destination never parses them.
type LoadOptions struct {
	// Lineage names the two constant columns the target gets at commit;
	// nil when the manifest turns lineage off.
	Lineage *Lineage `json:"lineage"`
	// Strategy holds the mode options as the host sent them; use
	// LoadRequest.Strategy to get them checked against the load's mode.
	Strategy Strategy `json:"strategy"`
}

// Lineage is the host's lineage block: the run id and load time, and the
// target columns that hold them ("" = that column is off).
type Lineage struct {
	RunID string `json:"run_id"`
	// LoadedAt is the run's start, RFC 3339 in UTC with nanoseconds.
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
	// SCD2 holds scd2's options; LoadRequest.Strategy fills in its
	// defaults for an scd2 load.
	SCD2 SCD2 `json:"scd2"`
}

// loadOptions is the SDK's one reader of a load's options: the typed
// fields of a v1.1 host, or the v1.0 options_json read by the same
// definition the host writes it with (proto/loadopts). It returns the
// connector's own sink.options beside them.
func loadOptions(b *connectorv1.BeginLoadRequest) (LoadOptions, json.RawMessage, error) {
	lo, own := b.GetLoad(), json.RawMessage(b.GetOptionsJson())
	if lo == nil {
		var err error
		if lo, own, err = loadopts.FromJSON(b.GetOptionsJson()); err != nil {
			return LoadOptions{}, nil, WithCode(CodeConfig, err)
		}
	}
	mo := lo.GetModeOptions()
	out := LoadOptions{Strategy: Strategy{Deletes: mo.GetDeletes(), Where: mo.GetWhere(), PartitionBy: mo.GetPartitionBy(),
		SCD2: SCD2{TrackedColumns: mo.GetTrackedColumns(), ValidFrom: mo.GetValidFromColumn(), ValidTo: mo.GetValidToColumn(),
			IsCurrent: mo.GetIsCurrentColumn(), HardDeletes: mo.GetHardDeletes()}}}
	if mo.MaxDeleteRatio != nil {
		r := mo.GetMaxDeleteRatio()
		out.Strategy.MaxDeleteRatio = &r
	}
	if lg := lo.GetLineage(); lg != nil && (lg.GetRunIdColumn() != "" || lg.GetLoadedAtColumn() != "") {
		out.Lineage = &Lineage{RunID: lg.GetRunId(), LoadedAt: lg.GetLoadedAt(),
			RunIDColumn: lg.GetRunIdColumn(), LoadedAtColumn: lg.GetLoadedAtColumn()}
	}
	return out, own, nil
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

// Strategy returns the load's mode options (Load.Strategy) checked against
// its mode, with defaults filled in; LoadRequest.Mode and UniqueKey are
// authoritative. Errors carry CodeConfig and name the manifest key.
func (r LoadRequest) Strategy() (Strategy, error) {
	s := r.Load.Strategy
	s.Mode, s.UniqueKey = r.Mode, r.UniqueKey
	switch r.Mode {
	case ModeMerge, ModeSnapshotDiff, ModeSCD2:
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
	if r.Mode == ModeSCD2 {
		var err error
		if s.SCD2, err = s.SCD2.withDefaults(r.UniqueKey); err != nil {
			return s, err
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
