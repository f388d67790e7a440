package v1convert

import (
	"testing"

	"github.com/dpone-go/dpone/host/catalog"
)

// TestWireSchemaRequest: of the load a schema change is for, only its
// mode, key, typed options and sink options travel.
func TestWireSchemaRequest(t *testing.T) {
	r := &catalog.SchemaRequest{ConfigJSON: []byte(`{}`), Table: &catalog.TableRef{Name: "t"}, DryRun: true,
		For: &catalog.BeginLoad{ConfigJSON: []byte(`{"secret":1}`), LoadID: "l1", Mode: "incremental_merge", UniqueKey: []string{"id"},
			OptionsJSON: []byte(`{"engine":"x"}`), Load: &catalog.LoadOptions{ModeOptions: &catalog.ModeOptions{Where: "a"}}}}
	w := WireSchemaRequest(r)
	if w.GetMode() != "incremental_merge" || len(w.GetUniqueKey()) != 1 || string(w.GetOptionsJson()) != `{"engine":"x"}` ||
		w.GetLoad().GetModeOptions().GetWhere() != "a" || string(w.GetConfigJson()) != `{}` || !w.GetDryRun() {
		t.Errorf("wire request: %v", w)
	}
	if w := WireSchemaRequest(&catalog.SchemaRequest{Table: &catalog.TableRef{Name: "q"}}); w.GetMode() != "" || w.GetLoad() != nil {
		t.Errorf("no load: %v", w)
	}
}
