package plan

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/dpone-go/dpone/host/catalog"
	"github.com/dpone-go/dpone/host/connector"
	"github.com/dpone-go/dpone/host/manifest"
)

func TestValidateConfigMasksSecrets(t *testing.T) {
	spec := &catalog.Spec{ConfigSchemaJSON: `{"type":"object","additionalProperties":false,
		"properties":{"dsn":{"type":"string","pattern":"^mysql://"}}}`}
	e := manifest.Endpoint{Type: "pg", ConnectionID: "shop",
		Config: map[string]any{"dsn": "postgres://u:hunter2@db:5432/shop", "pasword": "hunter2"}}
	err := validateConfig("sink", e, spec)
	if err == nil {
		t.Fatal("got no error")
	}
	msg := err.Error()
	for _, w := range []string{"sink config for connector pg (from connection shop)", "'pasword' not allowed", "sink config.dsn:"} {
		if !strings.Contains(msg, w) {
			t.Errorf("got %q, want it to contain %q", msg, w)
		}
	}
	if strings.Contains(msg, "hunter2") {
		t.Errorf("got %q: the message shows a secret", msg)
	}
	if !errors.Is(err, ErrConfig) {
		t.Errorf("got %v, want ErrConfig", err)
	}
}

// missing is a Connectors without the connector "gone".
type missing struct{}

func (missing) Catalog(_ context.Context, name string) (Catalog, *catalog.Spec, error) {
	if name == "gone" {
		return nil, nil, fmt.Errorf("start connector gone: %w", connector.ErrPluginNotFound)
	}
	return nil, &catalog.Spec{Capabilities: catalog.Capabilities{Source: true, Destination: true,
		SinkModes: []string{"full_refresh"}}}, nil
}

func TestCheckAvailableSkipsMissingConnectors(t *testing.T) {
	units := []*manifest.Unit{
		{ID: "a", Source: manifest.Endpoint{Type: "here"}, Sink: manifest.Endpoint{Type: "gone", Strategy: manifest.Strategy{Mode: "full_refresh"}}},
		{ID: "b", Source: manifest.Endpoint{Type: "gone"}, Sink: manifest.Endpoint{Type: "here", Strategy: manifest.Strategy{Mode: "full_refresh"}}},
		{ID: "c", Source: manifest.Endpoint{Type: "here"}, Sink: manifest.Endpoint{Type: "here", Strategy: manifest.Strategy{Mode: "incremental_append"}}},
	}
	var skipped []string
	err := CheckAvailable(context.Background(), missing{}, units, func(name string, _ error) { skipped = append(skipped, name) })
	if len(skipped) != 1 || skipped[0] != "gone" {
		t.Errorf("skipped: got %v, want [gone] once", skipped)
	}
	if err == nil || !strings.Contains(err.Error(), `unit c: sink here does not support mode "incremental_append"`) || strings.Contains(err.Error(), "unit a") {
		t.Errorf("got %v, want only unit c's unsupported mode", err)
	}
	if err := Check(context.Background(), missing{}, units[:1]); !errors.Is(err, connector.ErrPluginNotFound) {
		t.Errorf("Check: got %v, want the missing connector to fail", err)
	}
}
