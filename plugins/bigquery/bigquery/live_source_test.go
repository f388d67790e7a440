package bigquery

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/dpone-go/dpone/sdk/sdktest"
)

// TestLiveSource runs the certification suite's source checks (discover,
// full read, types, incremental resume with ties and NULL cursors, and
// mutations between incremental reads) against BigQuery: table reads
// through tabledata.list on the emulator (read_api auto with an endpoint
// override; the Storage Read API on a real project), incremental reads
// through the ordered query job.
func TestLiveSource(t *testing.T) {
	cfg := liveConfig(t)
	raw, _ := json.Marshal(cfg)
	ctx := context.Background()
	svc, err := newBQService(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	table := "src_events"
	q := func(sql string) func(context.Context) error {
		return func(ctx context.Context) error {
			_, err := (&clients{bq: svc}).runJob(ctx, "live source setup", readJob(cfg, sql, nil, false))
			if err != nil {
				return fmt.Errorf("%s: %w", sql, err)
			}
			return nil
		}
	}
	fq := "`" + cfg.Project + "." + cfg.Dataset + "." + table + "`"
	// Tables.Delete, not DROP TABLE IF EXISTS: the emulator fails that on
	// an absent table.
	drop := func() {
		if err := svc.Tables.Delete(cfg.Project, cfg.Dataset, table).Do(); err != nil && !isNotFound(err) {
			t.Fatal(err)
		}
	}
	drop()
	t.Cleanup(drop)
	for _, sql := range []string{
		"CREATE TABLE " + fq + " (id INT64 NOT NULL, updated_at TIMESTAMP, name STRING, amount NUMERIC, day DATE, raw BYTES)",
		"INSERT INTO " + fq + ` (id, updated_at, name, amount, day, raw) VALUES
		 (1, TIMESTAMP '1969-07-20 20:17:40.123456+00', 'moon 🌕', NUMERIC '99999999999999999999999999999.999999999', DATE '1969-12-31', b'\x00\x01'),
		 (2, TIMESTAMP '2024-01-01 00:00:00+00', '', NUMERIC '-1.5', DATE '1900-01-01', NULL),
		 (3, TIMESTAMP '2024-01-01 00:00:00+00', 'tie', NUMERIC '0.000000001', DATE '2299-12-31', b''),
		 (4, NULL, NULL, NULL, NULL, NULL),
		 (5, TIMESTAMP '2024-06-30 12:00:00.000001+00', '日本語', NUMERIC '12.5', DATE '2024-02-29', b'\xff')`,
	} {
		if err := q(sql)(ctx); err != nil {
			t.Fatal(err)
		}
	}
	sdktest.TestSource(t, sdktest.Fixture{
		Factory: New,
		Config:  raw,
		Streams: []sdktest.StreamFixture{{
			Namespace: cfg.Dataset,
			Name:      table,
			Rows: []map[string]any{
				{"id": 1, "updated_at": "1969-07-20T20:17:40.123456Z", "name": "moon 🌕", "amount": "99999999999999999999999999999.999999999", "day": "1969-12-31", "raw": "AAE="},
				{"id": 2, "updated_at": "2024-01-01T00:00:00Z", "name": "", "amount": "-1.5", "day": "1900-01-01", "raw": nil},
				{"id": 3, "updated_at": "2024-01-01T00:00:00Z", "name": "tie", "amount": "0.000000001", "day": "2299-12-31", "raw": ""},
				{"id": 4, "updated_at": nil, "name": nil, "amount": nil, "day": nil, "raw": nil},
				{"id": 5, "updated_at": "2024-06-30T12:00:00.000001Z", "name": "日本語", "amount": "12.5", "day": "2024-02-29", "raw": "/w=="},
			},
			Types: map[string]string{"id": "int64", "updated_at": "timestamp(6, tz)", "name": "string",
				"amount": "decimal(38,9)", "day": "date", "raw": "binary"},
			Incremental: &sdktest.IncrementalFixture{
				Options: json.RawMessage(`{"incremental_strategy":"column","incremental_column":"updated_at","incremental_key":["id"]}`),
				Cursor:  "updated_at",
			},
			Mutations: []sdktest.MutationFixture{
				{Name: "insert id 6, update id 2 onto the checkpoint's cursor value (smaller key), delete id 3", Do: chain(
					q("INSERT INTO "+fq+" (id, updated_at, name) VALUES (6, TIMESTAMP '2024-08-01 00:00:00+00', 'inserted')"),
					q("UPDATE "+fq+" SET updated_at = TIMESTAMP '2024-06-30 12:00:00.000001+00', name = 'moved' WHERE id = 2"),
					q("DELETE FROM "+fq+" WHERE id = 3"))},
			},
		}},
	})
}

// chain runs steps in order.
func chain(steps ...func(context.Context) error) func(context.Context) error {
	return func(ctx context.Context) error {
		for _, s := range steps {
			if err := s(ctx); err != nil {
				return err
			}
		}
		return nil
	}
}
