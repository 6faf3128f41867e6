package driver

import (
	"testing"

	"github.com/detgen/detgen/release"
)

// TestLockIsCurrent is `detgen build --check-versions` as a test: every
// shipped rule's compiled output must match rules.lock.json, so a logic
// change without a version bump fails `go test` and names rule and target.
func TestLockIsCurrent(t *testing.T) {
	paths, err := FindSpecs(rulesDir)
	if err != nil {
		t.Fatal(err)
	}
	rules, errs := LoadRules(paths)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	arts, errs, _ := Generate(rules, Targets)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	lock, err := release.ReadLock("../rules.lock.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range release.Compare(lock, rules, Release(arts)) {
		t.Error(p)
	}
}
