package sdktest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"google.golang.org/protobuf/proto"

	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
	"github.com/dpone-go/dpone/proto/logical"
)

// payloadCheck certifies a stream's native payload formats (protocol
// v1.2): the same rows either way. For each format the discovered stream
// lists, it reads the stream with that format and with Arrow, and, when the
// connector's sink accepts the format too, loads both reads (the bytes as
// they came, as the host forwards them) into two fresh targets and compares
// the targets read back. A source whose sink does not take its format is
// checked for the payload read's row count only.
func (s *session) payloadCheck(c *checkT, st StreamFixture, disc *connectorv1.Stream) {
	formats := disc.GetPayloadFormats()
	if len(formats) == 0 {
		c.notApplicable("the stream lists no native payload format")
	}
	caps := s.spec.GetCapabilities()
	for _, f := range formats {
		if !slices.Contains(caps.GetSourcePayloadFormats(), f) {
			c.Errorf("stream lists payload format %q, which the capabilities' source_payload_formats %v do not", f, caps.GetSourcePayloadFormats())
		}
	}
	p := s.client(c)
	ctx, cancel := s.ctx()
	defer cancel()
	arrowRead, err := rawRead(ctx, p, s.readRequest(st, connectorv1.SourceMode_SOURCE_MODE_FULL, st.Options))
	if err != nil {
		c.Fatalf("arrow read of %s: %v", streamKey(st), err)
	}
	for _, f := range formats {
		req := s.readRequest(st, connectorv1.SourceMode_SOURCE_MODE_FULL, st.Options)
		req.PayloadFormat = f
		pr, err := rawRead(ctx, p, req)
		if err != nil {
			c.Fatalf("%s read of %s: %v", f, streamKey(st), err)
		}
		if pr.rows != arrowRead.rows {
			c.Errorf("%s read of %s: got %d rows, the Arrow read %d", f, streamKey(st), pr.rows, arrowRead.rows)
		}
		if !sameFields(pr.schema, arrowRead.schema) {
			c.Errorf("%s read of %s: schema %s differs from the Arrow read's %s", f, streamKey(st), pr.schema, arrowRead.schema)
		}
		if !caps.GetDestination() || !slices.Contains(caps.GetSinkPayloadFormats(), f) {
			c.notef("%s: %d rows, as many as Arrow; values not compared (the sink does not accept %s)", f, pr.rows, f)
			continue
		}
		mode := "full_refresh"
		if !slices.Contains(caps.GetSinkModes(), mode) {
			mode = s.firstMode()
		}
		aT, pT := s.table("payload_arrow"), s.table("payload_native")
		if err := s.rawLoad(c, ctx, p, "payload-arrow", aT, mode, arrowRead, ""); err != nil {
			c.Fatalf("arrow load of %s: %v", streamKey(st), err)
		}
		if err := s.rawLoad(c, ctx, p, "payload-"+f, pT, mode, pr, f); err != nil {
			c.Fatalf("%s load of %s: %v", f, streamKey(st), err)
		}
		want, got := s.readTarget(c, aT, arrowRead.schema), s.readTarget(c, pT, arrowRead.schema)
		if d := diffRows(want, got, fieldNames(arrowRead.schema), 10); d != nil {
			c.Errorf("%s and Arrow loads of %s differ:\n%s", f, streamKey(st), strings.Join(d, "\n"))
		}
		c.notef("%s: %d rows, the same as through Arrow", f, len(got))
		if !caps.GetPayloadHandoff() {
			continue
		}
		hT := s.table("payload_handoff")
		if err := s.handoffLoad(c, ctx, p, hT, mode, req, arrowRead); err != nil {
			c.Fatalf("%s load of %s handed over in process: %v", f, streamKey(st), err)
		}
		got = s.readTarget(c, hT, arrowRead.schema)
		if d := diffRows(want, got, fieldNames(arrowRead.schema), 10); d != nil {
			c.Errorf("%s load of %s handed over in process and the Arrow load differ:\n%s", f, streamKey(st), strings.Join(d, "\n"))
		}
		c.notef("%s handed over in process: %d rows, the same as through Arrow", f, len(got))
	}
}

// handoffLoad loads read req (a payload read) into target the way the host
// does when one process is source and sink (protocol v1.4): a Write whose
// header names a handoff id, then the Read naming the same id, whose
// batches must carry rows and handoff_bytes but no bytes.
func (s *session) handoffLoad(c *checkT, ctx context.Context, cc connectorv1.ConnectorClient, target *connectorv1.TableRef, mode string,
	req *connectorv1.ReadRequest, like rawResult) error {
	l, ws, err := s.beginRaw(c, ctx, cc, "payload-handoff", target, mode, like.schema, req.GetPayloadFormat(), true)
	if err != nil {
		return err
	}
	hreq := proto.Clone(req).(*connectorv1.ReadRequest)
	hreq.PayloadHandoff = l.id()
	r, err := rawRead(ctx, cc, hreq)
	if err != nil {
		_, _ = ws.CloseAndRecv()
		_ = l.abort(ctx, cc)
		return err
	}
	if r.rows != like.rows || r.handed == 0 && r.rows > 0 {
		_, _ = ws.CloseAndRecv()
		_ = l.abort(ctx, cc)
		return fmt.Errorf("the read handed over %d rows (%d bytes), the Arrow read has %d", r.rows, r.handed, like.rows)
	}
	return finishRaw(ctx, cc, l, ws, r.rows)
}

// rawResult is a read whose batches are kept as they came.
type rawResult struct {
	schema  *arrow.Schema
	wire    *connectorv1.Schema
	batches []*connectorv1.Batch
	rows    int64
	handed  int64 // bytes handed over in process (ReadRequest.payload_handoff)
}

// rawRead runs one Read to its end and keeps its batches; an in-band error
// is returned as an error.
func rawRead(ctx context.Context, cc connectorv1.ConnectorClient, req *connectorv1.ReadRequest) (rawResult, error) {
	var res rawResult
	rs, err := cc.Read(ctx, req)
	if err != nil {
		return res, err
	}
	for {
		m, err := rs.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return res, err
		}
		switch x := m.GetMsg().(type) {
		case *connectorv1.ReadMessage_Schema:
			if res.schema, err = logical.ArrowSchema(x.Schema); err != nil {
				return res, err
			}
			res.wire = x.Schema
		case *connectorv1.ReadMessage_Batch:
			handoff := req.GetPayloadHandoff() != ""
			if handoff && (len(x.Batch.GetPayload()) > 0 || len(x.Batch.GetArrowIpc()) > 0) {
				return res, fmt.Errorf("a batch of a read handing its payloads over carries %d payload and %d Arrow bytes, want none",
					len(x.Batch.GetPayload()), len(x.Batch.GetArrowIpc()))
			}
			if !handoff && (req.GetPayloadFormat() == "") != (len(x.Batch.GetPayload()) == 0) {
				return res, fmt.Errorf("a batch of a read with payload_format %q carries %d payload bytes and %d Arrow bytes",
					req.GetPayloadFormat(), len(x.Batch.GetPayload()), len(x.Batch.GetArrowIpc()))
			}
			res.batches = append(res.batches, x.Batch)
			res.rows += x.Batch.GetRows()
			res.handed += x.Batch.GetHandoffBytes()
		case *connectorv1.ReadMessage_Error:
			return res, errors.New(errText(x.Error))
		}
	}
	if res.schema == nil {
		return res, fmt.Errorf("the read ended without a schema")
	}
	return res, nil
}

// rawLoad loads a read's batches as they came into target, proposing
// format ("" for Arrow) at BeginLoad as the host does.
func (s *session) rawLoad(c *checkT, ctx context.Context, cc connectorv1.ConnectorClient, what string, target *connectorv1.TableRef, mode string, r rawResult, format string) error {
	l, ws, err := s.beginRaw(c, ctx, cc, what, target, mode, r.schema, format, false)
	if err != nil {
		return err
	}
	for _, b := range r.batches {
		if err := ws.Send(&connectorv1.WriteMessage{Msg: &connectorv1.WriteMessage_Batch{Batch: b}}); err != nil {
			break // CloseAndRecv says why
		}
	}
	return finishRaw(ctx, cc, l, ws, r.rows)
}

// beginRaw begins a load of schema into target proposing format ("" for
// Arrow) as the host does, which the sink must accept, and opens its Write
// with the header; with handoff the header names the load id as the
// in-process handoff the Write takes its payloads from.
func (s *session) beginRaw(c *checkT, ctx context.Context, cc connectorv1.ConnectorClient, what string, target *connectorv1.TableRef,
	mode string, schema *arrow.Schema, format string, handoff bool) (*load, connectorv1.Connector_WriteClient, error) {
	l := s.newLoadKey(c, what, target, schema, mode, keyFor(mode))
	l.begin.PayloadFormat = format
	resp, err := cc.BeginLoad(ctx, l.begin)
	if err != nil {
		return nil, nil, err
	}
	if resp.GetError() != nil {
		return nil, nil, errors.New(errText(resp.GetError()))
	}
	if resp.GetPayloadFormat() != format {
		_ = l.abort(ctx, cc)
		return nil, nil, fmt.Errorf("the sink refused %s for a fresh target loaded from its own source: %s", format, resp.GetPayloadReason())
	}
	ws, err := cc.Write(ctx)
	if err != nil {
		return nil, nil, err
	}
	h := &connectorv1.WriteHeader{ConfigJson: l.begin.GetConfigJson(), LoadId: l.id(), Begin: l.begin}
	if handoff {
		h.PayloadHandoff = l.id()
	}
	if err := ws.Send(&connectorv1.WriteMessage{Msg: &connectorv1.WriteMessage_Header{Header: h}}); err != nil {
		return nil, nil, err
	}
	return l, ws, nil
}

// finishRaw ends a load's Write, which must have staged rows rows, and
// commits the load.
func finishRaw(ctx context.Context, cc connectorv1.ConnectorClient, l *load, ws connectorv1.Connector_WriteClient, rows int64) error {
	wr, err := ws.CloseAndRecv()
	if err != nil {
		return err
	}
	if wr.GetError() != nil {
		return errors.New(errText(wr.GetError()))
	}
	if wr.GetRows() != rows {
		return fmt.Errorf("Write staged %d rows, sent %d", wr.GetRows(), rows)
	}
	_, err = l.commit(ctx, cc)
	return err
}
