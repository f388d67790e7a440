package postgres

import (
	"context"
	"encoding/json"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/dpone-go/dpone/sdk"
)

func (c *Connector) BeginLoad(ctx context.Context, req sdk.LoadRequest) (string, error) {
	return "", sdk.Errorf(sdk.CodeUnsupported, "todo")
}
func (c *Connector) Write(ctx context.Context, req sdk.LoadRequest, records sdk.RecordReader) (sdk.WriteResult, error) {
	return sdk.WriteResult{}, sdk.Errorf(sdk.CodeUnsupported, "todo")
}
func (c *Connector) CommitLoad(ctx context.Context, req sdk.LoadRequest, receipt json.RawMessage) (sdk.CommitResult, error) {
	return sdk.CommitResult{}, sdk.Errorf(sdk.CodeUnsupported, "todo")
}
func (c *Connector) AbortLoad(ctx context.Context, req sdk.LoadRequest) error { return nil }
func (c *Connector) LoadStatus(ctx context.Context, req sdk.LoadRequest) (sdk.LoadState, error) {
	return sdk.LoadUnknown, nil
}
func (c *Connector) DescribeTarget(ctx context.Context, config json.RawMessage, table sdk.TableRef) (*arrow.Schema, []string, bool, error) {
	return nil, nil, false, nil
}
func (c *Connector) ApplySchema(ctx context.Context, config json.RawMessage, table sdk.TableRef, changes []sdk.SchemaChange, dryRun bool) ([]string, error) {
	return nil, nil
}
