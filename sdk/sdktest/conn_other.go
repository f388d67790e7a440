//go:build !linux

package sdktest

import "syscall"

// childAttr is nil where the kernel cannot tie a child's life to its
// parent; Run still ends its plugins on every orderly exit.
func childAttr() *syscall.SysProcAttr { return nil }
