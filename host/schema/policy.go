package schema

import (
	"slices"
)

// Mode says which target changes Diff may plan (see the package doc).
type Mode string

// Modes of sink.options.schema_evolution.mode.
const (
	// ModeWidening (the default) adds columns, widens types, relaxes NOT NULL.
	ModeWidening Mode = "widening"
	// ModeAdditive adds columns and relaxes NOT NULL; no type changes.
	ModeAdditive Mode = "additive"
	// ModeStrict changes nothing in the target but accepts a source that
	// is a subset of it (fewer columns, narrower types).
	ModeStrict Mode = "strict"
	// ModeFreeze fails on any difference between source and target.
	ModeFreeze Mode = "freeze"
)

// OnTypeChange says what to do with a column whose type the mode cannot
// change in place.
type OnTypeChange string

// Values of sink.options.schema_evolution.on_type_change.
const (
	// TypeChangeFail (the default) stops the unit with a *BreakingError.
	TypeChangeFail OnTypeChange = "fail"
	// TypeChangeNewColumn loads the values into a new nullable column
	// <col>__dpone_nc_<type>; the original column receives NULL.
	TypeChangeNewColumn OnTypeChange = "new_column"
)

// PolicyPath is the manifest key a Policy is read from, used in messages.
const PolicyPath = "sink.options.schema_evolution"

var (
	modes         = []string{string(ModeWidening), string(ModeAdditive), string(ModeStrict), string(ModeFreeze)}
	typeChanges   = []string{string(TypeChangeFail), string(TypeChangeNewColumn)}
	policyOptions = []string{"mode", "on_type_change"}
)

// Policy decides which differences Diff may turn into target changes.
// The zero Policy is not valid; use DefaultPolicy or ParsePolicy.
type Policy struct {
	Mode         Mode
	OnTypeChange OnTypeChange
	// Managed names target columns the host adds itself (the lineage
	// columns, e.g. _dpone_run_id and _dpone_loaded_at). The run engine
	// sets it; Diff never reports them as missing in the source.
	Managed []string
}

// DefaultPolicy is {mode: widening, on_type_change: fail}.
func DefaultPolicy() Policy {
	return Policy{Mode: ModeWidening, OnTypeChange: TypeChangeFail}
}

// ParsePolicy reads the value of sink.options.schema_evolution (nil means
// all defaults). Unknown keys and values are *ConfigError naming the key
// and the nearest valid spelling. on_type_change: new_column needs mode
// widening or additive: strict and freeze never add a column.
func ParsePolicy(m map[string]any) (Policy, error) {
	p := DefaultPolicy()
	if err := unknownKeys(PolicyPath, m, policyOptions); err != nil {
		return Policy{}, err
	}
	if v, ok := m["mode"]; ok {
		s, err := enumValue(PolicyPath+".mode", v, modes)
		if err != nil {
			return Policy{}, err
		}
		p.Mode = Mode(s)
	}
	if v, ok := m["on_type_change"]; ok {
		s, err := enumValue(PolicyPath+".on_type_change", v, typeChanges)
		if err != nil {
			return Policy{}, err
		}
		p.OnTypeChange = OnTypeChange(s)
	}
	if err := p.validate(); err != nil {
		return Policy{}, err
	}
	return p, nil
}

// enumValue checks that v is one of the allowed strings.
func enumValue(path string, v any, allowed []string) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", configErr(path, "want one of %v, got %v (%T)", allowed, v, v)
	}
	if !slices.Contains(allowed, s) {
		return "", configErr(path, "%q is not allowed%s", s, didYouMean(s, allowed))
	}
	return s, nil
}

// adds: the mode may add columns and relax NOT NULL.
func (m Mode) adds() bool { return m == ModeWidening || m == ModeAdditive }

// widens: the mode may widen a column type in place.
func (m Mode) widens() bool { return m == ModeWidening }

// validate rejects a Policy that ParsePolicy would not have produced.
func (p Policy) validate() error {
	if !slices.Contains(modes, string(p.Mode)) {
		return configErr(PolicyPath+".mode", "%q is not allowed%s", p.Mode, didYouMean(string(p.Mode), modes))
	}
	if !slices.Contains(typeChanges, string(p.OnTypeChange)) {
		return configErr(PolicyPath+".on_type_change", "%q is not allowed%s", p.OnTypeChange, didYouMean(string(p.OnTypeChange), typeChanges))
	}
	if p.OnTypeChange == TypeChangeNewColumn && !p.Mode.adds() {
		return configErr(PolicyPath+".on_type_change",
			"new_column adds a column, which mode %s never does; use mode widening or additive, or on_type_change: fail", p.Mode)
	}
	return nil
}
