package sdk

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseScalar(t *testing.T) {
	tests := []struct {
		raw     string
		want    *Scalar
		wantErr bool
	}{
		{raw: ``, want: nil},
		{raw: `null`, want: nil},
		{raw: `"2 hours"`, want: &Scalar{Text: "2 hours"}},
		{raw: `3600`, want: &Scalar{Text: "3600", Number: true}},
		{raw: `1.5e3`, want: &Scalar{Text: "1.5e3", Number: true}},
		{raw: `"  "`, wantErr: true},
		{raw: `{"a":1}`, wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParseScalar(json.RawMessage(tt.raw), "lookback")
		if tt.wantErr {
			if CodeOf(err) != CodeConfig || err == nil {
				t.Errorf("%s: got %v, want a CONFIG error", tt.raw, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tt.raw, err)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.raw, diff)
		}
	}
}

func TestDecodeOptions(t *testing.T) {
	var o struct {
		Column string `json:"incremental_column"`
	}
	if err := DecodeOptions(nil, &o, "source options"); err != nil {
		t.Errorf("empty: %v", err)
	}
	if err := DecodeOptions([]byte(`{"incremental_column":"at"}`), &o, "source options"); err != nil || o.Column != "at" {
		t.Errorf("got %+v, %v; want incremental_column at", o, err)
	}
	err := DecodeOptions([]byte(`{"parallel":2}`), &o, "source options")
	if CodeOf(err) != CodeConfig || err.Error() != `source options: unknown field "parallel"` {
		t.Errorf("unknown key: got %v (%s), want CONFIG naming the key", err, CodeOf(err))
	}
}
