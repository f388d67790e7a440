package plan

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/dpone-go/dpone/host/catalog"
	"github.com/dpone-go/dpone/host/manifest"
)

// stagingRequest is the BeginLoad form of a unit's sink.staging (nil for
// none), with the staging connection's credentials as a JSON object.
func stagingRequest(s *manifest.Staging) (*catalog.Staging, error) {
	if s == nil {
		return nil, nil
	}
	out := &catalog.Staging{Type: s.Type, Bucket: s.Bucket, Prefix: s.Prefix, Keep: s.Keep, Endpoint: s.Endpoint, Region: s.Region}
	if len(s.Credentials) > 0 {
		b, err := json.Marshal(map[string]any(s.Credentials))
		if err != nil {
			return nil, fmt.Errorf("sink.staging credentials: %w", err)
		}
		out.CredentialsJSON = b
	}
	return out, nil
}

// stagingFiles says where sink.staging puts a load's files, for plan.
func stagingFiles(s *manifest.Staging) string {
	if s == nil {
		return ""
	}
	where := s.Prefix
	switch s.Type {
	case "s3", "gcs":
		where = map[string]string{"s3": "s3://", "gcs": "gs://"}[s.Type] + s.Bucket + "/" + s.Prefix
	}
	where = strings.TrimSuffix(where, "/") + "/<load id>/part-N.parquet + " + "_manifest.json (sha256, verified before loading)"
	if s.Endpoint != "" {
		where += " at " + s.Endpoint
	}
	if s.Keep {
		return where + "; kept after the commit"
	}
	return where + "; removed after the commit"
}

// checkStaging refuses a sink.staging the sink does not load from, and a
// unit without one when the sink loads only through object storage.
func checkStaging(u *manifest.Unit, caps catalog.Capabilities) []error {
	s := u.Sink.Staging
	switch {
	case s == nil && caps.StagingRequired:
		return []error{fmt.Errorf("unit %s: sink %s loads only through object storage: set sink.staging {type: %s, bucket: ...}",
			u.ID, u.Sink.Type, strings.Join(caps.StagingTypes, "|"))}
	case s == nil || slices.Contains(caps.StagingTypes, s.Type):
		return nil
	case len(caps.StagingTypes) == 0:
		return []error{fmt.Errorf("unit %s: sink %s does not load through object storage: remove sink.staging (line %d)", u.ID, u.Sink.Type, s.Line)}
	}
	return []error{fmt.Errorf("unit %s: sink %s does not load from sink.staging type %s (line %d; it loads from: %s)",
		u.ID, u.Sink.Type, s.Type, s.Line, strings.Join(caps.StagingTypes, ", "))}
}
