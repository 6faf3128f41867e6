package driver

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
)

// snapshot maps every path under dir to its mode and content, so a test
// can require a directory to be byte-identical after a failed run.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[rel] = info.Mode().String()
		if d.Type().IsRegular() {
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			out[rel] += " " + string(data)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// entries lists the names in dir, sorted.
func entries(t *testing.T, dir string) string {
	t.Helper()
	list, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range list {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return strings.Join(names, ",")
}

func build(n int) []File {
	return []File{
		{Path: "manifest.json", Data: []byte(fmt.Sprintf(`{"build":%d}`, n))},
		{Path: "qradar/a.aql", Data: []byte(fmt.Sprintf("SELECT %d", n))},
	}
}

func mustWrite(t *testing.T, dir string, files []File) {
	t.Helper()
	if err := WriteDir(dir, files); err != nil {
		t.Fatal(err)
	}
}

// A run that fails while writing leaves the previous output as it was and
// no temporary directory beside it.
func TestWriteDirFailureLeavesPreviousOutput(t *testing.T) {
	parent := t.TempDir()
	dist := filepath.Join(parent, "dist")
	mustWrite(t, dist, build(1))
	before := snapshot(t, dist)
	// "qradar/a.aql" is a file, so "qradar/a.aql/b" cannot be written.
	bad := append(build(2), File{Path: "qradar/a.aql/b", Data: []byte("x")})
	if err := WriteDir(dist, bad); err == nil {
		t.Fatal("WriteDir succeeded on conflicting paths")
	}
	if d := diffSnap(before, snapshot(t, dist)); d != "" {
		t.Errorf("a failed run changed the previous output: %s", d)
	}
	if got := entries(t, parent); got != ".dist.lock,dist" {
		t.Errorf("parent holds %s after a failed run, want only the lock file and dist", got)
	}
}

func diffSnap(a, b map[string]string) string {
	var d []string
	for k, v := range a {
		if b[k] != v {
			d = append(d, fmt.Sprintf("%s: %q -> %q", k, v, b[k]))
		}
	}
	for k, v := range b {
		if _, ok := a[k]; !ok {
			d = append(d, fmt.Sprintf("%s: new %q", k, v))
		}
	}
	sort.Strings(d)
	return strings.Join(d, "; ")
}

// A symlinked output directory keeps the link; its target is replaced.
func TestWriteDirKeepsSymlink(t *testing.T) {
	parent := t.TempDir()
	real := filepath.Join(parent, "elsewhere", "out")
	mustWrite(t, real, build(1))
	link := filepath.Join(parent, "dist")
	if err := os.Symlink("elsewhere/out", link); err != nil {
		t.Fatal(err)
	}
	mustWrite(t, link, build(2))
	fi, err := os.Lstat(link)
	if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Fatalf("%s is no longer a symlink (%v, %v)", link, fi.Mode(), err)
	}
	got, err := os.ReadFile(filepath.Join(real, "qradar", "a.aql"))
	if err != nil || string(got) != "SELECT 2" {
		t.Errorf("the link's target was not replaced: %q, %v", got, err)
	}
	if got := entries(t, parent); got != "dist,elsewhere" {
		t.Errorf("parent of the link holds %s", got)
	}
	if got := entries(t, filepath.Join(parent, "elsewhere")); got != ".out.lock,out" {
		t.Errorf("parent of the target holds %s", got)
	}
	// A dangling link is followed too: its target is created.
	dangling := filepath.Join(parent, "site")
	os.Symlink("elsewhere/new", dangling)
	mustWrite(t, dangling, build(3))
	if _, err := os.Stat(filepath.Join(parent, "elsewhere", "new", "manifest.json")); err != nil {
		t.Error(err)
	}
}

// Concurrent runs into one directory serialize: none fails, and a reader
// of dist/manifest.json always finds one, old or new.
func TestWriteDirConcurrent(t *testing.T) {
	dist := filepath.Join(t.TempDir(), "dist")
	mustWrite(t, dist, build(0))
	const writers, rounds = 4, 25
	var wg sync.WaitGroup
	errs := make(chan error, writers*rounds+1)
	done := make(chan struct{})
	var readers sync.WaitGroup
	for i := 0; i < 2; i++ {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				if _, err := os.ReadFile(filepath.Join(dist, "manifest.json")); err != nil {
					errs <- fmt.Errorf("reader: %w", err)
					return
				}
			}
		}()
	}
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for r := 0; r < rounds; r++ {
				if err := WriteDir(dist, build(w*rounds+r)); err != nil {
					errs <- err
				}
			}
		}(w)
	}
	wg.Wait()
	close(done)
	readers.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := entries(t, filepath.Dir(dist)); got != ".dist.lock,dist" {
		t.Errorf("parent holds %s after concurrent runs", got)
	}
}

// Temporary directories of a killed run are removed by the next run.
func TestWriteDirRemovesStaleTemporaries(t *testing.T) {
	parent := t.TempDir()
	dist := filepath.Join(parent, "dist")
	for _, name := range []string{".dist.new-123", ".dist.new-456.old", ".dist.new-789"} {
		os.MkdirAll(filepath.Join(parent, name, "qradar"), 0o755)
		os.WriteFile(filepath.Join(parent, name, "qradar", "big.aql"), []byte("partial"), 0o644)
	}
	// Another output's temporaries are not ours to remove.
	os.MkdirAll(filepath.Join(parent, ".site.new-1"), 0o755)
	mustWrite(t, dist, build(1))
	if got := entries(t, parent); got != ".dist.lock,.site.new-1,dist" {
		t.Errorf("parent holds %s, want the stale .dist.new-* removed", got)
	}
}

// WriteDir still refuses a directory it did not write.
func TestWriteDirRefusesForeignDirectory(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main"), 0o644)
	err := WriteDir(dir, build(1))
	if err == nil || !strings.Contains(err.Error(), "not written by detgen") {
		t.Fatalf("err = %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "main.go")); errors.Is(err, fs.ErrNotExist) {
		t.Error("foreign directory was replaced")
	}
}

// TestStageRemoveLeavesNoEmptyDirectory: removing the last file of a
// directory removes the directory, so the committed output holds no empty
// one; a directory with files left stays, and can be written to again.
func TestStageRemoveLeavesNoEmptyDirectory(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	s, err := CreateDir(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"a/b/one.txt", "x/two.txt", "x/three.txt"} {
		if err := s.WriteFile(f, []byte(f)); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"a/b/one.txt", "x/two.txt"} {
		if err := s.Remove(f); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.WriteFile("a/again.txt", []byte("again")); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	var got []string
	filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		rel, _ := filepath.Rel(out, p)
		if rel != "." && rel != Marker {
			got = append(got, filepath.ToSlash(rel))
		}
		return nil
	})
	if want := "a a/again.txt x x/three.txt"; strings.Join(got, " ") != want {
		t.Fatalf("output %v, want %s", got, want)
	}
}
