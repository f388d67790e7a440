package plan

import (
	"encoding/base64"
	"encoding/json"

	"github.com/dpone-go/dpone/host/catalog"
	"github.com/dpone-go/dpone/host/connector/v1convert"
	"github.com/dpone-go/dpone/host/manifest"
	"github.com/dpone-go/dpone/host/schema"
)

// Unit is one resolved load unit: what `dpone plan` shows and exactly what
// `dpone run` executes. The exported JSON fields are for people and never
// hold a resolved secret; the fields tagged json:"-" are the values run
// executes (they hold the resolved connection configs).
type Unit struct {
	Unit        string   `json:"unit"`
	DependsOn   []string `json:"depends_on,omitempty"`
	Source      string   `json:"source"`
	SourceTable string   `json:"source_table"`
	// SourceCreatedBy names the earlier unit of the plan whose target is
	// this unit's source; its columns are the schema that unit produces.
	SourceCreatedBy string   `json:"source_created_by,omitempty"`
	Sink            string   `json:"sink"`
	Target          string   `json:"target"`
	Mode            string   `json:"mode"`
	UniqueKey       []string `json:"unique_key,omitempty"`
	ReadMode        string   `json:"read_mode"`
	Staging         string   `json:"staging"`
	// Files is where sink.staging puts the load's files ("" without it).
	Files       string   `json:"files,omitempty"`
	TargetState string   `json:"target_state"`
	Columns     []string `json:"columns,omitempty"`
	Evolution   []string `json:"evolution,omitempty"`
	// DDL is what the sink runs before staging, as the sink rendered it;
	// run applies exactly these changes and reports the statements.
	DDL []string `json:"ddl,omitempty"`
	// Lossy are the sink's notes on columns its types cannot hold exactly.
	Lossy []string `json:"lossy,omitempty"`
	// Quarantine is the quarantine load's plan (enforcement quarantine).
	Quarantine  *Quarantine `json:"quarantine,omitempty"`
	StateBefore string      `json:"state_before"`
	StateAfter  string      `json:"state_after"`
	Warnings    []string    `json:"warnings,omitempty"`
	Error       string      `json:"error,omitempty"`

	// SourceConfig and SinkConfig are the connection configs with secrets
	// redacted.
	SourceConfig map[string]any `json:"source_config,omitempty"`
	SinkConfig   map[string]any `json:"sink_config,omitempty"`
	// SchemaEvolution shows Policy; Contract is the data contract.
	SchemaEvolution map[string]any `json:"schema_evolution,omitempty"`
	Contract        map[string]any `json:"schema_contract,omitempty"`
	// Policy is the schema evolution policy.
	Policy *schema.Policy `json:"-"`
	// ReadRequest and BeginRequest are the requests run sends, without
	// their connection configs, as the protocol spells them (protojson).
	ReadRequest  json.RawMessage `json:"read_request,omitempty"`
	BeginRequest json.RawMessage `json:"begin_request,omitempty"`

	// M is the manifest unit this was resolved from.
	M *manifest.Unit `json:"-"`
	// Read is the read request (config, options, mode, prior state,
	// batch size); partitions, when any, are clones of it.
	Read *catalog.ReadRequest `json:"-"`
	// SourceSchema is the schema the read produces, as described; run
	// refuses a read whose schema differs.
	SourceSchema *catalog.Schema `json:"-"`
	// DropColumns are source columns named like the target's lineage
	// columns; run drops them from every batch (the sink sets its own).
	DropColumns []string `json:"drop_columns,omitempty"`
	// Changes are the schema changes applied before staging (rendered in
	// DDL); Ev is the evolution they come from (nil for a new target),
	// whose renames route values into new columns.
	Changes []*catalog.SchemaChange `json:"-"`
	Ev      *schema.Evolution       `json:"-"`
	// Checker is the parsed data contract (nil without one).
	Checker *schema.Contract `json:"-"`
	Gates   Gates            `json:"-"`
	// Begin is the BeginLoad request without a load id; run stamps a
	// clone with one (BeginFor).
	Begin *catalog.BeginLoad `json:"-"`
	// SinkConfigJSON is the sink's resolved config (the quarantine load's).
	SinkConfigJSON []byte `json:"-"`
	// Incremental is true when the read resumes from a checkpoint and
	// commits one.
	Incremental bool `json:"-"`
	// Parallel is how many partitions a full read asks for (0: decide
	// from the row estimate, "auto").
	Parallel int `json:"parallel,omitempty"`
	// Path is how the rows travel and why: "passthrough <format> (...)"
	// or "arrow: <reason>" (see payloadPath).
	Path string `json:"path,omitempty"`
	// PayloadFormat is the native payload format run proposes to the sink
	// at BeginLoad and reads in ("" for Arrow).
	PayloadFormat string `json:"payload_format,omitempty"`
	// streamFormats are the native formats the described stream lists.
	streamFormats []string
	// SourceSpec and SinkSpec are the connectors' specs.
	SourceSpec *catalog.Spec `json:"-"`
	SinkSpec   *catalog.Spec `json:"-"`
}

// BeginFor returns the unit's BeginLoad request for load id.
func (u *Unit) BeginFor(loadID string) *catalog.BeginLoad {
	b := u.Begin.Clone()
	b.LoadID = loadID
	return b
}

// TargetRef is the unit's target table.
func (u *Unit) TargetRef() *catalog.TableRef { return u.Begin.GetTarget() }

// showRead renders a read request as the protocol carries it, without its
// connection config (see shown).
func showRead(r *catalog.ReadRequest) json.RawMessage {
	c := r.Clone()
	c.ConfigJSON = nil
	b, err := v1convert.ReadJSON(c)
	if err != nil {
		return nil
	}
	return shown(b)
}

// showBegin renders a BeginLoad request as the protocol carries it,
// without its connection config (see shown).
func showBegin(r *catalog.BeginLoad) json.RawMessage {
	c := r.Clone()
	c.ConfigJSON = nil
	if c.Staging != nil {
		c.Staging.CredentialsJSON = nil
	}
	b, err := v1convert.BeginJSON(c)
	if err != nil {
		return nil
	}
	return shown(b)
}

// shown reshapes a request's protojson for people: options_json decoded
// into "options", no Arrow schema bytes.
func shown(b []byte) json.RawMessage {
	var v map[string]any
	if json.Unmarshal(b, &v) != nil {
		return nil
	}
	if enc, ok := v["options_json"].(string); ok {
		var opts any
		if raw, err := base64.StdEncoding.DecodeString(enc); err == nil && json.Unmarshal(raw, &opts) == nil {
			delete(v, "options_json")
			v["options"] = opts
		}
	}
	if sch, ok := v["schema"].(map[string]any); ok {
		delete(sch, "arrow_schema")
	}
	// protojson output is not stable by design; encoding/json's is.
	out, _ := json.Marshal(v)
	return out
}
