package compile

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/detgen/detgen/spec"
)

// An event_file that is a FIFO or a device is refused at its key, and
// never blocks or feeds the compiler forever.
func TestEventFileMustBeRegular(t *testing.T) {
	src, err := os.ReadFile(errorsFixture)
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
		if !strings.Contains(errs.Error(), "rule.yaml:195:17: test ") || !strings.Contains(errs.Error(), want) {
			t.Errorf("errors lack rule.yaml:191:17 ... %s:\n%v", want, errs)
		}
	}
}

// A sequence item's event file is checked once per unchanged file in a
// deferred (build) compile: the remembered outcome is reported again, at
// each rule's own position, and a changed file is checked anew.
func TestSequenceEventCheckRemembered(t *testing.T) {
	const rule = "../rules/kubernetes/t1552.007-secret-enumeration.yaml"
	src, err := os.ReadFile(rule)
	if err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile("../rules/kubernetes/testdata/t1552.007/get-secret.json")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	const old = "event_file: testdata/t1552.007/get-secret.json"
	specPath := filepath.Join(dir, "rule.yaml")
	mutated := strings.Replace(string(src), old, "event_file: ev.json", 1)
	event := filepath.Join(dir, "ev.json")
	write := func(data []byte, age time.Duration) {
		if err := os.WriteFile(event, data, 0o644); err != nil {
			t.Fatal(err)
		}
		when := time.Now().Add(-age) // old enough to be remembered
		if err := os.Chtimes(event, when, when); err != nil {
			t.Fatal(err)
		}
	}
	compile := func() string {
		sr, errs := spec.Parse(specPath, []byte(mutated))
		if len(errs) == 0 {
			_, errs = RuleWith(sr, Options{DeferEvents: true})
		}
		return errs.Error()
	}
	// No objectRef.name: the repeated item cannot vary it.
	noName := strings.Replace(string(good), `"name"`, `"nom"`, 1)
	write([]byte(noName), time.Hour)
	const want = "has no string at objectRef.name to vary"
	first := compile()
	if !strings.Contains(first, want) || !strings.Contains(first, "rule.yaml:") {
		t.Fatalf("first compile: want %q at rule.yaml, got:\n%s", want, first)
	}
	if again := compile(); again != first {
		t.Errorf("remembered check reports differently:\n%s\nwant:\n%s", again, first)
	}
	write(good, 2*time.Hour) // fixed: another size and time
	if got := compile(); strings.Contains(got, want) {
		t.Errorf("the fixed file is still reported:\n%s", got)
	}
}
