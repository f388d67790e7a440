package bigquery

import (
	"encoding/json"
	"regexp"
	"strings"

	"github.com/dpone-go/dpone/sdk"
)

// Config is the connector's configuration (the JSON Schema in Spec).
type Config struct {
	// Project is the Google Cloud project that runs the jobs and owns
	// the dataset.
	Project string `json:"project"`
	// Dataset is the default dataset of targets without a namespace.
	Dataset string `json:"dataset"`
	// Location is the jobs' location (US, EU, europe-west1…); "" lets
	// BigQuery pick the dataset's.
	Location string `json:"location,omitempty"`
	// CredentialsFile is a service account key file; "" uses the
	// application default credentials.
	CredentialsFile string `json:"credentials_file,omitempty"`
	// Endpoint overrides the BigQuery API endpoint (an emulator).
	Endpoint string `json:"endpoint,omitempty"`
	// StorageEndpoint overrides the Storage Read and Write APIs' gRPC
	// endpoint (host:port, plaintext, no authentication: an emulator).
	StorageEndpoint string `json:"storage_endpoint,omitempty"`
	// Bucket is the Cloud Storage bucket that stages Parquet files: the
	// sink needs it for loads larger than direct_upload_max_bytes (or with
	// parallel Writes) unless the unit has sink.staging (which wins when
	// both are set) or write_api is storage_write; a source never.
	Bucket string `json:"bucket"`
	// Prefix is the object prefix under the bucket ("dpone" by default).
	Prefix string `json:"prefix,omitempty"`
	// GCSEndpoint overrides the Cloud Storage endpoint (fake-gcs-server).
	GCSEndpoint string `json:"gcs_endpoint,omitempty"`
	// FileBytes is the target size of one staged Parquet file (default
	// 64 MiB).
	FileBytes int64 `json:"file_bytes,omitempty"`
	// DirectUploadMaxBytes is the largest Parquet a Write uploads with
	// its load job instead of staging it in Cloud Storage (default 8 MiB;
	// 0 turns direct upload off). See upload.go.
	DirectUploadMaxBytes *int64 `json:"direct_upload_max_bytes,omitempty"`
}

const configSchema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "additionalProperties": false,
  "required": ["project", "dataset"],
  "properties": {
    "project": {"type": "string", "description": "Google Cloud project that runs the jobs"},
    "dataset": {"type": "string", "description": "default dataset"},
    "location": {"type": "string", "description": "job location (US, EU, a region)"},
    "credentials_file": {"type": "string", "description": "service account key file; application default credentials when empty"},
    "endpoint": {"type": "string", "description": "BigQuery API endpoint override (emulator)"},
    "storage_endpoint": {"type": "string", "description": "Storage Read/Write API gRPC endpoint override, host:port, plaintext (emulator)"},
    "bucket": {"type": "string", "description": "Cloud Storage bucket for staged Parquet files (the sink's write_api load_job, the default) when the unit has no sink.staging"},
    "prefix": {"type": "string", "description": "object prefix in the bucket (default dpone)"},
    "gcs_endpoint": {"type": "string", "description": "Cloud Storage endpoint override (fake-gcs-server)"},
    "file_bytes": {"type": "integer", "minimum": 1048576, "description": "target bytes of one staged Parquet file"},
    "direct_upload_max_bytes": {"type": "integer", "minimum": 0, "maximum": 1073741824, "description": "a load whose one Write produced one Parquet part of at most this many bytes is uploaded with its load job, without Cloud Storage (default 8 MiB; 0 turns it off)"}
  }
}`

// defaultDirectUploadBytes is direct_upload_max_bytes when unset: a
// part that size is sent in one multipart request (the client's upload
// chunk is 16 MiB).
const defaultDirectUploadBytes = 8 << 20

// maxDirectUploadBytes bounds direct_upload_max_bytes (1 GiB): the part
// waits in a temporary file until its Write ends.
const maxDirectUploadBytes = 1 << 30

// directMax is the resolved direct_upload_max_bytes; 0 is off.
func (c Config) directMax() int64 {
	if c.DirectUploadMaxBytes == nil {
		return defaultDirectUploadBytes
	}
	return *c.DirectUploadMaxBytes
}

// defaultFileBytes is the staged file size when file_bytes is unset:
// large enough that a load has few files, small enough to bound memory.
const defaultFileBytes = 64 << 20

var (
	projectRe = regexp.MustCompile(`^[a-z][a-z0-9.:-]{3,62}$`)
	datasetRe = regexp.MustCompile(`^[A-Za-z0-9_]+$`)
)

// parseConfig decodes and checks raw; its errors are CONFIG errors that
// name the key to fix.
func parseConfig(raw json.RawMessage) (Config, error) {
	var c Config
	if err := sdk.DecodeConfig(raw, &c); err != nil {
		return c, err
	}
	switch {
	case c.Project == "":
		return c, sdk.Errorf(sdk.CodeConfig, "config: project is required: set it to the Google Cloud project id")
	case !projectRe.MatchString(c.Project):
		return c, sdk.Errorf(sdk.CodeConfig, "config: project %q is not a project id: use lowercase letters, digits and dashes", c.Project)
	case c.Dataset == "":
		return c, sdk.Errorf(sdk.CodeConfig, "config: dataset is required: set it to the default dataset of targets")
	case !datasetRe.MatchString(c.Dataset):
		return c, sdk.Errorf(sdk.CodeConfig, "config: dataset %q is not a dataset id: use letters, digits and underscores", c.Dataset)
	case c.DirectUploadMaxBytes != nil && (*c.DirectUploadMaxBytes < 0 || *c.DirectUploadMaxBytes > maxDirectUploadBytes):
		return c, sdk.Errorf(sdk.CodeConfig, "config: direct_upload_max_bytes %d is out of range: use 0 (off) to %d bytes", *c.DirectUploadMaxBytes, int64(maxDirectUploadBytes))
	case strings.ContainsAny(c.Bucket, "/*"):
		return c, sdk.Errorf(sdk.CodeConfig, "config: bucket %q must be a bucket name, without gs:// or a path: put the path in prefix", c.Bucket)
	}
	if c.Prefix == "" {
		c.Prefix = "dpone"
	}
	c.Prefix = strings.Trim(c.Prefix, "/")
	if c.FileBytes == 0 {
		c.FileBytes = defaultFileBytes
	}
	return c, nil
}
