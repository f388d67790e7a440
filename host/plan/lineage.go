package plan

import (
	"fmt"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/dpone-go/dpone/host/catalog"
	"github.com/dpone-go/dpone/host/connector/v1convert"
	"github.com/dpone-go/dpone/host/manifest"
)

// SourceLineage finds the source fields named like the unit's lineage
// columns (a table dpone wrote, read back). The sink sets those columns
// itself, so the host drops the source's: names lists them, and warning
// says so for plan and the run report ("" when there are none).
func SourceLineage(u *manifest.Unit, fields []*catalog.Field) (names []string, warning string, err error) {
	runCol, loadedCol, err := lineageColumns(u)
	if err != nil {
		return nil, "", err
	}
	for _, f := range fields {
		if n := f.GetName(); n != "" && (n == runCol || n == loadedCol) {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return nil, "", nil
	}
	warning = fmt.Sprintf("unit %s: source columns %s have the names of the target's lineage columns: they are replaced by this load's run id and load time "+
		"(to keep them, select them under other names with source.options.query, or rename the lineage columns with sink.options.lineage)",
		u.ID, strings.Join(names, ", "))
	return names, warning, nil
}

// WithoutFields returns s without the fields named in names (its fields
// and its Arrow schema both).
func WithoutFields(s *catalog.Schema, names []string) (*catalog.Schema, error) {
	if len(names) == 0 {
		return s, nil
	}
	as, err := v1convert.ArrowSchema(s)
	if err != nil {
		return nil, err
	}
	fields := slices.DeleteFunc(slices.Clone(as.Fields()), func(f arrow.Field) bool { return slices.Contains(names, f.Name) })
	md := as.Metadata()
	return v1convert.SchemaFromArrow(arrow.NewSchema(fields, &md))
}
