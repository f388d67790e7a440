package sdk

import (
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
)

// CreatedKey is the primary key a sink gives a target this load creates:
// the unique key for the modes that upsert or converge by it
// (incremental_merge, snapshot_diff); for full_refresh, a copy of the
// source, the unique key or else the source's primary key (SourceKey of
// the load's schema). Append-like modes keep history, so their targets get
// none. The host applies the same rule when it creates a target before
// staging, so plan and run agree.
func (r LoadRequest) CreatedKey() []string {
	switch r.Mode {
	case ModeMerge, ModeSnapshotDiff:
		return r.UniqueKey
	case ModeFullRefresh:
		if len(r.UniqueKey) > 0 {
			return r.UniqueKey
		}
		return SourceKey(r.Schema)
	}
	return nil
}

// SourceKey is the primary key a source declared on s's fields
// (MetaPrimaryKey), in key order; nil unless every position from 1 up is
// present exactly once.
func SourceKey(s *arrow.Schema) []string {
	if s == nil {
		return nil
	}
	byPos := map[int]string{}
	for _, f := range s.Fields() {
		v, ok := f.Metadata.GetValue(MetaPrimaryKey)
		if !ok {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || byPos[n] != "" {
			return nil
		}
		byPos[n] = f.Name
	}
	key := make([]string, 0, len(byPos))
	for i := 1; i <= len(byPos); i++ {
		name, ok := byPos[i]
		if !ok {
			return nil
		}
		key = append(key, name)
	}
	return key
}
