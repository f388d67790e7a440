package mssql

import (
	"context"
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

// TestGRPCSpecAndCheck goes through the real gRPC adapter without a
// server: the capabilities name exactly the implemented modes and
// strategies and the schema operations, a malformed DSN is CONFIG, and a refused dial (a real
// connection attempt to a closed local port) is UNAVAILABLE and retryable.
func TestGRPCSpecAndCheck(t *testing.T) {
	cc := grpcClient(t)
	ctx := context.Background()
	spec, err := cc.GetSpec(ctx, &connectorv1.GetSpecRequest{})
	if err != nil {
		t.Fatal(err)
	}
	caps := spec.GetCapabilities()
	if spec.GetName() != "mssql" || !caps.GetSource() || !caps.GetDestination() || !caps.GetAtomicReceipts() || !caps.GetLoadStatus() || !caps.GetFencing() ||
		!caps.GetDescribeTarget() || !caps.GetApplySchema() ||
		!cmp.Equal(caps.GetSchemaOps(), []string{"create_table", "add_column", "widen_type", "drop_not_null"}) ||
		!cmp.Equal(caps.GetIncrementalStrategies(), []string{"column"}) ||
		!cmp.Equal(caps.GetSinkModes(), []string{sdk.ModeFullRefresh, sdk.ModeAppend, sdk.ModeMerge, sdk.ModeReplace, sdk.ModePartitionReplace, sdk.ModeSnapshotDiff, sdk.ModeSCD2}) {
		t.Errorf("spec: got %v", spec)
	}
	for _, tc := range []struct {
		name, cfg string
		code      connectorv1.ErrorCode
		retry     bool
	}{
		{"empty dsn", `{"dsn":""}`, connectorv1.ErrorCode_ERROR_CODE_CONFIG, false},
		{"unknown key", `{"dsn":"sqlserver://127.0.0.1:1","dsm":1}`, connectorv1.ErrorCode_ERROR_CODE_CONFIG, false},
		{"bad dsn", `{"dsn":"sqlserver://u:p@127.0.0.1:1?connection+timeout=notanumber"}`, connectorv1.ErrorCode_ERROR_CODE_CONFIG, false},
		{"refused", `{"dsn":"sqlserver://u:p@127.0.0.1:1?dial+timeout=2"}`, connectorv1.ErrorCode_ERROR_CODE_UNAVAILABLE, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := cc.Check(ctx, &connectorv1.CheckRequest{ConfigJson: []byte(tc.cfg)})
			if err != nil {
				t.Fatal(err)
			}
			if e := resp.GetError(); e.GetCode() != tc.code || e.GetRetryable() != tc.retry {
				t.Errorf("got %v (retryable %v): %s; want %v (retryable %v)", e.GetCode(), e.GetRetryable(), e.GetMessage(), tc.code, tc.retry)
			}
		})
	}
}
