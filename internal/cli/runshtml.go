package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/dpone-go/dpone/host/evidence"
)

// writeRunHTML renders run id's report as an HTML page into file. The
// report is found in reportDir, else in runs/ next to the state.
func writeRunHTML(ctx context.Context, app *App, f *stateFlags, reportDir, id, file string) error {
	if reportDir == "" {
		statePath := f.path
		if f.manifest != "" {
			st, m, err := f.openManifest(ctx)
			if err != nil {
				return err
			}
			_ = st.Close()
			statePath = m.State.Path
		}
		if statePath == "" {
			var err error
			if statePath, err = f.app.defaultStatePath(); err != nil {
				return err
			}
		}
		reportDir = filepath.Join(filepath.Dir(statePath), "runs")
	}
	path := evidence.ReportPath(reportDir, id)
	rep, err := evidence.ReadReport(path)
	if err != nil {
		return usagef("run %s has no readable report at %s: %v (pass --report-dir if run wrote it elsewhere)", id, path, err)
	}
	var b bytes.Buffer
	if err := evidence.RenderHTML(&b, rep); err != nil {
		return fmt.Errorf("render run %s: %w", id, err)
	}
	if err := os.WriteFile(file, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", file, err)
	}
	fmt.Fprintf(app.Err, "wrote %s\n", file)
	return nil
}
