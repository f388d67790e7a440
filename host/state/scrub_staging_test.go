package state

import (
	"bytes"
	"testing"

	"google.golang.org/protobuf/proto"

	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
)

// TestLoadRecordDropsStagingCredentials: a load record keeps no staging
// area (its credentials are re-resolved like the sink's config).
func TestLoadRecordDropsStagingCredentials(t *testing.T) {
	b, err := proto.Marshal(&connectorv1.BeginLoadRequest{LoadId: "l-1", Mode: "incremental_append",
		Target: &connectorv1.TableRef{Name: "t"},
		Staging: &connectorv1.Staging{Type: "s3", Bucket: "b",
			CredentialsJson: []byte(`{"secret_access_key":"` + secret + `"}`)}})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := NewLoadRecord("clickhouse", "dwh", b)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range secretForms(secret) {
		if bytes.Contains(rec, f) {
			t.Fatalf("the load record holds the staging secret (as %q): %s", f, rec)
		}
	}
	got, err := DecodeLoadRecord(rec)
	if err != nil {
		t.Fatal(err)
	}
	var begin connectorv1.BeginLoadRequest
	if err := proto.Unmarshal(got.Begin, &begin); err != nil {
		t.Fatal(err)
	}
	if begin.GetStaging() != nil || begin.GetLoadId() != "l-1" || begin.GetTarget().GetName() != "t" {
		t.Fatalf("got %v, want the request without staging, the rest kept", &begin)
	}
}
