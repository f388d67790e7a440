package sdktest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
)

// execReadTarget reads a target back with the fixture's reader command
// (load.reader.exec): {namespace} and {table} in its arguments are
// replaced, and it prints the table's rows as JSON Lines (one object per
// row, keyed by column; nothing for an empty or missing table). Values
// are read as StreamFixture.Rows describes, with numbers kept exact.
func execReadTarget(ctx context.Context, argv []string, target *connectorv1.TableRef, schema *arrow.Schema) ([]row, error) {
	args := make([]string, len(argv))
	r := strings.NewReplacer("{namespace}", target.GetNamespace(), "{table}", target.GetName())
	for i, a := range argv {
		args[i] = r.Replace(a)
	}
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("reader %s: %w: %s", strings.Join(args, " "), err, truncate(strings.TrimSpace(stderr.String()), 400))
	}
	var raw []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.UseNumber()
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			return nil, fmt.Errorf("reader %s: line %d is not a JSON object: %w", args[0], n, err)
		}
		raw = append(raw, m)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reader %s: %w", args[0], err)
	}
	return goRows(schema, raw)
}
