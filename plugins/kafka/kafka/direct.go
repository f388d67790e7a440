package kafka

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	ck "github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/dpone-go/dpone/sdk"
)

// Publishing during Write. A load's messages go to its staging topic in
// any case, so any process can commit or abort it by load id. When the
// process that began the load also writes and commits it (the usual
// case), it publishes them into the target as well, while it writes, in a
// transaction opened at BeginLoad (the unit's transactional id); the
// CommitLoad of that process adds the fence check and the receipt to the
// transaction and commits it, without reading staging back. Whenever that
// transaction cannot be the load — another process wrote part of it, a
// Write failed, a delivery failed, the load outlasted the transaction's
// window, the producer was fenced — it is aborted and CommitLoad publishes
// from staging, as with publish: at_commit.

// Values of the sink option publish.
const (
	publishAuto        = "auto"
	publishDuringWrite = "during_write"
	publishAtCommit    = "at_commit"
)

// directShare is the part of transaction_timeout a load may spend writing
// before it stops publishing during Write: the rest is left for the
// commit (the broker aborts a transaction older than its timeout).
const directShare = 0.75

// directLoad is the transaction a load publishes into while it writes.
type directLoad struct {
	pr       *producer
	loadID   string
	timeout  time.Duration // of one broker request (the abort)
	deadline time.Time

	// broken is why the transaction can no longer be committed (set
	// once; nil while usable). Writes check it per message.
	broken atomic.Pointer[error]

	mu      sync.Mutex
	writers int   // Writes publishing into it now
	rows    int64 // messages published by Writes that succeeded
	bundles int64 // staging bundles acknowledged for those Writes
	closed  bool
}

// publishesDuringWrite reports whether the load publishes during Write.
func (l *load) publishesDuringWrite() bool {
	return l.opts.Publish == publishDuringWrite
}

// beginDirect opens the load's publishing transaction, on pr when
// given (the producer that raised the fence, its transaction committed:
// a second InitTransactions right after that commit could wait for the
// coordinator to finish it), else on a new producer. It returns nil, and
// the load publishes at commit, when the transaction cannot begin; pr is
// then closed. A configuration the broker refuses (which publishing at
// commit would meet too) is an error.
func (l *load) beginDirect(ctx context.Context, pr *producer) (*directLoad, error) {
	giveUp := func(reason string) (*directLoad, error) {
		if pr != nil {
			pr.close()
		}
		logWarn("publishing at commit instead of during Write", "load", l.req.LoadID, "reason", reason)
		return nil, nil
	}
	start := time.Now()
	if pr == nil {
		var err error
		if pr, err = newProducer(l.cfg, l.txnConfig()); err != nil {
			return giveUp(err.Error())
		}
		if err := l.initTransactions(ctx, pr); err != nil {
			if sdk.CodeOf(err) == sdk.CodeConfig {
				// At commit the same transaction would be refused.
				pr.close()
				return nil, err
			}
			return giveUp(err.Error())
		}
	}
	if err := pr.p.BeginTransaction(); err != nil {
		return giveUp(fmt.Sprintf("begin transaction: %v", err))
	}
	return &directLoad{pr: pr, loadID: l.req.LoadID, timeout: l.cfg.timeout,
		deadline: start.Add(time.Duration(float64(l.opts.txnTimeout) * directShare))}, nil
}

// errDirectBroken is what a Write's publishing gets once the transaction
// was given up.
var errDirectBroken = errors.New("the load's publishing transaction was given up")

// startWrite registers a Write; false when the transaction is given up.
func (d *directLoad) startWrite() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed || d.broken.Load() != nil {
		return false
	}
	d.writers++
	return true
}

// publish produces one message into the target within the transaction.
func (d *directLoad) publish(ctx context.Context, msg *ck.Message) error {
	if d.broken.Load() != nil {
		return errDirectBroken
	}
	if err := d.pr.produce(ctx, msg); err != nil {
		d.giveUp(err)
		return errDirectBroken
	}
	return nil
}

// checkDeadline gives the transaction up when the load has written past
// its share of the transaction's window.
func (d *directLoad) checkDeadline(now time.Time) {
	if now.After(d.deadline) && d.broken.Load() == nil {
		d.giveUp(fmt.Errorf("the load wrote for longer than %.0f%% of transaction_timeout (raise it, up to the broker's transaction.max.timeout.ms, to publish larger loads during Write)", directShare*100))
	}
}

// giveUp marks the transaction unusable; the first reason is kept and
// logged once.
func (d *directLoad) giveUp(reason error) {
	if d.broken.CompareAndSwap(nil, &reason) {
		logWarn("publishing at commit instead of during Write", "load", d.loadID, "reason", reason.Error())
	}
}

// endWrite ends a registered Write: a failed one gives the transaction
// up (its messages are in it, and the load is aborted or rewritten);
// a successful one adds what it published and staged. The last Write of
// a transaction given up aborts it, so read_committed consumers of the
// target are not held back until CommitLoad.
func (d *directLoad) endWrite(err error, rows, bundles int64) {
	d.mu.Lock()
	d.writers--
	if err != nil {
		d.giveUp(fmt.Errorf("a Write failed: %w", err))
	} else {
		d.rows += rows
		d.bundles += bundles
	}
	drop := d.writers == 0 && d.broken.Load() != nil
	d.mu.Unlock()
	if drop {
		d.discard()
	}
}

// ready returns nil when CommitLoad can commit the transaction as the
// load: no Write running, every staged bundle written through it, every
// message delivered, and time left in its window.
func (d *directLoad) ready(ctx context.Context, stagedBundles int64) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	switch {
	case d.broken.Load() != nil:
		return *d.broken.Load()
	case d.writers > 0:
		return fmt.Errorf("%d Writes of the load are still running", d.writers)
	case d.bundles != stagedBundles:
		return fmt.Errorf("staging holds %d bundles, this process wrote %d: the load was written partly elsewhere", stagedBundles, d.bundles)
	case time.Now().After(d.deadline):
		return errors.New("the transaction's window is nearly over")
	}
	return d.pr.flush(ctx)
}

// discard aborts the transaction and closes its producer; idempotent.
func (d *directLoad) discard() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return
	}
	d.closed = true
	ctx, cancel := context.WithTimeout(context.Background(), d.timeout)
	defer cancel()
	// An abort that fails leaves the transaction to the broker's timeout
	// or to the unit's next InitTransactions, which abort it.
	_ = d.pr.p.AbortTransaction(ctx)
	d.pr.close()
}

// committed closes the producer of a committed transaction.
func (d *directLoad) committed() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.closed {
		d.closed = true
		d.pr.close()
	}
}

// directLoads are the publishing transactions of a process's loads, by
// load id.
type directLoads struct {
	mu sync.Mutex
	m  map[string]*directLoad
}

// put registers d for a load, discarding one it replaces.
func (ds *directLoads) put(d *directLoad) {
	ds.mu.Lock()
	old := ds.m[d.loadID]
	if ds.m == nil {
		ds.m = map[string]*directLoad{}
	}
	ds.m[d.loadID] = d
	ds.mu.Unlock()
	if old != nil {
		old.discard()
	}
}

// get returns the load's transaction, nil without one.
func (ds *directLoads) get(loadID string) *directLoad {
	ds.mu.Lock()
	defer ds.mu.Unlock()
	return ds.m[loadID]
}

// take removes and returns the load's transaction, nil without one.
func (ds *directLoads) take(loadID string) *directLoad {
	ds.mu.Lock()
	defer ds.mu.Unlock()
	d := ds.m[loadID]
	delete(ds.m, loadID)
	return d
}

// discardAll aborts every open transaction (the process is done).
func (ds *directLoads) discardAll() {
	ds.mu.Lock()
	m := ds.m
	ds.m = nil
	ds.mu.Unlock()
	for _, d := range m {
		d.discard()
	}
}
