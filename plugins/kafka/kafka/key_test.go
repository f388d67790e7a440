package kafka

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"testing"

	"github.com/hamba/avro/v2"

	"github.com/dpone-go/dpone/sdk"
)

// TestSinkKeyFormats: key_format renders the unique_key as JSON (the
// value of one column, an object of several), as the raw bytes of one
// column, or as a Confluent-framed Avro record registered under
// <topic>-key; the source reads keys as bytes with key_format bytes.
func TestSinkKeyFormats(t *testing.T) {
	ctx := context.Background()
	reg, url := newTestRegistry(t, "", "")
	for _, tt := range []struct {
		name, opts string
		key        []string
		want       func(t *testing.T, topic string, id int64, key []byte)
	}{
		{"json object", `{"key_format":"json"}`, []string{"id", "name"}, func(t *testing.T, _ string, id int64, key []byte) {
			var got map[string]any
			if err := json.Unmarshal(key, &got); err != nil || got["id"] != float64(id) || got["name"] != "n"+string(rune('a'+id%26)) {
				t.Errorf("key %s: want the object of id %d and its name", key, id)
			}
		}},
		{"json value", `{"key_format":"json"}`, []string{"name"}, func(t *testing.T, _ string, id int64, key []byte) {
			if want := `"n` + string(rune('a'+id%26)) + `"`; string(key) != want {
				t.Errorf("key %s, want %s", key, want)
			}
		}},
		{"bytes", `{"key_format":"bytes"}`, []string{"name"}, func(t *testing.T, _ string, id int64, key []byte) {
			if want := "n" + string(rune('a'+id%26)); string(key) != want {
				t.Errorf("key %q, want %q", key, want)
			}
		}},
		{"avro", `{"key_format":"avro"}`, []string{"id"}, func(t *testing.T, topic string, id int64, key []byte) {
			ids := reg.subjects[keySubject(topic)]
			if len(ids) != 1 || len(key) < 5 || key[0] != 0 || binary.BigEndian.Uint32(key[1:5]) != uint32(ids[0]) {
				t.Fatalf("key %x: want magic byte 0 and the id of subject %s (%v)", key, keySubject(topic), ids)
			}
			var got map[string]any
			if err := avro.Unmarshal(avro.MustParse(reg.schemas[ids[0]-1].Schema), key[5:], &got); err != nil || got["id"] != id {
				t.Errorf("key %x decodes to %v (%v), want id %d", key, got, err, id)
			}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			topic := testTopic("key_format")
			req := sinkLoad(t, topic, "load-keyf-"+topic, sdk.ModeAppend, tt.key, tt.opts)
			req.Config = avroConfig(t, url, nil)
			stage(t, req, 1, 2)
			if _, err := New().(*Connector).CommitLoad(ctx, req, nil); err != nil {
				t.Fatal(err)
			}
			out, err := readAvro(t, url, topic, `{"format":"json","key_format":"bytes"}`)
			if err != nil {
				t.Fatal(err)
			}
			if len(out.rows) != 2 {
				t.Fatalf("target has %d messages, want 2", len(out.rows))
			}
			for _, r := range out.rows {
				key, ok := r[colKey].([]byte)
				if !ok {
					t.Fatalf("_kafka_key with key_format bytes: got %T, want []byte", r[colKey])
				}
				tt.want(t, topic, r["id"].(int64), key)
			}
		})
	}
	for _, bad := range []struct{ opts string }{
		{`{"key_format":"xml"}`}, {`{"key_format":"json","key":"hash"}`}, {`{"key_format":"bytes"}`},
	} {
		req := sinkLoad(t, testTopic("key_format_bad"), "load-keyf-bad", sdk.ModeAppend, []string{"id"}, bad.opts)
		if _, err := New().(*Connector).BeginLoad(ctx, req); sdk.CodeOf(err) != sdk.CodeConfig {
			t.Errorf("%s: got %v, want a CONFIG error", bad.opts, err)
		}
	}
	if _, err := decodeSourceOptions(json.RawMessage(`{"key_format":"avro"}`)); sdk.CodeOf(err) != sdk.CodeConfig {
		t.Errorf("source key_format avro: got %v, want a CONFIG error", err)
	}
}
