package mssql

import (
	"strings"
	"testing"

	"github.com/dpone-go/dpone/sdk"
)

// TestFenceSQL pins the fences table, the fence raise (MERGE … WITH
// (HOLDLOCK), then the stored generation under UPDLOCK) and the
// second-writer check.
func TestFenceSQL(t *testing.T) {
	l := testLoad(t, sdk.ModeAppend, "crm.sales", false)
	f := fence{Manifest: "shop", Unit: "public.orders", Generation: 7}
	golden(t, "fence.sql", strings.Join([]string{l.fencesDDL(), l.raiseFenceSQL(f).String(), l.otherWriterSQL(f).String()}, "\n\n")+"\n")
}

// TestFencedReceipt: the receipt of a fenced load names its manifest and
// unit (the second-writer check reads them).
func TestFencedReceipt(t *testing.T) {
	l := testLoad(t, sdk.ModeAppend, "sales", false)
	l.req.Fence = sdk.Fence{Manifest: "shop", Unit: "public.orders", Generation: 3}
	stmts, err := l.publish(targetInfo{}, "{}")
	if err != nil {
		t.Fatal(err)
	}
	r := stmts[len(stmts)-2].String()
	if !strings.Contains(r, "-- @manifest = shop") || !strings.Contains(r, "-- @unit = public.orders") {
		t.Errorf("receipt does not name the unit:\n%s", r)
	}
}
