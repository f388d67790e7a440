package rest

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestRowDecoder splits records into slots: flattened keys, escaped
// keys, a key order that changes between records, unknown fields.
func TestRowDecoder(t *testing.T) {
	d := &rowDecoder{flatten: true}
	id, name, cust := d.slot("id"), d.slot("née"), d.slot("c__id")
	var unknown []string
	d.unknown = func(k []byte) error { unknown = append(unknown, string(k)); return nil }
	for _, c := range []struct {
		raw  string
		want [3]string
	}{
		{`{"id":1,"n\u00e9e":"a","c":{"id":7,"x":[1]},"extra":true}`, [3]string{"1", `"a"`, "7"}},
		{`{"c":{"id":8},"id":2}`, [3]string{"2", "", "8"}},
		{`{ "id" : 3 , "née" : null }`, [3]string{"3", "null", ""}},
	} {
		if err := d.decode([]byte(c.raw)); err != nil {
			t.Fatal(err)
		}
		got := [3]string{string(d.vals[id]), string(d.vals[name]), string(d.vals[cust])}
		if got != c.want {
			t.Errorf("%s: got %q, want %q", c.raw, got, c.want)
		}
	}
	if diff := cmp.Diff([]string{"c__x", "extra"}, unknown); diff != "" {
		t.Errorf("unknown fields (-want +got):\n%s", diff)
	}
	if err := d.decode([]byte(`[1]`)); err == nil {
		t.Errorf("an array record: got no error")
	}
}
