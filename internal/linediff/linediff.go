// Package linediff lists, for tests that compare a checked-in expectations
// file with what was computed, the lines only one side has.
package linediff

import (
	"fmt"
	"strings"
)

// Lines returns the lines of want that got lacks ("- ") and of got that
// want lacks ("+ "), at most max of them.
func Lines(want, got string, max int) string {
	in := func(s string) map[string]bool {
		m := map[string]bool{}
		for _, l := range strings.Split(s, "\n") {
			m[l] = true
		}
		return m
	}
	w, g := in(want), in(got)
	var out []string
	for _, l := range strings.Split(want, "\n") {
		if !g[l] {
			out = append(out, "- "+l)
		}
	}
	for _, l := range strings.Split(got, "\n") {
		if !w[l] {
			out = append(out, "+ "+l)
		}
	}
	if len(out) > max {
		out = append(out[:max], fmt.Sprintf("... and %d more", len(out)-max))
	}
	return strings.Join(out, "\n")
}
