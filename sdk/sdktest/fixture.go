package sdktest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // the default TimeZone must load on any machine

	"go.yaml.in/yaml/v3"

	"github.com/dpone-go/dpone/sdk"
)

// Fixture tells the suite how to reach a connector and what it should
// find. Exactly one of Factory (in process) and Binary (out of process) is
// set. In files (ReadFixture), keys are the json tags below; Go-only fields
// (func values, writers) have no tag.
type Fixture struct {
	// Factory makes the connector under test; the suite serves it through
	// the SDK's gRPC adapter in process and calls Factory again to simulate
	// a restarted plugin. Its state must therefore live outside the value
	// (a file, a database, a shared store) for the crash checks to pass.
	Factory sdk.Factory `json:"-"`
	// Binary is the path of a plugin binary, started with go-plugin.
	Binary string `json:"binary,omitempty"`
	// Env is added to the plugin process's environment (out of process).
	Env map[string]string `json:"env,omitempty"`

	// Config is a good config: Check must pass with it.
	Config json.RawMessage `json:"config"`
	// BadCredentials is a config with wrong credentials: Check must fail
	// with AUTH. Optional.
	BadCredentials json.RawMessage `json:"bad_credentials,omitempty"`
	// Unreachable is a config naming a host that does not answer: Check
	// must fail with CONNECT, or UNAVAILABLE marked retryable (a refused
	// connection or a DNS failure may be a restart). Optional.
	Unreachable json.RawMessage `json:"unreachable,omitempty"`

	// Streams are the source streams to read, with what they hold.
	Streams []StreamFixture `json:"streams,omitempty"`
	// Load configures the destination checks.
	Load *LoadFixture `json:"load,omitempty"`
	// Floors are the performance floors; zero values only measure.
	Floors Floors `json:"floors,omitempty"`

	// CallTimeout bounds each call; default one minute. In files: a Go
	// duration string ("90s").
	CallTimeout Duration `json:"call_timeout,omitempty"`
	// CancelWithin bounds how long a cancelled Read may take to end;
	// default 5s.
	CancelWithin Duration `json:"cancel_within,omitempty"`

	// TimeZone is the local time zone the plugin runs in: TZ of the plugin
	// process (out of process; Env may set TZ instead) and Go's time.Local
	// for the run (in process). Default America/St_Johns (UTC-03:30, with
	// daylight saving), so a plugin that formats or parses timestamps in
	// local time instead of UTC fails the value checks; "UTC" turns it off.
	TimeZone string `json:"time_zone,omitempty"`
	// Strict fails every skipped check, as Options.Strict does.
	Strict bool `json:"strict,omitempty"`
	// NotApplicable declares checks that cannot apply to this connector,
	// with the reason: only check/bad_credentials (a system without
	// credentials) and check/unreachable (a system without a network
	// address) may be declared. They are reported as n/a.
	NotApplicable map[string]string `json:"not_applicable,omitempty"`

	// PluginLog receives the plugin's stderr (out of process); nil discards.
	PluginLog io.Writer `json:"-"`
}

// declarableNA are the checks a fixture may declare not applicable.
var declarableNA = []string{"check/bad_credentials", "check/unreachable"}

// DefaultTimeZone is the local time zone plugins run in by default.
const DefaultTimeZone = "America/St_Johns"

func (f *Fixture) timeZone() string {
	if f.TimeZone != "" {
		return f.TimeZone
	}
	return DefaultTimeZone
}

// StreamFixture is one stream a source must serve.
type StreamFixture struct {
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
	// Options are the read options (manifest source.options) for full reads.
	Options json.RawMessage `json:"options,omitempty"`
	// Rows are the rows a full read must return, in any order, as JSON
	// objects keyed by column (a column absent from every row is not
	// compared). Values: numbers or strings for numbers and decimals,
	// strings for dates ("2006-01-02") and timestamps (RFC 3339), base64
	// for binary, objects/arrays or JSON text for json, null for NULL.
	Rows []map[string]any `json:"rows,omitempty"`
	// RowCount and Checksum describe a stream too large to list: the
	// checksum is the one the Report prints (see Checksum). Either may be
	// given; with neither and no Rows the read is only measured.
	RowCount *int64 `json:"row_count,omitempty"`
	Checksum string `json:"checksum,omitempty"`
	// Types maps columns to the logical types the plugin claims for them
	// (logical names: int64, decimal(38,10), timestamp(6, tz), uuid, json).
	Types map[string]string `json:"types,omitempty"`
	// Incremental enables the incremental resume check for this stream.
	Incremental *IncrementalFixture `json:"incremental,omitempty"`
	// NotDiscoverable says Discover does not list this stream (a glob or a
	// query): the discover check does not look for it.
	NotDiscoverable bool `json:"not_discoverable,omitempty"`
	// Partitions is how many partitions to ask for when the connector
	// advertises parallel partitions; default 3.
	Partitions int `json:"partitions,omitempty"`
	// Strategies are more incremental settings, one per further strategy
	// the connector claims (e.g. xmin beside column): each is checked like
	// Incremental, as incremental/<stream>/<strategy>.
	Strategies []IncrementalFixture `json:"strategies,omitempty"`
	// Mutations change the source between incremental reads (the
	// mutations/<stream> check, run after every other source check): after
	// each step, an incremental read from the previous read's last
	// checkpoint must return exactly the rows the step inserted or
	// updated. Include an insert, a delete and an update that moves a row
	// onto the cursor value of the last checkpoint with a smaller key.
	Mutations []MutationFixture `json:"mutations,omitempty"`
}

// MutationFixture is one change to a source between incremental reads.
// Exactly one of Exec and Do is set.
type MutationFixture struct {
	// Name says what the step does ("insert 2 rows, update id 2 onto the
	// checkpoint, delete id 5").
	Name string `json:"name,omitempty"`
	// Exec is a command and its arguments, run without a shell in the
	// suite's working directory; it must exit 0. E.g.
	// [psql, "${DSN}", -c, "UPDATE t SET updated_at = ... WHERE id = 2"]
	// or [sh, -c, "printf ... >> data/new.csv"].
	Exec []string `json:"exec,omitempty"`
	// Do is the Go form of Exec (Go fixtures).
	Do func(ctx context.Context) error `json:"-"`
	// Rows, RowCount and Checksum override what the read after this step
	// must return (as in StreamFixture), for strategies that re-read by
	// design (lookback). Default: every row of the stream after the step
	// that was not in it, with the same values, before the step (the rows
	// inserted or updated), minus NULL-cursor rows under skip_null_cursor.
	Rows     []map[string]any `json:"rows,omitempty"`
	RowCount *int64           `json:"row_count,omitempty"`
	Checksum string           `json:"checksum,omitempty"`
}

func (m MutationFixture) label(i int) string {
	if m.Name != "" {
		return fmt.Sprintf("step %d (%s)", i+1, m.Name)
	}
	return fmt.Sprintf("step %d", i+1)
}

// IncrementalFixture configures the incremental resume check.
type IncrementalFixture struct {
	// Options are added to the stream's Options for incremental reads (e.g.
	// {"incremental_strategy":"column","incremental_column":"updated_at"}).
	Options json.RawMessage `json:"options,omitempty"`
	// Cursor names the cursor column, to report ties and NULL cursors.
	Cursor string `json:"cursor,omitempty"`
	// SkipNullCursor: rows whose cursor is NULL are not expected in an
	// incremental read (the plugin's NULL policy excludes them).
	SkipNullCursor bool `json:"skip_null_cursor,omitempty"`
	// BatchBytes is the batch size asked for, small so that plugins that
	// checkpoint per batch produce many checkpoints; default 4096.
	BatchBytes int64 `json:"batch_bytes,omitempty"`
}

// strategy is the incremental_strategy its options name ("" when none).
func (inc *IncrementalFixture) strategy() string {
	var o struct {
		Strategy string `json:"incremental_strategy"`
	}
	_ = json.Unmarshal(inc.Options, &o)
	return o.Strategy
}

// rereads reports whether the options ask for a lookback, which reads
// rows again by design.
func (inc *IncrementalFixture) rereads() bool {
	var o map[string]json.RawMessage
	_ = json.Unmarshal(inc.Options, &o)
	_, ok := o["lookback"]
	return ok
}

// LoadFixture configures the destination checks.
type LoadFixture struct {
	// Namespace of every target table the suite creates. Tables are named
	// <Prefix>_<check>_<run>, so repeated runs never collide.
	Namespace string `json:"namespace,omitempty"`
	// Prefix of target table names; default "certify".
	Prefix string `json:"prefix,omitempty"`
	// Options are the sink options passed to BeginLoad.
	Options json.RawMessage `json:"options,omitempty"`
	// Types lists the logical types to round-trip (names as in
	// StreamFixture.Types). Default: the suite's basic set.
	Types []string `json:"types,omitempty"`
	// Reader reads a target table back. Without it, the connector under
	// test reads its own targets when it is also a source.
	Reader *ReaderFixture `json:"reader,omitempty"`
	// ReadTarget reads a target table back (Go fixtures): every row as a
	// map keyed by column, values as Go values (int64, float64, string,
	// bool, time.Time, []byte, json.Number, nil). A missing table is
	// (nil, nil). It takes precedence over Reader.
	ReadTarget func(ctx context.Context, table sdk.TableRef) ([]map[string]any, error) `json:"-"`
	// Rows is the number of rows written by the throughput check; default
	// 100000.
	Rows int `json:"rows,omitempty"`
	// Staging is an object-storage area for the staging checks of a
	// destination that loads through one (Go fixtures).
	Staging *StagingFixture `json:"-"`
}

// ReaderFixture names a source connector that reads the targets back.
type ReaderFixture struct {
	// Binary is a plugin binary path (or, for dpone certify, a plugin
	// name). Empty: the connector under test.
	Binary string `json:"binary,omitempty"`
	// Factory is the in-process reader (Go fixtures).
	Factory sdk.Factory `json:"-"`
	// Config is the reader's config; default the fixture's Config.
	Config json.RawMessage `json:"config,omitempty"`
	// Options are read options for the target stream.
	Options json.RawMessage `json:"options,omitempty"`
	// Exec reads a target without a source plugin: a command and its
	// arguments ({namespace} and {table} are replaced) that prints the
	// table's rows as JSON Lines, one object per row keyed by column, and
	// nothing for a missing table. E.g. [psql, "${DSN}", -Atc,
	// "select row_to_json(t) from {namespace}.{table} t"]. It takes
	// precedence over Binary.
	Exec []string `json:"exec,omitempty"`
}

// Floors are performance floors. Zero means "measure and report only".
type Floors struct {
	// Stream names the stream whose full read is timed; default the stream
	// with the most rows.
	Stream string `json:"stream,omitempty"`
	// MinReadRowsPerSec and MinWriteRowsPerSec are throughput floors.
	MinReadRowsPerSec  float64 `json:"min_read_rows_per_sec,omitempty"`
	MinWriteRowsPerSec float64 `json:"min_write_rows_per_sec,omitempty"`
	// MaxRSSMB is the peak resident set (VmHWM) ceiling of the plugin
	// process, out of process only.
	MaxRSSMB float64 `json:"max_rss_mb,omitempty"`
}

// Duration is a time.Duration that reads "90s" from JSON and YAML.
type Duration time.Duration

// UnmarshalJSON accepts a Go duration string or a number of seconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		v, err := time.ParseDuration(s)
		if err != nil {
			return err
		}
		*d = Duration(v)
		return nil
	}
	var secs float64
	if err := json.Unmarshal(b, &secs); err != nil {
		return fmt.Errorf("duration: want a string like \"90s\" or seconds, got %s", b)
	}
	*d = Duration(secs * float64(time.Second))
	return nil
}

// MarshalJSON writes the duration as a Go duration string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// ReadFixture reads a fixture from a YAML or JSON file. ${VAR} references
// are replaced by environment variables; an unset one is an error naming
// it (comment lines are left alone). Relative Binary
// paths and a relative "root" or "path" in configs are left as they are:
// they are resolved by the plugin against its working directory.
func ReadFixture(path string) (Fixture, error) {
	var f Fixture
	b, err := os.ReadFile(path)
	if err != nil {
		return f, fmt.Errorf("read fixture: %w", err)
	}
	var unset []string
	lines := strings.Split(string(b), "\n")
	for i, line := range lines {
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		lines[i] = os.Expand(line, func(k string) string {
			if k == "$" {
				return "$"
			}
			v, ok := os.LookupEnv(k)
			if !ok {
				unset = append(unset, "${"+k+"}")
			}
			return v
		})
	}
	if len(unset) > 0 {
		return f, fmt.Errorf("fixture %s: %s not set in the environment", path, strings.Join(unset, ", "))
	}
	b = []byte(strings.Join(lines, "\n"))
	if ext := strings.ToLower(filepath.Ext(path)); ext == ".yaml" || ext == ".yml" {
		var v any
		if err := yaml.Unmarshal(b, &v); err != nil {
			return f, fmt.Errorf("fixture %s: %w", path, err)
		}
		if b, err = json.Marshal(v); err != nil {
			return f, fmt.Errorf("fixture %s: %w", path, err)
		}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(&f); err != nil {
		return f, fmt.Errorf("fixture %s: %w", path, err)
	}
	return f, nil
}

func (f *Fixture) callTimeout() time.Duration {
	if f.CallTimeout > 0 {
		return time.Duration(f.CallTimeout)
	}
	return time.Minute
}

func (f *Fixture) cancelWithin() time.Duration {
	if f.CancelWithin > 0 {
		return time.Duration(f.CancelWithin)
	}
	return 5 * time.Second
}

func (f *Fixture) validate() error {
	switch {
	case f.Factory == nil && f.Binary == "":
		return fmt.Errorf("fixture: set Factory (in process) or Binary (out of process)")
	case f.Factory != nil && f.Binary != "":
		return fmt.Errorf("fixture: set only one of Factory and Binary")
	}
	for i, s := range f.Streams {
		if s.Name == "" {
			return fmt.Errorf("fixture: streams[%d]: name is empty", i)
		}
		for j, m := range s.Mutations {
			if (len(m.Exec) > 0) == (m.Do != nil) {
				return fmt.Errorf("fixture: streams[%d].mutations[%d]: set exactly one of exec (a command) and Do (Go)", i, j)
			}
		}
		for j, inc := range s.Strategies {
			if inc.strategy() == "" {
				return fmt.Errorf("fixture: streams[%d].strategies[%d]: options must name the incremental_strategy", i, j)
			}
		}
	}
	for name := range f.NotApplicable {
		if !slices.Contains(declarableNA, name) {
			return fmt.Errorf("fixture: not_applicable: %q cannot be declared not applicable (only %s)", name, strings.Join(declarableNA, ", "))
		}
	}
	if _, err := time.LoadLocation(f.timeZone()); err != nil {
		return fmt.Errorf("fixture: time_zone %q: %w", f.timeZone(), err)
	}
	return nil
}
