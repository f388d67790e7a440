package connector

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes the kernel kill the plugin when the host dies, even
// by SIGKILL: an orphaned plugin could keep holding its target (DuckDB
// allows one writing process per file) and block the next run.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
