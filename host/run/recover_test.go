package run

import (
	"testing"

	"google.golang.org/protobuf/proto"

	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
)

func TestPendingRecordRoundTrip(t *testing.T) {
	begin := &connectorv1.BeginLoadRequest{LoadId: "l1", Mode: "incremental_merge", UniqueKey: []string{"id"},
		Target: &connectorv1.TableRef{Namespace: "dst", Name: "t"}, ConfigJson: []byte(`{"dsn":"x"}`)}
	b, err := encodePending("postgres", begin)
	if err != nil {
		t.Fatal(err)
	}
	sink, got, err := decodePending(b)
	if err != nil {
		t.Fatal(err)
	}
	if sink != "postgres" || !proto.Equal(got, begin) {
		t.Errorf("got %s %v, want postgres %v", sink, got, begin)
	}
	if _, _, err := decodePending([]byte(`{"begin":""}`)); err == nil {
		t.Errorf("a record without a sink: got nil error, want one")
	}
}
