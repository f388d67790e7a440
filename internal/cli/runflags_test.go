package cli

import (
	"testing"

	"github.com/dpone-go/dpone/host/manifest"
)

func TestRunFlagsFallBackToTheManifest(t *testing.T) {
	five := 5
	set := &manifest.Manifest{Run: manifest.RunConfig{Parallel: 3, Retries: &five}}
	unset := &manifest.Manifest{}
	for _, tc := range []struct {
		flagP, flagR int
		m            *manifest.Manifest
		p, r         int
	}{
		{0, -1, set, 3, 5},   // the manifest's run block
		{2, 0, set, 2, 0},    // flags win, 0 retries included
		{0, -1, unset, 4, 2}, // built-in defaults
		{8, 1, unset, 8, 1},
	} {
		if p := runParallel(tc.flagP, tc.m); p != tc.p {
			t.Errorf("runParallel(%d) = %d, want %d", tc.flagP, p, tc.p)
		}
		if r := runRetries(tc.flagR, tc.m); r != tc.r {
			t.Errorf("runRetries(%d) = %d, want %d", tc.flagR, r, tc.r)
		}
	}
}
