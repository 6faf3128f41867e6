package release

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/detgen/detgen/ir"
)

func rule(version int) *ir.Rule {
	return &ir.Rule{ID: "14c5ecd1-d826-4822-9987-96a68c25fef2", Name: "r", Version: version, SourceFile: "r.yaml",
		Technique: ir.Ref{ID: "T1053"}, Subtechnique: ir.Ref{ID: "T1053.007"}, Tactics: []ir.Ref{{ID: "TA0002"}}}
}

func arts(r *ir.Rule, aql string) []Artifact {
	return []Artifact{
		{Rule: r, Target: "qradar", Path: "qradar/x.aql", Data: []byte(aql)},
		{Rule: r, Target: "sigma", Path: "sigma/x.yml", Data: []byte("title: x\n")},
	}
}

func TestCompare(t *testing.T) {
	locked := &LockFile{Rules: Current(arts(rule(2), "SELECT 1"))}
	tests := []struct {
		name     string
		version  int
		aql      string
		want     string
		lockable bool
	}{
		{"unchanged", 2, "SELECT 1", "", false},
		{"changed, not bumped", 2, "SELECT 2", "compiled output changed for qradar but version 2 was not bumped: raise version to 3", false},
		{"bumped", 3, "SELECT 2", "version bumped from 2 to 3 (qradar changed): run detgen lock", true},
		{"went down", 1, "SELECT 1", "version went down from 2 to 1", false},
		{"jumped", 4, "SELECT 2", "version jumped from 2 to 4", false},
	}
	for _, tc := range tests {
		r := rule(tc.version)
		ps := Compare(locked, []*ir.Rule{r}, arts(r, tc.aql))
		if tc.want == "" {
			if len(ps) != 0 {
				t.Errorf("%s: problems %v", tc.name, ps)
			}
			continue
		}
		if len(ps) != 1 || !strings.Contains(ps[0].Msg, tc.want) || ps[0].Lockable != tc.lockable || ps[0].File != "r.yaml" {
			t.Errorf("%s: got %+v, want %q lockable=%v", tc.name, ps, tc.want, tc.lockable)
		}
		_, bad := Update(locked, []*ir.Rule{r}, arts(r, tc.aql))
		if (len(bad) == 0) != tc.lockable {
			t.Errorf("%s: Update refused=%v, want lockable=%v", tc.name, len(bad) > 0, tc.lockable)
		}
	}
	// New and removed rules are lockable.
	if ps := Compare(&LockFile{Rules: map[string]LockEntry{}}, []*ir.Rule{rule(1)}, arts(rule(1), "x")); len(ps) != 1 || !ps[0].Lockable {
		t.Errorf("new rule: %+v", ps)
	}
	if ps := Compare(locked, nil, nil); len(ps) != 1 || !strings.Contains(ps[0].Msg, "no spec has this id") {
		t.Errorf("removed rule: %+v", ps)
	}
}

func TestLockRoundTrip(t *testing.T) {
	l := &LockFile{Rules: Current(arts(rule(1), "SELECT 1"))}
	path := filepath.Join(t.TempDir(), "rules.lock.json")
	if err := os.WriteFile(path, l.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	back, err := ReadLock(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(back.Bytes(), l.Bytes()) {
		t.Errorf("lock does not round-trip")
	}
	os.WriteFile(path, []byte(`{"rules":{},"extra":1}`), 0o644)
	if _, err := ReadLock(path); err == nil {
		t.Error("unknown key accepted")
	}
	if l, err := ReadLock(filepath.Join(t.TempDir(), "missing.json")); err != nil || len(l.Rules) != 0 {
		t.Errorf("missing lock: %v %v", l, err)
	}
}

func TestManifest(t *testing.T) {
	a := arts(rule(1), "SELECT 1")
	data, err := BuildManifest("1.2.3", a)
	if err != nil {
		t.Fatal(err)
	}
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	e := m.Rules[0]
	if e.Artifacts["qradar"].SHA256 != Hash([]byte("SELECT 1")) || e.Artifacts["qradar"].Path != "qradar/x.aql" || e.Artifacts["sigma"].DetgenVersion != "1.2.3" {
		t.Errorf("manifest entry %+v", e)
	}
	if strings.Join(e.Attack, ",") != "T1053,T1053.007" || e.Tactics[0] != "TA0002" {
		t.Errorf("attack ids %v %v", e.Attack, e.Tactics)
	}
	again, _ := BuildManifest("1.2.3", a)
	if !bytes.Equal(data, again) {
		t.Error("manifest is not deterministic")
	}
}

func TestTarballIsReproducible(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "qradar"), 0o700)
	os.WriteFile(filepath.Join(dir, "qradar", "a.aql"), []byte("SELECT 1"), 0o600)
	os.WriteFile(filepath.Join(dir, "manifest.json"), []byte("{}"), 0o600)
	first, err := Tarball(dir, "p")
	if err != nil {
		t.Fatal(err)
	}
	// Different times and modes must not change the bytes.
	os.Chtimes(filepath.Join(dir, "manifest.json"), epoch.AddDate(5, 0, 0), epoch.AddDate(5, 0, 0))
	os.Chmod(filepath.Join(dir, "qradar", "a.aql"), 0o640)
	second, err := Tarball(dir, "p")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, second) {
		t.Error("two packings of the same files differ")
	}
}
