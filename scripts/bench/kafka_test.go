package main

import (
	"io"
	"strings"
	"testing"
)

// exec copies a command's stdout with io.Copy, which prefers the
// writer's ReadFrom: loopOutput must see the bytes through Write.
func TestLoopOutputSeesLoaded(t *testing.T) {
	calls := 0
	out := &loopOutput{onLoaded: func() { calls++ }}
	if _, err := io.Copy(out, io.MultiReader(strings.NewReader("%6|rdkafka log\nloa"), strings.NewReader("ded\nproduce ...\nloaded\n"))); err != nil {
		t.Fatal(err)
	}
	if calls != 1 {
		t.Fatalf("onLoaded ran %d times, want once", calls)
	}
	if !strings.Contains(out.String(), "produce ...") {
		t.Fatalf("output lost: %q", out.String())
	}
}

func TestTimedPart(t *testing.T) {
	m := measurement{WallSecs: 9, ClientCPU: 12, ServerCPU: 1.5, BrokerCPU: 1.0, TotalCPU: 13.5}
	got, err := timedPart(m, "loaded\nproduce 1000000 msgs 381.8 MB 4.51 s\ntimed wall_s=4.513 cpu_s=7.20\n", 0.3)
	if err != nil {
		t.Fatal(err)
	}
	if got.WallSecs != 4.513 || got.ClientCPU != 7.2 || got.BrokerCPU != 0.3 || got.ServerCPU != 0.8 || got.TotalCPU != 8.0 {
		t.Fatalf("timedPart: %+v", got)
	}
	if _, err := timedPart(m, "no timed line\n", 0); err == nil {
		t.Fatal("timedPart accepted output without a timed line")
	}
}
