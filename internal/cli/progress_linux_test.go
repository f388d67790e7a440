//go:build linux

package cli

import (
	"fmt"
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

// openPty opens a pseudo-terminal and returns its terminal side with the
// given size (0x0: the size CI runners and some IDEs report).
func openPty(t *testing.T, cols, rows uint16) *os.File {
	t.Helper()
	ptmx, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("open /dev/ptmx: %v", err)
	}
	t.Cleanup(func() { ptmx.Close() })
	if err := unix.IoctlSetPointerInt(int(ptmx.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatalf("unlock pty: %v", err)
	}
	n, err := unix.IoctlGetInt(int(ptmx.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatalf("pty number: %v", err)
	}
	pts, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("open pts: %v", err)
	}
	t.Cleanup(func() { pts.Close() })
	if err := unix.IoctlSetWinsize(int(pts.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Col: cols, Row: rows}); err != nil {
		t.Fatalf("set size: %v", err)
	}
	return pts
}

// TestProgressBarsNeedASize: --progress auto draws bars only on a
// terminal with a size; a zero-size terminal gets plain lines (bars
// would print nothing at all there).
func TestProgressBarsNeedASize(t *testing.T) {
	for _, tt := range []struct {
		name       string
		cols, rows uint16
		want       bool
	}{
		{"80x24", 80, 24, true},
		{"zero size", 0, 0, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := drawBars(openPty(t, tt.cols, tt.rows)); got != tt.want {
				t.Errorf("drawBars on a %dx%d terminal: got %v, want %v", tt.cols, tt.rows, got, tt.want)
			}
		})
	}
	f, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if drawBars(f) {
		t.Error("drawBars on a file: got true, want false")
	}
}
