package cli

import (
	"encoding/json"
	"regexp"
	"testing"
)

func TestDiscover(t *testing.T) {
	out, errOut, code := runCLI(t, "discover", "test")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	wantOutput(t, "discover", out, "NAMESPACE", "PRIMARY KEY", "CURSOR CANDIDATES", "ROWS (EST.)")
	for _, re := range []string{`main\s+rows\s+2\s+id\s+id\s+~10`, `main\s+bench\s+8\s+id\s+-\s+-`} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("discover: got\n%s\nwant a line matching %s", out, re)
		}
	}

	out, errOut, code = runCLI(t, "discover", "test", "--json", "rows")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var cat struct {
		Streams []struct {
			Name   string `json:"name"`
			Schema struct {
				Fields []struct{ Name string } `json:"fields"`
			} `json:"schema"`
		} `json:"streams"`
	}
	if err := json.Unmarshal([]byte(out), &cat); err != nil || len(cat.Streams) == 0 || len(cat.Streams[0].Schema.Fields) != 2 {
		t.Errorf("discover --json: got %v\n%s", err, out)
	}
}
