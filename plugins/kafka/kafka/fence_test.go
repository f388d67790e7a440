package kafka

import (
	"context"
	"strings"
	"testing"

	ck "github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/dpone-go/dpone/sdk"
)

// fencedLoad is an append load of unit m/<unit>_<topic> at a lock
// generation (fences outlive a test on the shared broker: units are named
// per test run).
func fencedLoad(t *testing.T, topic, loadID, unit string, gen int64, shared bool) sdk.LoadRequest {
	req := sinkLoad(t, topic, loadID, sdk.ModeAppend, []string{"id"}, `{}`)
	req.Fence = sdk.Fence{Manifest: "m", Unit: unit + "_" + topic, Generation: gen, SharedTarget: shared}
	return req
}

// TestFenceRefusesStaleCommit: run A (generation 10) stages a load and
// pauses; run B took the unit's lock over (generation 20) and publishes
// the same rows; A's commit fails and the topic holds one copy. A stale
// holder cannot begin; a recovering run's LoadStatus fences older ones.
func TestFenceRefusesStaleCommit(t *testing.T) {
	topic := testTopic("fence")
	ctx := context.Background()
	c := New().(*Connector)
	a := fencedLoad(t, topic, "load-a-"+topic, "u", 10, false)
	stage(t, a, 1, 2, 3)
	b := fencedLoad(t, topic, "load-b-"+topic, "u", 20, false)
	stage(t, b, 1, 2, 3)
	if _, err := c.CommitLoad(ctx, b, nil); err != nil {
		t.Fatalf("commit of the new holder: %v", err)
	}
	_, err := c.CommitLoad(ctx, a, nil)
	if sdk.CodeOf(err) != sdk.CodeConfig || !strings.Contains(err.Error(), "fenced off") || !strings.Contains(err.Error(), "generation 10") {
		t.Fatalf("commit of the stale holder: got %v, want a CONFIG error saying it is fenced off at generation 10", err)
	}
	out, err := readTopic(t, topic, `{}`, sdk.ReadFull, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.rows) != 3 {
		t.Errorf("topic messages: got %d, want 3 (one copy)", len(out.rows))
	}
	if _, err := c.BeginLoad(ctx, fencedLoad(t, topic, "load-a2-"+topic, "u", 15, false)); sdk.CodeOf(err) != sdk.CodeConfig {
		t.Errorf("begin of a stale holder: got %v, want CONFIG", err)
	}
	late := fencedLoad(t, topic, "load-late-"+topic, "u", 20, false)
	stage(t, late, 4)
	st, err := c.LoadStatus(ctx, fencedLoad(t, topic, late.LoadID, "u", 30, false))
	if err != nil || st != sdk.LoadStaged {
		t.Fatalf("load status: got %v, %v, want staged", st, err)
	}
	if _, err := c.CommitLoad(ctx, late, nil); sdk.CodeOf(err) != sdk.CodeConfig {
		t.Errorf("commit after a takeover in LoadStatus: got %v, want CONFIG (fenced)", err)
	}
	// Without a fence (an older host) the sink behaves as before.
	nofence := sinkLoad(t, topic, "load-nofence-"+topic, sdk.ModeAppend, nil, `{}`)
	stage(t, nofence, 5)
	if _, err := c.CommitLoad(ctx, nofence, nil); err != nil {
		t.Errorf("commit without a fence: %v", err)
	}
	cfg, adm := testAdmin(t)
	rc, err := readReceipts(ctx, cfg, adm)
	if err != nil {
		t.Fatal(err)
	}
	if r := rc.byLoad[b.LoadID]; r == nil || r.Manifest != "m" || r.Unit != b.Fence.Unit {
		t.Errorf("receipt of load b: got %+v, want manifest m unit %s", r, b.Fence.Unit)
	}
}

// TestSharedTarget: a second unit publishing into a topic whose receipts
// name another unit fails, unless it sets shared_target.
func TestSharedTarget(t *testing.T) {
	topic := testTopic("shared")
	ctx := context.Background()
	c := New().(*Connector)
	first := fencedLoad(t, topic, "one-1-"+topic, "one", 1, false)
	stage(t, first, 1)
	if _, err := c.CommitLoad(ctx, first, nil); err != nil {
		t.Fatal(err)
	}
	again := fencedLoad(t, topic, "one-2-"+topic, "one", 2, false)
	stage(t, again, 2)
	if _, err := c.CommitLoad(ctx, again, nil); err != nil {
		t.Fatalf("the same unit again: %v", err)
	}
	_, err := c.BeginLoad(ctx, fencedLoad(t, topic, "two-1-"+topic, "two", 1, false))
	if sdk.CodeOf(err) != sdk.CodeConfig || !strings.Contains(err.Error(), "shared_target") || !strings.Contains(err.Error(), "m/one_"+topic) {
		t.Fatalf("a second unit: got %v, want a CONFIG error naming unit m/one and shared_target", err)
	}
	shared := fencedLoad(t, topic, "two-2-"+topic, "two", 1, true)
	stage(t, shared, 3)
	if _, err := c.CommitLoad(ctx, shared, nil); err != nil {
		t.Fatalf("a second unit with shared_target: %v", err)
	}
	out, err := readTopic(t, topic, `{}`, sdk.ReadFull, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.rows) != 3 {
		t.Errorf("topic messages: got %d, want 3", len(out.rows))
	}
}

// TestSnapshotAfterFenceRaisedAtCommit: a full_refresh committed by a
// run that took the unit over (its CommitLoad raises the fence inside the
// transaction) records where its snapshot begins in the target, not the
// offset of the fence record it produced first: a last_snapshot read
// sees its rows alone.
func TestSnapshotAfterFenceRaisedAtCommit(t *testing.T) {
	topic := testTopic("fence_snap")
	ctx := context.Background()
	createTestTopic(t, topic, 1)
	_, adm := testAdmin(t)
	// More messages in the target's partition than the fences topic
	// holds, so a fence record's offset lies inside the first snapshot.
	fences, err := adm.offsets(ctx, fencesTopic, []int32{0}, ck.LatestOffsetSpec)
	if err != nil {
		t.Fatal(err)
	}
	rows := make([]int64, fences[0]+100)
	for i := range rows {
		rows[i] = int64(i + 1)
	}
	snap := func(loadID string, gen int64) sdk.LoadRequest {
		req := sinkLoad(t, topic, loadID, sdk.ModeFullRefresh, []string{"id"}, `{}`)
		req.Fence = sdk.Fence{Manifest: "m", Unit: "u_" + topic, Generation: gen}
		return req
	}
	first := snap("load-s1-"+topic, 1)
	stage(t, first, rows...)
	if _, err := New().(*Connector).CommitLoad(ctx, first, nil); err != nil {
		t.Fatal(err)
	}
	second := snap("load-s2-"+topic, 1)
	stage(t, second, 1_000_001, 1_000_002)
	second.Fence.Generation = 2 // the run that recovers the load commits it
	if _, err := New().(*Connector).CommitLoad(ctx, second, nil); err != nil {
		t.Fatal(err)
	}
	last, err := readTopic(t, topic, `{"start":"last_snapshot"}`, sdk.ReadFull, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(last.rows) != 2 {
		t.Errorf("last snapshot: got %d rows, want the second load's 2", len(last.rows))
	}
}
