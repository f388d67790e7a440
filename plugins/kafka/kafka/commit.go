package kafka

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	ck "github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/dpone-go/dpone/sdk"
)

// CommitLoad writes the load's receipt to _dpone_loads in the transaction
// its messages went into during Write and commits it; when the load was
// not published during Write in this process, or that transaction was
// given up, it publishes the staged messages into the target and writes
// the receipt in one new transaction. Then it deletes the staging topic.
// A load whose receipt exists is not published again: CommitLoad succeeds
// and changes nothing.
func (c *Connector) CommitLoad(ctx context.Context, req sdk.LoadRequest, rcpt json.RawMessage) (sdk.CommitResult, error) {
	// The load's transaction, if this process published into it: its
	// producer is closed however CommitLoad ends (a committed transaction
	// is not aborted).
	d := c.direct.take(req.LoadID)
	if d != nil {
		defer d.discard()
	}
	l, err := c.prepare(req)
	if err != nil {
		return sdk.CommitResult{}, err
	}
	a, err := newAdmin(l.cfg)
	if err != nil {
		return sdk.CommitResult{}, err
	}
	defer a.Close()
	sps, staged, err := a.partitions(ctx, l.staging)
	if err != nil {
		return sdk.CommitResult{}, err
	}
	// Committed loads: every receipt when nothing is staged (committed
	// and cleaned up, or never begun), else those since the staging.
	var since time.Time
	if staged {
		if since, err = l.stagedSince(ctx, sps, a); err != nil {
			return sdk.CommitResult{}, err
		}
	}
	rc, err := readReceiptsSince(ctx, l.cfg, a, since)
	if err != nil {
		return sdk.CommitResult{}, err
	}
	if rc.byLoad[req.LoadID] != nil {
		return sdk.CommitResult{}, nil
	}
	if !staged {
		return sdk.CommitResult{}, sdk.Errorf(sdk.CodeNotFound, "load %s: staging topic %s does not exist (never begun, or aborted)", req.LoadID, l.staging)
	}
	// BeginLoad checked every receipt; this sees the loads since.
	if err := l.checkSharedTarget(rc); err != nil {
		return sdk.CommitResult{}, err
	}
	if err := needSchema(req); err != nil {
		return sdk.CommitResult{}, err
	}
	tps, found, err := a.partitions(ctx, l.topic)
	if err != nil {
		return sdk.CommitResult{}, err
	}
	if !found {
		if !*l.cfg.CreateTopics {
			return sdk.CommitResult{}, sdk.Errorf(sdk.CodeConfig, "target topic %s does not exist and create_topics is false: create it, or set create_topics: true", l.topic)
		}
		if err := a.createTopic(ctx, l.topic, l.cfg.TopicPartitions); err != nil {
			return sdk.CommitResult{}, err
		}
		if tps, _, err = a.partitions(ctx, l.topic); err != nil {
			return sdk.CommitResult{}, err
		}
	}
	for _, t := range []string{receiptsTopic, fencesTopic} {
		if err := a.createTopicWith(ctx, t, 1, compacted); err != nil {
			return sdk.CommitResult{}, err
		}
	}
	low, err := a.offsets(ctx, l.staging, sps, ck.EarliestOffsetSpec)
	if err != nil {
		return sdk.CommitResult{}, err
	}
	ends, err := a.offsets(ctx, l.staging, sps, ck.LatestOffsetSpec)
	if err != nil {
		return sdk.CommitResult{}, err
	}
	schema, err := encodeSchema(l.valueSchema())
	if err != nil {
		return sdk.CommitResult{}, sdk.WithCode(sdk.CodeSchema, err)
	}
	r := receipt{LoadID: req.LoadID, Target: l.topic, Mode: req.Mode, Schema: schema, Receipt: rcpt,
		Manifest: req.Fence.Manifest, Unit: req.Fence.Unit}
	if lg := req.Load.Lineage; lg != nil {
		r.RunID = lg.RunID
	}
	st, err := req.Strategy()
	if err != nil {
		return sdk.CommitResult{}, err
	}
	var deleted int64
	fault := commitFault()
	// recheck: a transaction of this load may have committed (a failed
	// commit of unknown outcome in the writing process); this one's
	// InitTransactions resolved it, and the receipts say which way.
	var recheck bool
	var meanwhile *receipt
	body := func(pr *producer, fromStaging bool) error {
		// Fencing, inside the transaction: a run that lost its unit lock
		// finds a newer generation here, or its producer is fenced.
		if err := l.checkFence(ctx, a, pr); err != nil {
			return err
		}
		if recheck {
			rc, err := readReceiptsSince(ctx, l.cfg, a, since)
			if err != nil {
				return err
			}
			if meanwhile = rc.byLoad[req.LoadID]; meanwhile != nil {
				return errCommittedMeanwhile
			}
		}
		var tk *targetKeys
		if req.Mode == sdk.ModeSnapshotDiff {
			var err error
			if tk, err = l.scanTarget(ctx, a, tps, st.SoftDeletes()); err != nil {
				return err
			}
			defer tk.close()
		}
		headers := l.headers()
		// One Message for all: Produce copies what it needs.
		msg := &ck.Message{TopicPartition: ck.TopicPartition{Topic: &l.topic, Partition: ck.PartitionAny}}
		publish := func(key, value []byte, hs []ck.Header) error {
			if tk != nil && key != nil {
				if err := tk.stage(key); err != nil {
					return err
				}
			}
			r.Rows++
			msg.Key, msg.Value, msg.Headers = key, value, hs
			err := pr.produce(ctx, msg)
			if fault > 0 && r.Rows == int64(fault) {
				_ = pr.flush(ctx)
				die()
			}
			return err
		}
		if fromStaging {
			err := consumeRange(ctx, l.cfg, l.staging, low, ends, map[int32]int64{}, func(m *ck.Message) (bool, error) {
				if !isBundle(m) {
					return false, publish(m.Key, m.Value, m.Headers)
				}
				err := eachBundled(m.Value, func(key, value []byte) error { return publish(key, value, headers) })
				if errors.Is(err, errBundle) {
					err = sdk.Errorf(sdk.CodeInternal, "load %s: staging topic %s offset %d: %w (abort the load and run again)", req.LoadID, l.staging, m.TopicPartition.Offset, err)
				}
				return false, err
			})
			if err != nil {
				return err
			}
		}
		if tk != nil {
			if deleted, err = l.publishDeletes(ctx, pr, tk, st, l.headers()); err != nil {
				return err
			}
		}
		if err := pr.flush(ctx); err != nil {
			return err
		}
		if req.Mode == sdk.ModeFullRefresh {
			if r.Snapshot, err = l.snapshotOffsets(ctx, a, tps, pr.firstOffsets(l.topic)); err != nil {
				return err
			}
		}
		if beforeReceipt != nil {
			beforeReceipt()
		}
		r.CommittedAt = time.Now().UTC()
		topic := receiptsTopic
		err := pr.produce(ctx, &ck.Message{TopicPartition: ck.TopicPartition{Topic: &topic, Partition: 0},
			Key: []byte(req.LoadID), Value: receiptJSON(r)})
		if err == nil && precommitFault() {
			_ = pr.flush(ctx)
			die()
		}
		return err
	}
	fromStaging := d == nil
	if d != nil {
		err = d.ready(ctx, countStaged(low, ends))
		if err == nil {
			r.Rows, r.Publish = d.rows, publishDuringWrite
			if err = l.finish(ctx, d.pr, func(pr *producer) error { return body(pr, false) }); err == nil {
				d.committed()
			}
		}
		// A stale fence or a configuration error would refuse the next
		// transaction as well; anything else publishes from staging.
		if fromStaging = err != nil && sdk.CodeOf(err) != sdk.CodeConfig && ctx.Err() == nil; fromStaging {
			logWarn("publishing from staging at commit", "load", req.LoadID, "reason", err.Error())
			d.discard()
			var unknown errOutcomeUnknown
			recheck = errors.As(err, &unknown)
		}
	}
	if fromStaging {
		r.Rows, r.Publish = 0, publishAtCommit
		err = l.transact(ctx, func(pr *producer) error { return body(pr, true) })
		if errors.Is(err, errCommittedMeanwhile) {
			r.Rows, err = meanwhile.Rows, nil
		}
	}
	if err != nil {
		return sdk.CommitResult{}, err
	}
	// The receipt is committed: a staging topic left behind by a failed
	// delete is only clutter, and LoadStatus answers committed first.
	_ = a.deleteTopic(ctx, l.staging)
	return sdk.CommitResult{RowsInserted: r.Rows, RowsDeleted: deleted}, nil
}

// snapshotOffsets is where a full_refresh begins in every partition of
// the target: its first message there, else the partition's end (the
// load put nothing there; whatever comes later is newer than the snapshot).
func (l *load) snapshotOffsets(ctx context.Context, a *admin, ps []int32, first map[int32]int64) (map[string]int64, error) {
	ends, err := a.offsets(ctx, l.topic, ps, ck.LatestOffsetSpec)
	if err != nil {
		return nil, err
	}
	out := make(map[string]int64, len(ps))
	for _, p := range ps {
		v, ok := first[p]
		if !ok {
			v = ends[p]
		}
		out[strconv.Itoa(int(p))] = v
	}
	return out, nil
}

// valueSchema is the schema of the published values: the load's columns
// and the lineage columns.
func (l *load) valueSchema() *arrow.Schema {
	fs := append([]arrow.Field(nil), l.req.Schema.Fields()...)
	if lg := l.req.Load.Lineage; lg != nil {
		if lg.RunIDColumn != "" {
			fs = append(fs, arrow.Field{Name: lg.RunIDColumn, Type: arrow.BinaryTypes.String, Nullable: true})
		}
		if lg.LoadedAtColumn != "" {
			fs = append(fs, arrow.Field{Name: lg.LoadedAtColumn, Type: &arrow.TimestampType{Unit: arrow.Nanosecond, TimeZone: "UTC"}, Nullable: true})
		}
	}
	if st, err := l.req.Strategy(); err == nil && st.SoftDeletes() {
		fs = append(fs, arrow.Field{Name: sdk.DeletedAtColumn, Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true})
	}
	return arrow.NewSchema(fs, nil)
}

var unsafeID = regexp.MustCompile(`[^a-zA-Z0-9._-]+`)

// transactionalID is the producer identity of a unit's loads into the
// target (of the target alone without a fence): a new CommitLoad,
// AbortLoad or fence raise fences a crashed or stale one and aborts its
// open transaction.
func (l *load) transactionalID() string {
	id := l.topic
	if f := l.req.Fence; f.Set() {
		id = f.Manifest + "." + f.Unit + "." + l.topic
	}
	return "dpone-" + unsafeID.ReplaceAllString(id, "_")
}

// txnConfig is the settings of the target's transactional producer. The
// client wants a message's delivery timeout within the transaction's.
func (l *load) txnConfig() ck.ConfigMap {
	ms := int(l.opts.txnTimeout / time.Millisecond)
	return ck.ConfigMap{"transactional.id": l.transactionalID(), "transaction.timeout.ms": ms,
		"message.timeout.ms": min(ms, int(2*l.cfg.timeout/time.Millisecond))}
}

// transact runs fn inside one transaction of the target's transactional
// producer and commits it; on error the transaction is aborted.
func (l *load) transact(ctx context.Context, fn func(pr *producer) error) error {
	pr, err := l.transactKeep(ctx, fn)
	if pr != nil {
		pr.close()
	}
	return err
}

// transactKeep is transact returning the producer after a commit, ready
// for another transaction; the caller closes it.
func (l *load) transactKeep(ctx context.Context, fn func(pr *producer) error) (*producer, error) {
	pr, err := newProducer(l.cfg, l.txnConfig())
	if err != nil {
		return nil, err
	}
	if err := l.initTransactions(ctx, pr); err != nil {
		pr.close()
		return nil, err
	}
	began := time.Now()
	if err := pr.p.BeginTransaction(); err != nil {
		pr.close()
		return nil, classify(fmt.Errorf("begin transaction: %w", err))
	}
	if err := l.finish(ctx, pr, fn); err != nil {
		pr.close()
		return nil, l.pastTimeout(began, err)
	}
	return pr, nil
}

// initTransactions initializes pr's transactions (fencing older producers
// of the unit's transactional id). A broker that refuses the transaction
// timeout is a CONFIG error naming the option.
func (l *load) initTransactions(ctx context.Context, pr *producer) error {
	err := pr.p.InitTransactions(ctx)
	if err == nil {
		return nil
	}
	var ke ck.Error
	if errors.As(err, &ke) && ke.Code() == ck.ErrInvalidTransactionTimeout {
		return sdk.Errorf(sdk.CodeConfig, "the broker refuses transaction_timeout %s, above its transaction.max.timeout.ms: set the kafka sink option transaction_timeout no higher than that, or raise the broker's transaction.max.timeout.ms: %w", l.opts.txnTimeout, err)
	}
	return classify(fmt.Errorf("init transactions of %s: %w", l.transactionalID(), err))
}

// pastTimeout names transaction_timeout in the error of a transaction
// that was open longer than it: the broker aborted it (and fenced its
// producer), whatever the client reported. The load stays committable
// with a longer timeout (its staging is kept).
func (l *load) pastTimeout(began time.Time, err error) error {
	open := time.Since(began)
	if open < l.opts.txnTimeout || errors.Is(err, errCommittedMeanwhile) || errors.Is(err, context.Canceled) {
		return err
	}
	return sdk.Errorf(sdk.CodeConfig, "load %s: its transaction was open %s, longer than transaction_timeout (%s), and the broker aborted it: raise the kafka sink option transaction_timeout (up to the broker's transaction.max.timeout.ms) to publish loads this large: %w",
		l.req.LoadID, open.Round(time.Millisecond), l.opts.txnTimeout, err)
}

// finish runs fn inside pr's open transaction and commits it; on error
// the transaction is aborted. A commit whose outcome is unknown is an
// errOutcomeUnknown.
func (l *load) finish(ctx context.Context, pr *producer, fn func(pr *producer) error) error {
	if err := fn(pr); err != nil {
		return errors.Join(err, l.abortTxn(pr))
	}
	if err := pr.p.CommitTransaction(ctx); err != nil {
		var ke ck.Error
		if errors.As(err, &ke) && ke.TxnRequiresAbort() {
			return errors.Join(classify(fmt.Errorf("commit transaction of load %s: %w", l.req.LoadID, err)), l.abortTxn(pr))
		}
		return errOutcomeUnknown{classify(fmt.Errorf("commit transaction of load %s (outcome unknown: LoadStatus tells): %w", l.req.LoadID, err))}
	}
	return nil
}

// beforeReceipt, when set (by tests), runs in CommitLoad's transaction
// after the load's messages and before its receipt.
var beforeReceipt func()

// errOutcomeUnknown is a commit that may or may not have happened.
type errOutcomeUnknown struct{ error }

func (e errOutcomeUnknown) Unwrap() error { return e.error }

// errCommittedMeanwhile: the receipt of the load turned up once the
// transaction of a failed commit of unknown outcome was resolved.
var errCommittedMeanwhile = errors.New("the load's earlier commit went through")

// countStaged is the number of messages in staging between low and ends.
func countStaged(low, ends map[int32]int64) int64 {
	var n int64
	for p, e := range ends {
		n += e - low[p]
	}
	return n
}

func (l *load) abortTxn(pr *producer) error {
	ctx, cancel := context.WithTimeout(context.Background(), l.cfg.timeout)
	defer cancel()
	if err := pr.p.AbortTransaction(ctx); err != nil {
		return classify(fmt.Errorf("abort transaction of load %s: %w", l.req.LoadID, err))
	}
	return nil
}

// fenceTransactions initializes the target's transactional producer,
// which aborts a transaction a crashed CommitLoad left open.
func (l *load) fenceTransactions(ctx context.Context) error {
	pr, err := newProducer(l.cfg, ck.ConfigMap{"transactional.id": l.transactionalID()})
	if err != nil {
		return err
	}
	defer pr.close()
	if err := pr.p.InitTransactions(ctx); err != nil {
		return classify(fmt.Errorf("init transactions of %s: %w", l.transactionalID(), err))
	}
	return nil
}
