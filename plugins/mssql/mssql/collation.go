package mssql

import (
	"regexp"
	"strings"
)

// collationName is what a collation name from sys.columns looks like; it
// is rendered unquoted after COLLATE.
var collationName = regexp.MustCompile(`^[A-Za-z0-9_]+$`)

// codePageGuards refuse a load that would lose characters: staging holds
// strings as nvarchar (UTF-16), and an existing target's varchar, char or
// text column of a non-UTF-8 collation keeps only its code page (others
// become '?'). For each such written column a guard converts the staged
// values through the column's collation and back, compares them binary,
// and THROWs (a DATA error naming the column) when any differ.
func (l *load) codePageGuards(ti targetInfo, names []string) []stmt {
	var out []stmt
	for _, c := range ti.Columns {
		if !narrowText(c) || !containsName(names, c.Name) || !collationName.MatchString(c.Collation) {
			continue
		}
		col := "s." + ident(c.Name)
		lossy := "CAST(CAST(" + col + " COLLATE " + c.Collation + " AS varchar(max)) AS nvarchar(max)) COLLATE Latin1_General_100_BIN2 <> " +
			col + " COLLATE Latin1_General_100_BIN2"
		q := "DECLARE @lossy bigint = (SELECT COUNT_BIG(*) FROM " + l.staging + " AS s WHERE " + col + " IS NOT NULL AND " + lossy + ");\n" +
			guard("@lossy > 0", literal("column "+c.Name+": "), "@lossy",
				literal(" staged values have characters that "+c.native()+" COLLATE "+c.Collation+
					" cannot hold (its code page); make the column nvarchar or give it a _UTF8 collation"))
		out = append(out, stmt{SQL: q})
	}
	return out
}

// narrowText reports whether a column stores text in a code page other
// than UTF-8.
func narrowText(c column) bool {
	switch c.Type {
	case "varchar", "char", "text":
		return c.Collation != "" && !strings.Contains(strings.ToUpper(c.Collation), "_UTF8")
	}
	return false
}

func containsName(names []string, n string) bool {
	for _, x := range names {
		if x == n {
			return true
		}
	}
	return false
}
