package main

import (
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"
)

// chq SQL... | chq -f FILE: run SQL against the test ClickHouse's HTTP
// interface ($CH_HTTP) and print its TSV output. The scripts need no
// ClickHouse driver in this module: the HTTP interface is plain text.
// With -f, statements are separated by lines that hold only ";".
func cmdChq(ts *testscript.TestScript, neg bool, args []string) {
	base := ts.Getenv("CH_HTTP")
	if base == "" {
		ts.Fatalf("chq: CH_HTTP not set (condition [ch] missing?)")
	}
	stmts := []string{strings.Join(args, " ")}
	if len(args) == 2 && args[0] == "-f" {
		stmts = strings.Split(ts.ReadFile(args[1]), "\n;\n")
	}
	var failed error
	for _, q := range stmts {
		if strings.TrimSpace(q) == "" {
			continue
		}
		resp, err := http.Post(base+"/", "text/plain", strings.NewReader(q))
		if err != nil {
			ts.Fatalf("chq: %v", err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			failed = fmt.Errorf("chq: %s: %s", resp.Status, body)
			break
		}
		fmt.Fprint(ts.Stdout(), string(body))
	}
	if neg {
		if failed == nil {
			ts.Fatalf("chq: unexpected success")
		}
		return
	}
	ts.Check(failed)
}
