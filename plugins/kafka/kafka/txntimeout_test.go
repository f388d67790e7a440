package kafka

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/dpone-go/dpone/sdk"
)

// TestTransactionTimeoutDefault: a load may publish for as long as the
// broker's default transaction.max.timeout.ms (15 minutes) allows; the
// client's own default (60 s) failed every load whose publish took longer.
func TestTransactionTimeoutDefault(t *testing.T) {
	topic := testTopic("txn_default")
	l, err := New().(*Connector).prepare(sinkLoad(t, topic, "load-td-"+topic, sdk.ModeAppend, []string{"id"}, `{}`))
	if err != nil {
		t.Fatal(err)
	}
	if l.opts.txnTimeout != 15*time.Minute {
		t.Errorf("default transaction_timeout: got %s, want 15m", l.opts.txnTimeout)
	}
}

// TestTransactionTimedOut: a commit whose transaction outlives
// transaction_timeout (the broker aborts it) fails with CONFIG naming the
// option, shows nothing, and leaves the load committable.
func TestTransactionTimedOut(t *testing.T) {
	topic := testTopic("txn_timeout")
	ctx := context.Background()
	req := withTimeout(t, sinkLoad(t, topic, "load-tt-"+topic, sdk.ModeAppend, []string{"id"},
		`{"transaction_timeout":"2s","publish":"at_commit"}`), "2s")
	stage(t, req, 1, 2, 3)
	beforeReceipt = func() { time.Sleep(3500 * time.Millisecond) }
	c := New().(*Connector)
	_, err := c.CommitLoad(ctx, req, nil)
	beforeReceipt = nil
	c.Close()
	if err == nil {
		t.Fatal("CommitLoad of a transaction open past transaction_timeout succeeded")
	}
	t.Logf("CommitLoad: %v", err)
	if sdk.CodeOf(err) != sdk.CodeConfig || !strings.Contains(err.Error(), "transaction_timeout") {
		t.Errorf("got %v (%s), want CONFIG naming transaction_timeout", err, sdk.CodeOf(err))
	}
	expectOnce(t, topic)
	c = New().(*Connector)
	defer c.Close()
	if n := commit(t, c, req); n != 3 {
		t.Errorf("rows inserted by the second CommitLoad: got %d, want 3", n)
	}
	expectOnce(t, topic, 1, 2, 3)
}

// TestTransactionTimeoutRefused: a transaction_timeout above the broker's
// transaction.max.timeout.ms (15 minutes on the test broker, as Kafka's
// default) fails BeginLoad with CONFIG naming both.
func TestTransactionTimeoutRefused(t *testing.T) {
	topic := testTopic("txn_refused")
	req := sinkLoad(t, topic, "load-tr-"+topic, sdk.ModeAppend, []string{"id"}, `{"transaction_timeout":"20m"}`)
	c := New().(*Connector)
	defer c.Close()
	_, err := c.BeginLoad(context.Background(), req)
	if err == nil {
		t.Fatal("BeginLoad with a transaction_timeout the broker refuses succeeded")
	}
	t.Logf("BeginLoad: %v", err)
	if sdk.CodeOf(err) != sdk.CodeConfig || !strings.Contains(err.Error(), "transaction_timeout") ||
		!strings.Contains(err.Error(), "transaction.max.timeout.ms") {
		t.Errorf("got %v (%s), want CONFIG naming transaction_timeout and transaction.max.timeout.ms", err, sdk.CodeOf(err))
	}
}
