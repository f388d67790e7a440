package sdk

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
)

// loadSchemaDest renders DDL from the load its changes are for and keeps
// the request it got.
type loadSchemaDest struct {
	schemaDest
	got *SchemaRequest
}

func (d loadSchemaDest) ApplySchemaFor(_ context.Context, req SchemaRequest) ([]string, error) {
	*d.got = req
	s, err := req.For.Strategy()
	if err != nil {
		return nil, err
	}
	return []string{"CREATE " + req.Table.Name + " " + s.Mode + " " + s.Where + " " + string(req.For.Options)}, nil
}

// TestLoadSchemaApplier: a LoadSchemaApplier advertises load_schema and is
// called instead of ApplySchema, with the load the changes are for.
func TestLoadSchemaApplier(t *testing.T) {
	var got SchemaRequest
	d := loadSchemaDest{got: &got}
	if caps := capabilities(d, Spec{SchemaOps: []SchemaOp{OpAddColumn}}); !caps.GetLoadSchema() || !caps.GetApplySchema() {
		t.Errorf("capabilities: load_schema %v, apply_schema %v; want both", caps.GetLoadSchema(), caps.GetApplySchema())
	}
	if capabilities(schemaDest{}, Spec{}).GetLoadSchema() {
		t.Error("a plain SchemaApplier advertises load_schema")
	}
	s := newServer(d, nil)
	resp, err := s.ApplySchema(context.Background(), &connectorv1.ApplySchemaRequest{DryRun: true,
		ConfigJson: []byte(`{"dsn":"x"}`), Table: &connectorv1.TableRef{Namespace: "d", Name: "t"},
		Mode: "replace", UniqueKey: []string{"id"}, OptionsJson: []byte(`{"engine":"MergeTree"}`),
		Load: &connectorv1.LoadOptions{ModeOptions: &connectorv1.ModeOptions{Where: "day = 1"}}})
	if err != nil || resp.GetError() != nil {
		t.Fatalf("ApplySchema: %v %v", err, resp.GetError())
	}
	if diff := cmp.Diff([]string{`CREATE t replace day = 1 {"engine":"MergeTree"}`}, resp.GetDdl()); diff != "" {
		t.Errorf("ddl (-want +got):\n%s", diff)
	}
	if !got.DryRun || string(got.Config) != `{"dsn":"x"}` || got.For.Target.Name != "t" || got.For.LoadID != "" {
		t.Errorf("request: %+v", got)
	}

	// Changes that belong to no load (a quarantine table, an older host):
	// For is zero.
	resp, err = s.ApplySchema(context.Background(), &connectorv1.ApplySchemaRequest{Table: &connectorv1.TableRef{Name: "q"},
		OptionsJson: json.RawMessage(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	if got.For.Mode != "" || got.For.Options != nil {
		t.Errorf("no load: For = %+v, want zero", got.For)
	}
	if resp.GetError() != nil || len(resp.GetDdl()) != 1 {
		t.Errorf("no load: ddl %q, error %v", resp.GetDdl(), resp.GetError())
	}
}
