package fastyaml

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// moduleRoot is the module's directory, two levels above this package.
const moduleRoot = "../.."

// sharedCorpus is SigmaHQ's rule repository, beside the worktree.
var sharedCorpus = filepath.Join(moduleRoot, "../shared/corpora/sigmahq")

// corpus lists the files under dir (relative to the module root unless
// absolute) whose names end in one of exts.
func corpus(t testing.TB, dir string, exts ...string) []string {
	if !filepath.IsAbs(dir) && !strings.HasPrefix(dir, moduleRoot) {
		dir = filepath.Join(moduleRoot, dir)
	}
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		for _, e := range exts {
			if !d.IsDir() && strings.HasSuffix(path, e) {
				files = append(files, path)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// haveShared reports whether the SigmaHQ corpus is there; it is required on CI.
func haveShared(t testing.TB) bool {
	if _, err := os.Stat(sharedCorpus); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("SigmaHQ corpus missing at %s: %v", sharedCorpus, err)
		}
		t.Logf("skipping the SigmaHQ corpus: %v", err)
		return false
	}
	return true
}

// checkFile compares Parse with yaml.v3 on one input and reports whether the
// fast path took it.
func checkFile(t *testing.T, name string, src []byte) bool {
	t.Helper()
	got, ok := Parse(src)
	if !ok {
		return false
	}
	want, err := yamlV3(src)
	if err != nil {
		t.Errorf("%s: Parse accepted what yaml.v3 rejects: %v", name, err)
		return true
	}
	if d := diff(got, want); d != "" {
		t.Errorf("%s: %s", name, d)
	}
	return true
}

func TestMatchesYAMLv3(t *testing.T) {
	sets := []struct {
		name, dir string
		exts      []string
		minRate   float64 // share of files the fast path must take
	}{
		{"rules", "rules", []string{".yaml"}, 1},
		{"mappings", "mappings", []string{".yaml"}, 0.9},
		{"golden", "golden", []string{".yaml", ".yml"}, 0},
		{"sigmahq", sharedCorpus, []string{".yml", ".yaml"}, 0.9},
	}
	for _, set := range sets {
		t.Run(set.name, func(t *testing.T) {
			if set.dir == sharedCorpus && !haveShared(t) {
				t.Skip("SigmaHQ corpus absent")
			}
			files := corpus(t, set.dir, set.exts...)
			fast := 0
			var slow []string
			for _, f := range files {
				src, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				if checkFile(t, f, src) {
					fast++
				} else {
					slow = append(slow, f)
				}
			}
			rate := 1.0
			if len(files) > 0 {
				rate = float64(fast) / float64(len(files))
			}
			t.Logf("%s: %d/%d files on the fast path (%.1f%%)", set.name, fast, len(files), 100*rate)
			if rate < set.minRate {
				t.Errorf("fast-path rate %.3f below %.3f; declined: %s", rate, set.minRate, strings.Join(first(slow, 20), " "))
			}
		})
	}
}

func first(s []string, n int) []string {
	return s[:min(n, len(s))]
}
