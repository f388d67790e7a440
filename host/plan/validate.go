package plan

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/dpone-go/dpone/host/catalog"
	"github.com/dpone-go/dpone/host/connector"
	"github.com/dpone-go/dpone/host/manifest"
	"github.com/dpone-go/dpone/host/schema"
)

// ErrConfig means a unit's configuration is wrong (a key, a value, a
// column name); nothing was read or written. The CLI exits 2 on it.
var ErrConfig = errors.New("configuration error")

// sourceKeys are the source.options keys the host reads itself, with what
// their values must be.
var sourceKeys = map[string]func(any) error{
	"incremental_strategy": wantString,
	"parallel":             wantParallel,
	"batch_bytes":          wantPositiveInt,
}

// sinkKeys are the sink.options keys the host and the load protocol
// define; a sink accepts no others.
var sinkKeys = []string{"schema_evolution", "lineage", "quality_gates"}

// strategyKeys are the keys of sink.strategy beside mode and unique_key.
var strategyKeys = map[string]func(any) error{
	"deletes":          wantOneOf("hard", "soft"),
	"max_delete_ratio": wantRatio,
	"where":            wantString,
	"partition_by":     wantNames,
	"tracked_columns":  wantNames,
	"valid_from":       wantName,
	"valid_to":         wantName,
	"is_current":       wantName,
	"hard_deletes":     wantOneOf("close", "ignore"),
}

// confusions are keys people write for a key that means something else.
var confusions = map[string]string{
	"batch_size":  "batch_bytes (batch_size would count rows; batch_bytes is the size of one Arrow batch in bytes, e.g. 1048576: they measure different things)",
	"batch_rows":  "batch_bytes (batches are sized by bytes, not rows: they measure different things)",
	"chunk_size":  "batch_bytes (the size of one Arrow batch in bytes)",
	"cursor":      "incremental_column (with incremental_strategy: column)",
	"primary_key": "sink.strategy.unique_key (the columns a merge upserts on)",
}

// Validate checks every unit without any I/O and returns one error per
// problem, each wrapping ErrConfig and naming the unit and key.
func Validate(units []*manifest.Unit) error {
	var errs []error
	for _, u := range units {
		if err := ValidateUnit(u); err != nil {
			errs = append(errs, fmt.Errorf("unit %s: %w", u.ID, err))
		}
	}
	return errors.Join(errs...)
}

// ValidateUnit checks one unit's options, strategy, evolution policy,
// lineage, quality gates and contract without any I/O.
func ValidateUnit(u *manifest.Unit) error {
	var errs []error
	add := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format+"%s", append(append([]any{ErrConfig}, args...), origin(u, field))...))
	}
	for _, k := range sortedKeys(u.Source.Options) {
		v := u.Source.Options[k]
		if check, ok := sourceKeys[k]; ok {
			if err := check(v); err != nil {
				add("source.options."+k, "source.options.%s: %v", k, err)
			}
			continue
		}
		if hint, ok := confusions[k]; ok {
			add("source.options."+k, "source.options.%s is not an option: did you mean %s?", k, hint)
			continue
		}
		if s := manifest.Suggest(k, keysOf(sourceKeys)); s != "" {
			add("source.options."+k, "source.options.%s is not an option (did you mean %q?)", k, s)
		}
		// Any other key is the source connector's; its spec validates it.
	}
	for _, k := range sortedKeys(u.Sink.Options) {
		if slices.Contains(sinkKeys, k) {
			continue
		}
		// A confusion (primary_key) may be a sink connector's own option
		// (ClickHouse's sorting key prefix): the connector's published
		// options schema decides, with the hint (validateSinkOptions).
		if s := manifest.Suggest(k, sinkKeys); s != "" {
			add("sink.options."+k, "sink.options.%s is not an option (did you mean %q?)", k, s)
		}
		// Any other key is the sink connector's (its load options); the
		// connector refuses keys it does not know at BeginLoad.
	}
	for _, k := range sortedKeys(u.Sink.Strategy.Extra) {
		check, ok := strategyKeys[k]
		if !ok {
			add("sink.strategy."+k, "sink.strategy.%s is not a strategy key%s", k, manifest.DidYouMean(k, append(keysOf(strategyKeys), "mode", "unique_key")))
			continue
		}
		if err := check(u.Sink.Strategy.Extra[k]); err != nil {
			add("sink.strategy."+k, "sink.strategy.%s: %v", k, err)
		}
	}
	if (keyedModes[u.Sink.Strategy.Mode] || u.Sink.Strategy.Mode == "scd2") && len(u.Sink.Strategy.UniqueKey) == 0 {
		add("sink.strategy.mode", "sink.strategy.mode %s needs sink.strategy.unique_key (the columns that identify a row)", u.Sink.Strategy.Mode)
	}
	if _, err := Policy(u); err != nil {
		errs = append(errs, configErr(err))
	}
	if _, err := ParseGates(u); err != nil {
		errs = append(errs, configErr(err))
	}
	if _, err := schema.ParseContract(u.SchemaContract); err != nil {
		errs = append(errs, configErr(err))
	}
	return errors.Join(errs...)
}

// origin says where a unit's field was set, for an error message; "" when
// unknown.
func origin(u *manifest.Unit, field string) string {
	_, layer, err := u.Explain(field)
	if err != nil || layer == "" {
		return ""
	}
	return fmt.Sprintf(" (set in %s)", layer)
}

// configErr marks err as a configuration error.
func configErr(err error) error {
	if errors.Is(err, ErrConfig) {
		return err
	}
	return fmt.Errorf("%w: %w", ErrConfig, err)
}

func sortedKeys[V any](m map[string]V) []string {
	out := keysOf(m)
	sort.Strings(out)
	return out
}

func keysOf[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func didYouMean(s string, candidates []string) string { return manifest.DidYouMean(s, candidates) }

func wantString(v any) error {
	if _, ok := v.(string); !ok {
		return fmt.Errorf("want a string, got %s", describe(v))
	}
	return nil
}

func wantPositiveInt(v any) error {
	if n, ok := asInt(v); ok && n > 0 {
		return nil
	}
	return fmt.Errorf("want a positive whole number of bytes (e.g. 1048576), got %s", describe(v))
}

func wantParallel(v any) error {
	if s, ok := v.(string); ok && s == "auto" {
		return nil
	}
	if n, ok := asInt(v); ok && n > 0 {
		return nil
	}
	return fmt.Errorf("want a positive number of partitions or \"auto\", got %s", describe(v))
}

func wantRatio(v any) error {
	f, ok := v.(float64)
	if n, isInt := asInt(v); isInt {
		f, ok = float64(n), true
	}
	if !ok || f < 0 || f > 1 {
		return fmt.Errorf("want a number from 0 to 1, got %s", describe(v))
	}
	return nil
}

func wantName(v any) error {
	if s, ok := v.(string); ok && strings.TrimSpace(s) != "" {
		return nil
	}
	return fmt.Errorf("want a column name, got %s", describe(v))
}

func wantNames(v any) error {
	switch x := v.(type) {
	case string:
		return nil
	case []any:
		for _, e := range x {
			if _, ok := e.(string); !ok {
				return fmt.Errorf("want a column name or a list of them, got %s in the list", describe(e))
			}
		}
		return nil
	}
	return fmt.Errorf("want a column name or a list of them, got %s", describe(v))
}

func wantOneOf(allowed ...string) func(any) error {
	return func(v any) error {
		if s, ok := v.(string); ok && slices.Contains(allowed, s) {
			return nil
		}
		return fmt.Errorf("want one of %s, got %s", strings.Join(allowed, ", "), describe(v))
	}
}

// asInt reads a whole number as YAML and JSON decode it.
func asInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int:
		return int64(n), true
	case int64:
		return n, true
	case uint64:
		return int64(n), true
	case float64:
		return int64(n), n == float64(int64(n))
	}
	return 0, false
}

// describe names a value and its type for an error message.
func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "nothing"
	case string:
		return fmt.Sprintf("%q (a string)", x)
	case bool:
		return fmt.Sprintf("%v (a boolean)", x)
	case map[string]any:
		return "a map"
	case []any:
		return "a list"
	}
	return fmt.Sprintf("%v", v)
}

// Check is the validation `manifest validate`, `plan` and `run` share,
// before any I/O on data: Validate, then per unit the capabilities its
// connectors declare, its connection configs against their config schemas
// and its source options against the source's options schema. conns may
// be nil (no connector available): then only Validate runs.
func Check(ctx context.Context, conns Connectors, units []*manifest.Unit) error {
	return CheckAvailable(ctx, conns, units, nil)
}

// CheckAvailable is Check that leaves out the checks of a connector that
// is not installed (connector.ErrPluginNotFound) and reports each such
// connector once to skipped, instead of failing; skipped nil makes it
// Check. `manifest validate` uses it: validation works where the plugins
// are available.
func CheckAvailable(ctx context.Context, conns Connectors, units []*manifest.Unit, skipped func(name string, err error)) error {
	errs := []error{Validate(units)}
	if conns == nil {
		return errors.Join(errs...)
	}
	missing := map[string]bool{}
	spec := func(name string) (*catalog.Spec, error) {
		if missing[name] {
			return nil, errSkipped
		}
		_, s, err := conns.Catalog(ctx, name)
		if err != nil && skipped != nil && errors.Is(err, connector.ErrPluginNotFound) {
			missing[name] = true
			skipped(name, err)
			return nil, errSkipped
		}
		return s, err
	}
	for _, u := range units {
		src, err := spec(u.Source.Type)
		if err == nil {
			var sink *catalog.Spec
			if sink, err = spec(u.Sink.Type); err == nil {
				if err := checkCapabilities(u, src, sink); err != nil {
					errs = append(errs, err)
				}
				if err := validateAgainstSpecs(u, src, sink); err != nil {
					errs = append(errs, fmt.Errorf("unit %s: %w", u.ID, err))
				}
				continue
			}
		}
		if !errors.Is(err, errSkipped) {
			errs = append(errs, fmt.Errorf("unit %s: %w", u.ID, err))
		}
	}
	return errors.Join(errs...)
}

// errSkipped marks a connector CheckAvailable could not find.
var errSkipped = errors.New("connector not installed")
