package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// PostgreSQL's CPU seconds.
//
// The backends that serve a run come and go with its connections, so a
// poll of pg_stat_activity would miss the short ones and the end of the
// long ones. The postmaster reaps every backend it forked, and the kernel
// adds a reaped child's user+system time to its parent's cutime+cstime
// (/proc/<pid>/stat fields 16 and 17). So the server's CPU over a window is
// the growth of: the postmaster's own and reaped children's time, plus the
// time of its children alive at that moment (checkpointer, walwriter,
// autovacuum, backends still open). The postmaster's pid is the parent of
// the checkpointer, which pg_stat_activity lists.

// procTimes is what /proc/<pid>/stat says of a process, in seconds, and its
// parent's pid.
type procTimes struct {
	ppid            int
	self, reapedSub float64
}

// userHZ is the kernel's clock tick for /proc times (USER_HZ, 100 on Linux).
const userHZ = 100

func readProcTimes(pid int) (procTimes, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procTimes{}, false
	}
	s := string(b)
	// Fields after the command name (in parentheses): state is f[0], ppid
	// f[1], utime f[11], stime f[12], cutime f[13], cstime f[14].
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 15 {
		return procTimes{}, false
	}
	num := func(i int) float64 { v, _ := strconv.ParseFloat(f[i], 64); return v }
	ppid, _ := strconv.Atoi(f[1])
	return procTimes{ppid: ppid, self: (num(11) + num(12)) / userHZ, reapedSub: (num(13) + num(14)) / userHZ}, true
}

// serverCPU is a snapshot of the PostgreSQL server's CPU seconds so far.
type serverCPU struct {
	total    float64
	children int
}

// pgServer samples the CPU of one PostgreSQL server's process tree.
type pgServer struct{ postmaster int }

// findPostmaster asks pg_stat_activity for the checkpointer's pid and
// returns its parent.
func (b *bench) findPostmaster() (*pgServer, error) {
	v, err := b.psqlValue(b.adminDSN, "SELECT pid FROM pg_stat_activity WHERE backend_type = 'checkpointer'")
	if err != nil {
		return nil, err
	}
	pid, err := strconv.Atoi(v)
	if err != nil {
		return nil, fmt.Errorf("checkpointer pid %q: %w", v, err)
	}
	t, ok := readProcTimes(pid)
	if !ok {
		return nil, fmt.Errorf("read /proc/%d/stat of the checkpointer: the server must run on this machine", pid)
	}
	return &pgServer{postmaster: t.ppid}, nil
}

// snapshot is the server's CPU seconds so far (see the comment above). A
// child reaped between reading the postmaster and listing its children
// would be in neither, so the postmaster is read again after the children
// and the snapshot retaken when its reaped-children time moved.
func (p *pgServer) snapshot() serverCPU {
	if p == nil {
		return serverCPU{}
	}
	var s serverCPU
	for range 100 {
		t0, ok := readProcTimes(p.postmaster)
		if !ok {
			return serverCPU{}
		}
		s = serverCPU{total: t0.self + t0.reapedSub}
		for _, c := range descendants(p.postmaster)[1:] {
			if t, ok := readProcTimes(c); ok {
				s.total += t.self + t.reapedSub
				s.children++
			}
		}
		if t1, ok := readProcTimes(p.postmaster); ok && t1.reapedSub == t0.reapedSub {
			break
		}
	}
	return s
}

// settle waits (up to 3 s) until the server has no more children than
// before a run: backends of the run's connections that are still exiting
// are reaped, so their time has moved into the postmaster's cutime.
func (p *pgServer) settle(before serverCPU) serverCPU {
	deadline := time.Now().Add(3 * time.Second)
	for {
		s := p.snapshot()
		if s.children <= before.children || time.Now().After(deadline) {
			return s
		}
		time.Sleep(20 * time.Millisecond)
	}
}
