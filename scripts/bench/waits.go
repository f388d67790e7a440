package main

import (
	"context"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// waitSampler polls pg_stat_activity of the target database while a run
// loads it and counts what its COPY backends were doing: running (CPU) or
// waiting, by wait event. Parallel partitions into one staging table wait
// on the relation's extension lock ("Lock:extend"); its share of the
// samples says how much they contend.
type waitSampler struct {
	stop chan struct{}
	done sync.WaitGroup
	mu   sync.Mutex
	seen map[string]int
}

func startWaitSampler(dsn string, every time.Duration) *waitSampler {
	w := &waitSampler{stop: make(chan struct{}), seen: map[string]int{}}
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		return w // no samples: the table shows none
	}
	w.done.Add(1)
	go func() {
		defer w.done.Done()
		defer conn.Close(context.Background())
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			rows, err := conn.Query(context.Background(), `SELECT coalesce(wait_event_type || ':' || wait_event, 'CPU')
FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND query ILIKE 'copy%' AND pid <> pg_backend_pid()`)
			if err == nil {
				var ev string
				_, _ = pgx.ForEachRow(rows, []any{&ev}, func() error {
					w.mu.Lock()
					w.seen[ev]++
					w.mu.Unlock()
					return nil
				})
			}
			select {
			case <-w.stop:
				return
			case <-t.C:
			}
		}
	}()
	return w
}

// Stop ends sampling and returns the samples per state and the share of
// them waiting on a relation extension lock.
func (w *waitSampler) Stop() (map[string]int, float64) {
	close(w.stop)
	w.done.Wait()
	w.mu.Lock()
	defer w.mu.Unlock()
	total := 0
	for _, n := range w.seen {
		total += n
	}
	if total == 0 {
		return nil, 0
	}
	return w.seen, float64(w.seen["Lock:extend"]) / float64(total)
}
