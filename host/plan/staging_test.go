package plan

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/dpone-go/dpone/host/catalog"
	"github.com/dpone-go/dpone/host/manifest"
)

func TestCheckStaging(t *testing.T) {
	src := &catalog.Spec{Capabilities: catalog.Capabilities{Source: true}}
	spec := func(types []string, required bool) *catalog.Spec {
		return &catalog.Spec{Capabilities: catalog.Capabilities{Destination: true, SinkModes: []string{"full_refresh"},
			StagingTypes: types, StagingRequired: required}}
	}
	unit := func(s *manifest.Staging) *manifest.Unit {
		return &manifest.Unit{ID: "s.t", Source: manifest.Endpoint{Type: "pg"},
			Sink: manifest.Endpoint{Type: "bq", Strategy: manifest.Strategy{Mode: "full_refresh"}, Staging: s}}
	}
	gcs := &manifest.Staging{Type: "gcs", Bucket: "b", Line: 12}
	tests := []struct {
		name    string
		u       *manifest.Unit
		sink    *catalog.Spec
		wantErr string
	}{
		{"declared type", unit(gcs), spec([]string{"gcs", "s3"}, false), ""},
		{"no staging, not required", unit(nil), spec([]string{"gcs"}, false), ""},
		{"type not declared", unit(gcs), spec([]string{"s3"}, false), "sink bq does not load from sink.staging type gcs (line 12; it loads from: s3)"},
		{"sink without staging", unit(gcs), spec(nil, false), "sink bq does not load through object storage: remove sink.staging (line 12)"},
		{"required", unit(nil), spec([]string{"gcs"}, true), "sink bq loads only through object storage: set sink.staging {type: gcs, bucket: ...}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkCapabilities(tt.u, src, tt.sink)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("got %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, ErrUnsupported) {
				t.Fatalf("got %v, want ErrUnsupported containing %q", err, tt.wantErr)
			}
		})
	}
}

// TestBeginRequestStaging: the BeginLoad request carries the staging
// area with its credentials; what plan shows has none.
func TestBeginRequestStaging(t *testing.T) {
	u := &manifest.Unit{ID: "s.t", Sink: manifest.Endpoint{Type: "bq", Strategy: manifest.Strategy{Mode: "full_refresh"},
		Staging: &manifest.Staging{Type: "s3", Bucket: "b", Prefix: "p", Keep: true, Endpoint: "http://127.0.0.1:9",
			Credentials: manifest.Secrets{"secret_access_key": "very-secret-key"}}}}
	spec := &catalog.Spec{Capabilities: catalog.Capabilities{Destination: true, TypedOptions: true}}
	req, err := BeginRequest(u, spec, []byte(`{}`), "l1", &catalog.TableRef{Name: "t"}, nil, "r1", time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	s := req.Staging
	if s == nil || s.Type != "s3" || s.Bucket != "b" || s.Prefix != "p" || !s.Keep || s.Endpoint != "http://127.0.0.1:9" {
		t.Fatalf("got staging %+v, want the unit's", s)
	}
	var creds map[string]string
	if err := json.Unmarshal(s.CredentialsJSON, &creds); err != nil || creds["secret_access_key"] != "very-secret-key" {
		t.Fatalf("got credentials %s (%v), want the connection's", s.CredentialsJSON, err)
	}
	shown := string(showBegin(req))
	if strings.Contains(shown, "very-secret-key") || strings.Contains(shown, "credentials") || !strings.Contains(shown, `"bucket":"b"`) {
		t.Fatalf("plan shows %s; want the staging area without its credentials", shown)
	}
	if req.Staging.CredentialsJSON == nil {
		t.Fatal("showBegin removed the credentials from the request itself")
	}
}
