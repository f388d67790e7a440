package bigquery

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	bq "google.golang.org/api/bigquery/v2"

	"github.com/dpone-go/dpone/sdk"
	"github.com/dpone-go/dpone/sdk/objstage"
	"github.com/dpone-go/dpone/sdk/objstage/objstagetest"
	"github.com/dpone-go/dpone/sdk/sdktest"
)

// liveConfig is the config of a real project (or the emulator of make
// test-bigquery) from DPONE_TEST_BIGQUERY_*; the test skips without it.
func liveConfig(t *testing.T) Config {
	t.Helper()
	p := os.Getenv("DPONE_TEST_BIGQUERY_PROJECT")
	if p == "" {
		t.Skip("DPONE_TEST_BIGQUERY_PROJECT is not set: set it, DPONE_TEST_BIGQUERY_DATASET, DPONE_TEST_BIGQUERY_BUCKET and credentials to run the live BigQuery tests (plugins/bigquery/README.md)")
	}
	return Config{Project: p, Dataset: os.Getenv("DPONE_TEST_BIGQUERY_DATASET"), Bucket: os.Getenv("DPONE_TEST_BIGQUERY_BUCKET"),
		Endpoint: emulatorProxy(t, os.Getenv("DPONE_TEST_BIGQUERY_ENDPOINT")), GCSEndpoint: os.Getenv("DPONE_TEST_GCS_ENDPOINT"),
		StorageEndpoint: os.Getenv("DPONE_TEST_BIGQUERY_STORAGE_ENDPOINT"),
		Prefix:          "dpone-certify"}
}

// TestLiveCertify runs the certification suite's destination checks
// against BigQuery, reading targets back with tabledata.list.
func TestLiveCertify(t *testing.T) {
	liveCertify(t, "")
}

// TestLiveCertifyStorageWrite runs them with write_api: storage_write
// (the Storage Write API into staging instead of Parquet and a load job).
func TestLiveCertifyStorageWrite(t *testing.T) {
	liveCertify(t, `{"write_api":"storage_write"}`)
}

// liveCertify runs the destination checks with the sink options given.
func liveCertify(t *testing.T, options string) {
	cfg := liveConfig(t)
	if cfg.Endpoint != "" {
		t.Skip("an endpoint override (the emulator) cannot run the sink's scripts: goccy/bigquery-emulator v0.6.6 has no MERGE (BeginLoad raises the fence with one) nor DECLARE/IF scripting (the publish script): certify the sink against a real project; TestLiveStaging covers its path up to the publish on the emulator")
	}
	var opts json.RawMessage
	if options != "" {
		opts = json.RawMessage(options)
	}
	raw, _ := json.Marshal(cfg)
	bad := cfg
	bad.CredentialsFile = "/nonexistent/key.json"
	badRaw, _ := json.Marshal(bad)
	ctx := context.Background()
	cl, err := connect(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	sdktest.TestConnector(t, sdktest.Fixture{
		Factory:        New,
		Config:         raw,
		BadCredentials: badRaw,
		Load: &sdktest.LoadFixture{
			Namespace: cfg.Dataset,
			Options:   opts,
			Types: []string{"bool", "int16", "int32", "int64", "float32", "float64", "decimal(38,9)",
				"string", "binary", "date", "time(6)", "timestamp(6)", "timestamp(6, tz)", "json"},
			ReadTarget: func(ctx context.Context, table sdk.TableRef) ([]map[string]any, error) {
				return readTable(ctx, cl.bq, cfg.Project, table)
			},
			Staging: liveStaging(cfg, options),
		},
	})
}

// liveStaging is the gcs area of the certification's staging/gcs check:
// the live bucket under its own prefix, Application Default Credentials
// (or fake-gcs-server's endpoint). None for write_api: storage_write,
// which stages no files (sink.staging with it is a CONFIG error): there
// the suite reports the staging check skipped.
func liveStaging(cfg Config, options string) *sdktest.StagingFixture {
	if cfg.Bucket == "" || strings.Contains(options, "storage_write") {
		return nil
	}
	return objstagetest.Fixture(&objstage.Config{Type: objstage.TypeGCS, Bucket: cfg.Bucket, Prefix: "dpone-certify-staging", Endpoint: cfg.GCSEndpoint})
}

// readTable reads every row of a table with tabledata.list; a missing
// table is (nil, nil).
func readTable(ctx context.Context, svc *bq.Service, project string, table sdk.TableRef) ([]map[string]any, error) {
	meta, err := svc.Tables.Get(project, table.Namespace, table.Name).Context(ctx).Do()
	if isNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []map[string]any
	emulator := !int64Timestamps(Config{Endpoint: endpointOf(svc)})
	err = svc.Tabledata.List(project, table.Namespace, table.Name).FormatOptionsUseInt64Timestamp(!emulator).Pages(ctx, func(d *bq.TableDataList) error {
		for _, r := range d.Rows {
			row := map[string]any{}
			for i, f := range meta.Schema.Fields {
				v, err := cellValue(f, r.F[i].V, emulator)
				if err != nil {
					return fmt.Errorf("column %s: %w", f.Name, err)
				}
				row[f.Name] = v
			}
			out = append(out, row)
		}
		return nil
	})
	return out, err
}

// cellValue converts a tabledata.list cell to the Go value sdktest wants.
func cellValue(f *bq.TableFieldSchema, v any, emulator bool) (any, error) {
	s, ok := v.(string)
	if v == nil || !ok {
		return v, nil
	}
	switch f.Type {
	case "INTEGER", "INT64":
		return strconv.ParseInt(s, 10, 64)
	case "FLOAT", "FLOAT64":
		return strconv.ParseFloat(s, 64)
	case "BOOLEAN", "BOOL":
		return s == "true", nil
	case "NUMERIC", "BIGNUMERIC":
		return json.Number(s), nil
	case "BYTES":
		return base64.StdEncoding.DecodeString(s)
	case "TIMESTAMP":
		us, err := timestampMicros(s)
		if emulator {
			us, err = emulatorTimestamp(s)
		}
		return time.UnixMicro(us).UTC(), err
	}
	return s, nil
}

// endpointOf is the endpoint override of a test's service ("" for
// BigQuery's own).
func endpointOf(svc *bq.Service) string {
	if strings.Contains(svc.BasePath, "googleapis.com") {
		return ""
	}
	return svc.BasePath
}

// emulatorProxy puts a proxy in front of an emulator endpoint ("" stays
// ""): it lets every request the plugin started finish even when the
// plugin cancels it, because goccy/bigquery-emulator v0.6.6 closes its
// database for good when a client drops a request in flight ("sql:
// connection is already closed" for every later call), which the
// certification's cancel check would otherwise do. The plugin's side of
// the cancellation is unchanged.
func emulatorProxy(t *testing.T, endpoint string) string {
	if endpoint == "" {
		return ""
	}
	u, err := url.Parse(endpoint)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Only the ResponseWriter: ReverseProxy cancels the upstream call
		// when the writer reports the client gone (CloseNotifier).
		rp.ServeHTTP(struct{ http.ResponseWriter }{w}, r.WithContext(context.WithoutCancel(r.Context())))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}
