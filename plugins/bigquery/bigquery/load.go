package bigquery

import (
	"slices"
	"strings"
	"time"

	"github.com/dpone-go/dpone/sdk"
	"github.com/dpone-go/dpone/sdk/objstage"
)

// sinkModes lists every mode the destination implements.
var sinkModes = []string{sdk.ModeFullRefresh, sdk.ModeAppend, sdk.ModeMerge,
	sdk.ModeReplace, sdk.ModePartitionReplace, sdk.ModeSnapshotDiff, sdk.ModeSCD2}

// load is a LoadRequest resolved to BigQuery names.
type load struct {
	req      sdk.LoadRequest
	cfg      Config
	opts     sinkOptions
	strategy sdk.Strategy
	dataset  string
	target   string // `project.dataset.table`
	staging  string // `project.dataset.<sdk.StagingName(load id)>`
	stgTable string // staging table id
	receipts string // `project.dataset._dpone_loads`
	fences   string // `project.dataset._dpone_fences`
	// part is, for partition_replace, the target's partitioning by the
	// partition_by column (set at commit from the target's metadata).
	part *columnPartitioning
}

// resolveLoad checks a LoadRequest; the mode only when checkMode (AbortLoad
// and LoadStatus work whatever the mode).
func resolveLoad(req sdk.LoadRequest, checkMode bool) (*load, error) {
	l, err := resolveNames(req, checkMode)
	if err != nil {
		return nil, err
	}
	if err := l.checkStaging(checkMode); err != nil {
		return nil, err
	}
	return l, nil
}

// checkStaging refuses a load with nowhere to stage its files: the sink
// stages in sink.staging (type gcs) when the unit has one, else in config
// bucket; write_api storage_write stages no file. Without either, a small
// load still uploads directly (upload.go), and Write refuses one that
// outgrows direct_upload_max_bytes; with direct upload off the load is
// refused here. The conflicts are checked only with checkMode: AbortLoad
// and LoadStatus clean up whatever a load left.
func (l *load) checkStaging(checkMode bool) error {
	s := l.req.Staging
	switch {
	case s == nil && l.cfg.Bucket == "" && l.opts.WriteAPI != writeStorageWrite && l.cfg.directMax() == 0:
		return sdk.Errorf(sdk.CodeConfig, "bigquery sink: config bucket is required with direct_upload_max_bytes 0: name the Cloud Storage bucket that stages Parquet files, set sink.staging {type: gcs, bucket: ...}, allow direct upload of small loads (direct_upload_max_bytes > 0), or set sink option write_api: storage_write")
	case !checkMode || s == nil:
		return nil
	case s.Type != objstage.TypeGCS:
		return sdk.Errorf(sdk.CodeConfig, "bigquery sink: sink.staging type %s: load jobs read Cloud Storage only: set sink.staging type: gcs", s.Type)
	case l.opts.WriteAPI == writeStorageWrite:
		return sdk.Errorf(sdk.CodeConfig, "bigquery sink: sink.staging is set but sink option write_api is storage_write, which stages no files: remove one of them")
	}
	return nil
}

// resolveNames checks a LoadRequest (the mode only when checkMode) and
// resolves its BigQuery names, whatever it stages through.
func resolveNames(req sdk.LoadRequest, checkMode bool) (*load, error) {
	cfg, err := parseConfig(req.Config)
	if err != nil {
		return nil, err
	}
	if req.Target.Name == "" {
		return nil, sdk.Errorf(sdk.CodeConfig, "bigquery sink: target table name is empty: set sink_table in the manifest")
	}
	l := &load{req: req, cfg: cfg, dataset: req.Target.Namespace}
	if l.dataset == "" {
		l.dataset = cfg.Dataset
	}
	if !datasetRe.MatchString(l.dataset) {
		return nil, sdk.Errorf(sdk.CodeConfig, "bigquery sink: dataset %q is not a dataset id: use letters, digits and underscores", l.dataset)
	}
	if err := sdk.DecodeOptions(req.Options, &l.opts, "sink options"); err != nil {
		return nil, err
	}
	if err := l.opts.check(); err != nil {
		return nil, err
	}
	if lg := req.Load.Lineage; lg != nil && lg.LoadedAtColumn != "" && lg.LoadedAt == "" {
		return nil, sdk.Errorf(sdk.CodeConfig, "bigquery sink: lineage.loaded_at is empty")
	}
	if lg := req.Load.Lineage; lg != nil && lg.LoadedAt != "" {
		// A TIMESTAMP string takes at most six fractional digits (the
		// host sends up to nine): every query gets microseconds.
		at, err := time.Parse(time.RFC3339Nano, lg.LoadedAt)
		if err != nil {
			return nil, sdk.Errorf(sdk.CodeConfig, "bigquery sink: lineage.loaded_at %q is not an RFC 3339 time", lg.LoadedAt)
		}
		c := *lg
		c.LoadedAt = at.UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano)
		l.req.Load.Lineage = &c
	}
	l.stgTable = sdk.StagingName(req.LoadID)
	l.target = l.qualified(req.Target.Name)
	l.staging = l.qualified(l.stgTable)
	l.receipts = l.qualified("_dpone_loads")
	l.fences = l.qualified("_dpone_fences")
	if !checkMode {
		return l, nil
	}
	if !slices.Contains(sinkModes, req.Mode) {
		return nil, sdk.Errorf(sdk.CodeUnsupported, "bigquery sink: mode %q is not supported (supported: %s)", req.Mode, strings.Join(sinkModes, ", "))
	}
	if l.strategy, err = req.Strategy(); err != nil {
		return nil, err
	}
	return l, nil
}

// qualified is `project.dataset.table` in the load's dataset.
func (l *load) qualified(table string) string {
	return quoteIdent(l.cfg.Project + "." + l.dataset + "." + table)
}

// jobID is the id of the load's n-th job of a kind: derived from the load
// id only, so a retried job is the same job (BigQuery refuses a duplicate
// id with 409, and the sink then waits for the first one).
func jobID(loadID, kind string) string {
	return sdk.StagingName(loadID) + "_" + kind
}
