package sdk

import (
	"encoding/json"

	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
)

// Staging is an object-storage staging area: the unit's sink.staging block
// (LoadRequest.Staging). A destination that loads from files declares the
// types it takes in Spec.StagingTypes; package objstage (its own module,
// github.com/dpone-go/dpone/sdk/objstage) writes, verifies and removes a
// load's files.
type Staging struct {
	// Type is "local" (Prefix is a directory), "s3" or "gcs".
	Type   string
	Bucket string
	Prefix string
	// Keep leaves the files after the commit (default: removed).
	Keep bool
	// Endpoint is an S3 API or GCS endpoint other than the cloud's
	// (http(s)://host:port); Region is the S3 region.
	Endpoint string
	Region   string
	// Credentials are the staging connection's fields (s3:
	// access_key_id, secret_access_key, session_token; gcs:
	// credentials_json); empty means the environment's default
	// credentials. Secrets: never log them.
	Credentials map[string]string `json:"-"`
}

// stagingOf reads BeginLoadRequest.staging; nil when the unit has none.
func stagingOf(b *connectorv1.BeginLoadRequest) (*Staging, error) {
	s := b.GetStaging()
	if s == nil {
		return nil, nil
	}
	out := &Staging{Type: s.GetType(), Bucket: s.GetBucket(), Prefix: s.GetPrefix(), Keep: s.GetKeep(),
		Endpoint: s.GetEndpoint(), Region: s.GetRegion()}
	if c := s.GetCredentialsJson(); len(c) > 0 {
		if err := json.Unmarshal(c, &out.Credentials); err != nil {
			return nil, Errorf(CodeConfig, "sink.staging credentials: want an object of strings (the staging connection's fields)")
		}
	}
	return out, nil
}
