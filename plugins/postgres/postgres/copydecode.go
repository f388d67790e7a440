package postgres

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/dpone-go/dpone/sdk"
)

// copySignature starts every binary COPY stream.
var copySignature = []byte("PGCOPY\n\xff\r\n\x00")

// PostgreSQL epochs are 2000-01-01; Arrow's are 1970-01-01.
const (
	pgEpochDays   = 10957
	pgEpochMicros = 946684800000000
)

// copyDecoder is the io.Writer that pgconn.CopyTo feeds with the server's
// binary COPY stream. It parses whole tuples and decodes every field
// straight into the Arrow builders of a sdk.BatchBuilder: no per-row values,
// no reflection. A tuple split across writes waits in pending.
type copyDecoder struct {
	cols       []colDecoder
	bb         *sdk.BatchBuilder
	pending    []byte
	headerDone bool
	trailer    bool
	rows       int64
	batchRows  int // rows since the last batch was written
}

// colDecoder appends one field's bytes to its builder.
type colDecoder struct {
	name   string
	b      array.Builder
	decode func(v []byte) error
	// data is the builder's variable-length data when it has one (text,
	// bytea): the decoder reserves the next batch's bytes up front.
	data  *array.BinaryBuilder
	bytes int // value bytes since the last batch was written
}

// newCopyDecoder binds decoders to the builders of bb, one per plan.
func newCopyDecoder(plans []colPlan, bb *sdk.BatchBuilder) *copyDecoder {
	d := &copyDecoder{bb: bb, cols: make([]colDecoder, len(plans))}
	for i, p := range plans {
		b := bb.Field(i)
		d.cols[i] = colDecoder{name: p.name, b: b, decode: fieldDecoder(p.kind, p.elem, p.scale, b)}
		switch t := b.(type) {
		case *array.StringBuilder:
			d.cols[i].data = t.BinaryBuilder
		case *array.BinaryBuilder:
			d.cols[i].data = t
		}
	}
	return d
}

// reserve sizes the builders for a batch like the one just written, so
// they do not grow by doubling (reallocating and copying) as rows arrive.
func (d *copyDecoder) reserve() {
	for i := range d.cols {
		c := &d.cols[i]
		c.b.Reserve(d.batchRows)
		if c.data != nil {
			c.data.ReserveData(c.bytes + c.bytes/8)
		}
		c.bytes = 0
	}
	d.batchRows = 0
}

// Write consumes a chunk of the COPY stream.
func (d *copyDecoder) Write(p []byte) (int, error) {
	data := p
	buffered := len(d.pending) > 0
	if buffered {
		d.pending = append(d.pending, p...)
		data = d.pending
	}
	n, err := d.parse(data)
	if err != nil {
		return 0, err
	}
	rest := data[n:]
	if buffered {
		d.pending = d.pending[:copy(d.pending, rest)]
	} else if len(rest) > 0 {
		d.pending = append(d.pending[:0], rest...)
	}
	return len(p), nil
}

// finish checks that the stream ended with its trailer.
func (d *copyDecoder) finish() error {
	if !d.trailer || len(d.pending) > 0 {
		return sdk.Errorf(sdk.CodeUnavailable, "copy stream ended early after %d rows", d.rows)
	}
	return nil
}

// parse decodes every complete tuple in data and returns the bytes used.
func (d *copyDecoder) parse(data []byte) (int, error) {
	off := 0
	if !d.headerDone {
		if len(data) < 19 {
			return 0, nil
		}
		if !bytes.Equal(data[:11], copySignature) {
			return 0, sdk.Errorf(sdk.CodeInternal, "copy stream: bad binary signature")
		}
		ext := int(binary.BigEndian.Uint32(data[15:19]))
		if len(data) < 19+ext {
			return 0, nil
		}
		off, d.headerDone = 19+ext, true
	}
	for !d.trailer && len(data)-off >= 2 {
		nf := int(int16(binary.BigEndian.Uint16(data[off:])))
		if nf == -1 {
			d.trailer = true
			return off + 2, nil
		}
		if nf != len(d.cols) {
			return 0, sdk.Errorf(sdk.CodeInternal, "copy stream: tuple has %d fields, want %d", nf, len(d.cols))
		}
		// Is the whole tuple here?
		end := off + 2
		for i := 0; i < nf; i++ {
			if end+4 > len(data) {
				return off, nil
			}
			l := int(int32(binary.BigEndian.Uint32(data[end:])))
			end += 4
			if l > 0 {
				end += l
			}
		}
		if end > len(data) {
			return off, nil
		}
		q := off + 2
		for i := range d.cols {
			c := &d.cols[i]
			l := int(int32(binary.BigEndian.Uint32(data[q:])))
			q += 4
			if l < 0 {
				c.b.AppendNull()
				continue
			}
			if err := c.decode(data[q : q+l]); err != nil {
				return 0, sdk.Errorf(sdk.CodeData, "row %d column %q: %w", d.rows+1, c.name, err)
			}
			c.bytes += l
			q += l
		}
		off = end
		d.rows++
		d.batchRows++
		if err := d.bb.RowDone(); err != nil {
			return 0, err
		}
		if d.bb.Rows() == 0 {
			d.reserve()
		}
	}
	return off, nil
}

func errLen(typ string, n int) error { return fmt.Errorf("%s value of %d bytes", typ, n) }

// fieldDecoder returns the decoder of one kind into builder b.
func fieldDecoder(k, elem kind, scale int32, b array.Builder) func([]byte) error {
	switch k {
	case kText, kJSON:
		sb := b.(*array.StringBuilder)
		return func(v []byte) error { appendBytes(sb.BinaryBuilder, v); return nil }
	case kJSONB:
		sb := b.(*array.StringBuilder)
		return func(v []byte) error {
			if len(v) == 0 || v[0] != 1 {
				return fmt.Errorf("unsupported jsonb binary version")
			}
			appendBytes(sb.BinaryBuilder, v[1:])
			return nil
		}
	case kBytea:
		bb := b.(*array.BinaryBuilder)
		return func(v []byte) error { appendBytes(bb, v); return nil }
	case kBool:
		bb := b.(*array.BooleanBuilder)
		return func(v []byte) error {
			if len(v) != 1 {
				return errLen("bool", len(v))
			}
			bb.Append(v[0] != 0)
			return nil
		}
	case kInt2:
		ib := b.(*array.Int16Builder)
		return func(v []byte) error {
			if len(v) != 2 {
				return errLen("int2", len(v))
			}
			if ib.Len() < ib.Cap() {
				ib.UnsafeAppend(int16(binary.BigEndian.Uint16(v)))
			} else {
				ib.Append(int16(binary.BigEndian.Uint16(v)))
			}
			return nil
		}
	case kInt4:
		ib := b.(*array.Int32Builder)
		return func(v []byte) error {
			if len(v) != 4 {
				return errLen("int4", len(v))
			}
			if ib.Len() < ib.Cap() {
				ib.UnsafeAppend(int32(binary.BigEndian.Uint32(v)))
			} else {
				ib.Append(int32(binary.BigEndian.Uint32(v)))
			}
			return nil
		}
	case kInt8:
		ib := b.(*array.Int64Builder)
		return func(v []byte) error {
			if len(v) != 8 {
				return errLen("int8", len(v))
			}
			if ib.Len() < ib.Cap() {
				ib.UnsafeAppend(int64(binary.BigEndian.Uint64(v)))
			} else {
				ib.Append(int64(binary.BigEndian.Uint64(v)))
			}
			return nil
		}
	case kFloat4:
		fb := b.(*array.Float32Builder)
		return func(v []byte) error {
			if len(v) != 4 {
				return errLen("float4", len(v))
			}
			if fb.Len() < fb.Cap() {
				fb.UnsafeAppend(math.Float32frombits(binary.BigEndian.Uint32(v)))
			} else {
				fb.Append(math.Float32frombits(binary.BigEndian.Uint32(v)))
			}
			return nil
		}
	case kFloat8:
		fb := b.(*array.Float64Builder)
		return func(v []byte) error {
			if len(v) != 8 {
				return errLen("float8", len(v))
			}
			if fb.Len() < fb.Cap() {
				fb.UnsafeAppend(math.Float64frombits(binary.BigEndian.Uint64(v)))
			} else {
				fb.Append(math.Float64frombits(binary.BigEndian.Uint64(v)))
			}
			return nil
		}
	case kNumeric:
		db := b.(*array.Decimal128Builder)
		return func(v []byte) error {
			n, err := decodeNumeric(v, scale)
			if err != nil {
				return err
			}
			if db.Len() < db.Cap() {
				db.UnsafeAppend(n)
			} else {
				db.Append(n)
			}
			return nil
		}
	case kDate:
		db := b.(*array.Date32Builder)
		return func(v []byte) error {
			if len(v) != 4 {
				return errLen("date", len(v))
			}
			d := int32(binary.BigEndian.Uint32(v))
			if d == math.MaxInt32 || d == math.MinInt32 {
				return fmt.Errorf("date infinity has no Arrow representation")
			}
			if db.Len() < db.Cap() {
				db.UnsafeAppend(arrow.Date32(d + pgEpochDays))
			} else {
				db.Append(arrow.Date32(d + pgEpochDays))
			}
			return nil
		}
	case kTime:
		tb := b.(*array.Time64Builder)
		return func(v []byte) error {
			if len(v) != 8 {
				return errLen("time", len(v))
			}
			if tb.Len() < tb.Cap() {
				tb.UnsafeAppend(arrow.Time64(int64(binary.BigEndian.Uint64(v))))
			} else {
				tb.Append(arrow.Time64(int64(binary.BigEndian.Uint64(v))))
			}
			return nil
		}
	case kTimestamp, kTimestamptz:
		tb := b.(*array.TimestampBuilder)
		return func(v []byte) error {
			if len(v) != 8 {
				return errLen("timestamp", len(v))
			}
			t := int64(binary.BigEndian.Uint64(v))
			if t == math.MaxInt64 || t == math.MinInt64 {
				return fmt.Errorf("timestamp infinity has no Arrow representation")
			}
			if tb.Len() < tb.Cap() {
				tb.UnsafeAppend(arrow.Timestamp(t + pgEpochMicros))
			} else {
				tb.Append(arrow.Timestamp(t + pgEpochMicros))
			}
			return nil
		}
	case kInterval:
		ib := b.(*array.MonthDayNanoIntervalBuilder)
		return func(v []byte) error {
			if len(v) != 16 {
				return errLen("interval", len(v))
			}
			us := int64(binary.BigEndian.Uint64(v))
			ib.Append(arrow.MonthDayNanoInterval{
				Nanoseconds: us * 1000,
				Days:        int32(binary.BigEndian.Uint32(v[8:])),
				Months:      int32(binary.BigEndian.Uint32(v[12:])),
			})
			return nil
		}
	case kUUID:
		sb := b.(*array.StringBuilder)
		var buf [36]byte
		return func(v []byte) error {
			if len(v) != 16 {
				return errLen("uuid", len(v))
			}
			formatUUID(&buf, v)
			appendBytes(sb.BinaryBuilder, buf[:])
			return nil
		}
	case kList:
		lb := b.(*array.ListBuilder)
		vb := lb.ValueBuilder()
		dec := fieldDecoder(elem, 0, scale, vb)
		return func(v []byte) error { return decodeArray(v, lb, vb, dec) }
	}
	panic(fmt.Sprintf("postgres: no decoder for kind %d", k))
}

// appendBytes appends v to b without the growth checks of Append when the
// builder already has room (the decoder reserves a batch's worth up front).
func appendBytes(b *array.BinaryBuilder, v []byte) {
	if b.Len() < b.Cap() && b.DataLen()+len(v) <= b.DataCap() {
		b.UnsafeAppend(v)
		return
	}
	b.Append(v)
}

const hexDigits = "0123456789abcdef"

func formatUUID(dst *[36]byte, v []byte) {
	j := 0
	for i := 0; i < 16; i++ {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			dst[j] = '-'
			j++
		}
		dst[j], dst[j+1] = hexDigits[v[i]>>4], hexDigits[v[i]&0xf]
		j += 2
	}
}

// decodeArray decodes a binary array (one dimension) into a list.
func decodeArray(v []byte, lb *array.ListBuilder, vb array.Builder, dec func([]byte) error) error {
	if len(v) < 12 {
		return errLen("array", len(v))
	}
	ndim := int32(binary.BigEndian.Uint32(v))
	if ndim == 0 {
		lb.Append(true)
		return nil
	}
	if ndim != 1 {
		return fmt.Errorf("array of %d dimensions: only one-dimensional arrays are supported", ndim)
	}
	if len(v) < 20 {
		return errLen("array", len(v))
	}
	n := int(int32(binary.BigEndian.Uint32(v[12:])))
	lb.Append(true)
	off := 20
	for i := 0; i < n; i++ {
		if off+4 > len(v) {
			return fmt.Errorf("truncated array")
		}
		l := int(int32(binary.BigEndian.Uint32(v[off:])))
		off += 4
		if l < 0 {
			vb.AppendNull()
			continue
		}
		if off+l > len(v) {
			return fmt.Errorf("truncated array")
		}
		if err := dec(v[off : off+l]); err != nil {
			return err
		}
		off += l
	}
	return nil
}

// Numeric sign words of the binary format.
const (
	numericPos  = 0x0000
	numericNeg  = 0x4000
	numericNaN  = 0xC000
	numericPInf = 0xD000
	numericNInf = 0xF000
)

var pow10u64 = func() (t [20]uint64) {
	t[0] = 1
	for i := 1; i < len(t); i++ {
		t[i] = t[i-1] * 10
	}
	return t
}()

var pow10dec = func() (t [39]decimal128.Num) {
	t[0] = decimal128.FromU64(1)
	ten := decimal128.FromU64(10)
	for i := 1; i < len(t); i++ {
		t[i] = t[i-1].Mul(ten)
	}
	return t
}()

// decodeNumeric converts a binary numeric (base-10000 digits) to the
// unscaled decimal128 of a column with the given scale.
func decodeNumeric(v []byte, scale int32) (decimal128.Num, error) {
	if len(v) < 8 {
		return decimal128.Num{}, errLen("numeric", len(v))
	}
	ndigits := int(binary.BigEndian.Uint16(v))
	weight := int(int16(binary.BigEndian.Uint16(v[2:])))
	sign := binary.BigEndian.Uint16(v[4:])
	switch sign {
	case numericNaN:
		return decimal128.Num{}, fmt.Errorf("numeric NaN has no decimal representation")
	case numericPInf, numericNInf:
		return decimal128.Num{}, fmt.Errorf("numeric infinity has no decimal representation")
	case numericPos, numericNeg:
	default:
		return decimal128.Num{}, fmt.Errorf("numeric sign %#x", sign)
	}
	if len(v) != 8+2*ndigits {
		return decimal128.Num{}, errLen("numeric", len(v))
	}
	var acc uint64
	var wide decimal128.Num
	isWide := false
	exp := 0 // power of ten still owed by acc
	for i := 0; i < ndigits; i++ {
		d := uint64(binary.BigEndian.Uint16(v[8+2*i:]))
		e := 4*(weight-i) + int(scale)
		if e < 0 {
			if -e >= len(pow10u64) || d%pow10u64[-e] != 0 {
				if d != 0 {
					return decimal128.Num{}, fmt.Errorf("numeric has more fractional digits than scale %d", scale)
				}
				d = 0
			} else {
				d /= pow10u64[-e]
			}
			e = 0
		}
		if i == 0 {
			acc, exp = d, e
			continue
		}
		shift := exp - e
		if !isWide && acc <= (math.MaxUint64-d)/pow10u64[shift] {
			acc = acc*pow10u64[shift] + d
		} else {
			if !isWide {
				wide, isWide = decimal128.FromU64(acc), true
			}
			wide = wide.Mul(pow10dec[shift]).Add(decimal128.FromU64(d))
		}
		exp = e
	}
	if exp > 38 {
		return decimal128.Num{}, fmt.Errorf("numeric exceeds 38 digits")
	}
	if !isWide && exp < len(pow10u64) && acc <= math.MaxUint64/pow10u64[exp] && acc*pow10u64[exp] <= math.MaxInt64 {
		n := int64(acc * pow10u64[exp])
		if sign == numericNeg {
			n = -n
		}
		return decimal128.FromI64(n), nil
	}
	if !isWide {
		wide = decimal128.FromU64(acc)
	}
	wide = wide.Mul(pow10dec[exp])
	if sign == numericNeg {
		wide = wide.Negate()
	}
	return wide, nil
}
