package catalog

// Op is what a SchemaChange does.
type Op int

// Schema change operations.
const (
	OpUnspecified Op = iota
	OpAddColumn
	OpWidenType
	OpDropNotNull
	OpCreateTable
)

var opNames = [...]string{OpAddColumn: "add_column", OpWidenType: "widen_type",
	OpDropNotNull: "drop_not_null", OpCreateTable: "create_table"}

// String is the op's name as capabilities list it (add_column, ...), or
// "unspecified".
func (o Op) String() string {
	if o <= OpUnspecified || int(o) >= len(opNames) {
		return "unspecified"
	}
	return opNames[o]
}

// SchemaChange is one change the host decided a target needs; the sink
// renders it in its dialect.
type SchemaChange struct {
	Op    Op
	Field *Field
	// OpWidenType: the type before the change.
	From *LogicalType
	// OpCreateTable: the primary key columns, in order (empty: none).
	PrimaryKey []string
}

// SchemaRequest asks a sink to render, and unless DryRun apply, schema
// changes to Table.
type SchemaRequest struct {
	// ConfigJSON is the sink's resolved connection config.
	ConfigJSON []byte
	Table      *TableRef
	Changes    []*SchemaChange
	DryRun     bool
	// For is the load the changes are made for: its mode, unique key,
	// typed load options and sink options reach the sink (protocol v1.3;
	// nothing else of it is sent). Nil when they belong to no load.
	For *BeginLoad
}

// GetOp returns c's op, OpUnspecified for nil.
func (c *SchemaChange) GetOp() Op {
	if c == nil {
		return OpUnspecified
	}
	return c.Op
}

// GetField returns c's field, nil for nil.
func (c *SchemaChange) GetField() *Field {
	if c == nil {
		return nil
	}
	return c.Field
}

// GetFrom returns the type before a widening, nil for nil.
func (c *SchemaChange) GetFrom() *LogicalType {
	if c == nil {
		return nil
	}
	return c.From
}

// TableRef names a target table.
type TableRef struct {
	Namespace string
	Name      string
}

// GetNamespace returns t's namespace, "" for nil.
func (t *TableRef) GetNamespace() string {
	if t == nil {
		return ""
	}
	return t.Namespace
}

// GetName returns t's table name, "" for nil.
func (t *TableRef) GetName() string {
	if t == nil {
		return ""
	}
	return t.Name
}
