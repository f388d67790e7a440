package sdk

import "github.com/dpone-go/dpone/proto/logical"

// Arrow field metadata keys with which a source states what its column
// types hold beyond their Arrow type, so that sinks can create the same type
// (or name in plans exactly what they cannot keep). Each maps to a field of
// the protocol's LogicalType or Field; see docs/types/.
const (
	// MetaFixedLength ("true", with MetaMaxLength) marks a blank-padded
	// fixed-length string (SQL char(n)).
	MetaFixedLength = logical.MetaFixedLength
	// MetaJSONBinary ("true", with MetaLogical json) marks json the source
	// stores parsed (PostgreSQL jsonb).
	MetaJSONBinary = logical.MetaJSONBinary
	// MetaDecimalText ("p,s", or "0,0" when unconstrained) marks a utf8
	// field holding exact decimal text of a numeric type Arrow's decimals
	// cannot hold.
	MetaDecimalText = logical.MetaDecimalText
	// MetaTextForm ("true") marks a utf8 field holding the text form of a
	// source type with no logical type (money, timetz, an enum);
	// MetaNative names the type.
	MetaTextForm = logical.MetaTextForm
	// MetaFractionDigits is the fractional second digits a time,
	// timestamp or interval type holds ("3" for timestamp(3), "6" for a
	// PostgreSQL or DuckDB interval), when fewer than its Arrow unit.
	MetaFractionDigits = logical.MetaFractionDigits
	// MetaPrimaryKey is a field's 1-based position in the source's primary
	// key. Set it only when the stream holds every key column.
	MetaPrimaryKey = logical.MetaPrimaryKey
)
