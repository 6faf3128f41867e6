package scaffold

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/detgen/detgen/mappings"
)

var day = time.Date(2026, 3, 4, 15, 0, 0, 0, time.UTC)

// Every log source gets a stub that compiles and passes (New proves it).
func TestEveryLogsource(t *testing.T) {
	for _, ls := range mappings.LogsourceNames() {
		t.Run(ls, func(t *testing.T) {
			dir := t.TempDir()
			r, err := New(Options{Dir: dir, Logsource: ls, Technique: "T1059.001", Name: "Probe " + ls, Now: day})
			if err != nil && strings.Contains(err.Error(), "no field of logsource "+ls+" gives a stub") {
				// A catalog none of whose fields every target maps
				// (linux_auditd today) cannot have a rule at all.
				t.Skip(err)
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := r.Write(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestNamesAndUUID(t *testing.T) {
	dir := t.TempDir()
	r, err := New(Options{Dir: dir, Logsource: "windows_process_creation", Technique: "t1053.007", Name: "Cron job from a shell", Now: day,
		Rand: bytes.NewReader(bytes.Repeat([]byte{0xff}, 16))})
	if err != nil {
		t.Fatal(err)
	}
	if r.ID != "ffffffff-ffff-4fff-bfff-ffffffffffff" {
		t.Errorf("id %s", r.ID)
	}
	if want := filepath.Join(dir, "windows", "t1053.007-cron-job-from-a-shell.yaml"); r.Spec != want {
		t.Errorf("spec %s, want %s", r.Spec, want)
	}
	spec := string(r.Files[0].Data)
	for _, want := range []string{"name: cron_job_from_a_shell\n", `title: "Cron job from a shell"`, `date: "2026-03-04"`,
		"subtechnique:\n    id: T1053.007\n    name: \"Container Orchestration Job\"", "technique:\n    id: T1053\n    name: \"Scheduled Task/Job\"",
		"url: https://attack.mitre.org/techniques/T1053/007/"} {
		if !strings.Contains(spec, want) {
			t.Errorf("spec lacks %q:\n%s", want, spec)
		}
	}
	if !regexp.MustCompile(`(?m)^    #   EventID: 1 `).MatchString(spec) {
		t.Errorf("no commented field example:\n%s", spec)
	}
	if err := r.Write(); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Options{Dir: dir, Logsource: "windows_process_creation", Technique: "T1105", Name: "cron job from a shell", Now: day}); err == nil || !strings.Contains(err.Error(), "already used") {
		t.Errorf("same name: %v", err)
	}
	os.Remove(r.Files[0].Path)
	if _, err := New(Options{Dir: dir, Logsource: "windows_process_creation", Technique: "T1053.007", Name: "cron job from a shell", Now: day}); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("existing event files: %v", err)
	}
}
