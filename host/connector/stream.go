package connector

import (
	"context"
	"errors"
	"io"
	"sync"

	"github.com/dpone-go/dpone/host/catalog"
	"github.com/dpone-go/dpone/host/connector/v1convert"
	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
)

// ReadStream is the output of one Read: Recv returns the schema, batches,
// checkpoints, progress and log messages in order. It is not safe for
// concurrent use.
type ReadStream struct {
	c      *Client
	ctx    context.Context
	cancel context.CancelFunc
	rs     connectorv1.Connector_ReadClient
	err    error // sticky terminal error
}

// Read starts reading req.Stream. Cancel ctx or call ReadStream.Close to
// stop the read early; the plugin sees its context cancelled.
func (c *Client) Read(ctx context.Context, req *catalog.ReadRequest) (*ReadStream, error) {
	if err := c.alive("Read"); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	rs, err := c.rpc.Read(ctx, v1convert.WireRead(req))
	if err != nil {
		err = c.callErr(ctx, "Read", err)
		cancel()
		return nil, err
	}
	return &ReadStream{c: c, ctx: ctx, cancel: cancel, rs: rs}, nil
}

// Recv returns the next message. It returns io.EOF after the last one, the
// connector's *Error when the read failed in-band, an *ExitError when the
// plugin died, and ctx's error when the read was cancelled. After an error,
// Recv keeps returning it. A batch's bytes are the transport's, not a
// copy; a message kind from a newer protocol minor is skipped.
func (s *ReadStream) Recv() (catalog.ReadMessage, error) {
	for {
		if s.err != nil {
			return catalog.ReadMessage{}, s.err
		}
		msg, err := s.rs.Recv()
		switch {
		case errors.Is(err, io.EOF):
			s.finish(io.EOF)
			return catalog.ReadMessage{}, io.EOF
		case err != nil:
			s.finish(s.c.callErr(s.ctx, "Read", err))
			return catalog.ReadMessage{}, s.err
		}
		if pe := msg.GetError(); pe != nil {
			s.finish(ErrorFromProto(s.c.name, pe))
			return catalog.ReadMessage{}, s.err
		}
		if m := v1convert.ReadMessage(msg); m.Kind != catalog.MessageUnspecified {
			return m, nil
		}
	}
}

func (s *ReadStream) finish(err error) {
	s.err = err
	s.cancel()
}

// Close stops the read (the plugin sees its context cancelled) and frees
// the stream. It is safe to call after Recv returned an error.
func (s *ReadStream) Close() error {
	if s.err == nil {
		s.err = errors.New("read stream closed")
	}
	s.cancel()
	return nil
}

// WriteStream sends batches to one Write call of a load. It is not safe for
// concurrent use; open several for parallel writes to one load.
type WriteStream struct {
	c      *Client
	ctx    context.Context
	cancel context.CancelFunc
	ws     connectorv1.Connector_WriteClient

	once sync.Once
	resp catalog.WriteResult
	err  error
}

// Write opens a write stream for load begin and sends its header (the
// load id, the sink config and the whole request, so that a restarted
// plugin finds the load).
func (c *Client) Write(ctx context.Context, begin *catalog.BeginLoad) (*WriteStream, error) {
	return c.write(ctx, begin, "")
}

// WriteHandoff opens a write stream for load begin that takes its payloads
// in the plugin's process from the Read whose request named handoff
// (protocol v1.4, Capabilities.PayloadHandoff): nothing is sent on it;
// CloseAndRecv, after that Read ended, returns what the plugin staged.
func (c *Client) WriteHandoff(ctx context.Context, begin *catalog.BeginLoad, handoff string) (*WriteStream, error) {
	return c.write(ctx, begin, handoff)
}

func (c *Client) write(ctx context.Context, begin *catalog.BeginLoad, handoff string) (*WriteStream, error) {
	if err := c.alive("Write"); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	ws, err := c.rpc.Write(ctx)
	if err != nil {
		err = c.callErr(ctx, "Write", err)
		cancel()
		return nil, err
	}
	s := &WriteStream{c: c, ctx: ctx, cancel: cancel, ws: ws}
	h := &connectorv1.WriteHeader{ConfigJson: begin.ConfigJSON, LoadId: begin.LoadID, Begin: v1convert.WireBegin(begin),
		PayloadHandoff: handoff}
	if err := s.send(&connectorv1.WriteMessage{Msg: &connectorv1.WriteMessage_Header{Header: h}}); err != nil {
		return nil, err
	}
	return s, nil
}

// Send sends one batch; its bytes go to the transport as they are (no
// copy). When the plugin ended the stream early (it failed), Send returns
// the plugin's error.
func (s *WriteStream) Send(b catalog.Batch) error {
	return s.send(&connectorv1.WriteMessage{Msg: &connectorv1.WriteMessage_Batch{Batch: v1convert.WireBatch(b)}})
}

func (s *WriteStream) send(m *connectorv1.WriteMessage) error {
	if s.err != nil {
		return s.err
	}
	err := s.ws.Send(m)
	if err == nil {
		return nil
	}
	if errors.Is(err, io.EOF) {
		// The server closed the stream: its status or response says why.
		_, rerr := s.CloseAndRecv()
		if rerr == nil {
			rerr = errors.New("connector " + s.c.name + " ended the write stream early")
		}
		return rerr
	}
	s.finish(catalog.WriteResult{}, s.c.callErr(s.ctx, "Write", err))
	return s.err
}

// CloseAndRecv ends the stream and returns what the plugin staged; an
// in-band failure is the connector's *Error.
func (s *WriteStream) CloseAndRecv() (catalog.WriteResult, error) {
	s.once.Do(func() {
		resp, err := s.ws.CloseAndRecv()
		switch {
		case err != nil:
			s.finish(catalog.WriteResult{}, s.c.callErr(s.ctx, "Write", err))
		default:
			s.finish(v1convert.WriteResult(resp), ErrorFromProto(s.c.name, resp.GetError()))
		}
	})
	return s.resp, s.err
}

func (s *WriteStream) finish(resp catalog.WriteResult, err error) {
	s.resp, s.err = resp, err
	s.cancel()
}
