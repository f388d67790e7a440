package sdk

import (
	"path"

	"github.com/apache/arrow-go/v18/arrow"
)

// Selected reports whether Discover's selector keeps the stream
// namespace.name: an entry is a stream name, namespace.name, a namespace,
// or a glob (path.Match) of those; an empty selector keeps every stream.
// This is the one meaning the host relies on (docs/plugin-authoring.md).
func Selected(selector []string, namespace, name string) bool {
	if len(selector) == 0 {
		return true
	}
	for _, s := range selector {
		if namespace != "" && s == namespace {
			return true
		}
		if namespace != "" {
			if ok, _ := path.Match(s, namespace+"."+name); ok {
				return true
			}
		}
		if ok, _ := path.Match(s, name); ok {
			return true
		}
	}
	return false
}

// CursorCandidates are the columns of s that can order an incremental read
// by the column strategy: timestamps, dates and integers.
func CursorCandidates(s *arrow.Schema) []string {
	var out []string
	for _, f := range s.Fields() {
		switch f.Type.ID() {
		case arrow.TIMESTAMP, arrow.DATE32, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT16, arrow.UINT32, arrow.UINT64:
			out = append(out, f.Name)
		}
	}
	return out
}
