package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/dpone-go/dpone/sdk"
)

// Native passthrough, sink side: binary COPY tuples from a PostgreSQL
// source go into staging with COPY FROM as they came. A tuple's fields are
// in their source types' binary forms, which COPY accepts only into columns
// of the same types: AcceptPayload compares staging's column types with
// the fields' native types (dpone.native) before the host commits to the
// path. Lineage columns are not in the COPY column list: staging gives
// them their constant values (column defaults on a swap, the commit's
// INSERT otherwise), as on the Arrow path.

// AcceptedPayloadFormats lists the native formats WritePayload takes.
func (c *Connector) AcceptedPayloadFormats() []string { return []string{sdk.PayloadPGBinaryCopy} }

// textTypes are the types whose binary form is the bare text (the
// receiving column's typmod applies as on any input).
var textTypes = map[uint32]bool{25: true, 1043: true} // text, varchar

// AcceptPayload says whether every loaded column of staging has the type
// of the field's source type, so the source's binary tuples fit.
func (c *Connector) AcceptPayload(ctx context.Context, req sdk.LoadRequest, format string) (string, error) {
	if format != sdk.PayloadPGBinaryCopy {
		return "the postgres sink takes only " + sdk.PayloadPGBinaryCopy, nil
	}
	l, err := resolveLoad(req, false)
	if err != nil {
		return "", err
	}
	if req.Schema == nil {
		return "the load has no schema", nil
	}
	conn, err := connect(ctx, req.Config)
	if err != nil {
		return "", err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	cols, err := tableColumns(ctx, conn, l.schema, l.stgName)
	if err != nil {
		return "", classify(fmt.Errorf("accept payload of load %s: %w", req.LoadID, err))
	}
	have := map[string]pgColumn{}
	for _, c := range cols {
		have[c.Name] = c
	}
	for _, f := range req.Schema.Fields() {
		native, _ := f.Metadata.GetValue(sdk.MetaNative)
		if native == "" {
			return fmt.Sprintf("column %s has no source type name", f.Name), nil
		}
		col, ok := have[f.Name]
		if !ok {
			return fmt.Sprintf("staging has no column %s", f.Name), nil
		}
		var oid uint32
		if err := conn.QueryRow(ctx, "SELECT to_regtype($1)::oid", native).Scan(&oid); err != nil || oid == 0 {
			return fmt.Sprintf("column %s: source type %s is unknown here", f.Name, native), nil
		}
		if oid != col.OID && !(textTypes[oid] && textTypes[col.OID]) {
			return fmt.Sprintf("column %s: source type %s, staging type %s", f.Name, native, col.Native), nil
		}
	}
	return "", nil
}

// WritePayload appends binary COPY tuples to the load's staging table.
func (c *Connector) WritePayload(ctx context.Context, req sdk.LoadRequest, format string, in sdk.PayloadReader) (sdk.WriteResult, error) {
	if format != sdk.PayloadPGBinaryCopy {
		return sdk.WriteResult{}, sdk.Errorf(sdk.CodeUnsupported, "postgres sink: payload format %q: only %s", format, sdk.PayloadPGBinaryCopy)
	}
	l, err := resolveLoad(req, false)
	if err != nil {
		return sdk.WriteResult{}, err
	}
	if req.Schema == nil || req.Schema.NumFields() == 0 {
		return sdk.WriteResult{}, sdk.Errorf(sdk.CodeSchema, "postgres sink: write %s: the load has no schema", req.LoadID)
	}
	names := make([]string, req.Schema.NumFields())
	for i, f := range req.Schema.Fields() {
		names[i] = ident(f.Name)
	}
	conn, err := connect(ctx, req.Config)
	if err != nil {
		return sdk.WriteResult{}, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	r := &payloadCopyReader{in: in, cur: copyHeader}
	tag, err := copyIntoStaging(ctx, conn, l, names, r, soleWriter(req))
	if r.err != nil {
		return sdk.WriteResult{}, r.err
	}
	if err != nil {
		if ctx.Err() != nil {
			return sdk.WriteResult{}, ctx.Err()
		}
		return sdk.WriteResult{}, classify(fmt.Errorf("write %s: copy into staging: %w", l.staging, err))
	}
	return sdk.WriteResult{Rows: tag.RowsAffected(), Bytes: r.bytes}, nil
}

// copyHeader and copyTrailer frame a binary COPY stream (no flags, no
// header extension).
var (
	copyHeader  = []byte("PGCOPY\n\xff\r\n\x00\x00\x00\x00\x00\x00\x00\x00\x00")
	copyTrailer = []byte{0xff, 0xff}
)

// payloadCopyReader is the io.Reader CopyFrom drains: the header, every
// payload as it came, the trailer.
type payloadCopyReader struct {
	in    sdk.PayloadReader
	cur   []byte
	ended bool
	bytes int64
	err   error // kept: CopyFrom only reports that the copy was aborted
}

func (r *payloadCopyReader) Read(p []byte) (int, error) {
	for len(r.cur) == 0 {
		if r.ended {
			return 0, io.EOF
		}
		data, _, err := r.in.Next()
		if errors.Is(err, io.EOF) {
			r.cur, r.ended = copyTrailer, true
			continue
		}
		if err != nil {
			r.err = err
			return 0, err
		}
		r.cur = data
		r.bytes += int64(len(data))
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	return n, nil
}
