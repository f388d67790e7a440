package plan

import (
	"github.com/dpone-go/dpone/host/catalog"
	"github.com/dpone-go/dpone/host/manifest"
)

// Default history columns of an scd2 target (the SDK's
// sdk.DefaultValidFromColumn and kin; the host does not import the SDK).
const (
	defaultValidFrom = "_dpone_valid_from"
	defaultValidTo   = "_dpone_valid_to"
	defaultIsCurrent = "_dpone_is_current"
)

// scd2Columns are the history columns of an scd2 unit (valid_from,
// valid_to, is_current), nil for another mode.
func scd2Columns(u *manifest.Unit) []string {
	if u.Sink.Strategy.Mode != "scd2" {
		return nil
	}
	name := func(key, def string) string {
		if s, _ := u.Sink.Strategy.Extra[key].(string); s != "" {
			return s
		}
		return def
	}
	return []string{name("valid_from", defaultValidFrom), name("valid_to", defaultValidTo), name("is_current", defaultIsCurrent)}
}

// scd2Fields are the history columns a created scd2 target gets: two
// timestamps with time zone (microseconds) and a boolean, all nullable.
func scd2Fields(u *manifest.Unit) []*catalog.Field {
	cols := scd2Columns(u)
	if cols == nil {
		return nil
	}
	ts := func(n string) *catalog.Field {
		return &catalog.Field{Name: n, Nullable: true,
			Type: &catalog.LogicalType{Kind: catalog.KindTimestamp, Precision: 6, WithTimeZone: true}}
	}
	return []*catalog.Field{ts(cols[0]), ts(cols[1]),
		{Name: cols[2], Nullable: true, Type: &catalog.LogicalType{Kind: catalog.KindBool}}}
}
