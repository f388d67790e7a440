package clickhouse

import (
	"context"
	"fmt"
	"strings"
)

// tableInfo is what system.tables and system.columns say about a table.
type tableInfo struct {
	engine string
	// engineFull is the engine clause (system.tables.engine_full).
	engineFull string
	// versioned: a ReplacingMergeTree versioned by versionColumn.
	versioned    bool
	sortingKey   []string
	partitionKey string
	comment      string
	totalRows    int64
	columns      []columnInfo
}

// columnInfo is one column of a table.
type columnInfo struct {
	name, typ, comment string
	inKey              bool // in the primary (sorting) key
}

// nullable reports whether the ClickHouse type t is Nullable (also inside
// LowCardinality).
func nullable(t string) bool {
	return strings.HasPrefix(t, "Nullable(") || strings.HasPrefix(t, "LowCardinality(Nullable(")
}

// table describes db.name, or returns nil when it does not exist.
func (s *server) table(ctx context.Context, db, name string) (*tableInfo, error) {
	rows, err := s.conn.Query(detach(ctx), `SELECT engine, engine_full, sorting_key, partition_key, comment, toInt64(ifNull(total_rows, 0))
		FROM system.tables WHERE database = ? AND name = ?`, db, name)
	if err != nil {
		return nil, classify(fmt.Errorf("look up table %s.%s: %w", db, name, err))
	}
	var t *tableInfo
	for rows.Next() {
		t = &tableInfo{}
		var key string
		if err := rows.Scan(&t.engine, &t.engineFull, &key, &t.partitionKey, &t.comment, &t.totalRows); err != nil {
			rows.Close()
			return nil, classify(fmt.Errorf("look up table %s.%s: %w", db, name, err))
		}
		t.versioned = strings.HasPrefix(t.engineFull, versionedEngine)
		if strings.HasPrefix(key, "(") && strings.HasSuffix(key, ")") {
			key = key[1 : len(key)-1] // ORDER BY (id) reads back as "(id)"
		}
		if key != "" {
			for _, k := range strings.Split(key, ",") {
				t.sortingKey = append(t.sortingKey, strings.Trim(strings.TrimSpace(k), "`"))
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, classify(fmt.Errorf("look up table %s.%s: %w", db, name, err))
	}
	if t == nil {
		return nil, nil
	}
	cols, err := s.conn.Query(detach(ctx), `SELECT name, type, comment, is_in_primary_key FROM system.columns
		WHERE database = ? AND table = ? ORDER BY position`, db, name)
	if err != nil {
		return nil, classify(fmt.Errorf("describe %s.%s: %w", db, name, err))
	}
	defer cols.Close()
	for cols.Next() {
		var c columnInfo
		var inKey uint8
		if err := cols.Scan(&c.name, &c.typ, &c.comment, &inKey); err != nil {
			return nil, classify(fmt.Errorf("describe %s.%s: %w", db, name, err))
		}
		c.inKey = inKey == 1
		t.columns = append(t.columns, c)
	}
	if err := cols.Err(); err != nil {
		return nil, classify(fmt.Errorf("describe %s.%s: %w", db, name, err))
	}
	return t, nil
}

// column returns the named column, or nil.
func (t *tableInfo) column(name string) *columnInfo {
	for i := range t.columns {
		if t.columns[i].name == name {
			return &t.columns[i]
		}
	}
	return nil
}

// partitions lists the active partition ids of db.name.
func (s *server) partitions(ctx context.Context, db, name string) ([]string, error) {
	rows, err := s.conn.Query(detach(ctx), `SELECT DISTINCT partition_id FROM system.parts
		WHERE database = ? AND table = ? AND active ORDER BY partition_id`, db, name)
	if err != nil {
		return nil, classify(fmt.Errorf("list partitions of %s.%s: %w", db, name, err))
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, classify(fmt.Errorf("list partitions of %s.%s: %w", db, name, err))
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// databaseExists reports whether the database db exists.
func (s *server) databaseExists(ctx context.Context, db string) (bool, error) {
	var n uint64
	if err := s.conn.QueryRow(detach(ctx), "SELECT count() FROM system.databases WHERE name = ?", db).Scan(&n); err != nil {
		return false, classify(fmt.Errorf("look up database %s: %w", db, err))
	}
	return n > 0, nil
}
