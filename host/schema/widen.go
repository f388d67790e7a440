package schema

import (
	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
)

// maxDecimalPrecision is the widest decimal Widen invents: 38 digits, what
// most warehouses hold (DuckDB, Snowflake, SQL Server, ClickHouse
// Decimal128). Wider decimals are kept only when a side already has them.
const maxDecimalPrecision = 38

// uuidLength is the text length of a UUID, for loading uuid into strings.
const uuidLength = 36

// Widen returns the type a target column of type dst must have to accept
// every value of a source column of type src without loss:
//
//   - dst itself (a copy) when src already fits (src is dst or narrower);
//   - a wider type when dst can grow to hold src (see the package doc's
//     widening table) — the smallest such type, which may be wider than
//     src: int16 + uint16 need int32; decimal(10,2) + decimal(10,4) need
//     decimal(12,4);
//   - ok=false when no type of dst's family holds both (incompatible
//     kinds, int64 with uint64, a decimal beyond 38 digits).
//
// The result never carries Native. Widen is direction-aware: a string
// target accepts uuid and json sources, but a uuid target does not accept
// strings.
func Widen(src, dst *connectorv1.LogicalType) (to *connectorv1.LogicalType, ok bool) {
	if src == nil || dst == nil {
		return nil, false
	}
	if sameType(src, dst) {
		return bare(dst), true
	}
	sk, dk := src.GetKind(), dst.GetKind()
	out := &connectorv1.LogicalType{Kind: dk}
	switch {
	case isInt(sk) && isInt(dk):
		k, ok := widenInt(sk, dk)
		out.Kind = k
		return out, ok
	case isFloat(sk) && isFloat(dk):
		out.Kind = connectorv1.TypeKind_TYPE_KIND_FLOAT64
		if sk == connectorv1.TypeKind_TYPE_KIND_FLOAT32 && dk == connectorv1.TypeKind_TYPE_KIND_FLOAT32 {
			out.Kind = dk
		}
		return out, true
	case sk == connectorv1.TypeKind_TYPE_KIND_DECIMAL && dk == sk:
		return widenDecimal(src, dst)
	case dk == connectorv1.TypeKind_TYPE_KIND_STRING && isText(sk):
		out.MaxLength = widenLength(textLength(src), dst.GetMaxLength())
		return out, true
	case dk == connectorv1.TypeKind_TYPE_KIND_BINARY && sk == dk:
		out.MaxLength = widenLength(src.GetMaxLength(), dst.GetMaxLength())
		return out, true
	case dk == connectorv1.TypeKind_TYPE_KIND_TIME && sk == dk:
		out.Precision = max(src.GetPrecision(), dst.GetPrecision())
		return out, true
	case dk == connectorv1.TypeKind_TYPE_KIND_TIMESTAMP && sk == dk:
		if src.GetWithTimeZone() != dst.GetWithTimeZone() {
			return nil, false
		}
		out.Precision = max(src.GetPrecision(), dst.GetPrecision())
		out.WithTimeZone = dst.GetWithTimeZone()
		return out, true
	case dk == connectorv1.TypeKind_TYPE_KIND_LIST && sk == dk:
		// A list whose elements fit the target's as they are (string(8)
		// into string) fits; lists are never widened (no nested DDL).
		if e, ok := Widen(src.GetElement(), dst.GetElement()); ok && sameType(e, dst.GetElement()) {
			return bare(dst), true
		}
		return nil, false
	}
	// Every other kind (bool, date, interval, uuid, json, nested) only
	// accepts itself: sameType above.
	return nil, false
}

// Fits reports whether a src column loads into a dst column unchanged.
func Fits(src, dst *connectorv1.LogicalType) bool {
	to, ok := Widen(src, dst)
	return ok && sameType(to, dst)
}

func isFloat(k connectorv1.TypeKind) bool {
	return k == connectorv1.TypeKind_TYPE_KIND_FLOAT32 || k == connectorv1.TypeKind_TYPE_KIND_FLOAT64
}

func isInt(k connectorv1.TypeKind) bool {
	_, ok := intBits[k]
	return ok
}

func isText(k connectorv1.TypeKind) bool {
	return k == connectorv1.TypeKind_TYPE_KIND_STRING || k == connectorv1.TypeKind_TYPE_KIND_UUID || k == connectorv1.TypeKind_TYPE_KIND_JSON
}

// intBits maps an integer kind to its width and signedness.
var intBits = map[connectorv1.TypeKind]struct {
	bits   int
	signed bool
}{
	connectorv1.TypeKind_TYPE_KIND_INT8: {8, true}, connectorv1.TypeKind_TYPE_KIND_INT16: {16, true},
	connectorv1.TypeKind_TYPE_KIND_INT32: {32, true}, connectorv1.TypeKind_TYPE_KIND_INT64: {64, true},
	connectorv1.TypeKind_TYPE_KIND_UINT8: {8, false}, connectorv1.TypeKind_TYPE_KIND_UINT16: {16, false},
	connectorv1.TypeKind_TYPE_KIND_UINT32: {32, false}, connectorv1.TypeKind_TYPE_KIND_UINT64: {64, false},
}

var signedKind = map[int]connectorv1.TypeKind{
	8: connectorv1.TypeKind_TYPE_KIND_INT8, 16: connectorv1.TypeKind_TYPE_KIND_INT16,
	32: connectorv1.TypeKind_TYPE_KIND_INT32, 64: connectorv1.TypeKind_TYPE_KIND_INT64,
}

var unsignedKind = map[int]connectorv1.TypeKind{
	8: connectorv1.TypeKind_TYPE_KIND_UINT8, 16: connectorv1.TypeKind_TYPE_KIND_UINT16,
	32: connectorv1.TypeKind_TYPE_KIND_UINT32, 64: connectorv1.TypeKind_TYPE_KIND_UINT64,
}

// widenInt returns the smallest integer kind holding both. Mixed
// signedness needs a signed type with more bits than the unsigned one, so
// uint64 mixed with any signed kind has none.
func widenInt(src, dst connectorv1.TypeKind) (connectorv1.TypeKind, bool) {
	s, d := intBits[src], intBits[dst]
	bits := max(s.bits, d.bits)
	if s.signed == d.signed {
		if s.signed {
			return signedKind[bits], true
		}
		return unsignedKind[bits], true
	}
	u := s
	if !d.signed {
		u = d
	}
	bits = max(bits, 2*u.bits)
	if bits > 64 || u.bits == 64 {
		return connectorv1.TypeKind_TYPE_KIND_UNSPECIFIED, false
	}
	return signedKind[bits], true
}

// widenDecimal keeps the larger integer part and the larger scale.
func widenDecimal(src, dst *connectorv1.LogicalType) (*connectorv1.LogicalType, bool) {
	intDigits := max(src.GetPrecision()-src.GetScale(), dst.GetPrecision()-dst.GetScale())
	scale := max(src.GetScale(), dst.GetScale())
	p := intDigits + scale
	if p > max(maxDecimalPrecision, src.GetPrecision(), dst.GetPrecision()) {
		return nil, false
	}
	return &connectorv1.LogicalType{Kind: connectorv1.TypeKind_TYPE_KIND_DECIMAL, Precision: p, Scale: scale}, true
}

// textLength is the max length a text source needs, 0 when unbounded.
func textLength(lt *connectorv1.LogicalType) int64 {
	switch lt.GetKind() {
	case connectorv1.TypeKind_TYPE_KIND_UUID:
		return uuidLength
	case connectorv1.TypeKind_TYPE_KIND_JSON:
		return 0
	}
	return lt.GetMaxLength()
}

// widenLength: 0 (unbounded) absorbs everything, else the longer one.
func widenLength(src, dst int64) int64 {
	if src == 0 || dst == 0 {
		return 0
	}
	return max(src, dst)
}
