package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// procPeak is what the sampler saw of one process.
type procPeak struct {
	PID     int     `json:"pid"`
	Name    string  `json:"name"`
	PeakMB  float64 `json:"peak_rss_mb"`
	CPUSecs float64 `json:"cpu_s"`
}

// treeSampler polls the descendants of a process (found through
// /proc/<pid>/task/<tid>/children) and records each one's VmHWM, the
// kernel's own high-water mark of its resident set: a sample taken at any
// time before the process exits holds the peak up to then, so polling
// misses at most the growth of the last interval.
type treeSampler struct {
	root  int
	every time.Duration
	stop  chan struct{}
	done  sync.WaitGroup
	mu    sync.Mutex
	procs map[int]*procPeak
}

func startSampler(root int, every time.Duration) *treeSampler {
	s := &treeSampler{root: root, every: every, stop: make(chan struct{}), procs: map[int]*procPeak{}}
	s.done.Add(1)
	go func() {
		defer s.done.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			s.sample()
			select {
			case <-s.stop:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

// Stop ends sampling and returns what it saw of the root and of each of
// its descendants. wait4's rusage cannot replace this for the root: on
// Linux its ru_maxrss and times include the root's waited-for children.
func (s *treeSampler) Stop() (root procPeak, children []procPeak) {
	close(s.stop)
	s.done.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	for pid, p := range s.procs {
		if pid == s.root {
			root = *p
			continue
		}
		children = append(children, *p)
	}
	return root, children
}

func (s *treeSampler) sample() {
	for _, pid := range descendants(s.root) {
		hwm, ok := vmHWM(pid)
		if !ok {
			continue
		}
		cpu := cpuSeconds(pid)
		s.mu.Lock()
		p := s.procs[pid]
		if p == nil {
			p = &procPeak{PID: pid, Name: procName(pid)}
			s.procs[pid] = p
		}
		p.PeakMB = max(p.PeakMB, hwm)
		p.CPUSecs = max(p.CPUSecs, cpu)
		s.mu.Unlock()
	}
}

// descendants returns pid and every process below it.
func descendants(pid int) []int {
	out := []int{pid}
	for i := 0; i < len(out); i++ {
		tasks, _ := filepath.Glob("/proc/" + strconv.Itoa(out[i]) + "/task/*/children")
		for _, t := range tasks {
			b, err := os.ReadFile(t)
			if err != nil {
				continue
			}
			for _, f := range strings.Fields(string(b)) {
				if c, err := strconv.Atoi(f); err == nil {
					out = append(out, c)
				}
			}
		}
	}
	return out
}

// vmHWM reads a process's peak resident set in MB.
func vmHWM(pid int) (float64, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb / 1024, err == nil
		}
	}
	return 0, false
}

// cpuSeconds is a process's user+system time so far (USER_HZ = 100).
func cpuSeconds(pid int) float64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	s := string(b)
	// Fields after the command name, which is in parentheses.
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseFloat(f[11], 64)
	k, _ := strconv.ParseFloat(f[12], 64)
	return (u + k) / 100
}

func procName(pid int) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil || len(b) == 0 {
		return "?"
	}
	arg0, _, _ := strings.Cut(string(b), "\x00")
	return filepath.Base(arg0)
}
