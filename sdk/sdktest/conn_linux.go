package sdktest

import "syscall"

// childAttr makes the kernel kill a plugin process when the process that
// started it dies, however it dies (SIGKILL, a crash): no plugin outlives
// the suite.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
