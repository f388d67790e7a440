package sdk

import (
	"testing"

	"github.com/dpone-go/dpone/proto/logical"
)

// The SDK's metadata keys must be the ones the protocol converter reads.
func TestMetadataKeysMatchProtocol(t *testing.T) {
	pairs := []struct{ got, want string }{
		{MetaLogical, logical.MetaLogical}, {MetaNative, logical.MetaNative},
		{MetaMaxLength, logical.MetaMaxLength}, {LogicalUUID, logical.LogicalUUID}, {LogicalJSON, logical.LogicalJSON},
	}
	for _, p := range pairs {
		if p.got != p.want {
			t.Errorf("got %q, want %q", p.got, p.want)
		}
	}
}
