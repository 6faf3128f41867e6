package compile

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/detgen/detgen/spec"
)

// An event_file that is a FIFO or a device is refused at its key, and
// never blocks or feeds the compiler forever.
func TestEventFileMustBeRegular(t *testing.T) {
	src, err := os.ReadFile(shipped)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo.json"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Symlink("/dev/zero", filepath.Join(dir, "zero.json"))
	for name, want := range map[string]string{
		"fifo.json": "fifo.json: is a named pipe (FIFO), not a regular file: an event file must be a regular file",
		"zero.json": "zero.json: is a character device, not a regular file",
	} {
		const old = "event_file: testdata/t1053.007/reverse-shell-cronjob.json"
		mutated := strings.Replace(string(src), old, "event_file: "+name, 1)
		sr, errs := spec.Parse(filepath.Join(dir, "rule.yaml"), []byte(mutated))
		if len(errs) == 0 {
			_, errs = Rule(sr)
		}
		if !strings.Contains(errs.Error(), "rule.yaml:191:17: test ") || !strings.Contains(errs.Error(), want) {
			t.Errorf("errors lack rule.yaml:191:17 ... %s:\n%v", want, errs)
		}
	}
}
