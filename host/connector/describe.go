package connector

import (
	"context"

	"github.com/dpone-go/dpone/host/catalog"
	"github.com/dpone-go/dpone/host/connector/v1convert"
	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
)

// DescribeStream returns the stream a Read with req would produce, without
// reading rows. Call it only when the spec advertises describe_stream.
func (c *Client) DescribeStream(ctx context.Context, req *catalog.ReadRequest) (*catalog.Stream, error) {
	w := v1convert.WireRead(req)
	resp, err := unary(ctx, c, "DescribeStream", func(ctx context.Context) (*connectorv1.DescribeStreamResponse, error) {
		return c.rpc.DescribeStream(ctx, w)
	})
	if err != nil {
		return nil, err
	}
	if err := ErrorFromProto(c.name, resp.GetError()); err != nil {
		return nil, err
	}
	return v1convert.Stream(resp.GetStream()), nil
}
