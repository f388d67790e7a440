package bigquery

import (
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	bq "google.golang.org/api/bigquery/v2"

	"github.com/dpone-go/dpone/sdk"
)

// loadJob is the one load job of a load staged in config bucket: every
// staged Parquet file (a wildcard URI) into the staging table.
func (l *load) loadJob() (*bq.Job, error) {
	return l.loadJobFrom([]string{partGlob(l.cfg.Bucket, l.cfg.Prefix, l.req.LoadID)})
}

// loadJobFrom is the one load job of a load: the Parquet files at uris
// into the staging table, replacing it, under a job id derived from the
// load id. Its JSON is what the sink sends (testdata/job/*.json).
func (l *load) loadJobFrom(uris []string) (*bq.Job, error) {
	fields, err := stagingSchema(l.req.Schema)
	if err != nil {
		return nil, err
	}
	return &bq.Job{
		JobReference: &bq.JobReference{ProjectId: l.cfg.Project, JobId: jobID(l.req.LoadID, "load"), Location: l.cfg.Location},
		Configuration: &bq.JobConfiguration{
			Labels: map[string]string{"dpone": "load"},
			Load: &bq.JobConfigurationLoad{
				SourceUris:         uris,
				SourceFormat:       "PARQUET",
				DestinationTable:   &bq.TableReference{ProjectId: l.cfg.Project, DatasetId: l.dataset, TableId: l.stgTable},
				WriteDisposition:   "WRITE_TRUNCATE",
				CreateDisposition:  "CREATE_IF_NEEDED",
				Schema:             &bq.TableSchema{Fields: fields},
				DecimalTargetTypes: []string{"NUMERIC", "BIGNUMERIC"},
				ParquetOptions:     &bq.ParquetOptions{EnableListInference: true},
			},
		},
	}, nil
}

// queryJob runs sql as a job with a deterministic id and named parameters.
func (l *load) queryJob(kind, sql string, params map[string]string) *bq.Job {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sortStrings(keys)
	var qp []*bq.QueryParameter
	for _, k := range keys {
		qp = append(qp, &bq.QueryParameter{Name: k, ParameterType: &bq.QueryParameterType{Type: "STRING"},
			ParameterValue: &bq.QueryParameterValue{Value: params[k], ForceSendFields: []string{"Value"}}})
	}
	f := false
	return &bq.Job{
		JobReference: &bq.JobReference{ProjectId: l.cfg.Project, JobId: jobID(l.req.LoadID, kind), Location: l.cfg.Location},
		Configuration: &bq.JobConfiguration{
			Labels: map[string]string{"dpone": kind},
			Query:  &bq.JobConfigurationQuery{Query: sql, UseLegacySql: &f, QueryParameters: qp, ParameterMode: "NAMED"},
		},
	}
}

// stagingSchema is the staging table's schema: the load's columns as the
// Parquet files hold them (JSON stays STRING in staging and is parsed at
// publish), all NULLABLE so a load never fails on a staged NULL.
func stagingSchema(s *arrow.Schema) ([]*bq.TableFieldSchema, error) {
	out := make([]*bq.TableFieldSchema, 0, s.NumFields())
	for _, f := range s.Fields() {
		tf, err := fieldSchema(f)
		if err != nil {
			return nil, err
		}
		out = append(out, tf)
	}
	return out, nil
}

// fieldSchema maps one Arrow field to a REST field schema: lists are
// REPEATED, structs RECORD with their fields.
func fieldSchema(f arrow.Field) (*bq.TableFieldSchema, error) {
	tf := &bq.TableFieldSchema{Name: f.Name, Mode: "NULLABLE"}
	t := f.Type
	if l, ok := t.(arrow.ListLikeType); ok {
		if _, isMap := t.(*arrow.MapType); !isMap {
			tf.Mode = "REPEATED"
			if _, err := bqType(f); err != nil { // nested lists
				return nil, err
			}
			t = l.Elem()
			f = arrow.Field{Name: f.Name, Type: t, Metadata: f.Metadata}
		}
	}
	if st, ok := t.(*arrow.StructType); ok {
		tf.Type = "RECORD"
		for _, c := range st.Fields() {
			cf, err := fieldSchema(c)
			if err != nil {
				return nil, err
			}
			tf.Fields = append(tf.Fields, cf)
		}
		return tf, nil
	}
	typ, err := bqType(f)
	if err != nil {
		return nil, err
	}
	if typ == "JSON" {
		typ = "STRING"
	}
	if strings.HasPrefix(typ, "ARRAY<STRUCT<key") { // a map: repeated key/value records
		mt := t.(*arrow.MapType)
		k, err := fieldSchema(arrow.Field{Name: "key", Type: mt.KeyType()})
		if err != nil {
			return nil, err
		}
		v, err := fieldSchema(arrow.Field{Name: "value", Type: mt.ItemType()})
		if err != nil {
			return nil, err
		}
		tf.Mode, tf.Type, tf.Fields = "REPEATED", "RECORD", []*bq.TableFieldSchema{k, v}
		return tf, nil
	}
	tf.Type = typ
	return tf, nil
}

// isJSON reports a field the host marked as JSON.
func isJSON(f arrow.Field) bool {
	i := f.Metadata.FindKey(sdk.MetaLogical)
	return i >= 0 && f.Metadata.Values()[i] == sdk.LogicalJSON
}
