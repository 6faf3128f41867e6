// Package corpora locates the shared real-world test data (../shared/corpora)
// that sits beside the checkout on developer machines and in CI.
package corpora

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the absolute path of shared/corpora/<sub>, searching the
// current directory and its parents for a "shared/corpora" folder. When none
// is found the test is skipped with a message, never failed: the corpora are
// optional test data.
func Dir(t testing.TB, sub string) string {
	t.Helper()
	dir, err := find(sub)
	if err != nil {
		t.Skipf("shared corpora not found (%v): skipping real-world corpus test", err)
	}
	return dir
}

func find(sub string) (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		cand := filepath.Join(d, "shared", "corpora", sub)
		if st, err := os.Stat(cand); err == nil && st.IsDir() {
			return cand, nil
		}
		if filepath.Dir(d) == d {
			return "", os.ErrNotExist
		}
	}
}
