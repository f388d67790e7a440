package run

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/dpone-go/dpone/host/manifest"
	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
)

// ErrUnsupported means the chosen plugins cannot do what a unit asks.
var ErrUnsupported = errors.New("unsupported by the chosen connectors")

// CheckCapabilities refuses a unit whose source or sink plugin does not
// declare what the unit needs, before any I/O.
func CheckCapabilities(u *manifest.Unit, src, sink *connectorv1.GetSpecResponse) error {
	return checkCapabilities(u, src, sink)
}

func checkCapabilities(u *manifest.Unit, src, sink *connectorv1.GetSpecResponse) error {
	var errs []error
	if src != nil && !src.GetCapabilities().GetSource() {
		errs = append(errs, fmt.Errorf("unit %s: connector %s cannot be a source", u.ID, u.Source.Type))
	}
	if sink != nil {
		caps := sink.GetCapabilities()
		if !caps.GetDestination() {
			errs = append(errs, fmt.Errorf("unit %s: connector %s cannot be a sink", u.ID, u.Sink.Type))
		} else if m := u.Sink.Strategy.Mode; !slices.Contains(caps.GetSinkModes(), m) {
			errs = append(errs, fmt.Errorf("unit %s: sink %s does not support mode %q (it supports: %s)",
				u.ID, u.Sink.Type, m, strings.Join(caps.GetSinkModes(), ", ")))
		}
	}
	if s, _ := u.Source.Options["incremental_strategy"].(string); s != "" && src != nil {
		if got := src.GetCapabilities().GetIncrementalStrategies(); !slices.Contains(got, s) {
			supported := strings.Join(got, ", ")
			if supported == "" {
				supported = "none"
			}
			errs = append(errs, fmt.Errorf("unit %s: source %s does not support incremental_strategy %q (it supports: %s)",
				u.ID, u.Source.Type, s, supported))
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %w", ErrUnsupported, errors.Join(errs...))
}
