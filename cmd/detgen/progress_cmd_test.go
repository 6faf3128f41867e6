package main

import (
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/detgen/detgen/progress"
)

// fakeProgress makes every progress step a second apart on a fake clock,
// so each one prints a line.
func fakeProgress(t *testing.T) {
	t.Helper()
	old := progressOptions
	progressOptions = func(io.Writer) progress.Options {
		now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		return progress.Options{NoTicker: true, Now: func() time.Time {
			now = now.Add(time.Second)
			return now
		}}
	}
	t.Cleanup(func() { progressOptions = old })
}

// TestProgressAndQuiet: build, test and docs report progress on stderr
// (plain lines when stderr is not a terminal); --quiet silences progress
// and the informational lines but not results or errors.
func TestProgressAndQuiet(t *testing.T) {
	fakeProgress(t)
	rules, _ := scaffoldRule(t)
	work := t.TempDir()
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"build", "--rules", rules, "--out", filepath.Join(work, "dist")}, []string{"build: loading 1/1 specs (100%)", "build: compiling 1/1 rules (100%)"}},
		{[]string{"test", "--rules", rules}, []string{"test: running 1/1 rules (100%)"}}, // compiled, generated and run rule by rule
		{[]string{"docs", "--rules", rules, "--out", filepath.Join(work, "site")}, []string{"docs: compiling 1/1 rules (100%)", "docs: rendering pages, "}},
	} {
		code, out, errOut := detgen(t, tc.args...)
		if code != 0 {
			t.Fatalf("%v: exit %d\n%s%s", tc.args, code, out, errOut)
		}
		for _, want := range tc.want {
			if !strings.Contains(errOut, want) {
				t.Errorf("%v: stderr lacks %q:\n%s", tc.args, want, errOut)
			}
		}
		if strings.Contains(errOut, "\r") {
			t.Errorf("%v: carriage return on a non-terminal stderr: %q", tc.args, errOut)
		}
		code, qout, qerr := detgen(t, append([]string{"--quiet"}, tc.args...)...)
		if code != 0 || qerr != "" {
			t.Errorf("--quiet %v: exit %d, stderr %q", tc.args, code, qerr)
		}
		if tc.args[0] == "test" {
			if qout != "test: 1 rule, 2 cases, 8 evaluations: 8 passed, 0 failed\n8 passed, 0 failed\n" {
				t.Errorf("--quiet test: the results must stay: %q", qout)
			}
		} else if qout != "" || !strings.HasPrefix(out, "detgen: wrote ") {
			t.Errorf("--quiet %v: stdout %q (without: %q)", tc.args, qout, out)
		}
	}
	spec, _ := filepath.Glob(filepath.Join(rules, "*", "*.yaml"))
	if code, out, _ := detgen(t, "-q", "validate", spec[0]); code != 0 || out != "" {
		t.Errorf("-q validate: exit %d, stdout %q", code, out)
	}
}
