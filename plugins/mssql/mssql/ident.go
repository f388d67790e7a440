package mssql

import (
	"strings"

	"github.com/dpone-go/dpone/sdk"
)

// ident quotes one identifier with [ ]: a ] inside doubles.
func ident(name string) string {
	return "[" + strings.ReplaceAll(name, "]", "]]") + "]"
}

// qualified quotes a table name. A namespace "db.schema" names a table in
// another database (three-part name); a namespace of one part is the
// schema. Dots inside brackets ([a.b].c) are kept as part of a name.
func qualified(namespace, name string) (string, error) {
	parts, err := splitName(namespace)
	if err != nil {
		return "", err
	}
	if len(parts) > 2 {
		return "", sdk.Errorf(sdk.CodeConfig, "mssql: namespace %q has more than database.schema: write it as db.schema or schema", namespace)
	}
	q := make([]string, 0, 3)
	for _, p := range parts {
		q = append(q, ident(p))
	}
	return strings.Join(append(q, ident(name)), "."), nil
}

// splitName splits "a.b" or "[a.b].c" into unquoted parts; empty means dbo.
func splitName(s string) ([]string, error) {
	if s == "" {
		return []string{"dbo"}, nil
	}
	var parts []string
	var cur strings.Builder
	quoted := false
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case quoted && ch == ']' && i+1 < len(s) && s[i+1] == ']':
			cur.WriteByte(']')
			i++
		case quoted && ch == ']':
			quoted = false
		case !quoted && ch == '[' && cur.Len() == 0:
			quoted = true
		case !quoted && ch == '.':
			parts = append(parts, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(ch)
		}
	}
	if quoted {
		return nil, sdk.Errorf(sdk.CodeConfig, "mssql: name %q has an unclosed [", s)
	}
	parts = append(parts, cur.String())
	for _, p := range parts {
		if p == "" {
			return nil, sdk.Errorf(sdk.CodeConfig, "mssql: name %q has an empty part", s)
		}
	}
	return parts, nil
}

// literal quotes a string as an N” literal.
func literal(s string) string { return "N'" + strings.ReplaceAll(s, "'", "''") + "'" }
