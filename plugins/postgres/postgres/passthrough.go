package postgres

import (
	"context"
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/dpone-go/dpone/sdk"
)

// Native passthrough, source side: a full read whose columns all leave
// COPY in their own type's binary form (no cast to text) can be sent as
// PostgreSQL binary COPY tuples (sdk.PayloadPGBinaryCopy) instead of
// Arrow: no decode here, no encode in a PostgreSQL sink.

// PayloadFormats lists the native formats ReadPayload emits.
func (c *Connector) PayloadFormats() []string { return []string{sdk.PayloadPGBinaryCopy} }

var (
	_ sdk.PayloadSource      = (*Connector)(nil)
	_ sdk.PayloadDestination = (*Connector)(nil)
)

// payloadFormats are the native formats a full read of plans can emit: none
// when a column is cast in the COPY query (its binary form would not be
// its native type's).
func payloadFormats(plans []colPlan) []string {
	for _, p := range plans {
		if p.expr != ident(p.name) {
			return nil
		}
	}
	return []string{sdk.PayloadPGBinaryCopy}
}

// ReadPayload streams a full read (or one partition of it) as binary COPY
// tuples, about out.BatchBytes() per payload, cut at tuple boundaries.
func (c *Connector) ReadPayload(ctx context.Context, req sdk.ReadRequest, format string, out sdk.PayloadWriter) error {
	if format != sdk.PayloadPGBinaryCopy {
		return sdk.Errorf(sdk.CodeUnsupported, "postgres source: payload format %q: only %s", format, sdk.PayloadPGBinaryCopy)
	}
	opts, err := parseReadOptions(req.Options)
	if err != nil {
		return err
	}
	if req.Mode == sdk.ReadIncremental {
		return sdk.Errorf(sdk.CodeUnsupported, "postgres source: incremental reads of %s need the cursor's values: read Arrow", streamName(req, opts))
	}
	var part *partitionDesc
	if len(req.Partition) > 0 {
		if part, err = parsePartition(req.Partition, req, opts); err != nil {
			return err
		}
	}
	conn, err := connect(ctx, req.Config)
	if err != nil {
		if part != nil {
			c.snapshots.imported(part.Snapshot)
		}
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if part != nil {
		if err := c.importSnapshot(ctx, conn, part); err != nil {
			return err
		}
	}
	var cols []pgColumn
	var from string
	var estimate int64
	if opts.Query != "" {
		if cols, err = describeQuery(ctx, conn, opts.Query); err != nil {
			return err
		}
		from = "(" + opts.Query + ") AS _dpone_q"
	} else {
		if req.Stream == "" {
			return sdk.Errorf(sdk.CodeConfig, "postgres source: no stream (table) and no query option")
		}
		rel, err := lookupTable(ctx, conn, req.Namespace, req.Stream)
		if err != nil {
			return err
		}
		cols, estimate, from = rel.Columns, rel.Rows, qualified(req.Namespace, req.Stream)
	}
	where, err := rangeWhere(ctx, conn, opts, req, cols)
	if err != nil {
		return err
	}
	if cols, err = project(cols, req.Columns, nil); err != nil {
		return err
	}
	plans := planColumns(cols)
	if payloadFormats(plans) == nil {
		return sdk.Errorf(sdk.CodeUnsupported, "postgres source: %s has columns read as text (types with no logical type): read Arrow", streamName(req, opts))
	}
	fields, exprs := make([]arrow.Field, len(plans)), make([]string, len(plans))
	for i := range plans {
		fields[i], exprs[i] = plans[i].field, plans[i].expr
	}
	if err := out.Schema(arrow.NewSchema(fields, nil)); err != nil {
		return err
	}
	if part != nil {
		where, estimate = andWhere(where, part.where()), part.Rows
	}
	sql := "COPY (SELECT " + strings.Join(exprs, ", ") + " FROM " + from + where + ") TO STDOUT (FORMAT binary)"
	ch := &copyChunker{out: out, limit: out.BatchBytes(), estimate: estimate, fields: len(plans)}
	if _, err := conn.PgConn().CopyTo(ctx, ch, sql); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if ch.err != nil {
			return ch.err
		}
		return classify(fmt.Errorf("read %s: %w", streamName(req, opts), err))
	}
	return ch.finish()
}

// copyHeaderLen is the fixed part of a binary COPY header: the 11-byte
// signature, 32-bit flags and the 32-bit length of the extension area
// that follows.
const copyHeaderLen = 19

// copyChunker is the io.Writer CopyTo fills with a binary COPY stream: it
// drops the header and trailer and sends whole tuples, limit bytes or so
// at a time. It walks the field lengths only; values stay as they are.
type copyChunker struct {
	out      sdk.PayloadWriter
	limit    int
	estimate int64
	fields   int
	buf      []byte
	header   bool  // the header was read
	skip     int   // header bytes still to drop
	parsed   int   // bytes of whole tuples at the start of buf
	rows     int64 // tuples in buf[:parsed]
	sent     int64
	ended    bool // the trailer was seen
	err      error
}

func (c *copyChunker) Write(p []byte) (int, error) {
	c.buf = append(c.buf, p...)
	if err := c.scan(); err != nil {
		c.err = err
		return 0, err
	}
	if c.parsed >= c.limit {
		if err := c.flush(); err != nil {
			c.err = err
			return 0, err
		}
	}
	return len(p), nil
}

// scan drops the header once and advances parsed over every whole tuple.
func (c *copyChunker) scan() error {
	if !c.header {
		if len(c.buf) < copyHeaderLen {
			return nil
		}
		if string(c.buf[:11]) != "PGCOPY\n\xff\r\n\x00" {
			return fmt.Errorf("binary copy: bad signature")
		}
		c.skip, c.header = copyHeaderLen+int(binary.BigEndian.Uint32(c.buf[15:19])), true
	}
	if c.skip > 0 {
		if len(c.buf) < c.skip {
			return nil
		}
		c.buf = c.buf[:copy(c.buf, c.buf[c.skip:])]
		c.skip = 0
	}
	b := c.buf
	for !c.ended && c.parsed+2 <= len(b) {
		n := int(int16(binary.BigEndian.Uint16(b[c.parsed:])))
		if n == -1 {
			c.ended = true
			c.buf = b[:c.parsed] // the trailer is not a tuple
			return nil
		}
		if n != c.fields {
			return fmt.Errorf("binary copy: tuple of %d fields, want %d", n, c.fields)
		}
		off := c.parsed + 2
		whole := true
		for i := 0; i < n; i++ {
			if off+4 > len(b) {
				whole = false
				break
			}
			l := int(int32(binary.BigEndian.Uint32(b[off:])))
			off += 4
			if l > 0 {
				off += l
			}
			if off > len(b) {
				whole = false
				break
			}
		}
		if !whole {
			break
		}
		c.parsed = off
		c.rows++
	}
	return nil
}

// flush sends the whole tuples buffered so far.
func (c *copyChunker) flush() error {
	if c.rows == 0 {
		return nil
	}
	if err := c.out.WritePayload(c.buf[:c.parsed], c.rows); err != nil {
		return err
	}
	c.sent += c.rows
	rest := copy(c.buf, c.buf[c.parsed:])
	c.buf, c.parsed, c.rows = c.buf[:rest], 0, 0
	return c.out.Progress(c.sent, c.estimate)
}

// finish sends the last tuples; the stream must have ended with its
// trailer.
func (c *copyChunker) finish() error {
	if err := c.flush(); err != nil {
		return err
	}
	if !c.ended || len(c.buf) > 0 {
		return sdk.Errorf(sdk.CodeInternal, "binary copy ended without its trailer (%d bytes left)", len(c.buf))
	}
	return nil
}
