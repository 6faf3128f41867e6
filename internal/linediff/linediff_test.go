package linediff

import "testing"

func TestLines(t *testing.T) {
	if got := Lines("a\nb\nc", "a\nc\nd", 10); got != "- b\n+ d" {
		t.Errorf("got %q", got)
	}
	if got := Lines("a\nb\nc", "x", 2); got != "- a\n- b\n... and 2 more" {
		t.Errorf("got %q", got)
	}
}
