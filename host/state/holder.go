package state

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// thisProcess names the current process as a lock holder:
// "<host>/<pid>/<start time>". The start time (from /proc, in clock ticks
// since boot) tells a live holder from a new process that reused its pid.
func thisProcess() string {
	host, _ := os.Hostname()
	pid := os.Getpid()
	return fmt.Sprintf("%s/%d/%s", host, pid, processStart(pid))
}

// thisProcessHost is the host part of thisProcess.
func thisProcessHost() string {
	host, _ := os.Hostname()
	return host
}

// processGone reports whether holder names a process on this host that no
// longer runs. A holder on another host, or one that cannot be checked,
// is assumed alive (its lock then expires by its ttl).
func processGone(holder string) bool {
	parts := strings.Split(holder, "/")
	if len(parts) != 3 {
		return false
	}
	host, _ := os.Hostname()
	pid, err := strconv.Atoi(parts[1])
	if parts[0] != host || err != nil || pid <= 0 {
		return false
	}
	if err := syscall.Kill(pid, 0); err == syscall.ESRCH {
		return true
	}
	start := processStart(pid)
	return start != "" && parts[2] != "" && start != parts[2]
}

// processStart is field 22 of /proc/<pid>/stat (start time), or "".
func processStart(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ""
	}
	// The command name (field 2) is in parentheses and may hold spaces.
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
