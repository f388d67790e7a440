package sdktest_test

import (
	"os"
	"strings"
	"testing"

	"github.com/dpone-go/dpone/sdk"
	"github.com/dpone-go/dpone/sdk/sdktest"
)

// TestMain serves the mem connector as a plugin when the suite starts this
// test binary as one (the helper-process pattern): SDKTEST_MEM_PLUGIN
// names its bugs ("ok" for none).
func TestMain(m *testing.M) {
	if v := os.Getenv("SDKTEST_MEM_PLUGIN"); v != "" {
		var b bugs
		for _, name := range strings.Split(v, ",") {
			switch name {
			case "sleepOnCancel":
				b.sleepOnCancel = true
			case "localTime":
				b.localTime = true
			}
		}
		sdk.Serve(memFactory(newStore(), b))
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestOutOfProcess certifies the mem connector as a real plugin process:
// the time zone reaches the child through TZ, and the SDK's report of a
// cancelled Read's return reaches the cancel check. Only the source half
// runs; mutation steps cannot reach the child's memory, so only the named
// checks are asserted.
func TestOutOfProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("starts plugin processes")
	}
	tests := []struct {
		bugs   string
		status map[string]sdktest.Status
	}{
		{"ok", map[string]sdktest.Status{"cancel": sdktest.Pass, "read/events": sdktest.Pass, "incremental/events": sdktest.Pass}},
		{"sleepOnCancel", map[string]sdktest.Status{"cancel": sdktest.Fail, "read/events": sdktest.Pass}},
		{"localTime", map[string]sdktest.Status{"cancel": sdktest.Pass, "read/events": sdktest.Fail, "incremental/events": sdktest.Fail}},
	}
	for _, tt := range tests {
		t.Run(tt.bugs, func(t *testing.T) {
			f := memFixture(bugs{})
			f.Factory = nil
			f.Binary = os.Args[0]
			f.Env = map[string]string{"SDKTEST_MEM_PLUGIN": tt.bugs}
			f.Streams[0].Mutations = nil
			f.Strict = false
			rep := sdktest.Run(sdktest.NewRunner("certify", nil, false), f, sdktest.Options{Source: true})
			got := map[string]sdktest.Status{}
			for _, c := range rep.Checks {
				got[c.Name] = c.Status
			}
			for name, want := range tt.status {
				if got[name] != want {
					t.Errorf("%s: got %s, want %s\n%s", name, got[name], want, rep.Table())
				}
			}
		})
	}
}
