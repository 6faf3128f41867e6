package driver

import (
	"os"
	"runtime"
	"syscall"
	"unsafe"
)

// renameat2 by architecture; the syscall package does not name it.
var sysRenameat2 = map[string]uintptr{
	"amd64": 316, "386": 353, "arm": 382, "arm64": 276, "loong64": 276,
	"riscv64": 276, "ppc64": 357, "ppc64le": 357, "s390x": 347,
}[runtime.GOARCH]

const (
	atFDCWD        = -100   // AT_FDCWD: paths relative to the working directory
	renameExchange = 1 << 1 // RENAME_EXCHANGE
)

// exchange swaps the paths a and b in one step with
// renameat2(RENAME_EXCHANGE); errNoExchange when the kernel or the
// filesystem cannot.
func exchange(a, b string) error {
	if sysRenameat2 == 0 {
		return errNoExchange
	}
	pa, err := syscall.BytePtrFromString(a)
	if err != nil {
		return err
	}
	pb, err := syscall.BytePtrFromString(b)
	if err != nil {
		return err
	}
	cwd := atFDCWD
	_, _, e := syscall.Syscall6(sysRenameat2, uintptr(cwd), uintptr(unsafe.Pointer(pa)), uintptr(cwd), uintptr(unsafe.Pointer(pb)), renameExchange, 0)
	switch e {
	case 0:
		return nil
	case syscall.ENOSYS, syscall.EINVAL:
		return errNoExchange
	}
	return &os.LinkError{Op: "exchange", Old: a, New: b, Err: e}
}
