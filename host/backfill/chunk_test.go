package backfill

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/host/catalog"
)

func TestSplit(t *testing.T) {
	for _, tc := range []struct {
		name            string
		c               Cursor
		from, to, chunk string
		want            []catalog.CursorRange
	}{
		{"integer, short last chunk", Cursor{Kind: KindInteger}, "0", "25", "10",
			[]catalog.CursorRange{{Lower: "0", Upper: "10"}, {Lower: "10", Upper: "20"}, {Lower: "20", Upper: "25"}}},
		{"timestamptz in hours", Cursor{Kind: KindTime, TZ: true}, "2024-01-01", "2024-01-01T12:00:00Z", "6h",
			[]catalog.CursorRange{{Lower: "2024-01-01 00:00:00+00:00", Upper: "2024-01-01 06:00:00+00:00"},
				{Lower: "2024-01-01 06:00:00+00:00", Upper: "2024-01-01 12:00:00+00:00"}}},
		{"timestamp in days, offset normalized", Cursor{Kind: KindTime}, "2024-01-01T02:00:00+02:00", "2024-01-02", "1d",
			[]catalog.CursorRange{{Lower: "2024-01-01 00:00:00", Upper: "2024-01-02 00:00:00"}}},
		{"date", Cursor{Kind: KindTime, Date: true}, "2024-02-28", "2024-03-02", "2d",
			[]catalog.CursorRange{{Lower: "2024-02-28", Upper: "2024-03-01"}, {Lower: "2024-03-01", Upper: "2024-03-02"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Split(tc.c, tc.from, tc.to, tc.chunk)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("chunks (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSplitRefuses(t *testing.T) {
	for name, tc := range map[string]struct {
		c               Cursor
		from, to, chunk string
	}{
		"empty range":        {Cursor{Kind: KindInteger}, "10", "10", "5"},
		"integer chunk 0":    {Cursor{Kind: KindInteger}, "0", "10", "0"},
		"time chunk for int": {Cursor{Kind: KindInteger}, "0", "10", "1d"},
		"bad time":           {Cursor{Kind: KindTime}, "yesterday", "2024-01-02", "1d"},
		"hours on a date":    {Cursor{Kind: KindTime, Date: true}, "2024-01-01", "2024-01-02", "6h"},
		"too many chunks":    {Cursor{Kind: KindInteger}, "0", "1000000000", "1"},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Split(tc.c, tc.from, tc.to, tc.chunk); !errors.Is(err, ErrUsage) {
				t.Errorf("got %v, want ErrUsage", err)
			}
		})
	}
}

func TestWhere(t *testing.T) {
	r := catalog.CursorRange{Lower: "2024-01-01 00:00:00+00:00", Upper: "2024-01-02 00:00:00+00:00"}
	if got, want := Where("postgres", Cursor{Column: `up"d`, Kind: KindTime}, r),
		`"up""d" >= '2024-01-01 00:00:00+00:00' AND "up""d" < '2024-01-02 00:00:00+00:00'`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	if got, want := Where("bigquery", Cursor{Column: "id", Kind: KindInteger}, catalog.CursorRange{Lower: "1", Upper: "5"}),
		"`id` >= 1 AND `id` < 5"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}
