package sdk

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
)

// DecodeConfig decodes a connector config into v, refusing unknown keys.
// Its errors carry CodeConfig and name the offending key.
func DecodeConfig(raw json.RawMessage, v any) error {
	if len(bytes.TrimSpace(raw)) == 0 {
		raw = json.RawMessage("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return Errorf(CodeConfig, "config: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	return nil
}

var unsafeName = regexp.MustCompile(`[^a-z0-9_]+`)

// StagingName is the name of a load's staging object: derived from the
// load id alone, so a restarted plugin finds the staging of a load it did
// not begin. It is a safe lowercase SQL identifier of at most 63 bytes.
func StagingName(loadID string) string {
	s := unsafeName.ReplaceAllString(strings.ToLower(loadID), "_")
	name := "_dpone_stg_" + s
	if len(name) > 63 {
		name = name[:63]
	}
	return name
}
