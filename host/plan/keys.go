package plan

import "sort"

// OptionKey is one manifest key the host reads and Validate checks: the
// host's side of the options contract, for `dpone connectors info`.
type OptionKey struct {
	// Section is source.options, sink.strategy or sink.options.
	Section string
	Key     string
	// Want says what the value must be and what it does.
	Want string
}

// keyWants describes every key of sourceKeys, strategyKeys and sinkKeys
// (TestOptionKeysDescribed keeps them in step).
var keyWants = map[string]string{
	"source.options.incremental_strategy": "incremental reads: the strategy, one of the connector's (column, files, ...)",
	"source.options.parallel":             "read by dpone: partitions read at once, a positive integer or auto",
	"source.options.batch_bytes":          "read by dpone: the size of one Arrow batch in bytes, a positive integer",
	"sink.strategy.unique_key":            "the columns that identify a row; needed by incremental_merge, snapshot_diff and scd2",
	"sink.strategy.deletes":               "snapshot_diff: hard (delete) or soft (mark _dpone_deleted_at)",
	"sink.strategy.max_delete_ratio":      "a number from 0 to 1: refuse a snapshot_diff deleting more of the target (default 0.5)",
	"sink.strategy.where":                 "replace: the SQL predicate of the rows a load replaces",
	"sink.strategy.partition_by":          "partition_replace: the column(s) whose values a load replaces",
	"sink.strategy.tracked_columns":       "scd2: the column(s) whose changes open a new version (default: every loaded column but the key)",
	"sink.strategy.valid_from":            "scd2: the column of a version's start (default _dpone_valid_from)",
	"sink.strategy.valid_to":              "scd2: the column of a version's end, NULL while current (default _dpone_valid_to)",
	"sink.strategy.is_current":            "scd2: the boolean column marking current versions (default _dpone_is_current)",
	"sink.strategy.hard_deletes":          "scd2: close (end the version of a key the full read lacks) or ignore (default)",
	"sink.options.schema_evolution":       "what to do when the source schema changes, e.g. {mode: widening, on_type_change: fail}",
	"sink.options.lineage":                "false, or {run_id_column, loaded_at_column} (default _dpone_run_id, _dpone_loaded_at)",
	"sink.options.quality_gates":          "checks before commit, e.g. {min_rows: 1, not_null: [id], unique: [id]}",
}

// OptionKeys lists the keys the host reads, by section and key.
func OptionKeys() []OptionKey {
	var out []OptionKey
	add := func(section string, keys []string) {
		sort.Strings(keys)
		for _, k := range keys {
			out = append(out, OptionKey{Section: section, Key: k, Want: keyWants[section+"."+k]})
		}
	}
	add("source.options", keysOf(sourceKeys))
	add("sink.strategy", append([]string{"unique_key"}, keysOf(strategyKeys)...))
	add("sink.options", append([]string(nil), sinkKeys...))
	return out
}
