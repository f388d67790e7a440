package postgres

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/dpone-go/dpone/sdk"
)

// encodeBufferBytes is how much COPY data the encoder prepares before
// pgconn.CopyFrom drains it: large enough that the server gets full
// messages, never one message per row.
const encodeBufferBytes = 1 << 20

// copyEncoder is the io.Reader that pgconn.CopyFrom drains: it pulls Arrow
// records from a RecordReader and encodes them straight into the binary
// COPY format, about 1 MiB at a time. No per-row values are built.
type copyEncoder struct {
	in     sdk.RecordReader
	check  func(*arrow.Schema) error // validates each record's schema
	buf    []byte
	off    int
	rec    arrow.RecordBatch
	row    int
	encs   []fieldEncoder
	nulls  []validity
	header bool
	eof    bool
	err    error // the first error, kept because CopyFrom only reports CopyFail
	rows   int64
}

// validity is a column's null bitmap: bits nil when the column has no
// NULLs, so the per-value check is a nil test.
type validity struct {
	bits   []byte
	offset int
}

// isNull reports whether row i is NULL.
func (v validity) isNull(i int) bool {
	if v.bits == nil {
		return false
	}
	i += v.offset
	return v.bits[i>>3]&(1<<(i&7)) == 0
}

// fieldEncoder appends one non-NULL value (length word included) to buf.
type fieldEncoder func(buf []byte, i int) ([]byte, error)

func newCopyEncoder(in sdk.RecordReader, check func(*arrow.Schema) error) *copyEncoder {
	return &copyEncoder{in: in, check: check, buf: make([]byte, 0, encodeBufferBytes+64<<10)}
}

// Read serves the encoded stream.
func (e *copyEncoder) Read(p []byte) (int, error) {
	for e.off == len(e.buf) {
		if e.err != nil {
			return 0, e.err
		}
		if e.eof {
			return 0, io.EOF
		}
		if err := e.fill(); err != nil {
			e.err = err // fails the COPY: CopyFrom sends CopyFail
			return 0, err
		}
	}
	n := copy(p, e.buf[e.off:])
	e.off += n
	return n, nil
}

func (e *copyEncoder) fill() error {
	e.buf, e.off = e.buf[:0], 0
	if !e.header {
		e.buf = append(e.buf, copySignature...)
		e.buf = append(e.buf, 0, 0, 0, 0, 0, 0, 0, 0) // flags, extension length
		e.header = true
	}
	for len(e.buf) < encodeBufferBytes {
		if e.rec == nil || e.row >= int(e.rec.NumRows()) {
			rec, err := e.in.Next()
			if errors.Is(err, io.EOF) {
				e.buf = append(e.buf, 0xff, 0xff) // trailer: field count -1
				e.eof, e.rec = true, nil
				return nil
			}
			if err != nil {
				return err
			}
			if err := e.bind(rec); err != nil {
				return err
			}
		}
		if err := e.encodeRows(); err != nil {
			return err
		}
	}
	return nil
}

// bind prepares the column encoders of a new record.
func (e *copyEncoder) bind(rec arrow.RecordBatch) error {
	if e.check != nil {
		if err := e.check(rec.Schema()); err != nil {
			return err
		}
	}
	e.rec, e.row = rec, 0
	e.encs = e.encs[:0]
	e.nulls = e.nulls[:0]
	for i, f := range rec.Schema().Fields() {
		enc, err := encoderFor(f, rec.Column(i))
		if err != nil {
			return err
		}
		e.encs = append(e.encs, enc)
		var v validity
		if col := rec.Column(i); col.NullN() > 0 {
			v = validity{bits: col.NullBitmapBytes(), offset: col.Data().Offset()}
		}
		e.nulls = append(e.nulls, v)
	}
	return nil
}

// encodeRows encodes rows of the current record until the buffer is full.
func (e *copyEncoder) encodeRows() error {
	n := int(e.rec.NumRows())
	ncols := uint16(len(e.encs))
	buf := e.buf
	var err error
	for ; e.row < n && len(buf) < encodeBufferBytes; e.row++ {
		buf = binary.BigEndian.AppendUint16(buf, ncols)
		for j, enc := range e.encs {
			if e.nulls[j].isNull(e.row) {
				buf = append(buf, 0xff, 0xff, 0xff, 0xff)
				continue
			}
			if buf, err = enc(buf, e.row); err != nil {
				e.buf = buf
				return sdk.Errorf(sdk.CodeData, "row %d column %q: %w", e.rows+1, e.rec.Schema().Field(j).Name, err)
			}
		}
		e.rows++
	}
	e.buf = buf
	return nil
}

func appendLen(buf []byte, n int) []byte { return binary.BigEndian.AppendUint32(buf, uint32(n)) }

// encoderFor binds the encoder of field f to its column arr. The binary
// format written is that of the PostgreSQL type ddlType(f) names.
func encoderFor(f arrow.Field, arr arrow.Array) (fieldEncoder, error) {
	ddl, err := ddlType(f)
	if err != nil {
		return nil, err
	}
	return encoder(ddl, arr)
}

func encoder(ddl string, arr arrow.Array) (fieldEncoder, error) {
	switch a := arr.(type) {
	case *array.Boolean:
		return func(b []byte, i int) ([]byte, error) {
			v := byte(0)
			if a.Value(i) {
				v = 1
			}
			return append(appendLen(b, 1), v), nil
		}, nil
	case *array.Int8:
		return func(b []byte, i int) ([]byte, error) {
			return binary.BigEndian.AppendUint16(appendLen(b, 2), uint16(int16(a.Value(i)))), nil
		}, nil
	case *array.Uint8:
		return func(b []byte, i int) ([]byte, error) {
			return binary.BigEndian.AppendUint16(appendLen(b, 2), uint16(a.Value(i))), nil
		}, nil
	case *array.Int16:
		return func(b []byte, i int) ([]byte, error) {
			return binary.BigEndian.AppendUint16(appendLen(b, 2), uint16(a.Value(i))), nil
		}, nil
	case *array.Uint16:
		return func(b []byte, i int) ([]byte, error) {
			return binary.BigEndian.AppendUint32(appendLen(b, 4), uint32(a.Value(i))), nil
		}, nil
	case *array.Int32:
		return func(b []byte, i int) ([]byte, error) {
			return binary.BigEndian.AppendUint32(appendLen(b, 4), uint32(a.Value(i))), nil
		}, nil
	case *array.Uint32:
		return func(b []byte, i int) ([]byte, error) {
			return binary.BigEndian.AppendUint64(appendLen(b, 8), uint64(a.Value(i))), nil
		}, nil
	case *array.Int64:
		return func(b []byte, i int) ([]byte, error) {
			return binary.BigEndian.AppendUint64(appendLen(b, 8), uint64(a.Value(i))), nil
		}, nil
	case *array.Uint64:
		var digits []byte
		return func(b []byte, i int) ([]byte, error) {
			digits = strconv.AppendUint(digits[:0], a.Value(i), 10)
			return appendNumeric(b, false, digits, 0), nil
		}, nil
	case *array.Float32:
		return func(b []byte, i int) ([]byte, error) {
			return binary.BigEndian.AppendUint32(appendLen(b, 4), math.Float32bits(a.Value(i))), nil
		}, nil
	case *array.Float64:
		return func(b []byte, i int) ([]byte, error) {
			return binary.BigEndian.AppendUint64(appendLen(b, 8), math.Float64bits(a.Value(i))), nil
		}, nil
	case *array.Decimal128:
		scale := int(a.DataType().(*arrow.Decimal128Type).Scale)
		var digits []byte
		return func(b []byte, i int) ([]byte, error) {
			if out, ok := appendNumericFast(b, a.Value(i), scale); ok {
				return out, nil
			}
			var neg bool
			neg, digits = decimalDigits(digits[:0], a.Value(i))
			return appendNumeric(b, neg, digits, scale), nil
		}, nil
	case *array.String:
		return stringEncoder(ddl, a.Value), nil
	case *array.LargeString:
		return stringEncoder(ddl, a.Value), nil
	case *array.Binary:
		return func(b []byte, i int) ([]byte, error) {
			v := a.Value(i)
			return append(appendLen(b, len(v)), v...), nil
		}, nil
	case *array.LargeBinary:
		return func(b []byte, i int) ([]byte, error) {
			v := a.Value(i)
			return append(appendLen(b, len(v)), v...), nil
		}, nil
	case *array.FixedSizeBinary:
		return func(b []byte, i int) ([]byte, error) {
			v := a.Value(i)
			return append(appendLen(b, len(v)), v...), nil
		}, nil
	case *array.Date32:
		return func(b []byte, i int) ([]byte, error) {
			return binary.BigEndian.AppendUint32(appendLen(b, 4), uint32(int32(a.Value(i))-pgEpochDays)), nil
		}, nil
	case *array.Date64:
		return func(b []byte, i int) ([]byte, error) {
			days := floorDiv(int64(a.Value(i)), 86400000)
			return binary.BigEndian.AppendUint32(appendLen(b, 4), uint32(int32(days)-pgEpochDays)), nil
		}, nil
	case *array.Time32:
		mul := int64(1e6)
		if a.DataType().(*arrow.Time32Type).Unit == arrow.Millisecond {
			mul = 1e3
		}
		return func(b []byte, i int) ([]byte, error) {
			return binary.BigEndian.AppendUint64(appendLen(b, 8), uint64(int64(a.Value(i))*mul)), nil
		}, nil
	case *array.Time64:
		div := int64(1)
		if a.DataType().(*arrow.Time64Type).Unit == arrow.Nanosecond {
			div = 1000
		}
		return func(b []byte, i int) ([]byte, error) {
			return binary.BigEndian.AppendUint64(appendLen(b, 8), uint64(int64(a.Value(i))/div)), nil
		}, nil
	case *array.Timestamp:
		toMicros := unitToMicros(a.DataType().(*arrow.TimestampType).Unit)
		return func(b []byte, i int) ([]byte, error) {
			return binary.BigEndian.AppendUint64(appendLen(b, 8), uint64(toMicros(int64(a.Value(i)))-pgEpochMicros)), nil
		}, nil
	case *array.Duration:
		toMicros := unitToMicros(a.DataType().(*arrow.DurationType).Unit)
		return func(b []byte, i int) ([]byte, error) {
			b = binary.BigEndian.AppendUint64(appendLen(b, 16), uint64(toMicros(int64(a.Value(i)))))
			return append(b, 0, 0, 0, 0, 0, 0, 0, 0), nil
		}, nil
	case *array.MonthDayNanoInterval:
		return func(b []byte, i int) ([]byte, error) {
			v := a.Value(i)
			b = binary.BigEndian.AppendUint64(appendLen(b, 16), uint64(floorDiv(v.Nanoseconds, 1000)))
			b = binary.BigEndian.AppendUint32(b, uint32(v.Days))
			return binary.BigEndian.AppendUint32(b, uint32(v.Months)), nil
		}, nil
	case *array.List:
		return listEncoder(ddl, a)
	}
	return nil, sdk.Errorf(sdk.CodeSchema, "postgres sink: no encoder for arrow type %s", arr.DataType())
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func unitToMicros(u arrow.TimeUnit) func(int64) int64 {
	switch u {
	case arrow.Second:
		return func(v int64) int64 { return v * 1e6 }
	case arrow.Millisecond:
		return func(v int64) int64 { return v * 1e3 }
	case arrow.Nanosecond:
		return func(v int64) int64 { return floorDiv(v, 1000) }
	}
	return func(v int64) int64 { return v }
}

// stringEncoder writes text, varchar, json, jsonb (version byte) or uuid
// (16 bytes parsed from its text form) from a string column.
func stringEncoder(ddl string, val func(int) string) fieldEncoder {
	switch ddl {
	case "uuid":
		return func(b []byte, i int) ([]byte, error) {
			var u [16]byte
			if err := parseUUID(&u, val(i)); err != nil {
				return b, err
			}
			return append(appendLen(b, 16), u[:]...), nil
		}
	case "jsonb":
		return func(b []byte, i int) ([]byte, error) {
			v := val(i)
			return append(append(appendLen(b, len(v)+1), 1), v...), nil
		}
	}
	if ddl == "timetz" || strings.HasPrefix(ddl, "timetz(") {
		return func(b []byte, i int) ([]byte, error) { return appendTimetzText(b, val(i)) }
	}
	if ddl == "numeric" || strings.HasPrefix(ddl, "numeric(") {
		var digits []byte
		return func(b []byte, i int) ([]byte, error) {
			var err error
			b, digits, err = appendNumericText(b, digits[:0], val(i))
			return b, err
		}
	}
	return func(b []byte, i int) ([]byte, error) {
		v := val(i)
		return append(appendLen(b, len(v)), v...), nil
	}
}

// uuidHex maps an ASCII byte to its hex value, 0xff for a non-hex byte.
var uuidHex = func() (t [256]byte) {
	for i := range t {
		if h, ok := unhex(byte(i)); ok {
			t[i] = h
		} else {
			t[i] = 0xff
		}
	}
	return t
}()

// uuidPairs are the offsets of the 16 hex pairs in the canonical form
// xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx.
var uuidPairs = [16]uint8{0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34}

// parseUUID parses the canonical form with a table lookup per byte (the
// form PostgreSQL and every dpone source print) and any other form
// PostgreSQL's uuid input accepts here (32 hex digits, dashes only at the
// canonical places) by the slow path.
func parseUUID(dst *[16]byte, s string) error {
	if len(s) == 36 && s[8] == '-' && s[13] == '-' && s[18] == '-' && s[23] == '-' {
		var bad byte
		for i, o := range uuidPairs {
			hi, lo := uuidHex[s[o]], uuidHex[s[o+1]]
			bad |= hi | lo
			dst[i] = hi<<4 | lo
		}
		if bad&0xf0 == 0 {
			return nil
		}
		return fmt.Errorf("invalid uuid %q", s)
	}
	return parseUUIDSlow(dst, s)
}

func parseUUIDSlow(dst *[16]byte, s string) error {
	j := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '-' && len(s) == 36 && (i == 8 || i == 13 || i == 18 || i == 23) {
			continue
		}
		h, ok := unhex(c)
		if !ok || j >= 32 {
			return fmt.Errorf("invalid uuid %q", s)
		}
		if j%2 == 0 {
			dst[j/2] = h << 4
		} else {
			dst[j/2] |= h
		}
		j++
	}
	if j != 32 {
		return fmt.Errorf("invalid uuid %q", s)
	}
	return nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// decimalDigits appends the decimal digits of |n| and reports its sign.
func decimalDigits(dst []byte, n decimal128.Num) (neg bool, digits []byte) {
	if n.Sign() < 0 {
		neg, n = true, n.Negate()
	}
	if n.HighBits() == 0 {
		return neg, strconv.AppendUint(dst, n.LowBits(), 10)
	}
	return neg, n.BigInt().Append(dst, 10)
}

// appendNumericFast is appendNumeric (same bytes) for the common case of
// an unscaled value that fits 64 bits: base-10000 groups come from integer
// division, no decimal digit string. ok is false when it does not apply.
func appendNumericFast(b []byte, n decimal128.Num, scale int) ([]byte, bool) {
	if scale < 0 || scale > 1000 {
		return b, false
	}
	neg := n.Sign() < 0
	if neg {
		n = n.Negate()
	}
	if n.HighBits() != 0 {
		return b, false
	}
	u := n.LowBits()
	if u == 0 {
		return b, false // appendNumeric has the zero form
	}
	pad := (4 - scale%4) % 4 // align the point to a group boundary
	if u > math.MaxUint64/pow10u64[pad] {
		return b, false
	}
	u *= pow10u64[pad]
	var groups [5]uint16 // least significant first; 20 digits at most
	ng := 0
	for ; u != 0; ng++ {
		groups[ng] = uint16(u % 10000)
		u /= 10000
	}
	weight := ng - 1 - (scale+pad)/4
	sign := uint16(numericPos)
	if neg {
		sign = numericNeg
	}
	b = appendLen(b, 8+2*ng)
	b = binary.BigEndian.AppendUint16(b, uint16(ng))
	b = binary.BigEndian.AppendUint16(b, uint16(int16(weight)))
	b = binary.BigEndian.AppendUint16(b, sign)
	b = binary.BigEndian.AppendUint16(b, uint16(scale))
	for g := ng - 1; g >= 0; g-- {
		b = binary.BigEndian.AppendUint16(b, groups[g])
	}
	return b, true
}

// appendNumeric writes a binary numeric of the unsigned decimal digits
// with scale fractional digits: base-10000 groups around the point.
func appendNumeric(b []byte, neg bool, digits []byte, scale int) []byte {
	for len(digits) > 1 && digits[0] == '0' {
		digits = digits[1:]
	}
	if len(digits) == 1 && digits[0] == '0' {
		b = appendLen(b, 8)
		return binary.BigEndian.AppendUint64(b, uint64(scale)&0xffff) // 0 digits, weight 0, sign +
	}
	intLen := len(digits) - scale // digits before the point (may be <= 0)
	// Align the first digit to a group boundary: groups start every 4 digits
	// counted from the point.
	var lead int // zeros to prepend
	if intLen > 0 {
		lead = (4 - intLen%4) % 4
	} else {
		lead = (-intLen) % 4 // leading fractional zeros inside the first group
	}
	total := lead + len(digits)
	trail := (4 - total%4) % 4
	ndigits := (total + trail) / 4
	var weight int
	if intLen > 0 {
		weight = (intLen+lead)/4 - 1
	} else {
		weight = -((-intLen)/4 + 1)
	}
	sign := uint16(numericPos)
	if neg {
		sign = numericNeg
	}
	b = appendLen(b, 8+2*ndigits)
	b = binary.BigEndian.AppendUint16(b, uint16(ndigits))
	b = binary.BigEndian.AppendUint16(b, uint16(int16(weight)))
	b = binary.BigEndian.AppendUint16(b, sign)
	b = binary.BigEndian.AppendUint16(b, uint16(scale))
	pos := -lead
	for g := 0; g < ndigits; g++ {
		v := 0
		for k := 0; k < 4; k++ {
			v *= 10
			if pos >= 0 && pos < len(digits) {
				v += int(digits[pos] - '0')
			}
			pos++
		}
		b = binary.BigEndian.AppendUint16(b, uint16(v))
	}
	return b
}
