package clickhouse

import (
	"encoding/json"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/dpone-go/dpone/sdk"
)

func TestCreateDDL(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "day", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
		{Name: "country", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "amount", Type: &arrow.Decimal256Type{Precision: 76, Scale: 20}},
	}, nil)
	for _, tc := range []struct {
		name, mode, opts string
		keys             []string
		lineage          bool
		want             string
	}{
		{"append defaults", sdk.ModeAppend, "", nil, false,
			"CREATE TABLE `db`.`t` (`id` Nullable(Int64), `day` Nullable(Date32), `country` Nullable(String), `amount` Decimal(76, 20)) ENGINE = MergeTree ORDER BY tuple() SETTINGS non_replicated_deduplication_window = 100000 COMMENT 'c'"},
		{"merge keys are not Nullable", sdk.ModeMerge, "", []string{"id"}, true,
			"CREATE TABLE `db`.`t` (`id` Int64, `day` Nullable(Date32), `country` Nullable(String), `amount` Decimal(76, 20), `_dpone_run_id` String, `_dpone_loaded_at` DateTime64(6, 'UTC'), `_dpone_version` UInt64) ENGINE = ReplacingMergeTree(_dpone_version) ORDER BY `id` SETTINGS non_replicated_deduplication_window = 100000 COMMENT 'c'"},
		{"unique key not Nullable in any mode", sdk.ModeAppend, `{"settings":{"non_replicated_deduplication_window":10}}`, []string{"id"}, false,
			"CREATE TABLE `db`.`t` (`id` Int64, `day` Nullable(Date32), `country` Nullable(String), `amount` Decimal(76, 20)) ENGINE = MergeTree ORDER BY tuple() SETTINGS non_replicated_deduplication_window = 10 COMMENT 'c'"},
		{"physical design", sdk.ModeAppend,
			`{"engine":"MergeTree","order_by":["day","id"],"partition_by":"toYYYYMM(day)","primary_key":"day","ttl":"toDate(day) + INTERVAL 1 YEAR","settings":{"index_granularity":4096,"storage_policy":"default"},"low_cardinality":["country"]}`,
			nil, false,
			"CREATE TABLE `db`.`t` (`id` Int64, `day` Date32, `country` LowCardinality(Nullable(String)), `amount` Decimal(76, 20)) ENGINE = MergeTree ORDER BY (`day`, `id`) PARTITION BY toYYYYMM(day) PRIMARY KEY (`day`) TTL toDate(day) + INTERVAL 1 YEAR SETTINGS index_granularity = 4096, non_replicated_deduplication_window = 100000, storage_policy = 'default' COMMENT 'c'"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts, err := decodeSinkOptions(json.RawMessage(tc.opts))
			if err != nil {
				t.Fatal(err)
			}
			req := sdk.LoadRequest{Target: sdk.TableRef{Name: "t"}, Schema: schema, Mode: tc.mode, UniqueKey: tc.keys}
			if tc.lineage {
				req.Load.Lineage = &sdk.Lineage{RunIDColumn: "_dpone_run_id", LoadedAtColumn: "_dpone_loaded_at"}
			}
			l := &load{req: req, db: "db", opts: opts}
			got, err := l.createDDL("t", "c")
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestSinkOptionErrors(t *testing.T) {
	for _, raw := range []string{`{"engine":"Memory"}`, `{"merge":"upsert"}`, `{"settings":{"a b":1}}`,
		`{"order_by":["a","b"],"primary_key":["b"]}`, `{"unknown":1}`} {
		if _, err := decodeSinkOptions(json.RawMessage(raw)); sdk.CodeOf(err) != sdk.CodeConfig {
			t.Errorf("%s: got %v, want a CONFIG error", raw, err)
		}
	}
}

// TestPhysicalDesignLoads: a target created with the physical design
// options has them in ClickHouse, and a partitioned append publishes every
// partition.
func TestPhysicalDesignLoads(t *testing.T) {
	f := newFixture(t)
	r := f.req("phys-1", "phys", sdk.ModeAppend, idNameSchema)
	r.Options = json.RawMessage(`{"order_by":"id","partition_by":"id % 3","settings":{"index_granularity":1024}}`)
	f.load(r, idNameRecord(t, 1, "a", 2, "b", 3, "c", 4, "d"))
	var key, part string
	f.scalar("SELECT sorting_key FROM system.tables WHERE database = '"+testDB+"' AND name = 'phys'", &key)
	f.scalar("SELECT partition_key FROM system.tables WHERE database = '"+testDB+"' AND name = 'phys'", &part)
	if key != "id" || part != "id % 3" {
		t.Errorf("sorting key %q, partition key %q: want id and id %% 3", key, part)
	}
	if got := len(f.idNames("phys")); got != 4 {
		t.Errorf("got %d rows, want 4", got)
	}
}
