package bigquery

import (
	"fmt"
	"regexp"

	"github.com/dpone-go/dpone/sdk"
)

// sinkOptions are the sink's own keys of sink.options: the target's
// physical design, used when the sink creates the target.
type sinkOptions struct {
	// Partition partitions a created target.
	Partition *partitionOption `json:"partition,omitempty" doc:"partitioning of a created target: {field, granularity HOUR|DAY|MONTH|YEAR, expiration_days}, {} for ingestion time, or {field, range: {start, end, interval}}"`
	// ClusterBy lists up to four clustering columns.
	ClusterBy []string `json:"cluster_by,omitempty" doc:"up to 4 clustering columns of a created target"`
	// Description is the created target's description.
	Description string `json:"description,omitempty" doc:"description of a created target"`
	// ColumnDescriptions describes the created target's columns by name.
	ColumnDescriptions map[string]string `json:"column_descriptions,omitempty" doc:"descriptions of a created target's columns, by name"`
	// Labels label the created target.
	Labels map[string]string `json:"labels,omitempty" doc:"labels of a created target (lowercase keys)"`
	// WriteAPI is how Write fills staging: load_job (default: Parquet
	// files in Cloud Storage, one load job at commit) or storage_write
	// (the Storage Write API straight into the staging table, no bucket
	// traffic).
	WriteAPI string `json:"write_api,omitempty" doc:"how staging is filled: load_job (default: Parquet in Cloud Storage, one load job) or storage_write (Storage Write API)"`
}

// partitionOption is one of BigQuery's three partitionings: by a
// DATE/TIMESTAMP/DATETIME column (field + granularity), by ingestion time
// (no field), or by integer range (field + range).
type partitionOption struct {
	Field       string `json:"field,omitempty" doc:"partitioning column: DATE, TIMESTAMP, DATETIME, or INT64 with range; none for ingestion time"`
	Granularity string `json:"granularity,omitempty" doc:"HOUR, DAY (default), MONTH or YEAR"`
	Range       *struct {
		Start    int64 `json:"start"`
		End      int64 `json:"end"`
		Interval int64 `json:"interval"`
	} `json:"range,omitempty" doc:"integer range partitioning: start, end, interval"`
	// ExpirationDays drops partitions older than this many days.
	ExpirationDays int `json:"expiration_days,omitempty" doc:"partitions older than this many days are dropped"`
}

var labelRe = regexp.MustCompile(`^[\p{Ll}\p{Lo}][\p{Ll}\p{Lo}\p{N}_-]{0,62}$`)

// check refuses options BigQuery would refuse, naming the key.
func (o sinkOptions) check() error {
	switch o.WriteAPI {
	case "", writeLoadJob, writeStorageWrite:
	default:
		return sdk.Errorf(sdk.CodeConfig, "sink options: write_api %q: use load_job or storage_write", o.WriteAPI)
	}
	if len(o.ClusterBy) > 4 {
		return sdk.Errorf(sdk.CodeConfig, "sink options: cluster_by has %d columns: BigQuery clusters by at most 4", len(o.ClusterBy))
	}
	for k := range o.Labels {
		if !labelRe.MatchString(k) {
			return sdk.Errorf(sdk.CodeConfig, "sink options: label key %q: use lowercase letters, digits, _ and -, starting with a letter", k)
		}
	}
	if p := o.Partition; p != nil {
		switch p.Granularity {
		case "", "HOUR", "DAY", "MONTH", "YEAR":
		default:
			return sdk.Errorf(sdk.CodeConfig, "sink options: partition.granularity %q: use HOUR, DAY, MONTH or YEAR", p.Granularity)
		}
		if p.Range != nil {
			if p.Field == "" {
				return sdk.Errorf(sdk.CodeConfig, "sink options: partition.range needs partition.field (an INT64 column)")
			}
			if p.Granularity != "" {
				return sdk.Errorf(sdk.CodeConfig, "sink options: partition.range and partition.granularity exclude each other")
			}
			if p.Range.Interval <= 0 || p.Range.End <= p.Range.Start {
				return sdk.Errorf(sdk.CodeConfig, "sink options: partition.range: want start < end and interval > 0, got %d..%d by %d", p.Range.Start, p.Range.End, p.Range.Interval)
			}
		}
	}
	return nil
}

// partitionClause is the DDL's PARTITION BY clause ("" when unpartitioned).
func (o sinkOptions) partitionClause(types map[string]string) (string, error) {
	p := o.Partition
	if p == nil {
		return "", nil
	}
	g := p.Granularity
	if g == "" {
		g = "DAY"
	}
	if p.Field == "" {
		if g == "DAY" {
			return "PARTITION BY _PARTITIONDATE", nil
		}
		return fmt.Sprintf("PARTITION BY TIMESTAMP_TRUNC(_PARTITIONTIME, %s)", g), nil
	}
	t, ok := types[p.Field]
	if !ok {
		return "", sdk.Errorf(sdk.CodeConfig, "sink options: partition.field %q is not a column of the load", p.Field)
	}
	col := quoteIdent(p.Field)
	if p.Range != nil {
		if t != "INT64" {
			return "", sdk.Errorf(sdk.CodeConfig, "sink options: partition.field %q is %s: range partitioning needs INT64", p.Field, t)
		}
		return fmt.Sprintf("PARTITION BY RANGE_BUCKET(%s, GENERATE_ARRAY(%d, %d, %d))", col, p.Range.Start, p.Range.End, p.Range.Interval), nil
	}
	switch t {
	case "DATE":
		if g == "DAY" {
			return "PARTITION BY " + col, nil
		}
		return fmt.Sprintf("PARTITION BY DATE_TRUNC(%s, %s)", col, g), nil
	case "TIMESTAMP":
		return fmt.Sprintf("PARTITION BY TIMESTAMP_TRUNC(%s, %s)", col, g), nil
	case "DATETIME":
		return fmt.Sprintf("PARTITION BY DATETIME_TRUNC(%s, %s)", col, g), nil
	}
	return "", sdk.Errorf(sdk.CodeConfig, "sink options: partition.field %q is %s: time-unit partitioning needs DATE, TIMESTAMP or DATETIME (or set partition.range for INT64)", p.Field, t)
}
