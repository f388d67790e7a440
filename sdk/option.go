package sdk

import (
	"bytes"
	"encoding/json"
	"strings"
)

// DecodeOptions decodes a request's options (ReadRequest.Options,
// LoadRequest.Options: the connector's own keys of the manifest's
// source.options or sink.options) into v, refusing unknown keys. Empty or
// null options leave v unchanged. Errors carry CodeConfig and name the
// key; what prefixes them (e.g. "source options").
func DecodeOptions(raw json.RawMessage, v any, what string) error {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return Errorf(CodeConfig, "%s: %s", what, strings.TrimPrefix(err.Error(), "json: "))
	}
	return nil
}

// Scalar is an option a manifest may give as a string or as a number
// (a lookback of "2 hours" or 3600, an initial_value), kept as text.
type Scalar struct {
	Text string
	// Number is true when the manifest gave a JSON number.
	Number bool
}

// ParseScalar reads an optional string-or-number option named key: nil
// when raw is absent or null. Errors carry CodeConfig and name the key.
func ParseScalar(raw json.RawMessage, key string) (*Scalar, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, Errorf(CodeConfig, "option %s: %w", key, err)
	}
	switch v := v.(type) {
	case string:
		if strings.TrimSpace(v) == "" {
			return nil, Errorf(CodeConfig, "option %s is empty", key)
		}
		return &Scalar{Text: v}, nil
	case json.Number:
		return &Scalar{Text: v.String(), Number: true}, nil
	}
	return nil, Errorf(CodeConfig, "option %s must be a string or a number, got %s", key, raw)
}
