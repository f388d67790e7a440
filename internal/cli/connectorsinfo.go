package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/dpone-go/dpone/host/catalog"
	"github.com/dpone-go/dpone/host/plan"
)

// renderOptions writes the options a manifest may give a connector: the
// source options its options schema publishes plus the keys dpone reads
// itself, and for a sink its modes and the sink.strategy and sink.options
// keys. Both come from the contract plan and validate check against.
func renderOptions(w io.Writer, spec *catalog.Spec) {
	keys := plan.OptionKeys()
	caps := spec.Capabilities
	if caps.Source {
		fmt.Fprintln(w, "source options (source.options):")
		rows := schemaProperties(spec.SourceOptionsSchemaJSON)
		if rows == nil {
			rows = map[string]schemaProperty{}
		}
		for _, k := range keys {
			if k.Section == "source.options" {
				p := rows[k.Key]
				p.description = k.Want // the host's meaning wins: it reads the key
				rows[k.Key] = p
			}
		}
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		for _, k := range sortedKeys(rows) {
			p := rows[k]
			if p.typ == "" {
				p.typ = "any"
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", k, p.typ, p.description)
		}
		_ = tw.Flush()
		if len(caps.IncrementalStrategies) > 0 {
			fmt.Fprintf(w, "incremental strategies: %s\n", strings.Join(caps.IncrementalStrategies, ", "))
		}
	}
	if !caps.Destination {
		return
	}
	fmt.Fprintf(w, "sink modes (sink.strategy.mode): %s\n", strings.Join(caps.SinkModes, ", "))
	for _, section := range []string{"sink.strategy", "sink.options"} {
		fmt.Fprintf(w, "%s keys:\n", section)
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		for _, k := range keys {
			if k.Section == section {
				fmt.Fprintf(tw, "  %s\t%s\n", k.Key, k.Want)
			}
		}
		if section == "sink.options" {
			// The connector's own keys, from the schema it publishes.
			rows := schemaProperties(spec.SinkOptionsSchemaJSON)
			for _, k := range sortedKeys(rows) {
				p := rows[k]
				if p.typ == "" {
					p.typ = "any"
				}
				fmt.Fprintf(tw, "  %s\t%s: %s\n", k, p.typ, p.description)
			}
		}
		_ = tw.Flush()
	}
}

// schemaProperty is one property of a published options schema.
type schemaProperty struct{ typ, description string }

// schemaProperties returns the top-level properties of a JSON Schema
// object with their type ("" when the schema gives none) and description.
func schemaProperties(schema string) map[string]schemaProperty {
	var doc struct {
		Properties map[string]struct {
			Type        any    `json:"type"`
			Description string `json:"description"`
			Enum        []any  `json:"enum"`
			Items       *struct {
				Type any `json:"type"`
			} `json:"items"`
		} `json:"properties"`
	}
	if strings.TrimSpace(schema) == "" || json.Unmarshal([]byte(schema), &doc) != nil {
		return nil
	}
	out := map[string]schemaProperty{}
	for k, p := range doc.Properties {
		typ := fmt.Sprint(p.Type)
		if p.Type == nil {
			typ = ""
		}
		if typ == "array" && p.Items != nil && p.Items.Type != nil {
			typ = fmt.Sprintf("array of %v", p.Items.Type)
		}
		if len(p.Enum) > 0 {
			vals := make([]string, len(p.Enum))
			for i, v := range p.Enum {
				vals[i] = fmt.Sprint(v)
			}
			typ = "one of " + strings.Join(vals, ", ")
		}
		out[k] = schemaProperty{typ: typ, description: p.Description}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
