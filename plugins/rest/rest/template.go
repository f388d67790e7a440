package rest

import (
	"encoding/json"
	"net/url"
	"regexp"
	"strings"

	"github.com/dpone-go/dpone/sdk"
)

// vars are the values templates see: {{ cursor }} and {{ parent.<field> }}.
type vars struct {
	cursor string
	parent *record
}

var templateRe = regexp.MustCompile(`\{\{\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)?)\s*\}\}`)

// render replaces the templates of s; esc escapes each value for where
// it goes (path segment, JSON string, nothing).
func (v vars) render(s, resource string, esc func(string) string) (string, error) {
	var bad error
	out := templateRe.ReplaceAllStringFunc(s, func(m string) string {
		name := templateRe.FindStringSubmatch(m)[1]
		val, err := v.lookup(name, resource)
		if err != nil && bad == nil {
			bad = err
		}
		return esc(val)
	})
	return out, bad
}

func (v vars) lookup(name, resource string) (string, error) {
	if name == "cursor" {
		return v.cursor, nil
	}
	if field, ok := strings.CutPrefix(name, "parent."); ok {
		if v.parent == nil {
			return "", sdk.Errorf(sdk.CodeConfig, "resource %q: template {{ %s }}: the resource has no parent", resource, name)
		}
		raw := v.parent.get(field)
		if raw == nil {
			return "", sdk.Errorf(sdk.CodeData, "resource %q: template {{ %s }}: the parent record has no field %q", resource, name, field)
		}
		return scalarText(raw), nil
	}
	return "", sdk.Errorf(sdk.CodeConfig, "resource %q: template {{ %s }}: want {{ cursor }} or {{ parent.<field> }}", resource, name)
}

func noEscape(s string) string { return s }

// jsonEscape escapes s for the inside of a JSON string.
func jsonEscape(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

// pathEscape escapes s as one path segment.
func pathEscape(s string) string { return url.PathEscape(s) }
