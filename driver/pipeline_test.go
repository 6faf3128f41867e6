package driver

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// Specs are compiled as their rules are generated: the rules come out in
// id order whatever the paths' order, Metadata (list) and a Generate
// after it give what a Generate alone gives, and the checks across specs
// still run.
func TestDeferredCompile(t *testing.T) {
	paths, err := FindSpecs("../rules")
	if err != nil {
		t.Fatal(err)
	}
	// Paths in reverse order: ids do not follow paths.
	slices.Reverse(paths)
	hashes := func(l *Loaded) []string {
		t.Helper()
		rules, arts, _, err := l.Hashes()
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for k, r := range rules {
			if k > 0 && rules[k-1].ID >= r.ID {
				t.Fatalf("rules not in id order: %s before %s", rules[k-1].ID, r.ID)
			}
		}
		for _, a := range arts {
			out = append(out, a.Rule.ID+" "+a.Path+" "+a.SHA256)
		}
		return out
	}
	l, err := Load(paths, Options{Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	want := hashes(l)

	l, err = Load(paths, Options{Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	meta, err := l.Metadata()
	if err != nil {
		t.Fatal(err)
	}
	if len(meta) != len(paths) || meta[0].Condition != nil {
		t.Fatalf("Metadata: %d rules (want %d), condition kept: %v", len(meta), len(paths), meta[0].Condition != nil)
	}
	if got := hashes(l); !reflect.DeepEqual(got, want) {
		t.Errorf("Generate after Metadata differs:\n%v\nwant\n%v", got, want)
	}

	// Two specs with one id and name: reported by Metadata and Generate.
	dir := t.TempDir()
	src, err := os.ReadFile(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a.yaml", "b.yaml"} {
		os.WriteFile(filepath.Join(dir, name), src, 0o644)
	}
	abs, _ := filepath.Abs(filepath.Join(filepath.Dir(paths[0]), "testdata"))
	os.Symlink(abs, filepath.Join(dir, "testdata"))
	for _, run := range []func(*Loaded) error{
		func(l *Loaded) error { _, err := l.Metadata(); return err },
		func(l *Loaded) error { _, _, _, err := l.Hashes(); return err },
	} {
		l, err := LoadPaths(dir, Options{Version: "test"})
		if err != nil {
			t.Fatal(err)
		}
		err = run(l)
		if err == nil || !strings.Contains(err.Error(), "is already used by") {
			t.Errorf("duplicate id and name not reported: %v", err)
		}
	}
}
