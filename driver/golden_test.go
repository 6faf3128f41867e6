package driver

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// update rewrites golden/ from the current output (go test ./... -update,
// or make golden). Review every changed line before committing it: a
// golden file is a claim that the output is right.
var update = flag.Bool("update", false, "rewrite golden files")

const (
	rulesDir  = "../rules"
	goldenDir = "../golden"
)

// TestGolden compiles every shipped spec for every target and compares
// with golden/<rule-id>/<target file>.
func TestGolden(t *testing.T) {
	paths, err := FindSpecs(rulesDir)
	if err != nil {
		t.Fatal(err)
	}
	rules, errs := LoadRules(paths)
	if len(errs) > 0 {
		t.Fatalf("shipped specs do not compile:\n%v", errs)
	}
	arts, errs, warns := Generate(rules, Targets)
	for _, w := range warns {
		t.Errorf("shipped rule has a warning: %s", w)
	}
	if len(errs) > 0 {
		t.Fatalf("generation failed:\n%v", errs)
	}
	want := map[string]bool{}
	for _, a := range arts {
		path := filepath.Join(goldenDir, a.Rule.ID, a.Target.File)
		want[path] = true
		t.Run(a.Rule.Name+"/"+a.Target.Name, func(t *testing.T) {
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, a.Data, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			golden, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run: go test ./driver -run TestGolden -update, then review the new file)", err)
			}
			if diff := cmp.Diff(string(golden), string(a.Data)); diff != "" {
				t.Errorf("%s differs from the generated output (-golden +generated):\n%s", path, diff)
			}
		})
	}

	// A golden file that no rule produces is stale: fail rather than let it
	// pass silently forever.
	err = filepath.WalkDir(goldenDir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if !want[path] {
			if *update {
				return os.Remove(path)
			}
			t.Errorf("%s is produced by no rule and target: remove it", path)
		}
		return nil
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
}

// TestDeterministic generates everything twice and requires identical bytes.
func TestDeterministic(t *testing.T) {
	paths, err := FindSpecs(rulesDir)
	if err != nil {
		t.Fatal(err)
	}
	gen := func() []Artifact {
		rules, errs := LoadRules(paths)
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		arts, errs, warns := Generate(rules, Targets)
		for _, w := range warns {
			t.Errorf("shipped rule has a warning: %s", w)
		}
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		return arts
	}
	a, b := gen(), gen()
	if len(a) != len(b) {
		t.Fatalf("artifact count differs: %d vs %d", len(a), len(b))
	}
	for i := range a {
		if string(a[i].Data) != string(b[i].Data) {
			t.Errorf("%s/%s differs between two runs", a[i].Rule.ID, a[i].Target.Name)
		}
	}
}
