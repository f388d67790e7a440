package plan

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/dpone-go/dpone/host/catalog"
	"github.com/dpone-go/dpone/host/manifest"
)

// ErrUnsupported means the chosen plugins cannot do what a unit asks.
var ErrUnsupported = errors.New("unsupported by the chosen connectors")

// CheckCapabilities refuses a unit whose source or sink plugin does not
// declare what the unit needs, before any I/O.
func CheckCapabilities(u *manifest.Unit, src, sink *catalog.Spec) error {
	return checkCapabilities(u, src, sink)
}

func checkCapabilities(u *manifest.Unit, src, sink *catalog.Spec) error {
	var errs []error
	if src != nil && !src.Capabilities.Source {
		errs = append(errs, fmt.Errorf("unit %s: connector %s cannot be a source", u.ID, u.Source.Type))
	}
	if sink != nil {
		caps := sink.Capabilities
		if !caps.Destination {
			errs = append(errs, fmt.Errorf("unit %s: connector %s cannot be a sink", u.ID, u.Sink.Type))
		} else if m := u.Sink.Strategy.Mode; !slices.Contains(caps.SinkModes, m) {
			errs = append(errs, fmt.Errorf("unit %s: sink %s does not support mode %q (it supports: %s)",
				u.ID, u.Sink.Type, m, strings.Join(caps.SinkModes, ", ")))
		}
	}
	if sink != nil && sink.Capabilities.Destination {
		errs = append(errs, checkStaging(u, sink.Capabilities)...)
	}
	if s, _ := u.Source.Options["incremental_strategy"].(string); s != "" && src != nil {
		if got := src.Capabilities.IncrementalStrategies; !slices.Contains(got, s) {
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

// Warnings lists combinations that work but may surprise: strategies that
// re-read rows (xmin, a lookback window) into a sink mode that does not
// deduplicate, and a cursor feeding incremental_append without safety_lag
// (it cannot see rows committed late behind its checkpoint).
func Warnings(u *manifest.Unit) []string {
	var out []string
	strategy, _ := u.Source.Options["incremental_strategy"].(string)
	_, lookback := u.Source.Options["lookback"]
	if Incremental(u) && u.Sink.Strategy.Mode == "incremental_append" && (strategy == "xmin" || lookback) {
		why := "xmin re-reads rows of transactions that were open at the last read"
		if lookback {
			why = "lookback re-reads a window of rows"
		}
		out = append(out, fmt.Sprintf("unit %s: %s; incremental_append may load them twice: use incremental_merge with a unique_key", u.ID, why))
	}
	_, lag := u.Source.Options["safety_lag"]
	if Incremental(u) && u.Sink.Strategy.Mode == "incremental_append" && strategy == "column" && !lookback && !lag {
		col, _ := u.Source.Options["incremental_column"].(string)
		out = append(out, fmt.Sprintf("unit %s: incremental_append on the cursor %q without safety_lag: a row committed after a run with a cursor value below that run's largest "+
			"(a long transaction, a clock behind) is never read; set source.options.safety_lag longer than your longest write transaction (e.g. \"5 minutes\"), "+
			"or use incremental_strategy xmin (PostgreSQL) or incremental_merge with lookback; "+
			"and more than tie_cap rows (default 10000) sharing the checkpoint's cursor value are read again", u.ID, col))
	}
	return out
}
