package main

import (
	"bufio"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// fixedClock sets detgen new's clock for the test.
func fixedClock(t *testing.T, day time.Time) {
	t.Helper()
	old := clock
	clock = func() time.Time { return day }
	t.Cleanup(func() { clock = old })
}

// scaffoldRule runs detgen new into an empty rules directory and returns
// the directory and the spec written.
func scaffoldRule(t *testing.T) (dir, spec string) {
	t.Helper()
	fixedClock(t, time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC))
	dir = filepath.Join(t.TempDir(), "rules")
	code, out, errOut := detgen(t, "new", "--logsource", "windows_process_creation", "--technique", "t1053.005", "--dir", dir, "Scheduled task from a shell")
	if code != 0 {
		t.Fatalf("new: exit %d\n%s%s", code, out, errOut)
	}
	spec = filepath.Join(dir, "windows", "t1053.005-scheduled-task-from-a-shell.yaml")
	if !strings.Contains(out, "detgen: wrote "+spec+"\n") {
		t.Fatalf("new did not report %s:\n%s", spec, out)
	}
	return dir, spec
}

var uuid4RE = regexp.MustCompile(`(?m)^id: [0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\n`)

// TestNewWritesRuleThatPasses: detgen new writes a spec with a fresh UUID,
// the ATT&CK names, today's date and two test events; detgen test passes
// on it as generated, and a second detgen new refuses to overwrite it.
func TestNewWritesRuleThatPasses(t *testing.T) {
	dir, spec := scaffoldRule(t)
	src, err := os.ReadFile(spec)
	if err != nil {
		t.Fatal(err)
	}
	s := string(src)
	if !uuid4RE.MatchString(s) {
		t.Errorf("no lower-case UUID v4 id:\n%s", s)
	}
	for _, want := range []string{
		"name: scheduled_task_from_a_shell\n",
		`title: "Scheduled task from a shell"` + "\n",
		"version: 1\n",
		`date: "2026-03-04"` + "\n" + `modified: "2026-03-04"` + "\n",
		"changelog:\n  - version: 1\n    date: \"2026-03-04\"\n    change: First version.\n",
		"  technique:\n    id: T1053\n    name: \"Scheduled Task/Job\"\n",
		"  subtechnique:\n    id: T1053.005\n    name: \"Scheduled Task\"\n",
		"    - id: TA0002\n      name: \"Execution\"\n",
		"url: https://attack.mitre.org/techniques/T1053/005/\n",
		"logsource: windows_process_creation\n",
		"    #   EventID: 1 ", // the catalog's first fields, commented
		"  condition: selection\n",
		"expect: {match: true}",
		"expect: {match: false}",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("spec lacks %q:\n%s", want, s)
		}
	}
	for _, ev := range []string{"scheduled-task-from-a-shell-match.json", "scheduled-task-from-a-shell-no-match.json"} {
		if _, err := os.Stat(filepath.Join(dir, "windows", "testdata", "t1053.005", ev)); err != nil {
			t.Error(err)
		}
	}
	code, out, errOut := detgen(t, "test", "--rules", dir)
	if code != 0 || !strings.HasSuffix(out, "test: 1 rule, 2 cases, 8 evaluations: 8 passed, 0 failed\n8 passed, 0 failed\n") {
		t.Errorf("test: exit %d\n%s%s", code, out, errOut)
	}
	// A second run never overwrites.
	code, _, errOut = detgen(t, "new", "--logsource", "windows_process_creation", "--technique", "T1053.005", "--dir", dir, "scheduled task from a shell")
	if code != 1 || !strings.Contains(errOut, "already") {
		t.Errorf("second new: exit %d, %s", code, errOut)
	}
	if again, _ := os.ReadFile(spec); string(again) != s {
		t.Error("the spec was overwritten")
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"new", "--technique", "T1105", "x"}, 2, "new needs --logsource"},
		{[]string{"new", "--logsource", "okta", "x"}, 2, "new needs --technique"},
		{[]string{"new", "--logsource", "okta", "--technique", "T1105"}, 2, "exactly one NAME"},
		{[]string{"new", "--logsource", "nope", "--technique", "T1105", "--dir", dir, "x"}, 1, `logsource "nope" is unknown`},
		{[]string{"new", "--logsource", "okta", "--technique", "T9999", "--dir", dir, "x"}, 1, `technique "T9999" is not in ATT&CK`},
	} {
		if code, _, errOut := detgen(t, tc.args...); code != tc.code || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, %q; want %d with %q", tc.args, code, errOut, tc.code, tc.want)
		}
	}
}

// copyTree copies the regular files and symlinks under src to dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		out := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(out, 0o755)
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(target, out)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(out, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// readmeSteps returns the command lines of the README's "Adding a rule"
// code block, without comments.
func readmeSteps(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(data), "\n## Adding a rule\n")
	if !ok {
		t.Fatal("README has no \"## Adding a rule\" section")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	_, block, ok := strings.Cut(section, "```sh\n")
	if !ok {
		t.Fatal("README's \"Adding a rule\" has no sh code block")
	}
	block, _, _ = strings.Cut(block, "```")
	var steps []string
	sc := bufio.NewScanner(strings.NewReader(block))
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		if line = strings.TrimSpace(line); line != "" {
			steps = append(steps, line)
		}
	}
	return steps
}

// TestAddingARule follows the README's "Adding a rule" steps literally on
// a copy of the repository's rules and lock file: detgen new, then detgen
// test, detgen lock and detgen build --check-versions all succeed.
// (make golden rewrites golden/ of the repository itself; TestGolden in
// driver checks it.)
func TestAddingARule(t *testing.T) {
	steps := readmeSteps(t)
	work := t.TempDir()
	copyTree(t, "../../rules", filepath.Join(work, "rules"))
	lock, err := os.ReadFile("../../rules.lock.json")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(work, "rules.lock.json"), lock, 0o644)
	t.Chdir(work)

	ran := map[string]bool{}
	for _, step := range steps {
		if step == "make golden" {
			continue
		}
		if strings.ContainsAny(step, `"'$|&;<>`+"`") {
			t.Fatalf("README step %q: keep the steps plain words so they run as written", step)
		}
		args, ok := strings.CutPrefix(step, "bin/detgen ")
		if !ok {
			t.Fatalf("README step %q is neither bin/detgen nor make golden", step)
		}
		fields := strings.Fields(args)
		code, out, errOut := detgen(t, fields...)
		if code != 0 {
			t.Fatalf("README step %q: exit %d\n%s%s", step, code, out, errOut)
		}
		ran[strings.Join(fields[:1], " ")] = true
		if fields[0] == "build" && strings.Contains(args, "--check-versions") {
			ran["build --check-versions"] = true
		}
	}
	for _, want := range []string{"new", "test", "lock", "build --check-versions"} {
		if !ran[want] {
			t.Errorf("the README's steps do not run detgen %s", want)
		}
	}
	// The new rule was locked: the lock file names it.
	after, _ := os.ReadFile(filepath.Join(work, "rules.lock.json"))
	if len(after) <= len(lock) {
		t.Error("detgen lock did not record the new rule")
	}
}
