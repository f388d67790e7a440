package clickhouse

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/dpone-go/dpone/sdk"
)

// sinkOptions are the sink.options keys: the physical design of a target
// the load creates, and how incremental_merge publishes.
type sinkOptions struct {
	// Engine is a MergeTree-family engine with its arguments; default
	// MergeTree, ReplacingMergeTree(_dpone_version) for incremental_merge
	// and snapshot_diff (versioned.go).
	Engine string `json:"engine" doc:"MergeTree-family engine of a created target (default MergeTree; ReplacingMergeTree(_dpone_version) for incremental_merge and snapshot_diff, also when ReplacingMergeTree is given without a version)"`
	// OrderBy is the sorting key; default the unique key (or the source's
	// primary key for full_refresh), else tuple().
	OrderBy sdk.ColumnNames `json:"order_by" doc:"sorting key of a created target (default the unique key, else the source key, else tuple())"`
	// PartitionBy is the PARTITION BY expression.
	PartitionBy string `json:"partition_by" doc:"PARTITION BY expression of a created target"`
	// PrimaryKey is the PRIMARY KEY, a prefix of order_by.
	PrimaryKey sdk.ColumnNames `json:"primary_key" doc:"PRIMARY KEY of a created target, a prefix of order_by"`
	// TTL is the table TTL expression.
	TTL string `json:"ttl" doc:"TTL expression of a created target"`
	// Settings are MergeTree table settings.
	Settings map[string]json.RawMessage `json:"settings" doc:"MergeTree table settings of a created target"`
	// LowCardinality lists string columns created LowCardinality(String).
	LowCardinality []string `json:"low_cardinality" doc:"string columns created as LowCardinality(String)"`
	// Merge is incremental_merge's publish: replacing (default: a
	// ReplacingMergeTree target ordered by the unique key, read with
	// FINAL) or delete_insert (lightweight DELETE of the staged keys, then
	// the staged rows).
	Merge string `json:"merge" doc:"incremental_merge publish: replacing (default) or delete_insert"`
	// S3NamedCollection names a named collection on the server holding
	// the staging bucket's keys: with sink.staging, s3() names it instead
	// of carrying the keys in the statement's text.
	S3NamedCollection string `json:"s3_named_collection" doc:"with sink.staging: a named collection on the ClickHouse server holding the staging bucket's access_key_id and secret_access_key (s3() then carries no keys)"`
}

// Merge styles.
const (
	mergeReplacing    = "replacing"
	mergeDeleteInsert = "delete_insert"
)

var settingName = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

func decodeSinkOptions(raw json.RawMessage) (sinkOptions, error) {
	var o sinkOptions
	if err := sdk.DecodeOptions(raw, &o, "clickhouse sink options"); err != nil {
		return o, err
	}
	switch o.Merge {
	case "":
		o.Merge = mergeReplacing
	case mergeReplacing, mergeDeleteInsert:
	default:
		return o, sdk.Errorf(sdk.CodeConfig, "clickhouse sink options: merge %q: want replacing or delete_insert", o.Merge)
	}
	if o.Engine != "" && !strings.Contains(o.Engine, "MergeTree") {
		return o, sdk.Errorf(sdk.CodeConfig, "clickhouse sink options: engine %q: want a MergeTree-family engine (loads publish by moving parts)", o.Engine)
	}
	for k := range o.Settings {
		if !settingName.MatchString(k) {
			return o, sdk.Errorf(sdk.CodeConfig, "clickhouse sink options: settings key %q is not a setting name", k)
		}
	}
	if len(o.PrimaryKey) > 0 && len(o.OrderBy) > 0 && !slices.Equal(o.PrimaryKey, o.OrderBy[:min(len(o.PrimaryKey), len(o.OrderBy))]) {
		return o, sdk.Errorf(sdk.CodeConfig, "clickhouse sink options: primary_key %v must be a prefix of order_by %v", o.PrimaryKey, o.OrderBy)
	}
	return o, nil
}

// dedupWindow is the non_replicated_deduplication_window of the tables
// the sink creates: the block-level deduplication of retried inserts
// (insert_deduplication_token) needs it on staging, which a created
// target is (renamed) or copies (CREATE TABLE … AS staging).
const dedupWindow = "100000"

// settingsClause renders SETTINGS k = v, ... sorted by key: the settings
// option, with non_replicated_deduplication_window unless it sets it.
func (o sinkOptions) settingsClause() string {
	settings := map[string]json.RawMessage{"non_replicated_deduplication_window": json.RawMessage(dedupWindow)}
	maps.Copy(settings, o.Settings)
	keys := slices.Sorted(maps.Keys(settings))
	parts := make([]string, len(keys))
	for i, k := range keys {
		v := string(settings[k])
		var s string
		if json.Unmarshal(settings[k], &s) == nil {
			v = literal(s)
		}
		parts[i] = fmt.Sprintf("%s = %s", k, v)
	}
	return " SETTINGS " + strings.Join(parts, ", ")
}
