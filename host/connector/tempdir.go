package connector

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// Plugins listen on unix sockets that go-plugin puts in a directory per
// plugin (<tmp>/plugin-dir<N>) and removes when the plugin is closed. A
// host killed with kill -9 cannot remove them, so the host marks each such
// directory with an owner file naming its process, and every launch
// removes the marked directories of dpone processes that are gone. Other
// programs' go-plugin directories carry no mark and are left alone.

// ownerFile is the mark in a plugin socket directory: "<pid> <start>".
const ownerFile = "dpone-owner"

// markSocketDir marks dir as a socket directory of this process.
func markSocketDir(dir string) {
	if dir == "" {
		return
	}
	pid := os.Getpid()
	_ = os.WriteFile(filepath.Join(dir, ownerFile), []byte(fmt.Sprintf("%d %s", pid, procStart(pid))), 0o600)
}

// removeDeadSocketDirs removes the plugin-dir* entries of root marked by a
// dpone process that no longer runs (or whose pid another process reuses).
func removeDeadSocketDirs(root string) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), "plugin-dir") {
			continue
		}
		dir := filepath.Join(root, e.Name())
		b, err := os.ReadFile(filepath.Join(dir, ownerFile))
		if err != nil {
			continue
		}
		pidStr, start, _ := strings.Cut(strings.TrimSpace(string(b)), " ")
		pid, err := strconv.Atoi(pidStr)
		if err != nil || pid <= 0 || !procGone(pid, start) {
			continue
		}
		_ = os.RemoveAll(dir)
	}
}

// procGone reports whether pid no longer runs, or runs with another start
// time than start (the pid was reused).
func procGone(pid int, start string) bool {
	if err := syscall.Kill(pid, 0); err == syscall.ESRCH {
		return true
	}
	now := procStart(pid)
	return now != "" && start != "" && now != start
}

// procStart is field 22 of /proc/<pid>/stat (start time in clock ticks
// since boot), or "" where /proc is not available.
func procStart(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ""
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return ""
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 20 {
		return ""
	}
	return f[19]
}
