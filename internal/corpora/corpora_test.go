package corpora

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Without the corpus, CI fails and a developer machine skips.
func TestMissingCorpus(t *testing.T) {
	// A module without shared/ beside it (a shared/ above the temp
	// directory must not count).
	repo := t.TempDir()
	os.WriteFile(filepath.Join(repo, "go.mod"), []byte("module x\n"), 0o644)
	t.Chdir(repo)
	if _, skip, err := locate("aql", false); err != nil || !strings.Contains(skip, "skipping") {
		t.Errorf("off CI: skip %q, err %v; want a skip", skip, err)
	}
	if _, skip, err := locate("aql", true); err == nil || skip != "" || !strings.Contains(err.Error(), "CI is set") {
		t.Errorf("under CI: skip %q, err %v; want a failure", skip, err)
	}
}

// A corpus with another file count than the pinned one fails, CI or not.
func TestPinnedFileCount(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "shared", "corpora", "k8s-audit")
	os.MkdirAll(filepath.Join(dir, "gke"), 0o755)
	for i := 0; i < Files["k8s-audit"]-1; i++ {
		os.WriteFile(filepath.Join(dir, "gke", strings.Repeat("x", i+1)), nil, 0o644)
	}
	repo := filepath.Join(root, "repo")
	os.MkdirAll(repo, 0o755)
	os.WriteFile(filepath.Join(repo, "go.mod"), []byte("module x\n"), 0o644)
	t.Chdir(repo)
	for _, ci := range []bool{false, true} {
		if _, _, err := locate("k8s-audit", ci); err == nil || !strings.Contains(err.Error(), "pinned 26") {
			t.Errorf("ci=%v: err %v, want a count mismatch", ci, err)
		}
	}
	os.WriteFile(filepath.Join(dir, "last"), nil, 0o644)
	if got, _, err := locate("k8s-audit", true); err != nil || got != dir {
		t.Errorf("full corpus: %q, %v", got, err)
	}
	if _, _, err := locate("unknown", false); err == nil {
		t.Error("a corpus without a pinned count is accepted")
	}
}

// The shared corpora, when present, hold the pinned counts.
func TestSharedCorporaCounts(t *testing.T) {
	for sub := range Files {
		Dir(t, sub)
	}
}
