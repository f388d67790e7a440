package bigquery

import (
	"context"
	"os"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/go-plugin"

	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
	"github.com/dpone-go/dpone/sdk"
)

func grpcClient(t *testing.T) connectorv1.ConnectorClient {
	t.Helper()
	client, _ := plugin.TestPluginGRPCConn(t, false, sdk.PluginSet(New(), nil))
	t.Cleanup(func() { client.Close() })
	raw, err := client.Dispense("connector")
	if err != nil {
		t.Fatal(err)
	}
	return raw.(connectorv1.ConnectorClient)
}

// TestGRPCSpec: the capabilities the host plans with, through the adapter.
func TestGRPCSpec(t *testing.T) {
	spec, err := grpcClient(t).GetSpec(context.Background(), &connectorv1.GetSpecRequest{})
	if err != nil {
		t.Fatal(err)
	}
	c := spec.GetCapabilities()
	if spec.GetName() != "bigquery" || !c.GetDestination() || !c.GetSource() || !c.GetParallelPartitions() {
		t.Errorf("spec: got name %q destination %v source %v partitions %v, want bigquery, source and destination, parallel partitions", spec.GetName(), c.GetDestination(), c.GetSource(), c.GetParallelPartitions())
	}
	if got := c.GetIncrementalStrategies(); !slices.Equal(got, []string{"column"}) {
		t.Errorf("incremental strategies: got %v, want [column]", got)
	}
	want := []string{"full_refresh", "incremental_append", "incremental_merge", "replace", "partition_replace", "snapshot_diff", "scd2"}
	got := slices.Clone(c.GetSinkModes())
	slices.Sort(got)
	slices.Sort(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("sink modes (-want +got):\n%s", diff)
	}
	if !c.GetAtomicReceipts() || !c.GetLoadStatus() || !c.GetCheck() || !c.GetTypedOptions() || !c.GetFencing() {
		t.Errorf("capabilities: got %+v, want atomic receipts, load status, check, typed options, fencing", c)
	}
	if !c.GetDescribeTarget() || !c.GetApplySchema() || !c.GetLoadSchema() {
		t.Errorf("capabilities: describe_target %v, apply_schema %v, load_schema %v; want all (plan shows the sink's CREATE)", c.GetDescribeTarget(), c.GetApplySchema(), c.GetLoadSchema())
	}
	if diff := cmp.Diff([]string{"add_column", "widen_type", "drop_not_null"}, c.GetSchemaOps()); diff != "" {
		t.Errorf("schema ops (-want +got), create_table left out (the sink creates its targets):\n%s", diff)
	}
	if got := c.GetStagingTypes(); !slices.Equal(got, []string{"gcs"}) || c.GetStagingRequired() {
		t.Errorf("staging: got types %v, required %v; want [gcs], not required (config bucket and storage_write stay)", got, c.GetStagingRequired())
	}
}

// TestGRPCConfigErrors: a bad config is a CONFIG error in-band, before
// any network call.
func TestGRPCConfigErrors(t *testing.T) {
	cc := grpcClient(t)
	for name, cfg := range map[string]string{
		"no project":  `{"dataset":"d","bucket":"b"}`,
		"bad project": `{"project":"Bad Project","dataset":"d","bucket":"b"}`,
		"gs bucket":   `{"project":"p-123","dataset":"d","bucket":"gs://b/x"}`,
		"unknown key": `{"project":"p-123","dataset":"d","bucket":"b","buckets":"x"}`,
	} {
		t.Run(name, func(t *testing.T) {
			resp, err := cc.Check(context.Background(), &connectorv1.CheckRequest{ConfigJson: []byte(cfg)})
			if err != nil {
				t.Fatal(err)
			}
			if got := resp.GetError().GetCode(); got != connectorv1.ErrorCode_ERROR_CODE_CONFIG {
				t.Errorf("code: got %v (%s), want CONFIG", got, resp.GetError().GetMessage())
			}
		})
	}
}

// TestCheckBucket: a missing staging bucket is NOT_FOUND, an existing one
// passes (fake-gcs-server).
func TestCheckBucket(t *testing.T) {
	ep := os.Getenv("DPONE_TEST_GCS_ENDPOINT")
	if ep == "" {
		t.Skip("DPONE_TEST_GCS_ENDPOINT is not set: run eval \"$(scripts/gcs.sh start)\" (make test does)")
	}
	ctx := context.Background()
	cfg := Config{GCSEndpoint: ep}
	gcs, err := newStorage(ctx, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer gcs.Close()
	cl := &clients{gcs: gcs}
	cfg.Bucket = "dpone-test"
	if err := checkBucket(ctx, cl, cfg); err != nil {
		t.Errorf("existing bucket: got %v, want nil", err)
	}
	cfg.Bucket = "no-such-bucket"
	if got := sdk.CodeOf(checkBucket(ctx, cl, cfg)); got != sdk.CodeNotFound {
		t.Errorf("missing bucket: got %v, want NOT_FOUND", got)
	}
}
