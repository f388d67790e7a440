package schema

import (
	"fmt"
	"strings"
)

// Describe renders an Evolution for `dpone plan`, one line per
// difference, e.g.
//
//	schema evolution (mode widening, on_type_change fail):
//	  + add column email string (nullable)
//	  ~ widen column qty int32 -> int64
//	  ~ drop NOT NULL on id
//	  > route code (string) into new column code__dpone_nc_string; code gets NULL
//	  ? column legacy is missing in the source (nullable: gets NULL)
//	  ! column "code": string -> int64 is incompatible; set ...
//
// The exact DDL comes from ApplySchema with dry_run; print it after.
// A nil or empty Evolution reads "schema: no changes".
func Describe(ev *Evolution) string {
	if ev == nil || len(ev.Columns) == 0 {
		return "schema: no changes\n"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "schema evolution (mode %s, on_type_change %s):\n", ev.Policy.Mode, ev.Policy.OnTypeChange)
	for _, c := range ev.Columns {
		if c.Err != nil {
			fmt.Fprintf(&b, "  ! %s\n", c.Err.Error())
			continue
		}
		switch c.Kind {
		case KindAddColumn:
			fmt.Fprintf(&b, "  + add column %s %s (nullable)\n", c.Target, TypeName(c.To))
		case KindWidenType:
			fmt.Fprintf(&b, "  ~ widen column %s %s -> %s\n", c.Target, TypeName(c.From), TypeName(c.To))
		case KindDropNotNull:
			fmt.Fprintf(&b, "  ~ drop NOT NULL on %s\n", c.Target)
		case KindNewColumn:
			where := "new column"
			if c.Op == nil {
				where = "existing column"
			}
			fmt.Fprintf(&b, "  > route %s (%s) into %s %s; %s gets NULL\n", c.Column, TypeName(c.To), where, c.Target, c.Column)
		case KindMissingInSource:
			fmt.Fprintf(&b, "  ? column %s is missing in the source (nullable: gets NULL)\n", c.Column)
		case KindNarrowerSource:
			fmt.Fprintf(&b, "  = column %s: source %s fits target %s\n", c.Column, TypeName(c.To), TypeName(c.From))
		}
	}
	return b.String()
}
