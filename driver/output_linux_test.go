package driver

import (
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
)

// unprivileged runs fn with file permissions checked as user nobody, so a
// test of a read-only directory means the same under root (CI containers)
// as for a user: Linux's filesystem uid is per thread, and changing it
// from 0 drops the capabilities that bypass permission checks.
func unprivileged(t *testing.T, fn func()) {
	t.Helper()
	if os.Geteuid() != 0 {
		fn()
		return
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		// The thread is never unlocked, so it exits with the goroutine
		// and no other goroutine runs with the changed uid.
		runtime.LockOSThread()
		syscall.Syscall(syscall.SYS_SETFSUID, 65534, 0, 0)
		if cur, _, _ := syscall.Syscall(syscall.SYS_SETFSUID, ^uintptr(0), 0, 0); cur != 65534 {
			t.Errorf("cannot drop privileges (fsuid %d)", cur)
			return
		}
		fn()
	}()
	<-done
}

// openTree makes dir and its parents searchable, and dir writable, by
// anyone, so an unprivileged test can work in a t.TempDir.
func openTree(t *testing.T, dir string) {
	t.Helper()
	for d := dir; d != "/" && d != "."; d = filepath.Dir(d) {
		if d == os.TempDir() {
			break
		}
		os.Chmod(d, 0o777)
	}
}

// writeAsNobody is WriteDir run unprivileged.
func writeAsNobody(t *testing.T, dir string, files []File) (err error) {
	t.Helper()
	unprivileged(t, func() { err = WriteDir(dir, files) })
	return err
}

// A read-only parent: the run fails before anything is replaced.
func TestWriteDirReadOnlyParent(t *testing.T) {
	parent := t.TempDir()
	openTree(t, parent)
	dist := filepath.Join(parent, "dist")
	if err := writeAsNobody(t, dist, build(1)); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, dist)
	os.Chmod(parent, 0o555)
	defer os.Chmod(parent, 0o777)
	if err := writeAsNobody(t, dist, build(2)); err == nil {
		t.Error("WriteDir succeeded in a read-only parent")
	}
	if d := diffSnap(before, snapshot(t, dist)); d != "" {
		t.Errorf("a failed run changed the previous output: %s", d)
	}
	if got := entries(t, parent); got != ".dist.lock,dist" {
		t.Errorf("parent holds %s", got)
	}
}

// A read-only output directory (and subdirectory) is detgen's own: it is
// replaced, and nothing of it is left behind.
func TestWriteDirReadOnlyOutput(t *testing.T) {
	parent := t.TempDir()
	openTree(t, parent)
	dist := filepath.Join(parent, "dist")
	if err := writeAsNobody(t, dist, build(1)); err != nil {
		t.Fatal(err)
	}
	os.Chmod(filepath.Join(dist, "qradar"), 0o555)
	os.Chmod(dist, 0o555)
	if err := writeAsNobody(t, dist, build(2)); err != nil {
		t.Errorf("WriteDir over a read-only output: %v", err)
	}
	got, err := os.ReadFile(filepath.Join(dist, "qradar", "a.aql"))
	if err != nil || string(got) != "SELECT 2" {
		t.Errorf("output not replaced: %q, %v", got, err)
	}
	if got := entries(t, parent); got != ".dist.lock,dist" {
		t.Errorf("parent holds %s", got)
	}
}
