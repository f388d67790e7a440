package clickhouse

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"

	ch "github.com/ClickHouse/clickhouse-go/v2"
)

// detach is the context of every statement the connector sends: ctx's
// values (settings, query id) without its cancellation. clickhouse-go
// answers a cancelled context by dropping the connection mid-protocol,
// and the ClickHouse server of the tests (chDB) shuts down when a client
// vanishes in the middle of a packet. Statements are short except a
// Read's scan, which scan cancels on the server with KILL QUERY instead.
func detach(ctx context.Context) context.Context { return context.WithoutCancel(ctx) }

// withQueryID returns ctx carrying a fresh query id, and the id.
func withQueryID(ctx context.Context) (context.Context, string) {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	id := "dpone-" + hex.EncodeToString(b)
	return ch.Context(ctx, ch.WithQueryID(id)), id
}

// kill stops a running query on the server (KILL QUERY … SYNC waits for
// it to end).
func (s *server) kill(id string) error {
	if err := s.conn.Exec(context.Background(), "KILL QUERY WHERE query_id = ? SYNC", id); err != nil {
		return classify(fmt.Errorf("kill query %s: %w", id, err))
	}
	return nil
}
