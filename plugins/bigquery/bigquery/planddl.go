package bigquery

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/dpone-go/dpone/sdk"
	"github.com/dpone-go/dpone/sdk/objstage"
)

// planLoadID stands for the load id in what plan shows: job ids, staging
// names and object paths derive from the load id, which a plan does not
// have yet.
const planLoadID = "dpone0plan0load"

// planStatements is what the sink does for a load into an absent target,
// as plan shows it: the target's CREATE (the statement BeginLoad runs,
// rendered by the same targetDDL), then, as SQL comments, the load job
// configuration and the publish jobs. schema is the table the host would
// create (the load's columns, keys NOT NULL, then the host's lineage and
// soft-delete columns, which the sink adds itself and are dropped here).
// Names derived from the load id show it as <load_id>. staging is the
// unit's sink.staging; a host of protocol v1.3 does not send it with the
// plan's request (nil), so the load job says which files it reads either
// way.
func planStatements(cfg json.RawMessage, table sdk.TableRef, schema *arrow.Schema, mode string, uniqueKey []string,
	lo sdk.LoadOptions, options json.RawMessage, staging *sdk.Staging) ([]string, error) {
	host := map[string]bool{}
	if lg := lo.Lineage; lg != nil {
		host[lg.RunIDColumn], host[lg.LoadedAtColumn] = lg.RunIDColumn != "", lg.LoadedAtColumn != ""
		if lg.LoadedAtColumn != "" && lg.LoadedAt == "" {
			cp := *lg
			cp.LoadedAt = "1970-01-01T00:00:00Z"
			lo.Lineage = &cp
		}
	}
	if lo.Strategy.SoftDeletes() {
		host[sdk.DeletedAtColumn] = true
	}
	var fields []arrow.Field
	for _, f := range schema.Fields() {
		if !host[f.Name] {
			fields = append(fields, f)
		}
	}
	if lo.Strategy.Mode == "" {
		lo.Strategy.Mode = mode
	}
	if len(lo.Strategy.UniqueKey) == 0 {
		lo.Strategy.UniqueKey = uniqueKey
	}
	req := sdk.LoadRequest{Config: cfg, LoadID: planLoadID, Target: table, Schema: arrow.NewSchema(fields, nil),
		Mode: mode, UniqueKey: uniqueKey, Load: lo, Options: options, Staging: staging}
	l, err := resolveNames(req, true)
	if err != nil {
		return nil, err
	}
	// Without the unit's sink.staging (not sent) an empty config bucket
	// is no error here: the unit may stage in sink.staging, and BeginLoad
	// refuses the load that has neither.
	if staging != nil || l.cfg.Bucket != "" {
		if err := l.checkStaging(true); err != nil {
			return nil, err
		}
	}
	ddl, err := l.targetDDL()
	if err != nil {
		return nil, err
	}
	if _, err := l.publishScript(); err != nil {
		return nil, err
	}
	write, err := l.writePlan()
	if err != nil {
		return nil, err
	}
	out := []string{ddl, write, l.publishPlan()}
	for i, s := range out {
		out[i] = strings.ReplaceAll(s, planLoadID, "<load_id>")
	}
	return out, nil
}

// writePlan says how Write fills staging: the load job's configuration
// (from loadJobFrom, the job CommitLoad inserts) and the files it reads,
// or the Storage Write API.
func (l *load) writePlan() (string, error) {
	if l.opts.WriteAPI == writeStorageWrite {
		return fmt.Sprintf("-- write: Storage Write API into staging %s (created by each Write), one COMMITTED write stream per Write, "+
			"AppendRows at explicit offsets, requests under %d MiB, %d in flight; no Cloud Storage files, no load job", l.staging, maxRequestBytes>>20, appendWindow), nil
	}
	var source string
	switch {
	case l.req.Staging != nil:
		source = stagedPartPattern(l.req.Staging, l.req.LoadID) + " (sink.staging: the parts its " + objstage.ManifestName +
			" lists, each checked against its size and sha256 before the job; the job's source URIs are theirs)"
	case l.cfg.Bucket != "":
		source = partGlob(l.cfg.Bucket, l.cfg.Prefix, l.req.LoadID) + " (config bucket; a unit with sink.staging loads the parts of its manifest instead)"
	case l.cfg.directMax() > 0:
		source = "the parts of sink.staging (<prefix>/<load_id>/part-NNNNN.parquet in its bucket, listed by " + objstage.ManifestName +
			" and checked before the job; without sink.staging or config bucket, only a direct upload below loads)"
	default:
		source = "the parts of sink.staging (<prefix>/<load_id>/part-NNNNN.parquet in its bucket, listed by " + objstage.ManifestName +
			" and checked before the job; without sink.staging BeginLoad refuses the load: set config bucket)"
	}
	job, err := l.loadJobFrom([]string{source})
	if err != nil {
		return "", err
	}
	ld := job.Configuration.Load
	upd := "none"
	if len(ld.SchemaUpdateOptions) > 0 {
		upd = strings.Join(ld.SchemaUpdateOptions, ", ")
	}
	out := fmt.Sprintf("-- load job %s (one per load; a retried commit finds it by id): source %s, format %s, "+
		"destination staging %s.%s.%s, write disposition %s, create disposition %s, decimal target types %s, schema update options %s, labels dpone=%s",
		job.JobReference.JobId, strings.Join(ld.SourceUris, ", "), ld.SourceFormat,
		ld.DestinationTable.ProjectId, ld.DestinationTable.DatasetId, ld.DestinationTable.TableId,
		ld.WriteDisposition, ld.CreateDisposition, strings.Join(ld.DecimalTargetTypes, ", "), upd, job.Configuration.Labels["dpone"])
	return out + l.directPlan(), nil
}

// directPlan says, for a load that may upload directly (no sink.staging
// given, direct_upload_max_bytes > 0), which loads take that form; the
// plan cannot know the data's size.
func (l *load) directPlan() string {
	max := l.cfg.directMax()
	if l.req.Staging != nil || max == 0 {
		return ""
	}
	rest := "a larger Write, or a second small Write of the load (parallel source partitions), stages as above, and that load job then appends (WRITE_APPEND) the files to the direct rows"
	if l.cfg.Bucket == "" {
		rest = "with no config bucket and no sink.staging, a larger Write, or a second small Write of the load, fails with a CONFIG error before it stages or loads anything"
	}
	return fmt.Sprintf("\n-- or direct upload: when a Write's Parquet is one part of at most %d bytes (direct_upload_max_bytes), no Cloud Storage file: "+
		"load job %s at the end of that Write, the same configuration with the part as the request's media (jobs.insert upload) instead of source URIs and label %s=<writer>; %s",
		max, jobID(l.req.LoadID, directKind), writerLabel, rest)
}

// publishPlan says how CommitLoad publishes staging into the target.
func (l *load) publishPlan() string {
	id := jobID(l.req.LoadID, "commit")
	if l.req.Mode == sdk.ModePartitionReplace {
		if p := l.opts.Partition; p != nil && p.Field != "" && len(l.strategy.PartitionBy) == 1 && l.strategy.PartitionBy[0] == p.Field {
			return fmt.Sprintf("-- publish: per staged partition of %s, a query job %s WRITE_TRUNCATE (create disposition CREATE_NEVER) into the partition decorator %s$<partition>; "+
				"then query job %s writes the receipt into %s in a transaction (a load staging NULL or out-of-range %s values, or more than %d partitions, publishes in one transaction instead)",
				quoteIdent(p.Field), jobID(l.req.LoadID, "part_<partition>"), strings.Trim(l.target, "`"), id, l.receipts, quoteIdent(p.Field), maxDecoratorPartitions)
		}
	}
	what := map[string]string{
		sdk.ModeFullRefresh:      "TRUNCATE and INSERT from staging",
		sdk.ModeAppend:           "INSERT from staging",
		sdk.ModeMerge:            "MERGE from staging on " + identList(l.strategy.UniqueKey),
		sdk.ModeReplace:          "DELETE WHERE " + l.strategy.Where + " and INSERT from staging",
		sdk.ModePartitionReplace: "DELETE the staged " + identList(l.strategy.PartitionBy) + " values and INSERT from staging",
		sdk.ModeSnapshotDiff:     "MERGE from staging on " + identList(l.strategy.UniqueKey) + " deleting the keys staging lacks",
		sdk.ModeSCD2:             l.scd2Plan(),
	}[l.req.Mode]
	return fmt.Sprintf("-- publish: query job %s: %s and the receipt into %s, one transaction", id, what, l.receipts)
}
