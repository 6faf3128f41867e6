//go:build unix

package driver

import (
	"os"
	"syscall"
)

// flock blocks until f is locked, exclusively or shared. The kernel drops
// the lock when the process dies, so a killed run never leaves it held.
func flock(f *os.File, exclusive bool) error {
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
	for {
		err := syscall.Flock(int(f.Fd()), how)
		if err != syscall.EINTR {
			return err
		}
	}
}
