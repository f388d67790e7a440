// Package olschema validates OpenLineage events against the OpenLineage
// JSON Schema (spec 2-0-2, draft 2020-12) and the facet schemas dpone
// emits, copied unchanged under spec/ (Apache-2.0, see spec/LICENSE) so
// tests need no network. Every facet of an event whose _schemaURL names a
// local facet schema is validated against it too.
package olschema

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

//go:embed spec/OpenLineage.json spec/facets/*.json
var specFS embed.FS

const runEventURL = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"

// Validator validates run events.
type Validator struct {
	c      *jsonschema.Compiler
	run    *jsonschema.Schema
	facets map[string]bool // $id of every local facet schema
}

// New compiles the schemas.
func New() (*Validator, error) {
	c := jsonschema.NewCompiler()
	c.AssertFormat() // uuid, date-time and uri are checked, not just annotations
	v := &Validator{c: c, facets: map[string]bool{}}
	err := fs.WalkDir(specFS, "spec", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := specFS.ReadFile(path)
		if err != nil {
			return err
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		id, _ := doc.(map[string]any)["$id"].(string)
		if id == "" {
			return fmt.Errorf("%s has no $id", path)
		}
		if strings.Contains(path, "/facets/") {
			v.facets[id] = true
		}
		return c.AddResource(id, doc)
	})
	if err != nil {
		return nil, err
	}
	if v.run, err = c.Compile(runEventURL); err != nil {
		return nil, err
	}
	return v, nil
}

// Validate checks one event (JSON): the RunEvent schema, then each facet
// against its own schema where it is one of the local facets. A facet
// naming an OpenLineage schema this package does not hold is an error, so
// a new facet cannot slip through unvalidated.
func (v *Validator) Validate(event []byte) error {
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(event))
	if err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	if err := v.run.Validate(inst); err != nil {
		return fmt.Errorf("RunEvent: %w", err)
	}
	var errs []error
	for path, f := range facetsOf(inst) {
		url, _ := f.(map[string]any)["_schemaURL"].(string)
		base, _, _ := strings.Cut(url, "#")
		if !v.facets[base] {
			if strings.HasPrefix(url, "https://openlineage.io/") {
				errs = append(errs, fmt.Errorf("facet %s: schema %s is not among the local facet schemas", path, url))
			}
			continue
		}
		s, err := v.c.Compile(url)
		if err != nil {
			errs = append(errs, fmt.Errorf("facet %s: %w", path, err))
			continue
		}
		if err := s.Validate(f); err != nil {
			errs = append(errs, fmt.Errorf("facet %s: %w", path, err))
		}
	}
	return errors.Join(errs...)
}

// facetsOf returns every facet in an event, keyed by its JSON path.
func facetsOf(inst any) map[string]any {
	out := map[string]any{}
	ev, _ := inst.(map[string]any)
	add := func(prefix string, facets any) {
		m, _ := facets.(map[string]any)
		for k, f := range m {
			out[prefix+"."+k] = f
		}
	}
	if run, ok := ev["run"].(map[string]any); ok {
		add("run.facets", run["facets"])
	}
	if job, ok := ev["job"].(map[string]any); ok {
		add("job.facets", job["facets"])
	}
	for _, side := range []string{"inputs", "outputs"} {
		list, _ := ev[side].([]any)
		for i, d := range list {
			ds, _ := d.(map[string]any)
			for _, kind := range []string{"facets", "inputFacets", "outputFacets"} {
				add(fmt.Sprintf("%s[%d].%s", side, i, kind), ds[kind])
			}
		}
	}
	return out
}

// Events splits NDJSON into events.
func Events(ndjson []byte) []json.RawMessage {
	var out []json.RawMessage
	for _, line := range bytes.Split(bytes.TrimSpace(ndjson), []byte("\n")) {
		if len(bytes.TrimSpace(line)) > 0 {
			out = append(out, json.RawMessage(line))
		}
	}
	return out
}
