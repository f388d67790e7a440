package bigquery

import (
	"strings"
	"testing"

	"github.com/dpone-go/dpone/sdk"
)

// fencedLoad is testLoad with a fence for unit shop/orders.
func fencedLoad(t *testing.T, mode string, strategy sdk.Strategy, shared bool) *load {
	t.Helper()
	l := testLoad(t, mode, strategy, "")
	l.req.Fence = sdk.Fence{Manifest: "shop", Unit: "public.orders", Generation: 7, SharedTarget: shared}
	return l
}

// TestFenceGolden renders the fenced begin and commit scripts: BeginLoad
// raises the fence and checks for another writer; the commit checks both
// inside its transaction, before any change, and the receipt names the
// manifest and unit.
func TestFenceGolden(t *testing.T) {
	l := fencedLoad(t, sdk.ModeAppend, sdk.Strategy{}, false)
	ddl, err := l.targetDDL()
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "fence/begin.sql", l.beginScript(ddl))
	commit, err := l.publishScript()
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "fence/commit.sql", commit)
	begin := strings.Index(commit, "BEGIN TRANSACTION;")
	check := strings.Index(commit, "fenced off")
	insert := strings.Index(commit, "INSERT INTO `dpone-test.landing.orders`")
	if !(begin < check && check < insert) {
		t.Errorf("commit: the fence check must sit in the transaction before the insert (begin %d, check %d, insert %d)", begin, check, insert)
	}
	p := l.params([]byte(`{}`))
	if p["manifest"] != "shop" || p["unit"] != "public.orders" || p["generation"] != "7" {
		t.Errorf("params: got %v, want manifest shop, unit public.orders, generation 7", p)
	}
}

// TestFenceOff: without a fence (an older host) no check is rendered; a
// shared target skips the second-writer check only.
func TestFenceOff(t *testing.T) {
	l := testLoad(t, sdk.ModeAppend, sdk.Strategy{}, "")
	if s := l.raiseFenceSQL() + l.checkFenceSQL() + l.sharedTargetSQL(); s != "" {
		t.Errorf("no fence: got %q, want no fence SQL", s)
	}
	shared := fencedLoad(t, sdk.ModeAppend, sdk.Strategy{}, true)
	if shared.sharedTargetSQL() != "" || shared.checkFenceSQL() == "" {
		t.Errorf("shared target: got shared check %q, fence check %q; want no shared check, a fence check", shared.sharedTargetSQL(), shared.checkFenceSQL())
	}
}
