package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/detgen/detgen/driver"
)

// tree maps every file under dir to its content.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			data, _ := os.ReadFile(p)
			rel, _ := filepath.Rel(dir, p)
			out[rel] = string(data)
		}
		return err
	})
	return out
}

func sameTree(t *testing.T, what string, a, b map[string]string) {
	t.Helper()
	if len(a) != len(b) {
		t.Errorf("%s: %d files, want %d", what, len(b), len(a))
	}
	for p, v := range a {
		if b[p] != v {
			t.Errorf("%s: %s differs", what, p)
		}
	}
}

// TestBuildCache: build and docs keep their cache in .detgen-cache beside
// the output directory, and write the same bytes from it; a corrupt cache
// is ignored; DETGEN_CACHE moves it (then validate, list and lock use it
// too, with the same output) or turns it off.
func TestBuildCache(t *testing.T) {
	rules, _ := scaffoldRule(t)
	work := t.TempDir()
	dist := filepath.Join(work, "dist")
	t.Setenv("DETGEN_CACHE", "")
	build := func(what string) map[string]string {
		t.Helper()
		if code, out, errOut := detgen(t, "build", "--rules", rules, "--out", dist); code != 0 || !strings.HasPrefix(out, "detgen: wrote 3 artifacts for 1 rule to ") {
			t.Fatalf("%s: exit %d\n%s%s", what, code, out, errOut)
		}
		return tree(t, dist)
	}
	cold := build("cold")
	cache := filepath.Join(work, driver.CacheDirName)
	if st, err := os.Stat(cache); err != nil || !st.IsDir() {
		t.Fatalf("no cache beside the output directory: %v", err)
	}
	sameTree(t, "cached build", cold, build("cached"))
	filepath.WalkDir(cache, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			os.WriteFile(p, []byte("garbage"), 0o644)
		}
		return err
	})
	sameTree(t, "corrupt cache", cold, build("corrupt"))
	sameTree(t, "cache rewritten", cold, build("rewritten"))

	site := filepath.Join(work, "site")
	var pages []map[string]string
	for range 2 {
		if code, _, errOut := detgen(t, "docs", "--rules", rules, "--out", site); code != 0 {
			t.Fatalf("docs: exit %d\n%s", code, errOut)
		}
		pages = append(pages, tree(t, site))
	}
	sameTree(t, "cached docs", pages[0], pages[1])

	// Commands without an output directory, with and without a cache.
	spec, _ := filepath.Glob(filepath.Join(rules, "*", "*.yaml"))
	lock := filepath.Join(work, "rules.lock.json")
	outputs := func() []string {
		var outs []string
		for _, args := range [][]string{{"validate", spec[0]}, {"list", "--rules", rules, "--format", "json"}, {"lock", "--rules", rules, "--lock", lock}} {
			code, out, errOut := detgen(t, args...)
			if code != 0 {
				t.Fatalf("%v: exit %d\n%s", args, code, errOut)
			}
			outs = append(outs, out)
		}
		os.Remove(lock)
		return outs
	}
	t.Setenv("DETGEN_CACHE", "off")
	want := outputs()
	moved := filepath.Join(t.TempDir(), "cache")
	t.Setenv("DETGEN_CACHE", moved)
	for _, round := range []string{"cold", "cached"} {
		got := outputs()
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("%s cache: %q, want %q", round, got[i], want[i])
			}
		}
	}
	if _, err := os.Stat(moved); err != nil {
		t.Errorf("DETGEN_CACHE=%s not used: %v", moved, err)
	}

	t.Setenv("DETGEN_CACHE", "off")
	off := filepath.Join(t.TempDir(), "dist")
	if code, _, errOut := detgen(t, "build", "--rules", rules, "--out", off); code != 0 {
		t.Fatalf("DETGEN_CACHE=off: exit %d\n%s", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(off), driver.CacheDirName)); err == nil {
		t.Error("DETGEN_CACHE=off made a cache")
	}
	sameTree(t, "without a cache", cold, tree(t, off))
}
