package release

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/detgen/detgen/ir"
)

// LockFile is the checked-in record of every rule's version and the hash
// of its compiled output per target (rules.lock.json). A change of the
// output must come with a version bump, as contentctl and Elastic's
// detection-rules enforce.
type LockFile struct {
	Rules map[string]LockEntry `json:"rules"` // by rule id
}

// LockEntry is one rule of the lock.
type LockEntry struct {
	Name    string            `json:"name"`
	Version int               `json:"version"`
	Targets map[string]string `json:"targets"` // target -> sha256 of the artifact
}

// ReadLock reads a lock file; a missing file is an empty lock.
func ReadLock(path string) (*LockFile, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return &LockFile{Rules: map[string]LockEntry{}}, nil
	}
	if err != nil {
		return nil, err
	}
	var l LockFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&l); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if l.Rules == nil {
		l.Rules = map[string]LockEntry{}
	}
	return &l, nil
}

// Bytes is the lock's canonical JSON (sorted keys, trailing newline).
func (l *LockFile) Bytes() []byte {
	data, _ := json.MarshalIndent(l, "", "  ")
	return append(data, '\n')
}

// Current computes the lock entries of a build.
func Current(arts []Artifact) map[string]LockEntry {
	out := map[string]LockEntry{}
	for _, a := range arts {
		e, ok := out[a.Rule.ID]
		if !ok {
			e = LockEntry{Name: a.Rule.Name, Version: a.Rule.Version, Targets: map[string]string{}}
		}
		e.Targets[a.Target] = a.sum()
		out[a.Rule.ID] = e
	}
	return out
}

// Problem is one disagreement between a build and the lock.
type Problem struct {
	RuleID, Name, File string
	Msg                string
	// Lockable is true when `detgen lock` may record the new state: a
	// deliberate bump, a new rule, a removed rule.
	Lockable bool
}

func (p Problem) String() string {
	where := p.File
	if where == "" {
		where = "rules.lock.json"
	}
	return fmt.Sprintf("%s: rule %s (%s): %s", where, p.Name, p.RuleID, p.Msg)
}

// Compare classifies every difference between the lock and a build. An
// empty result means the lock is up to date.
func Compare(lock *LockFile, rules []*ir.Rule, arts []Artifact) []Problem {
	cur := Current(arts)
	files := map[string]string{}
	for _, r := range rules {
		files[r.ID] = r.SourceFile
	}
	var out []Problem
	ids := make([]string, 0, len(cur))
	for id := range cur {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		now := cur[id]
		p := Problem{RuleID: id, Name: now.Name, File: files[id]}
		old, ok := lock.Rules[id]
		if !ok {
			p.Msg, p.Lockable = fmt.Sprintf("new rule at version %d is not in the lock: run detgen lock", now.Version), true
			out = append(out, p)
			continue
		}
		changed := changedTargets(old.Targets, now.Targets)
		switch {
		case now.Version < old.Version:
			p.Msg = fmt.Sprintf("version went down from %d to %d", old.Version, now.Version)
		case now.Version > old.Version+1:
			p.Msg = fmt.Sprintf("version jumped from %d to %d; bump by one", old.Version, now.Version)
		case now.Version == old.Version && len(changed) > 0:
			p.Msg = fmt.Sprintf("compiled output changed for %s but version %d was not bumped: raise version to %d, set modified and add a changelog line, then run detgen lock",
				strings.Join(changed, ", "), now.Version, now.Version+1)
		case now.Version == old.Version+1:
			what := "no output change"
			if len(changed) > 0 {
				what = strings.Join(changed, ", ") + " changed"
			}
			p.Msg, p.Lockable = fmt.Sprintf("version bumped from %d to %d (%s): run detgen lock to record it", old.Version, now.Version, what), true
		case now.Name != old.Name:
			p.Msg, p.Lockable = fmt.Sprintf("renamed from %s: run detgen lock", old.Name), true
		default:
			continue
		}
		out = append(out, p)
	}
	var gone []string
	for id := range lock.Rules {
		if _, ok := cur[id]; !ok {
			gone = append(gone, id)
		}
	}
	sort.Strings(gone)
	for _, id := range gone {
		out = append(out, Problem{RuleID: id, Name: lock.Rules[id].Name, Msg: "in the lock but no spec has this id: run detgen lock to drop it", Lockable: true})
	}
	return out
}

// changedTargets lists, sorted, the targets whose hash differs or that
// appeared or disappeared.
func changedTargets(old, now map[string]string) []string {
	var out []string
	for t, h := range now {
		if old[t] != h {
			out = append(out, t)
		}
	}
	for t := range old {
		if _, ok := now[t]; !ok {
			out = append(out, t)
		}
	}
	slices.Sort(out)
	return out
}

// Update returns the lock for a build, or the problems that forbid
// recording it (an unbumped change, a version that went down or jumped).
func Update(lock *LockFile, rules []*ir.Rule, arts []Artifact) (*LockFile, []Problem) {
	var bad []Problem
	for _, p := range Compare(lock, rules, arts) {
		if !p.Lockable {
			bad = append(bad, p)
		}
	}
	if len(bad) > 0 {
		return nil, bad
	}
	return &LockFile{Rules: Current(arts)}, nil
}
