package postgres

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/dpone-go/dpone/sdk"
)

// Load modes beyond the three basic ones.
const (
	// ModeSnapshotDiff converges the target to the staged snapshot: new
	// keys inserted, changed rows updated, keys missing from the snapshot
	// deleted (hard) or marked in DeletedAtColumn (soft).
	ModeSnapshotDiff = "snapshot_diff"
	// ModeReplace deletes the target rows matching strategy.where and
	// inserts staging, in one transaction.
	ModeReplace = "replace"
	// ModePartitionReplace deletes the target rows whose partition_by
	// values appear in staging and inserts staging, in one transaction.
	ModePartitionReplace = "partition_replace"
)

// sinkModes lists every mode the destination implements.
var sinkModes = []string{ModeFullRefresh, ModeIncrementalAppend, ModeIncrementalMerge,
	ModeSnapshotDiff, ModeReplace, ModePartitionReplace}

// DeletedAtColumn marks rows that snapshot_diff soft-deleted.
const DeletedAtColumn = "_dpone_deleted_at"

// defaultMaxDeleteRatio guards snapshot_diff when the strategy sets none.
const defaultMaxDeleteRatio = 0.5

// strategy is the host-added strategy block of LoadRequest.Options: the
// manifest's sink.strategy (mode, unique_key and the mode's options).
type strategy struct {
	Mode      string   `json:"mode"`
	UniqueKey []string `json:"unique_key"`
	// Deletes is snapshot_diff's delete style: hard (default) or soft.
	Deletes string `json:"deletes"`
	// MaxDeleteRatio fails a snapshot_diff commit that would delete more
	// than this share of the target's live rows (default 0.5).
	MaxDeleteRatio *float64 `json:"max_delete_ratio"`
	// Where is replace's SQL predicate: the slice of the target replaced.
	Where string `json:"where"`
	// PartitionBy names partition_replace's partition columns (a string
	// or a list in the manifest).
	PartitionBy columnNames `json:"partition_by"`
}

// columnNames decodes partition_by: a column name or a list of them.
type columnNames []string

func (c *columnNames) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*c = columnNames{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("partition_by: want a column name or a list of them")
	}
	*c = many
	return nil
}

// decodeStrategy reads the strategy block; unknown keys are CONFIG errors.
func decodeStrategy(raw json.RawMessage) (strategy, error) {
	var s strategy
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return s, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return s, sdk.Errorf(sdk.CodeConfig, "postgres sink: sink.strategy: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	return s, nil
}

// checkStrategy validates the mode's options (req.Mode and req.UniqueKey
// are authoritative; the strategy block adds the rest).
func checkStrategy(req sdk.LoadRequest, s *strategy) error {
	switch req.Mode {
	case ModeIncrementalMerge, ModeSnapshotDiff:
		if len(req.UniqueKey) == 0 {
			return sdk.Errorf(sdk.CodeConfig, "postgres sink: mode %s needs unique_key", req.Mode)
		}
	}
	if req.Mode == ModeSnapshotDiff {
		switch s.Deletes {
		case "":
			s.Deletes = "hard"
		case "hard", "soft":
		default:
			return sdk.Errorf(sdk.CodeConfig, "postgres sink: strategy.deletes %q: want hard or soft", s.Deletes)
		}
		if s.MaxDeleteRatio == nil {
			r := defaultMaxDeleteRatio
			s.MaxDeleteRatio = &r
		}
		if r := *s.MaxDeleteRatio; r < 0 || r > 1 {
			return sdk.Errorf(sdk.CodeConfig, "postgres sink: strategy.max_delete_ratio %v: want a number from 0 to 1", r)
		}
	}
	if req.Mode == ModeReplace && strings.TrimSpace(s.Where) == "" {
		return sdk.Errorf(sdk.CodeConfig, "postgres sink: mode replace needs strategy.where (an SQL predicate naming the slice to replace)")
	}
	if req.Mode == ModePartitionReplace && len(s.PartitionBy) == 0 {
		return sdk.Errorf(sdk.CodeConfig, "postgres sink: mode partition_replace needs strategy.partition_by")
	}
	return nil
}

// checkColumns checks that the mode's key and partition columns are loaded.
func (l *load) checkColumns(names []string) error {
	for _, k := range l.req.UniqueKey {
		if !slices.Contains(names, k) {
			return sdk.Errorf(sdk.CodeConfig, "unique_key column %q is not in the loaded columns", k)
		}
	}
	if l.req.Mode == ModePartitionReplace {
		for _, p := range l.strategy.PartitionBy {
			if !slices.Contains(names, p) {
				return sdk.Errorf(sdk.CodeConfig, "partition_by column %q is not in the loaded columns", p)
			}
		}
	}
	return nil
}

// softDeletes reports whether the target carries DeletedAtColumn.
func (l *load) softDeletes() bool {
	return l.req.Mode == ModeSnapshotDiff && l.strategy.Deletes == "soft"
}

// deletedAt is the SQL value soft deletes stamp: the load's lineage time,
// else the transaction's.
func (l *load) deletedAt() (string, []any) {
	if lg := l.opts.Lineage; lg != nil && lg.LoadedAt != "" {
		return "$1::timestamptz", []any{lg.LoadedAt}
	}
	return "now()", nil
}

// keyMatch renders "a.k1 IS NOT DISTINCT FROM b.k1 AND ..." for cols.
func keyMatch(a, b string, cols []string) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = a + "." + ident(c) + " IS NOT DISTINCT FROM " + b + "." + ident(c)
	}
	return strings.Join(parts, " AND ")
}

// applyReplace deletes the where slice, checks that every staged row lies
// in it (else a rerun would not replace them: DATA error) and inserts.
func (l *load) applyReplace(ctx context.Context, tx pgx.Tx, insert string, args []any) (sdk.CommitResult, error) {
	var res sdk.CommitResult
	var outside int64
	if err := tx.QueryRow(ctx, "SELECT count(*) FROM "+l.staging+" WHERE NOT coalesce(("+l.strategy.Where+"), false)").Scan(&outside); err != nil {
		return res, sdk.Errorf(sdk.CodeConfig, "strategy.where %q: %w", l.strategy.Where, err)
	}
	if outside > 0 {
		return res, sdk.Errorf(sdk.CodeData, "mode replace: %d staged rows fall outside strategy.where %q: a rerun would not replace them; widen the predicate or filter the source", outside, l.strategy.Where)
	}
	tag, err := tx.Exec(ctx, "DELETE FROM "+l.target+" WHERE "+l.strategy.Where)
	if err != nil {
		return res, sdk.Errorf(sdk.CodeConfig, "strategy.where %q: %w", l.strategy.Where, err)
	}
	res.RowsDeleted = tag.RowsAffected()
	if tag, err = tx.Exec(ctx, insert, args...); err != nil {
		return res, err
	}
	res.RowsInserted = tag.RowsAffected()
	return res, nil
}

// applyPartitionReplace deletes every target row whose partition values
// appear in staging (NULL matches NULL), then inserts staging.
func (l *load) applyPartitionReplace(ctx context.Context, tx pgx.Tx, insert string, args []any) (sdk.CommitResult, error) {
	var res sdk.CommitResult
	cols := identList(l.strategy.PartitionBy)
	del := "DELETE FROM " + l.target + " t WHERE EXISTS (SELECT 1 FROM (SELECT DISTINCT " + cols + " FROM " + l.staging +
		") p WHERE " + keyMatch("t", "p", l.strategy.PartitionBy) + ")"
	tag, err := tx.Exec(ctx, del)
	if err != nil {
		return res, err
	}
	res.RowsDeleted = tag.RowsAffected()
	if tag, err = tx.Exec(ctx, insert, args...); err != nil {
		return res, err
	}
	res.RowsInserted = tag.RowsAffected()
	return res, nil
}

// applySnapshotDiff converges the target to staging: it refuses when the
// deletes exceed max_delete_ratio of the live rows, deletes (or soft
// deletes) keys missing from staging, then upserts staging, touching only
// rows whose values differ (or that were soft-deleted).
func (l *load) applySnapshotDiff(ctx context.Context, tx pgx.Tx, names []string) (sdk.CommitResult, error) {
	var res sdk.CommitResult
	keys := l.req.UniqueKey
	live := ""
	if l.softDeletes() {
		live = " AND t." + ident(DeletedAtColumn) + " IS NULL"
	}
	missing := "NOT EXISTS (SELECT 1 FROM " + l.staging + " s WHERE " + keyMatch("t", "s", keys) + ")"
	var total, gone int64
	err := tx.QueryRow(ctx, "SELECT count(*), count(*) FILTER (WHERE "+missing+") FROM "+l.target+" t WHERE true"+live).Scan(&total, &gone)
	if err != nil {
		return res, err
	}
	if total > 0 {
		if ratio := float64(gone) / float64(total); ratio > *l.strategy.MaxDeleteRatio {
			return res, sdk.Errorf(sdk.CodeData, "mode snapshot_diff: would delete %d of %d target rows (ratio %.3f > max_delete_ratio %g): is the source snapshot complete? raise strategy.max_delete_ratio to allow it",
				gone, total, ratio, *l.strategy.MaxDeleteRatio)
		}
	}
	if gone > 0 {
		var tag interface{ RowsAffected() int64 }
		if l.softDeletes() {
			at, args := l.deletedAt()
			tag, err = tx.Exec(ctx, "UPDATE "+l.target+" t SET "+ident(DeletedAtColumn)+" = "+at+" WHERE "+missing+live, args...)
		} else {
			tag, err = tx.Exec(ctx, "DELETE FROM "+l.target+" t WHERE "+missing)
		}
		if err != nil {
			return res, err
		}
		res.RowsDeleted = tag.RowsAffected()
	}

	lcols, lvals, args := l.lineageCols()
	into := append(slices.Clone(names), lcols...)
	sel := append(identSlice(names), lvals...)
	var sets, changed []string
	for _, c := range into {
		if !slices.Contains(keys, c) {
			sets = append(sets, ident(c)+" = EXCLUDED."+ident(c))
		}
	}
	for _, c := range names {
		if !slices.Contains(keys, c) {
			changed = append(changed, "t."+ident(c)+" IS DISTINCT FROM EXCLUDED."+ident(c))
		}
	}
	if l.softDeletes() {
		into = append(into, DeletedAtColumn)
		sel = append(sel, "NULL::timestamptz")
		sets = append(sets, ident(DeletedAtColumn)+" = NULL")
		changed = append(changed, "t."+ident(DeletedAtColumn)+" IS NOT NULL")
	}
	action := "DO NOTHING"
	if len(changed) > 0 {
		action = "DO UPDATE SET " + strings.Join(sets, ", ") + " WHERE " + strings.Join(changed, " OR ")
	}
	kl := identList(keys)
	q := "WITH up AS (INSERT INTO " + l.target + " AS t (" + identList(into) + ") SELECT DISTINCT ON (" + kl + ") " +
		strings.Join(sel, ", ") + " FROM " + l.staging + " ORDER BY " + kl + ", ctid DESC ON CONFLICT (" + kl + ") " + action +
		" RETURNING (xmax = 0) AS inserted) SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up"
	if err := tx.QueryRow(ctx, q, args...).Scan(&res.RowsInserted, &res.RowsUpdated); err != nil {
		return res, err
	}
	return res, nil
}
