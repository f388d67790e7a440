package manifest

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// stagingUnit is a manifest whose sink has the given staging block
// (lines from 7 on).
func stagingUnit(extra, staging string) string {
	return `kind: dpone.batch.v1
metadata: {id: m}
` + extra + `defaults:
  source: {type: postgres, connection_type: params, params: {dsn: "postgres://h/db"}}
  sink:
    type: clickhouse
    connection_type: params
    params: {dsn: "clickhouse://h"}
    staging:
` + staging + `
schemas:
  public:
    tables: [t]
`
}

func TestStaging(t *testing.T) {
	tests := []struct {
		name, extra, staging string
		env                  map[string]string
		want                 *Staging
		creds                map[string]any
		err                  string
	}{
		{name: "s3 with credentials from the environment",
			staging: "      {type: s3, bucket: lake, prefix: /loads/shop/, region: eu-west-1, endpoint: \"http://127.0.0.1:9000\", connection_id: stage}",
			env:     map[string]string{"DPONE_CONN_STAGE_ACCESS_KEY_ID": "AK", "DPONE_CONN_STAGE_SECRET_ACCESS_KEY": "SK"},
			want: &Staging{Type: "s3", Bucket: "lake", Prefix: "loads/shop", Region: "eu-west-1", Endpoint: "http://127.0.0.1:9000",
				ConnectionID: "stage", Line: 9},
			creds: map[string]any{"access_key_id": "AK", "secret_access_key": "SK"}},
		{name: "gcs from the connections block, keep",
			extra:   "connections:\n  gstage: {credentials_json: \"${GJSON}\"}\n",
			staging: "      {type: gcs, bucket: lake, keep: true, connection_id: gstage}",
			env:     map[string]string{"GJSON": `{"type":"service_account"}`},
			want:    &Staging{Type: "gcs", Bucket: "lake", Keep: true, ConnectionID: "gstage", Line: 11},
			creds:   map[string]any{"credentials_json": `{"type":"service_account"}`}},
		{name: "local prefix against the manifest's directory",
			staging: "      {type: local, prefix: stage}",
			want:    &Staging{Type: "local", Prefix: "DIR/stage", Line: 9}},
		{name: "type required",
			staging: "      {bucket: lake}",
			err:     "m.yaml:9: unit public.t: sink.staging.type is required: local, s3 or gcs"},
		{name: "type misspelt",
			staging: "      type: s4\n      bucket: lake",
			err:     `m.yaml:10: unit public.t: sink.staging.type "s4" is not a staging type (did you mean "s3"?)`},
		{name: "bucket required",
			staging: "      {type: gcs}",
			err:     "m.yaml:9: unit public.t: sink.staging type gcs needs bucket"},
		{name: "bucket with a scheme",
			staging: "      type: s3\n      bucket: s3://lake/x",
			err:     `m.yaml:11: unit public.t: sink.staging.bucket "s3://lake/x": a bucket name, without s3:// or a path (the path goes in prefix)`},
		{name: "keep not a bool",
			staging: "      type: s3\n      bucket: lake\n      keep: yes please",
			err:     `m.yaml:12: unit public.t: sink.staging.keep must be true or false, got yes please`},
		{name: "endpoint without scheme",
			staging: "      type: s3\n      bucket: lake\n      endpoint: 127.0.0.1:9000",
			err:     `m.yaml:12: unit public.t: sink.staging.endpoint "127.0.0.1:9000": want http(s)://host[:port]`},
		{name: "unknown key",
			staging: "      type: s3\n      bucket: lake\n      kep: true",
			err:     `m.yaml:12: unknown key "kep" in defaults.sink.staging (did you mean "keep"?)`},
		{name: "a credential field the type does not read",
			staging: "      {type: s3, bucket: lake, connection_id: stage}",
			env:     map[string]string{"DPONE_CONN_STAGE_ACCESS_KEY": "AK"},
			err:     `m.yaml:10: unit public.t: sink.staging connection "stage" has field "access_key", which staging type s3 does not read (did you mean "access_key_id"?)`},
		{name: "local takes no bucket",
			staging: "      {type: local, prefix: x, bucket: b}",
			err:     "m.yaml:9: unit public.t: sink.staging type local takes only prefix (a directory) and keep"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			m, err := Parse([]byte(stagingUnit(tt.extra, tt.staging)), filepath.Join(dir, "m.yaml"), MapEnv(tt.env))
			if tt.err != "" {
				if err == nil || strings.ReplaceAll(err.Error(), filepath.Join(dir, "m.yaml"), "m.yaml") != tt.err {
					t.Fatalf("got error %v\nwant %s", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := m.Units[0].Sink.Staging
			creds := got.Credentials
			got.Credentials = nil
			if tt.want.Type == "local" {
				tt.want.Prefix = strings.Replace(tt.want.Prefix, "DIR", dir, 1)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("staging (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.creds, map[string]any(creds), cmp.Comparer(func(a, b map[string]any) bool { return fmt.Sprint(a) == fmt.Sprint(b) })); tt.creds != nil && diff != "" {
				t.Errorf("credentials (-want +got):\n%s", diff)
			}
			if strings.Contains(fmt.Sprint(creds), "SK") {
				t.Errorf("credentials print unredacted: %v", creds)
			}
		})
	}
}
