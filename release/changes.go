package release

import (
	"fmt"
	"sort"
	"strings"
)

// Changes says, one line per rule, what recording now over old changes:
// which rules were added, re-versioned, renamed or dropped, with ids and
// versions. No line means the lock already holds this build.
func Changes(old, now *LockFile) []string {
	var out []string
	for _, id := range sortedIDs(now.Rules) {
		n := now.Rules[id]
		o, ok := old.Rules[id]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("locked new rule %s (%s) at version %d", n.Name, id, n.Version))
		case o.Version != n.Version:
			out = append(out, fmt.Sprintf("locked %s (%s) at version %d, was %d (%s)", n.Name, id, n.Version, o.Version, outputChange(o, n)))
		case o.Name != n.Name:
			out = append(out, fmt.Sprintf("locked %s (%s) at version %d, renamed from %s", n.Name, id, n.Version, o.Name))
		}
	}
	for _, id := range sortedIDs(old.Rules) {
		if _, ok := now.Rules[id]; !ok {
			o := old.Rules[id]
			out = append(out, fmt.Sprintf("dropped %s (%s), version %d: no spec has this id any more", o.Name, id, o.Version))
		}
	}
	return out
}

// outputChange names the targets whose output changed.
func outputChange(o, n LockEntry) string {
	if changed := changedTargets(o.Targets, n.Targets); len(changed) > 0 {
		return strings.Join(changed, ", ") + " output changed"
	}
	return "no output change"
}

func sortedIDs(m map[string]LockEntry) []string {
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}
