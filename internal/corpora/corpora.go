// Package corpora locates the shared real-world test data (../shared/corpora)
// that sits beside the checkout on developer machines and in CI.
//
// Off CI a missing corpus skips the tests that need it: the corpora are
// optional on a laptop. Under CI (CI=true, as GitHub Actions, GitLab and
// most runners set it) a missing corpus fails them: a CI run must not go
// green by skipping its real-world tests. Either way a corpus that is
// present must hold the pinned number of files, so a truncated checkout
// or a silently updated corpus is noticed.
package corpora

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// Files pins the number of regular files in each corpus. After a
// deliberate corpus update, change it here and review the corpus tests'
// checked-in results.
var Files = map[string]int{
	"aql":                       202,
	"chronicle-detection-rules": 893,
	"k8s-audit":                 26,
	"sigmahq":                   4374,
}

// Dir returns the absolute path of shared/corpora/<sub>, searching the
// current directory and its parents for a "shared/corpora" folder. A
// missing corpus skips the test, or fails it under CI; a corpus whose file
// count is not the pinned one fails it.
func Dir(tb testing.TB, sub string) string {
	tb.Helper()
	dir, skip, err := locate(sub, InCI())
	switch {
	case err != nil:
		tb.Fatal(err)
	case skip != "":
		tb.Skip(skip)
	}
	return dir
}

// Optional is Dir for a test that can run without the corpus (a fuzz
// target's extra seeds): off CI a missing corpus gives "", not a skip.
func Optional(tb testing.TB, sub string) string {
	tb.Helper()
	dir, skip, err := locate(sub, InCI())
	switch {
	case err != nil:
		tb.Fatal(err)
	case skip != "":
		tb.Log(skip)
	}
	return dir
}

// InCI reports whether the tests run under CI (CI is set to a true value).
func InCI() bool {
	ci, _ := strconv.ParseBool(os.Getenv("CI"))
	return ci
}

// locate finds the corpus: its path, or why the test skips, or what fails.
func locate(sub string, ci bool) (dir, skip string, err error) {
	want, pinned := Files[sub]
	if !pinned {
		return "", "", fmt.Errorf("corpus %q has no pinned file count in internal/corpora.Files", sub)
	}
	dir, found := find(sub)
	switch {
	case !found && ci:
		return "", "", fmt.Errorf("shared/corpora/%s not found beside the checkout, and CI is set: the corpus tests must run in CI (check out the shared corpora next to the repository)", sub)
	case !found:
		return "", fmt.Sprintf("shared/corpora/%s not found: skipping the real-world corpus test (it fails under CI=true)", sub), nil
	}
	n, err := countFiles(dir)
	if err != nil {
		return "", "", err
	}
	if n != want {
		return "", "", fmt.Errorf("%s holds %d files, pinned %d: a truncated checkout, or an update to review (then change internal/corpora.Files)", dir, n, want)
	}
	return dir, "", nil
}

// find looks for shared/corpora/<sub> beside the module (in the parent of
// the directory holding go.mod) or inside it, walking up from the working
// directory; it never looks above the module's parent, so a stray shared/
// higher up (in /tmp, say) is not taken for the corpus.
func find(sub string) (string, bool) {
	wd, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			for _, base := range []string{d, filepath.Dir(d)} {
				cand := filepath.Join(base, "shared", "corpora", sub)
				if st, err := os.Stat(cand); err == nil && st.IsDir() {
					return cand, true
				}
			}
			return "", false
		}
		if filepath.Dir(d) == d {
			return "", false
		}
	}
}

// countFiles counts the regular files under dir.
func countFiles(dir string) (int, error) {
	n := 0
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			n++
		}
		return err
	})
	return n, err
}

// Find returns the absolute path of shared/corpora/<sub>, or an error when
// it is absent: for callers outside a test (a benchmark's setup).
func Find(sub string) (string, error) {
	dir, found := find(sub)
	if !found {
		return "", fmt.Errorf("shared/corpora/%s not found beside the checkout", sub)
	}
	return dir, nil
}
