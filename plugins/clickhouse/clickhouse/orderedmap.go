package clickhouse

import (
	"reflect"

	chcolumn "github.com/ClickHouse/clickhouse-go/v2/lib/column"
)

// orderedMap is one row of a Map column with its entries in the Arrow
// map's order: ClickHouse keeps a map's entries as an ordered list, and a
// Go map would hand them over in random order.
type orderedMap struct {
	keys, items reflect.Value // the column's converted keys and values
	start, end  int           // this row's entries
}

// Put is never called: the sink only writes maps.
func (m *orderedMap) Put(any, any) {}

// Iterator walks the row's entries in order.
func (m *orderedMap) Iterator() chcolumn.MapIterator { return &mapIterator{m: m, i: m.start - 1} }

type mapIterator struct {
	m *orderedMap
	i int
}

func (it *mapIterator) Next() bool { it.i++; return it.i < it.m.end }
func (it *mapIterator) Key() any   { return it.m.keys.Index(it.i).Interface() }
func (it *mapIterator) Value() any { return it.m.items.Index(it.i).Interface() }
