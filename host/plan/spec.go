package plan

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/dpone-go/dpone/host/manifest"
	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
)

// validateAgainstSpecs checks the unit's connection configs against the
// JSON Schema each connector publishes in its spec, before any call that
// uses them.
func validateAgainstSpecs(u *manifest.Unit, src, sink *connectorv1.GetSpecResponse) error {
	return errors.Join(
		validateConfig("source", u.Source, src),
		validateConfig("sink", u.Sink, sink),
	)
}

// validateConfig validates one endpoint's resolved config. The message
// never shows a secret: values the manifest redacts are masked in it.
func validateConfig(side string, e manifest.Endpoint, spec *connectorv1.GetSpecResponse) error {
	text := strings.TrimSpace(spec.GetConfigSchemaJson())
	if text == "" {
		return nil
	}
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(text))
	if err != nil {
		return fmt.Errorf("connector %s publishes a config schema that is not JSON: %w", e.Type, err)
	}
	comp := jsonschema.NewCompiler()
	comp.DefaultDraft(jsonschema.Draft2020)
	if err := comp.AddResource("config.schema.json", doc); err != nil {
		return fmt.Errorf("connector %s config schema: %w", e.Type, err)
	}
	sch, err := comp.Compile("config.schema.json")
	if err != nil {
		return fmt.Errorf("connector %s config schema does not compile: %w", e.Type, err)
	}
	raw, err := configJSON(e)
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
	msg := mask(verr.Error(), e)
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
