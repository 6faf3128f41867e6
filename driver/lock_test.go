package driver

import (
	"testing"

	"github.com/detgen/detgen/release"
)

// TestLockIsCurrent is `detgen build --check-versions` as a test: every
// shipped rule's compiled output must match rules.lock.json, so a logic
// change without a version bump fails `go test` and names rule and target.
func TestLockIsCurrent(t *testing.T) {
	rules, arts, _, err := BuildDir(rulesDir)
	if err != nil {
		t.Fatal(err)
	}
	lock, err := release.ReadLock("../rules.lock.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range release.Compare(lock, rules, Release(arts)) {
		t.Error(p)
	}
}
