package sdk_test

import (
	"context"
	"testing"

	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
	"github.com/dpone-go/dpone/sdk"
)

// TestReadOptionsOwnKeysOnly: a host before v1.1 passes its own source
// keys (parallel, batch_bytes) in options_json; the connector never sees
// them, so it may refuse keys it does not know.
func TestReadOptionsOwnKeysOnly(t *testing.T) {
	var got string
	src := &memSource{read: func(_ context.Context, req sdk.ReadRequest, out sdk.RecordWriter) error {
		got = string(req.Options)
		return out.Schema(wideSchema)
	}}
	readAll(t, connect(t, src), &connectorv1.ReadRequest{Stream: "s",
		OptionsJson: []byte(`{"incremental_column":"at","parallel":2,"batch_bytes":4096}`)})
	if got != `{"incremental_column":"at"}` {
		t.Errorf("source options: got %s, want only incremental_column", got)
	}
}
