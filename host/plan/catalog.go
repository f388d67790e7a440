package plan

import (
	"context"

	"github.com/dpone-go/dpone/host/catalog"
)

// Catalog is what planning asks of a connector: the schema a Read would
// produce, the target's current schema, and the DDL a schema change takes.
// *connector.Client is one. Implementations must be safe for concurrent
// use; none of these calls moves data. ApplySchema with dryRun false is
// the only call that changes anything, and only run makes it, with the
// changes a plan resolved.
type Catalog interface {
	// DescribeStream returns the stream req would read; call it only when
	// the spec advertises describe_stream.
	DescribeStream(ctx context.Context, req *catalog.ReadRequest) (*catalog.Stream, error)
	Discover(ctx context.Context, cfg []byte, selector []string) ([]*catalog.Stream, error)
	DescribeTarget(ctx context.Context, cfg []byte, t *catalog.TableRef) (*catalog.Target, error)
	ApplySchema(ctx context.Context, r *catalog.SchemaRequest) (ddl, lossy []string, err error)
}

// Connectors starts (or reuses) connector plugins by name for planning.
type Connectors interface {
	// Catalog returns connector name's catalog calls and its spec.
	Catalog(ctx context.Context, name string) (Catalog, *catalog.Spec, error)
}
