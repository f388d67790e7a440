package plan

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/dpone-go/dpone/host/catalog"
	"github.com/dpone-go/dpone/host/manifest"
)

// validateAgainstSpecs checks the unit's connection configs against the
// JSON Schema each connector publishes in its spec, before any call that
// uses them.
func validateAgainstSpecs(u *manifest.Unit, src, sink *catalog.Spec) error {
	return errors.Join(
		validateConfig("source", u.Source, src),
		validateConfig("sink", u.Sink, sink),
		validateSourceOptions(u, src),
		validateSinkOptions(u, sink),
	)
}

// compileSchema compiles a JSON Schema a connector published.
func compileSchema(connector, what, text string) (*jsonschema.Schema, map[string]any, error) {
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(text))
	if err != nil {
		return nil, nil, fmt.Errorf("connector %s publishes a %s schema that is not JSON: %w", connector, what, err)
	}
	comp := jsonschema.NewCompiler()
	comp.DefaultDraft(jsonschema.Draft2020)
	if err := comp.AddResource(what+".schema.json", doc); err != nil {
		return nil, nil, fmt.Errorf("connector %s %s schema: %w", connector, what, err)
	}
	sch, err := comp.Compile(what + ".schema.json")
	if err != nil {
		return nil, nil, fmt.Errorf("connector %s %s schema does not compile: %w", connector, what, err)
	}
	m, _ := doc.(map[string]any)
	return sch, m, nil
}

// validateSourceOptions checks source.options against the schema the
// source connector publishes (when it publishes one): every key must be
// one of its properties (with a did-you-mean), every value of its type.
func validateSourceOptions(u *manifest.Unit, spec *catalog.Spec) error {
	return validateOptions(u, u.Source.Type, "source.options", spec.SourceOptionsSchemaJSON, u.Source.Options,
		func(k string) bool {
			_, host := sourceKeys[k]
			_, confused := confusions[k]
			// The host's own keys, and near misses of them, which Validate
			// reports with its hint.
			return host || confused || manifest.Suggest(k, keysOf(sourceKeys)) != ""
		})
}

// validateSinkOptions checks the connector's own sink.options against the
// schema the sink connector publishes (protocol v1.3), like source options:
// the host's keys (lineage, schema_evolution, quality_gates) are not the
// connector's and are checked by Validate.
func validateSinkOptions(u *manifest.Unit, spec *catalog.Spec) error {
	hostKeys := append(slices.Clone(hostSinkKeys), HostSinkOptions...)
	return validateOptions(u, u.Sink.Type, "sink.options", spec.SinkOptionsSchemaJSON, u.Sink.Options,
		func(k string) bool {
			// The host's keys, and near misses of them (Validate reports
			// those, with their hint).
			return slices.Contains(hostKeys, k) || manifest.Suggest(k, hostKeys) != ""
		})
}

// validateOptions checks options (the manifest's section, e.g.
// source.options) against a connector's published options schema text:
// each key not skipped must be a property, each value of its type. Errors
// name the key, the connector, a did-you-mean and the manifest line.
func validateOptions(u *manifest.Unit, connector, section, text string, options map[string]any, skip func(string) bool) error {
	text = strings.TrimSpace(text)
	if text == "" || len(options) == 0 {
		return nil
	}
	sch, doc, err := compileSchema(connector, section, text)
	if err != nil {
		return err
	}
	props, _ := doc["properties"].(map[string]any)
	known := keysOf(props)
	var errs []error
	checked := map[string]any{}
	for _, k := range sortedKeys(options) {
		if _, ok := props[k]; ok {
			checked[k] = options[k]
			continue
		}
		if skip(k) {
			continue
		}
		if hint, ok := confusions[k]; ok {
			errs = append(errs, fmt.Errorf("%w: %s.%s is not an option of connector %s: did you mean %s?%s", ErrConfig, section, k, connector, hint, origin(u, section+"."+k)))
			continue
		}
		errs = append(errs, fmt.Errorf("%w: %s.%s is not an option of connector %s%s%s", ErrConfig, section, k, connector, didYouMean(k, known), origin(u, section+"."+k)))
	}
	b, err := json.Marshal(checked)
	if err != nil {
		return err
	}
	v, err := jsonschema.UnmarshalJSON(strings.NewReader(string(b)))
	if err != nil {
		return err
	}
	if verr := sch.Validate(v); verr != nil {
		errs = append(errs, fmt.Errorf("%w: %s do not match connector %s's options schema: %s (`dpone connectors info %s` shows the options it takes)",
			ErrConfig, section, connector, schemaFindings(verr, section), connector))
	}
	return errors.Join(errs...)
}

// validateConfig validates one endpoint's resolved config. The message
// never shows a secret: values the manifest redacts are masked in it.
func validateConfig(side string, e manifest.Endpoint, spec *catalog.Spec) error {
	text := strings.TrimSpace(spec.ConfigSchemaJSON)
	if text == "" || e.CredentialsMissing != "" {
		return nil // without credentials there is no config to check
	}
	sch, _, err := compileSchema(e.Type, "config", text)
	if err != nil {
		return err
	}
	raw, err := ConfigJSON(e)
	if err != nil {
		return err
	}
	v, err := jsonschema.UnmarshalJSON(strings.NewReader(string(raw)))
	if err != nil {
		return err
	}
	verr := sch.Validate(v)
	if verr == nil {
		return nil
	}
	msg := mask(schemaFindings(verr, side+" config"), e)
	via := "connection " + e.ConnectionID
	if e.ConnectionID == "" {
		via = "its connection"
	}
	return fmt.Errorf("%w: %s config for connector %s (from %s) does not match the connector's config schema: %s (`dpone connectors info %s` shows the keys it takes)",
		ErrConfig, side, e.Type, via, msg, e.Type)
}

// mask replaces every config value the manifest would redact by "***".
func mask(msg string, e manifest.Endpoint) string {
	red := e.RedactedConfig()
	for k, v := range e.Config {
		s, ok := v.(string)
		if !ok || s == "" {
			continue
		}
		if r, _ := json.Marshal(red[k]); string(r) != fmt.Sprintf("%q", s) {
			msg = strings.ReplaceAll(msg, s, "***")
		}
	}
	return msg
}

// schemaFindings renders a validation error's findings on one line:
// "source.options/sample_rows: got string, want integer; ...".
func schemaFindings(err error, root string) string {
	lines := strings.Split(strings.TrimSpace(err.Error()), "\n")
	if len(lines) > 1 {
		lines = lines[1:] // "jsonschema validation failed with <schema url>"
	}
	var out []string
	for _, l := range lines {
		l = strings.TrimPrefix(strings.TrimSpace(l), "- ")
		if at, rest, ok := strings.Cut(l, ": "); ok && strings.HasPrefix(at, "at '") {
			loc := strings.Trim(strings.TrimPrefix(at, "at "), "'")
			l = root + strings.ReplaceAll(loc, "/", ".") + ": " + rest
			if loc == "" {
				l = root + ": " + rest
			}
		}
		out = append(out, l)
	}
	return strings.Join(out, "; ")
}
