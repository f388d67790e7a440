package rest

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestParseRecord splits records into raw fields in order, with escaped
// keys, strings holding braces and quotes, nesting and flattening.
func TestParseRecord(t *testing.T) {
	raw := `{ "id" : 1, "n\u00e9e":"a}\"b", "amt":22.00, "tags":["x",{"y":"]"}], "c":{"d":{"e":null},"f":true} }`
	r, err := parseRecord([]byte(raw), false)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, k := range r.keys {
		got[k] = string(r.vals[k])
	}
	want := map[string]string{"id": "1", "née": `"a}\"b"`, "amt": "22.00", "tags": `["x",{"y":"]"}]`, "c": `{"d":{"e":null},"f":true}`}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"id", "née", "amt", "tags", "c"}, r.keys); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
	f, err := parseRecord([]byte(raw), true)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"id", "née", "amt", "tags", "c__d__e", "c__f"}, f.keys); diff != "" {
		t.Errorf("flattened (-want +got):\n%s", diff)
	}
	if _, err := parseRecord([]byte(`[1]`), false); err == nil {
		t.Errorf("an array record: got no error")
	}
}
