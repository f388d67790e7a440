package mssql

import (
	"testing"

	"github.com/dpone-go/dpone/sdk"
)

// TestQualified quotes with [ ], doubles ], and takes schema or
// database.schema namespaces (bracketed parts may contain dots).
func TestQualified(t *testing.T) {
	for _, tc := range []struct{ ns, name, want string }{
		{"", "t", "[dbo].[t]"},
		{"sales", "orders", "[sales].[orders]"},
		{"crm.sales", "orders", "[crm].[sales].[orders]"},
		{"[my.db].sales", "a]b", "[my.db].[sales].[a]]b]"},
		{"[we]]ird]", "x y", "[we]]ird].[x y]"},
	} {
		got, err := qualified(tc.ns, tc.name)
		if err != nil || got != tc.want {
			t.Errorf("qualified(%q, %q): got %q, %v; want %q", tc.ns, tc.name, got, err, tc.want)
		}
	}
	for _, ns := range []string{"a.b.c", "a..b", "[open", "a."} {
		if _, err := qualified(ns, "t"); sdk.CodeOf(err) != sdk.CodeConfig {
			t.Errorf("qualified(%q): got %v, want CONFIG", ns, err)
		}
	}
	if got := literal("it's"); got != "N'it''s'" {
		t.Errorf("literal: got %s", got)
	}
}
