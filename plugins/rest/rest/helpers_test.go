package rest

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/dpone-go/dpone/plugins/rest/restapi"
	"github.com/dpone-go/dpone/sdk"
)

// recorder is a RecordWriter that keeps everything a Read sends: rows as
// maps of column to value text ("NULL" for nulls).
type recorder struct {
	schema      *arrow.Schema
	rows        []map[string]string
	checkpoints []string
	logs        []string
	batchBytes  int
}

func (r *recorder) Schema(s *arrow.Schema) error { r.schema = s; return nil }

func (r *recorder) Write(rec arrow.RecordBatch) error {
	for i := 0; i < int(rec.NumRows()); i++ {
		row := map[string]string{}
		for j, col := range rec.Columns() {
			if col.IsNull(i) {
				row[rec.ColumnName(j)] = "NULL"
			} else {
				row[rec.ColumnName(j)] = col.ValueStr(i)
			}
		}
		r.rows = append(r.rows, row)
	}
	return nil
}

func (r *recorder) Checkpoint(s []byte) error {
	r.checkpoints = append(r.checkpoints, string(s))
	return nil
}
func (r *recorder) Progress(int64, int64) error        { return nil }
func (r *recorder) Log(_ sdk.LogLevel, m string) error { r.logs = append(r.logs, m); return nil }
func (r *recorder) BatchBytes() int {
	if r.batchBytes > 0 {
		return r.batchBytes
	}
	return 1 << 20
}

// lastState is the last checkpoint sent.
func (r *recorder) lastState() []byte {
	if len(r.checkpoints) == 0 {
		return nil
	}
	return []byte(r.checkpoints[len(r.checkpoints)-1])
}

// column returns one column's values in row order.
func (r *recorder) column(name string) []string {
	out := make([]string, len(r.rows))
	for i, row := range r.rows {
		out[i] = row[name]
	}
	return out
}

// startAPI serves api on 127.0.0.1 for the test.
func startAPI(t *testing.T, api *restapi.Server) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	return srv
}

// config renders a config for srv: base fields merged with extra JSON.
func config(t *testing.T, srv *httptest.Server, extra string) json.RawMessage {
	t.Helper()
	base := `{"base_url":"` + srv.URL + `","retry":{"backoff":"1ms","max_backoff":"20ms"}`
	if strings.TrimSpace(extra) != "" {
		base += "," + extra
	}
	return json.RawMessage(base + "}")
}

// read runs a Read of stream and returns what it sent.
func read(t *testing.T, cfg json.RawMessage, stream string, mode sdk.ReadMode, prior []byte, options string) (*recorder, error) {
	t.Helper()
	rec := &recorder{}
	req := sdk.ReadRequest{Config: cfg, Stream: stream, Mode: mode, PriorState: prior}
	if options != "" {
		req.Options = json.RawMessage(options)
	}
	err := New().(*Connector).Read(context.Background(), req, rec)
	return rec, err
}
