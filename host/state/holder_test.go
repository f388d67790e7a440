package state

import (
	"os"
	"os/exec"
	"strconv"
	"testing"
)

func TestProcessGone(t *testing.T) {
	if processGone(thisProcess()) {
		t.Fatalf("got gone for this process, want alive")
	}
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	dead := host + "/" + strconv.Itoa(cmd.Process.Pid) + "/1"
	if !processGone(dead) {
		t.Errorf("got alive for exited pid %d, want gone", cmd.Process.Pid)
	}
	for _, h := range []string{"", "otherhost/1/1", "garbage"} {
		if processGone(h) {
			t.Errorf("holder %q: got gone, want assumed alive", h)
		}
	}
}
