package kafka

import (
	"os"
	"strconv"
	"strings"
	"syscall"
)

// commitFault reads DPONE_TEST_KAFKA_FAULT=commit:<n>: the number of
// messages after which the sink, inside the target's open transaction
// (Write's when the load publishes during Write, else CommitLoad's),
// flushes them to the broker and kills its own process with SIGKILL, or
// 0. It exists for the crash tests (kafka_faults.txtar) and is inert
// unless the variable is set.
func commitFault() int {
	spec, ok := strings.CutPrefix(os.Getenv("DPONE_TEST_KAFKA_FAULT"), "commit:")
	if !ok {
		return 0
	}
	n, err := strconv.Atoi(spec)
	if err != nil || n < 1 {
		return 0
	}
	return n
}

// precommitFault reports DPONE_TEST_KAFKA_FAULT=precommit: CommitLoad
// kills its process after its transaction holds every message and the
// receipt, flushed, right before the commit (kafka_faults.txtar).
func precommitFault() bool { return os.Getenv("DPONE_TEST_KAFKA_FAULT") == "precommit" }

// die kills the process as kill -9 would.
func die() { _ = syscall.Kill(os.Getpid(), syscall.SIGKILL) }
