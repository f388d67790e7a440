package connectortest

import (
	"context"
	"encoding/binary"
	"slices"

	"github.com/dpone-go/dpone/host/catalog"
)

// Native payloads (protocol v1.2). With Fake.Payload set, the stream lists
// that format, the source emits it when a read asks (ids as 8-byte
// big-endian integers) and the sink accepts it at BeginLoadPayload, unless
// Fake.RefusePayload gives the reason it refuses. A batch whose kind
// (payload or Arrow) is not the one its load accepted is a violation.

// encodeIDs is the fake's native payload of ids.
func encodeIDs(ids []int64) []byte {
	out := make([]byte, 0, 8*len(ids))
	for _, id := range ids {
		out = binary.BigEndian.AppendUint64(out, uint64(id))
	}
	return out
}

// decodeIDs reads a native payload of ids.
func decodeIDs(p []byte) ([]int64, bool) {
	if len(p)%8 != 0 {
		return nil, false
	}
	out := make([]int64, len(p)/8)
	for i := range out {
		out[i] = int64(binary.BigEndian.Uint64(p[8*i:]))
	}
	return out, true
}

// payloadFormats is what the stream and the capabilities list.
func (f *Fake) payloadFormats() []string {
	if f.Payload == "" {
		return nil
	}
	return []string{f.Payload}
}

// BeginLoadPayload is BeginLoad answering the proposed payload format.
func (f *Fake) BeginLoadPayload(ctx context.Context, req *catalog.BeginLoad) (staging, format, reason string, err error) {
	staging, err = f.BeginLoad(ctx, req)
	if err != nil {
		return "", "", "", err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	switch p := req.PayloadFormat; {
	case p == "" || p != f.Payload:
		return staging, "", "not offered", nil
	case f.RefusePayload != "":
		return staging, "", f.RefusePayload, nil
	default:
		f.loads[req.LoadID].format = p
		return staging, p, "", nil
	}
}

// ReadFormats returns the payload format of every Read so far, in order
// ("" for Arrow).
func (f *Fake) ReadFormats() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.readFormats)
}
