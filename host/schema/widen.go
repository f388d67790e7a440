package schema

import (
	"github.com/dpone-go/dpone/host/catalog"
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
func Widen(src, dst *catalog.LogicalType) (to *catalog.LogicalType, ok bool) {
	if src == nil || dst == nil {
		return nil, false
	}
	if sameType(src, dst) {
		return bare(dst), true
	}
	sk, dk := src.GetKind(), dst.GetKind()
	out := &catalog.LogicalType{Kind: dk}
	switch {
	case isInt(sk) && isInt(dk):
		k, ok := widenInt(sk, dk)
		out.Kind = k
		return out, ok
	case isFloat(sk) && isFloat(dk):
		out.Kind = catalog.KindFloat64
		if sk == catalog.KindFloat32 && dk == catalog.KindFloat32 {
			out.Kind = dk
		}
		return out, true
	case sk == catalog.KindDecimal && dk == sk:
		return widenDecimal(src, dst)
	case dk == catalog.KindString && isText(sk):
		out.MaxLength = widenLength(textLength(src), dst.GetMaxLength())
		return out, true
	case dk == catalog.KindBinary && sk == dk:
		out.MaxLength = widenLength(src.GetMaxLength(), dst.GetMaxLength())
		return out, true
	case dk == catalog.KindTime && sk == dk:
		out.Precision = max(src.GetPrecision(), dst.GetPrecision())
		return out, true
	case dk == catalog.KindTimestamp && sk == dk:
		if src.GetWithTimeZone() != dst.GetWithTimeZone() {
			return nil, false
		}
		out.Precision = max(src.GetPrecision(), dst.GetPrecision())
		out.WithTimeZone = dst.GetWithTimeZone()
		return out, true
	case dk == catalog.KindList && sk == dk:
		// A list whose elements fit the target's as they are (string(8)
		// into string) fits; lists are never widened (no nested DDL).
		if e, ok := Widen(src.GetElement(), dst.GetElement()); ok && sameType(e, dst.GetElement()) {
			return bare(dst), true
		}
		return nil, false
	case dk == catalog.KindStruct && sk == dk:
		// A struct whose fields fit the target's one by one, in order
		// (int32 into int64, NOT NULL into nullable) fits; structs are
		// never widened (no nested DDL).
		if structFits(src.GetFields(), dst.GetFields()) {
			return bare(dst), true
		}
		return nil, false
	}
	// Every other kind (bool, date, interval, uuid, json, map) only
	// accepts itself: sameType above.
	return nil, false
}

// structFits reports whether struct fields src load into dst unchanged:
// the same names in the same order, each type fitting, and no nullable
// field into a NOT NULL one.
func structFits(src, dst []*catalog.Field) bool {
	if len(src) != len(dst) {
		return false
	}
	for i, s := range src {
		d := dst[i]
		if s.GetName() != d.GetName() || s.GetNullable() && !d.GetNullable() || !Fits(s.GetType(), d.GetType()) {
			return false
		}
	}
	return true
}

// Fits reports whether a src column loads into a dst column unchanged.
func Fits(src, dst *catalog.LogicalType) bool {
	to, ok := Widen(src, dst)
	return ok && sameType(to, dst)
}

func isFloat(k catalog.Kind) bool {
	return k == catalog.KindFloat32 || k == catalog.KindFloat64
}

func isInt(k catalog.Kind) bool {
	_, ok := intBits[k]
	return ok
}

func isText(k catalog.Kind) bool {
	return k == catalog.KindString || k == catalog.KindUUID || k == catalog.KindJSON
}

// intBits maps an integer kind to its width and signedness.
var intBits = map[catalog.Kind]struct {
	bits   int
	signed bool
}{
	catalog.KindInt8: {8, true}, catalog.KindInt16: {16, true},
	catalog.KindInt32: {32, true}, catalog.KindInt64: {64, true},
	catalog.KindUint8: {8, false}, catalog.KindUint16: {16, false},
	catalog.KindUint32: {32, false}, catalog.KindUint64: {64, false},
}

var signedKind = map[int]catalog.Kind{
	8: catalog.KindInt8, 16: catalog.KindInt16,
	32: catalog.KindInt32, 64: catalog.KindInt64,
}

var unsignedKind = map[int]catalog.Kind{
	8: catalog.KindUint8, 16: catalog.KindUint16,
	32: catalog.KindUint32, 64: catalog.KindUint64,
}

// widenInt returns the smallest integer kind holding both. Mixed
// signedness needs a signed type with more bits than the unsigned one, so
// uint64 mixed with any signed kind has none.
func widenInt(src, dst catalog.Kind) (catalog.Kind, bool) {
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
		return catalog.KindUnspecified, false
	}
	return signedKind[bits], true
}

// widenDecimal keeps the larger integer part and the larger scale.
func widenDecimal(src, dst *catalog.LogicalType) (*catalog.LogicalType, bool) {
	intDigits := max(src.GetPrecision()-src.GetScale(), dst.GetPrecision()-dst.GetScale())
	scale := max(src.GetScale(), dst.GetScale())
	p := intDigits + scale
	if p > max(maxDecimalPrecision, src.GetPrecision(), dst.GetPrecision()) {
		return nil, false
	}
	return &catalog.LogicalType{Kind: catalog.KindDecimal, Precision: p, Scale: scale}, true
}

// textLength is the max length a text source needs, 0 when unbounded.
func textLength(lt *catalog.LogicalType) int64 {
	switch lt.GetKind() {
	case catalog.KindUUID:
		return uuidLength
	case catalog.KindJSON:
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
