package bigquery

import (
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/dpone-go/dpone/sdk"
	"github.com/dpone-go/dpone/sdk/objstage"
)

// TestSinkStagingChecks: sink.staging replaces config bucket (which is
// then not needed; neither is it with direct upload on, the default:
// TestSinkNeedsBucket); a type a load job cannot read and the combination
// with write_api storage_write are CONFIG errors naming the fix. AbortLoad
// and LoadStatus resolve such a load anyway.
func TestSinkStagingChecks(t *testing.T) {
	base := func(staging *sdk.Staging, options string) sdk.LoadRequest {
		req := sdk.LoadRequest{Config: []byte(`{"project":"dpone-test","dataset":"landing"}`), LoadID: "l", Target: sdk.TableRef{Name: "t"},
			Schema: arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}}, nil), Mode: sdk.ModeAppend,
			Staging: staging, Options: []byte(options)}
		req.Load.Strategy.Mode = sdk.ModeAppend
		return req
	}
	gcs := &sdk.Staging{Type: objstage.TypeGCS, Bucket: "lake"}
	if _, err := resolveLoad(base(gcs, ""), true); err != nil {
		t.Errorf("sink.staging without config bucket: %v", err)
	}
	for name, tc := range map[string]struct {
		req  sdk.LoadRequest
		want string
	}{
		"s3":            {base(&sdk.Staging{Type: objstage.TypeS3, Bucket: "lake"}, ""), "set sink.staging type: gcs"},
		"local":         {base(&sdk.Staging{Type: objstage.TypeLocal, Prefix: "/tmp/x"}, ""), "set sink.staging type: gcs"},
		"storage_write": {base(gcs, `{"write_api":"storage_write"}`), "remove one of them"},
		"nothing":       {noDirect(base(nil, "")), "set sink.staging"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := resolveLoad(tc.req, true)
			if sdk.CodeOf(err) != sdk.CodeConfig || !strings.Contains(fmt.Sprint(err), tc.want) {
				t.Errorf("got %v, want a CONFIG error saying %q", err, tc.want)
			}
			if name != "nothing" {
				if _, err := resolveLoad(tc.req, false); err != nil {
					t.Errorf("abort/status: got %v, want the load resolved", err)
				}
			}
		})
	}
}

// noDirect turns direct upload off in req's config.
func noDirect(req sdk.LoadRequest) sdk.LoadRequest {
	req.Config = []byte(strings.TrimSuffix(string(req.Config), "}") + `,"direct_upload_max_bytes":0}`)
	return req
}
