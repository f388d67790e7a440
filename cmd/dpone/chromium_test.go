package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// chromium FILE MIN: render FILE in headless Chromium (Debian's chromium
// package, which scripts/deps.sh installs) and fail on any script error
// in the console, or when the page's script did not finish drawing: it
// sets data-rendered on <body> to the number of pictures it drew, which
// must be at least MIN.
func cmdChromium(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: chromium FILE MIN")
	}
	bin, err := exec.LookPath("chromium")
	if err != nil {
		ts.Fatalf("chromium not found: install Debian's chromium package (scripts/deps.sh does)")
	}
	want, err := strconv.Atoi(args[1])
	ts.Check(err)
	file := ts.MkAbs(args[0])
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--user-data-dir="+filepath.Join(ts.Getenv("WORK"), ".chromium"), "--enable-logging=stderr", "--v=0",
		"--dump-dom", "file://"+file)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	dom, err := cmd.Output()
	if err != nil {
		ts.Fatalf("chromium: %v\n%s", err, stderr.String())
	}
	for _, l := range strings.Split(stderr.String(), "\n") {
		if strings.Contains(l, ":CONSOLE") && (strings.Contains(l, "Uncaught") || strings.Contains(l, "Error")) {
			ts.Fatalf("script error in %s: %s", args[0], l)
		}
	}
	m := regexp.MustCompile(`<body[^>]* data-rendered="(\d+)"`).FindSubmatch(dom)
	if m == nil {
		ts.Fatalf("%s: the page's script did not finish (no data-rendered on <body>)", args[0])
	}
	if n, _ := strconv.Atoi(string(m[1])); n < want {
		ts.Fatalf("%s: drew %d pictures, want at least %d", args[0], n, want)
	}
	ts.Logf("%s rendered: %s pictures", args[0], m[1])
}

// runid VAR: set VAR to the id of the newest run report under .dpone/runs.
func cmdRunID(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: runid VAR")
	}
	files, _ := filepath.Glob(filepath.Join(ts.Getenv("WORK"), ".dpone", "runs", "r-*.json"))
	if len(files) == 0 {
		ts.Fatalf("runid: no report in .dpone/runs")
	}
	sort.Slice(files, func(i, j int) bool {
		a, _ := os.Stat(files[i])
		b, _ := os.Stat(files[j])
		return a.ModTime().Before(b.ModTime())
	})
	ts.Setenv(args[0], strings.TrimSuffix(filepath.Base(files[len(files)-1]), ".json"))
}
