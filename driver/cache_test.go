package driver

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/detgen/detgen/compile"
	"github.com/detgen/detgen/docgen"
	"github.com/detgen/detgen/mappings"
	"github.com/detgen/detgen/release"
	"github.com/detgen/detgen/spec"
)

// files maps every file under dir to its content.
func files(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// sameFiles fails the test unless the two directories hold the same files
// with the same bytes, naming the paths that differ.
func sameFiles(t *testing.T, what string, want, got map[string]string) {
	t.Helper()
	var diff []string
	for p, w := range want {
		if g, ok := got[p]; !ok {
			diff = append(diff, "missing "+p)
		} else if g != w {
			diff = append(diff, "differs "+p)
		}
	}
	for p := range got {
		if _, ok := want[p]; !ok {
			diff = append(diff, "extra "+p)
		}
	}
	sort.Strings(diff)
	if len(diff) > 0 {
		if len(diff) > 10 {
			diff = append(diff[:10], "...")
		}
		t.Errorf("%s: %s", what, strings.Join(diff, ", "))
	}
}

// reference builds dir the way BuildDir, BuildFiles and WriteDir always
// did, and returns the files.
func reference(t *testing.T, rules, out string) map[string]string {
	t.Helper()
	_, arts, _, err := BuildDir(rules)
	if err != nil {
		t.Fatal(err)
	}
	fs, err := BuildFiles(arts, "test")
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteDir(out, fs); err != nil {
		t.Fatal(err)
	}
	return files(t, out)
}

// loadAndHash loads and generates the rules under dir (what validate and
// lock do) and returns the first error: a spec's are reported when it is
// compiled, as its rule is generated.
func loadAndHash(dir string, c *Cache) error {
	l, err := LoadPaths(dir, Options{Version: "test", Cache: c})
	if err == nil {
		_, _, _, err = l.Hashes()
	}
	return err
}

// streamed builds dir with Load and WriteBuild and returns how many rules
// came from the cache.
func streamed(t *testing.T, rules, out string, c *Cache) int {
	t.Helper()
	l, err := LoadPaths(rules, Options{Version: "test", Cache: c})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.WriteBuild(out, nil); err != nil {
		t.Fatal(err)
	}
	return l.Cached()
}

func openCache(t *testing.T, dir, version, mappingsDir string) *Cache {
	t.Helper()
	c, err := OpenCache(dir, version, mappingsDir)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The streamed build writes what BuildFiles and WriteDir write, byte for
// byte: without a cache, cold, from the cache (the files hard links to
// its blobs), with the extension rebuilt from cached rules, and after an
// output file was edited in place.
func TestStreamedBuildIsByteIdentical(t *testing.T) {
	work := t.TempDir()
	want := reference(t, "../rules", filepath.Join(work, "ref"))
	n := len(want)

	out := filepath.Join(work, "dist")
	if got := streamed(t, "../rules", out, nil); got != 0 {
		t.Errorf("%d rules cached without a cache", got)
	}
	sameFiles(t, "no cache", want, files(t, out))

	c := openCache(t, filepath.Join(work, CacheDirName), "test", "")
	if got := streamed(t, "../rules", out, c); got != 0 {
		t.Errorf("cold cache: %d rules cached", got)
	}
	sameFiles(t, "cold cache", want, files(t, out))
	rules, _ := FindSpecs("../rules")
	if got := streamed(t, "../rules", out, c); got != len(rules) {
		t.Errorf("warm cache: %d of %d rules cached", got, len(rules))
	}
	sameFiles(t, "warm cache", want, files(t, out))

	// The extension of cached rules, built again.
	os.RemoveAll(c.extDir())
	streamed(t, "../rules", out, c)
	sameFiles(t, "extension rebuilt from cached rules", want, files(t, out))

	// An output file is a link to a blob: editing it in place must not
	// reach the next build.
	aql, _ := filepath.Glob(filepath.Join(out, "qradar", "*.aql"))
	if err := os.WriteFile(aql[0], []byte("edited"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := streamed(t, "../rules", out, c); got != len(rules) {
		t.Logf("after an edit in place: %d of %d rules cached", got, len(rules))
	}
	got := files(t, out)
	sameFiles(t, "after an output file was edited in place", want, got)
	if len(got) != n {
		t.Errorf("%d files, want %d", len(got), n)
	}
}

// copyRules copies some shipped specs (a scored rule with event files,
// an aggregation with event sequences, a Windows rule) and their test
// events into a fresh rules directory.
func copyRules(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "rules")
	for _, pattern := range []string{"kubernetes/t1053.007-*.yaml", "kubernetes/t1552.007-*.yaml", "windows/t1105-certutil-*.yaml"} {
		specs, _ := filepath.Glob(filepath.Join("../rules", pattern))
		if len(specs) != 1 {
			t.Fatalf("%s: %d specs", pattern, len(specs))
		}
		rel, _ := filepath.Rel("../rules", specs[0])
		copyFile(t, specs[0], filepath.Join(dir, rel))
	}
	for _, area := range []string{"kubernetes", "windows"} {
		src := filepath.Join("../rules", area, "testdata")
		filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				rel, _ := filepath.Rel("../rules", p)
				copyFile(t, p, filepath.Join(dir, rel))
			}
			return err
		})
	}
	return dir
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o644); err != nil {
		t.Fatal(err)
	}
	// An hour old, so that compile remembers its checks of the file
	// and an edit must be noticed by its new time.
	old := time.Now().Add(-time.Hour)
	os.Chtimes(to, old, old)
}

// eventFiles are the test event files a spec names (event_file), in order.
func eventFiles(t *testing.T, specPath string) []string {
	t.Helper()
	sr, errs := spec.Load(specPath)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	var out []string
	for _, tc := range sr.Tests {
		if tc.EventFile != "" {
			out = append(out, filepath.Join(filepath.Dir(specPath), tc.EventFile))
		}
		for _, it := range tc.Events {
			if it.EventFile != "" {
				out = append(out, filepath.Join(filepath.Dir(specPath), it.EventFile))
			}
		}
	}
	return out
}

// Every input of a rule's outputs invalidates its cache entry: the spec,
// a test event file (whose errors are reported again), a mapping file and
// the detgen version; a corrupt cache is ignored.
func TestCacheInvalidation(t *testing.T) {
	rules := copyRules(t)
	specs, _ := FindSpecs(rules)
	work := t.TempDir()
	out := filepath.Join(work, "dist")
	cacheDir := filepath.Join(work, CacheDirName)
	c := openCache(t, cacheDir, "1.0", "")
	build := func(c *Cache) int {
		t.Helper()
		return streamed(t, rules, out, c)
	}
	check := func(what string) {
		t.Helper()
		sameFiles(t, what, reference(t, rules, filepath.Join(t.TempDir(), "ref")), files(t, out))
	}
	build(c)
	if got := build(c); got != len(specs) {
		t.Fatalf("unchanged: %d of %d rules cached", got, len(specs))
	}

	// The spec.
	cron := specs[0]
	src, _ := os.ReadFile(cron)
	edited := bytes.Replace(src, []byte("\ntitle: "), []byte("\ntitle: Edited "), 1)
	if bytes.Equal(src, edited) {
		t.Fatal("no title line to edit")
	}
	os.WriteFile(cron, edited, 0o644)
	if got := build(c); got != len(specs)-1 {
		t.Errorf("spec edited: %d of %d rules cached, want all but one", got, len(specs))
	}
	check("spec edited")

	// A test event file: still valid, then broken (reported as before).
	for _, s := range specs {
		for _, ev := range eventFiles(t, s) {
			data, _ := os.ReadFile(ev)
			os.WriteFile(ev, append(data, '\n', ' '), 0o644)
			if got := build(c); got != len(specs)-1 {
				t.Errorf("%s edited: %d of %d rules cached, want all but one", ev, got, len(specs))
			}
			os.WriteFile(ev, []byte(`{"kind": `), 0o644)
			if err := loadAndHash(rules, c); err == nil || !strings.Contains(err.Error(), filepath.Base(ev)) {
				t.Errorf("%s made invalid: %v", ev, err)
			}
			os.WriteFile(ev, data, 0o644)
			os.Remove(ev)
			if err := loadAndHash(rules, c); err == nil || !strings.Contains(err.Error(), "no such file") {
				t.Errorf("%s removed: %v", ev, err)
			}
			os.WriteFile(ev, data, 0o644)
			build(c) // the entry now records the file as it is again
			break    // one event file of each spec
		}
	}
	build(c)
	check("event files restored")

	// A mapping file (--mappings), then the version.
	overlay := t.TempDir()
	ls := filepath.Join(overlay, "logsources", "kubernetes_audit.yaml")
	copyFile(t, "../mappings/logsources/kubernetes_audit.yaml", ls)
	data, _ := os.ReadFile(ls)
	mappings.SetOverlay(overlay)
	defer mappings.SetOverlay("")
	if got := build(openCache(t, cacheDir, "1.0", overlay)); got != 0 {
		t.Errorf("with a mapping overlay: %d rules cached", got)
	}
	if got := build(openCache(t, cacheDir, "1.0", overlay)); got != len(specs) {
		t.Errorf("same overlay again: %d of %d rules cached", got, len(specs))
	}
	os.WriteFile(ls, append(data, []byte("\n# edited\n")...), 0o644)
	if got := build(openCache(t, cacheDir, "1.0", overlay)); got != 0 {
		t.Errorf("mapping file edited: %d rules cached", got)
	}
	mappings.SetOverlay("")
	if got := build(openCache(t, cacheDir, "1.1", "")); got != 0 {
		t.Errorf("another version: %d rules cached", got)
	}
	if got := build(openCache(t, cacheDir, "1.1", "")); got != len(specs) {
		t.Errorf("same version again: %d of %d rules cached", got, len(specs))
	}

	// A corrupt cache: every file garbled, truncated or emptied.
	i := 0
	filepath.WalkDir(cacheDir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		switch i % 3 {
		case 0:
			os.WriteFile(p, []byte("garbage"), 0o644)
		case 1:
			data, _ := os.ReadFile(p)
			os.WriteFile(p, data[:len(data)/2], 0o644)
		default:
			os.WriteFile(p, nil, 0o644)
		}
		i++
		return nil
	})
	c = openCache(t, cacheDir, "1.1", "")
	if got := build(c); got != 0 {
		t.Errorf("corrupt cache: %d rules taken from it", got)
	}
	check("corrupt cache")
	if got := build(c); got != len(specs) {
		t.Errorf("after a corrupt cache: %d of %d rules cached", got, len(specs))
	}
	check("cache rewritten")
}

// Deferred test events are the events compile reads, once loaded.
func TestDeferredEventsAreTheSame(t *testing.T) {
	specs, err := FindSpecs("../rules")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range specs {
		sr, errs := spec.Load(p)
		if len(errs) > 0 {
			continue
		}
		eager, errs := compile.Rule(sr)
		if len(errs) > 0 {
			continue
		}
		sr, _ = spec.Load(p)
		lazy, errs := compile.RuleWith(sr, compile.Options{DeferEvents: true})
		if len(errs) > 0 {
			t.Fatalf("%s: %v", p, errs)
		}
		for i := range lazy.Tests {
			if err := lazy.Tests[i].LoadEvents(); err != nil {
				t.Fatalf("%s: %v", p, err)
			}
		}
		if !reflect.DeepEqual(eager.Tests, lazy.Tests) {
			t.Errorf("%s: deferred events differ from those read at compile time", p)
		}
	}
}

// validate and lock hash the artifacts as BuildDir generates them, and
// docs write what docgen.Pages renders, cold and cached.
func TestHashesAndDocs(t *testing.T) {
	rules, arts, _, err := BuildDir("../rules")
	if err != nil {
		t.Fatal(err)
	}
	wantLock := release.Current(Release(arts))
	byRule := map[string][]docgen.Artifact{}
	for _, a := range arts {
		byRule[a.Rule.ID] = append(byRule[a.Rule.ID], docgen.Artifact{Target: a.Target.Name, Data: a.Data})
	}
	pages, err := docgen.Pages(rules, byRule, DocOptions())
	if err != nil {
		t.Fatal(err)
	}
	wantDocs := map[string]string{Marker: markerText}
	for _, p := range pages {
		wantDocs[p.Path] = string(p.Data)
	}
	work := t.TempDir()
	c := openCache(t, filepath.Join(work, CacheDirName), "test", "")
	for _, round := range []string{"cold", "cached", "cached again"} {
		l, err := LoadPaths("../rules", Options{Version: "test", Cache: c})
		if err != nil {
			t.Fatal(err)
		}
		_, got, _, err := l.Hashes()
		if err != nil {
			t.Fatal(err)
		}
		if lock := release.Current(got); !reflect.DeepEqual(lock, wantLock) {
			t.Errorf("%s: lock entries differ", round)
		}
		l, err = LoadPaths("../rules", Options{Version: "test", Cache: c})
		if err != nil {
			t.Fatal(err)
		}
		site := filepath.Join(work, "site")
		n, _, err := l.WriteDocs(site)
		if err != nil {
			t.Fatal(err)
		}
		if n != len(pages) {
			t.Errorf("%s: %d pages, want %d", round, n, len(pages))
		}
		sameFiles(t, round+" docs", wantDocs, files(t, site))
	}
}
