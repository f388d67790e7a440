package file

import (
	"context"

	"github.com/dpone-go/dpone/sdk"
)

var _ sdk.StreamDescriber = (*Connector)(nil)

// DescribeStream infers the schema a Read with req would produce: the same
// files (options.path, namespace, stream) and the same column overrides.
func (*Connector) DescribeStream(ctx context.Context, req sdk.ReadRequest) (sdk.Stream, error) {
	cfg, err := parseConfig(req.Config)
	if err != nil {
		return sdk.Stream{}, err
	}
	opts, err := parseOptions(req.Options)
	if err != nil {
		return sdk.Stream{}, err
	}
	return describe(ctx, cfg, opts, req.Namespace, req.Stream)
}
