package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// detgenSoon is detgen that fails the test instead of hanging.
func detgenSoon(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		code, stdout, stderr = detgen(t, args...)
	}()
	select {
	case <-done:
		return code, stdout, stderr
	case <-time.After(20 * time.Second):
		t.Fatalf("detgen %s hangs", strings.Join(args, " "))
		return 0, "", ""
	}
}

// A FIFO or a symlink to /dev/zero named *.yaml is refused by name, and
// never blocks the build or feeds it forever; so is an oversized spec.
func TestSpecsMustBeRegularFiles(t *testing.T) {
	rules := t.TempDir()
	fifo := filepath.Join(rules, "fifo.yaml")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	zero := filepath.Join(rules, "zero.yaml")
	os.Symlink("/dev/zero", zero)
	big := filepath.Join(rules, "big.yaml")
	os.WriteFile(big, []byte("id: "+strings.Repeat("x", 5<<20)+"\n"), 0o644)
	code, _, stderr := detgenSoon(t, "build", "--rules", rules, "--out", filepath.Join(t.TempDir(), "dist"))
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	for _, want := range []string{
		fifo + ": is a named pipe (FIFO), not a regular file: a spec must be a regular file",
		zero + ": is a character device, not a regular file",
		big + ": is 5.0 MiB, over the 4 MiB limit for a spec",
		"detgen: 3 error",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
}

// lint reads hand-written queries as safely as specs.
func TestLintInputMustBeRegular(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "q.aql")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := detgenSoon(t, "lint", fifo)
	if want := fifo + ": is a named pipe (FIFO), not a regular file: a query file must be a regular file"; code != 1 || !strings.Contains(stderr, want) {
		t.Errorf("exit %d, stderr %q; want 1 and %q", code, stderr, want)
	}
}

// Empty and non-UTF-8 specs are reported at file:line:col.
func TestEmptyAndNonUTF8Specs(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.yaml")
	os.WriteFile(empty, nil, 0o644)
	latin1 := filepath.Join(dir, "latin1.yaml")
	os.WriteFile(latin1, []byte("id: x\ntitle: Caf\xe9\n"), 0o644)
	code, _, stderr := detgenSoon(t, "validate", empty, latin1)
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	for _, want := range []string{
		empty + ":1:1: the file is empty",
		latin1 + ":2:11: the file is not UTF-8 text (byte 0xe9)",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
}
