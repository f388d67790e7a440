package kafka

import (
	"encoding/binary"
	"errors"
	"fmt"

	ck "github.com/confluentinc/confluent-kafka-go/v2/kafka"
)

// Staging bundles: Write packs many encoded messages (key and value, as
// they will be published) into one staging message of about bundleBytes,
// so the staging topic costs a few large produces and fetches per load
// instead of one per row; CommitLoad unpacks them and publishes each
// message into the target. The broker's per-message work, not its bytes,
// is what the double write cost.

// headerStaging marks a staging message as a bundle of this format. A
// staging message without it is one row's message (older plugins).
const (
	headerStaging = "dpone-staging"
	stagingBundle = "bundle-v1"
)

// bundleBytes bounds a bundle: well under the brokers' default
// message.max.bytes (1 MB). A single message larger than that is a bundle
// of its own (as large as its target message would be).
const bundleBytes = 256 << 10

// bundle accumulates framed messages: for each, the key's length plus one
// (0: nil key) as a uvarint, the key, the value's length plus one (0:
// null value), the value.
type bundle struct {
	buf []byte
	n   int
}

// add appends one message.
func (b *bundle) add(key, value []byte) {
	b.buf = appendFrame(b.buf, key)
	b.buf = appendFrame(b.buf, value)
	b.n++
}

func appendFrame(dst, p []byte) []byte {
	if p == nil {
		return binary.AppendUvarint(dst, 0)
	}
	dst = binary.AppendUvarint(dst, uint64(len(p))+1)
	return append(dst, p...)
}

// fits reports whether a message goes into the bundle without taking it
// past bundleBytes; an empty bundle takes any message, so a bundle is
// larger only when it holds one message (about the size it has in the
// target, which the broker must accept anyway).
func (b *bundle) fits(key, value []byte) bool {
	return b.n == 0 || len(b.buf)+len(key)+len(value)+2*binary.MaxVarintLen64 <= bundleBytes
}

// reset empties the bundle, keeping its buffer (the producer copied it).
func (b *bundle) reset() { b.buf, b.n = b.buf[:0], 0 }

// stagingHeaders are the headers of a staging bundle message.
var stagingHeaders = []ck.Header{{Key: headerStaging, Value: []byte(stagingBundle)}}

// isBundle reports whether a staging message is a bundle.
func isBundle(m *ck.Message) bool {
	for _, h := range m.Headers {
		if h.Key == headerStaging {
			return string(h.Value) == stagingBundle
		}
	}
	return false
}

// errBundle reports a staging bundle that does not parse.
var errBundle = errors.New("staging bundle is corrupt")

// eachBundled calls fn with every message of a bundle, in order. The key
// and value alias the bundle.
func eachBundled(value []byte, fn func(key, value []byte) error) error {
	for len(value) > 0 {
		var kv [2][]byte
		for i := range kv {
			n, w := binary.Uvarint(value)
			if w <= 0 || n > uint64(len(value)-w)+1 {
				return fmt.Errorf("%w: bad frame length", errBundle)
			}
			value = value[w:]
			if n > 0 {
				kv[i], value = value[:n-1:n-1], value[n-1:]
			}
		}
		if err := fn(kv[0], kv[1]); err != nil {
			return err
		}
	}
	return nil
}
