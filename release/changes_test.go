package release

import (
	"strings"
	"testing"
)

func TestChanges(t *testing.T) {
	entry := func(name string, v int, h string) LockEntry {
		return LockEntry{Name: name, Version: v, Targets: map[string]string{"qradar": h, "sigma": "s"}}
	}
	old := &LockFile{Rules: map[string]LockEntry{
		"a": entry("rule_a", 1, "x"), "b": entry("rule_b", 3, "x"), "c": entry("rule_c", 1, "x"), "d": entry("old_d", 2, "x"), "e": entry("rule_e", 1, "x"),
	}}
	now := &LockFile{Rules: map[string]LockEntry{
		"a": entry("rule_a", 2, "y"), "b": entry("rule_b", 4, "x"), "c": entry("rule_c", 1, "x"), "d": entry("new_d", 2, "x"), "f": entry("rule_f", 1, "x"),
	}}
	want := []string{
		"locked rule_a (a) at version 2, was 1 (qradar output changed)",
		"locked rule_b (b) at version 4, was 3 (no output change)",
		"locked new_d (d) at version 2, renamed from old_d",
		"locked new rule rule_f (f) at version 1",
		"dropped rule_e (e), version 1: no spec has this id any more",
	}
	if got := Changes(old, now); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if got := Changes(now, now); len(got) != 0 {
		t.Errorf("no change: %v", got)
	}
}
