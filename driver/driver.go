// Package driver wires the pipeline: spec files → compile → ir → every
// backend → artifacts in memory, and writes a build output directory only
// when every artifact of every rule succeeded.
package driver

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"

	"github.com/detgen/detgen/backends/chronicle"
	"github.com/detgen/detgen/backends/qradar"
	"github.com/detgen/detgen/backends/sigma"
	"github.com/detgen/detgen/compile"
	"github.com/detgen/detgen/diag"
	par "github.com/detgen/detgen/internal/parallel"
	"github.com/detgen/detgen/ir"
	"github.com/detgen/detgen/lint"
	"github.com/detgen/detgen/release"
	"github.com/detgen/detgen/spec"
)

// Target is one output language.
type Target struct {
	Name     string // qradar, chronicle, sigma
	File     string // artifact file name in golden/<rule-id>/
	Ext      string // extension of dist/<target>/<rule-id><ext>
	Lang     lint.Language
	Generate func(*ir.Rule) ([]byte, error)
}

// Targets lists every backend, in output order.
var Targets = []Target{
	{Name: "qradar", File: "qradar.aql", Ext: ".aql", Lang: lint.AQL, Generate: generateAQL},
	{Name: "chronicle", File: "chronicle.yaral", Ext: ".yaral", Lang: lint.YARAL, Generate: chronicle.Generate},
	{Name: "sigma", File: "sigma.yml", Ext: ".yml", Lang: lint.Sigma, Generate: sigma.Generate},
}

// generateAQL names custom properties with the extension's prefix: the
// AQL must read what QRadarExtension defines.
func generateAQL(r *ir.Rule) ([]byte, error) {
	return qradar.Generate(r, QRadarOptions.PropertyPrefix)
}

// TargetNames returns the names of every target.
func TargetNames() []string {
	var n []string
	for _, t := range Targets {
		n = append(n, t.Name)
	}
	return n
}

// LookupTarget finds a target by name.
func LookupTarget(name string) (Target, bool) {
	for _, t := range Targets {
		if t.Name == name {
			return t, true
		}
	}
	return Target{}, false
}

// FindSpecs returns every *.yaml and *.yml file under dir, sorted.
func FindSpecs(dir string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && (strings.HasSuffix(path, ".yaml") || strings.HasSuffix(path, ".yml")) {
			out = append(out, path)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(out)
	if len(out) == 0 {
		return nil, fmt.Errorf("no rule specs (*.yaml) under %s", dir)
	}
	return out, nil
}

// LoadRules parses and compiles every spec; it returns all errors of all
// files, plus those across files (an id or name used twice).
func LoadRules(paths []string) ([]*ir.Rule, diag.List) {
	// Parse and compile on every core; check ids and names in path order.
	type loaded struct {
		sr   *spec.Rule
		r    *ir.Rule
		errs diag.List
	}
	all := make([]loaded, len(paths))
	parallel(len(paths), func(i int) {
		sr, perrs := spec.Load(paths[i])
		if len(perrs) > 0 {
			all[i].errs = perrs
			return
		}
		r, cerrs := compile.Rule(sr)
		all[i] = loaded{sr: sr, r: r, errs: cerrs}
	})
	var rules []*ir.Rule
	var errs diag.List
	ids, names := map[string]string{}, map[string]string{}
	for i, p := range paths {
		sr, r := all[i].sr, all[i].r
		if len(all[i].errs) > 0 {
			errs.Append(all[i].errs)
			continue
		}
		if other, dup := ids[r.ID]; dup {
			errs.Add(sr.Pos, "id %s is already used by %s", r.ID, other)
		}
		if other, dup := names[r.Name]; dup {
			errs.Add(sr.Pos, "name %s is already used by %s", r.Name, other)
		}
		ids[r.ID], names[r.Name] = p, p
		rules = append(rules, r)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	sort.Slice(rules, func(i, j int) bool { return rules[i].ID < rules[j].ID })
	return rules, nil
}

// Artifact is one generated file.
type Artifact struct {
	Rule   *ir.Rule
	Target Target
	Data   []byte
}

// Generate runs every target on every rule, then parses and checks each
// artifact in its target language: a generator bug becomes an error
// naming the rule and target, never a silently broken file. No artifacts
// are returned unless all succeeded. Warnings of the checks are returned
// either way.
func Generate(rules []*ir.Rule, targets []Target) ([]Artifact, diag.List, []Warning) {
	// Each rule is generated and checked on its own, on every core; the
	// results are put back in rule order, so output does not depend on
	// scheduling.
	type result struct {
		arts  []Artifact
		errs  diag.List
		warns []Warning
	}
	results := make([]result, len(rules))
	parallel(len(rules), func(i int) {
		res := &results[i]
		for _, t := range targets {
			if _, out := rules[i].Excluded[t.Name]; out {
				continue // the spec excludes the target, with its reason
			}
			a, errs, warns := GenerateOne(rules[i], t)
			res.errs.Append(errs)
			res.warns = append(res.warns, warns...)
			if a.Data != nil {
				res.arts = append(res.arts, a)
			}
		}
	})
	var out []Artifact
	var errs diag.List
	var warns []Warning
	for _, res := range results {
		out = append(out, res.arts...)
		errs.Append(res.errs)
		warns = append(warns, res.warns...)
	}
	if len(errs) > 0 {
		return nil, errs, warns
	}
	return out, nil, warns
}

// GenerateOne runs one target on one rule and checks the artifact in the
// target's language, as Generate does for each pair; detgen convert uses it
// to keep every rule's outcome on its own. The artifact's Data is nil when
// errs is not empty (the generator refused the rule or the check failed).
func GenerateOne(r *ir.Rule, t Target) (Artifact, diag.List, []Warning) {
	var errs diag.List
	var warns []Warning
	data, err := t.Generate(r)
	if err != nil {
		errs.Add(diag.Pos{File: r.SourceFile}, "%s: %v", t.Name, err)
		return Artifact{}, errs, nil
	}
	for _, f := range lint.Check(t.Lang, data) {
		if f.Severity == lint.Error {
			errs.Add(diag.Pos{File: r.SourceFile}, "%s: generated %s artifact of rule %s fails its check at %s", t.Name, t.Lang, r.Name, f)
		} else {
			warns = append(warns, Warning{Rule: r, Target: t, Finding: f})
		}
	}
	if len(errs) > 0 {
		return Artifact{}, errs, warns
	}
	return Artifact{Rule: r, Target: t, Data: data}, nil, warns
}

// Parallel calls f(0..n-1) on GOMAXPROCS workers and waits for them.
func Parallel(n int, f func(i int)) { parallel(n, f) }

// parallel calls f(0..n-1) on GOMAXPROCS workers and waits for them.
func parallel(n int, f func(i int)) { par.Each(n, f) }

// Warning is a non-fatal finding on a generated artifact.
type Warning struct {
	Rule    *ir.Rule
	Target  Target
	Finding lint.Finding
}

func (w Warning) String() string {
	return fmt.Sprintf("%s: %s: warning in generated artifact at %s", w.Rule.SourceFile, w.Target.Name, w.Finding)
}

// DistPath is where an artifact goes inside the build output directory
// (slash-separated).
func DistPath(a Artifact) string {
	return a.Target.Name + "/" + a.Rule.ID + a.Target.Ext
}

// Release describes the artifacts for the release package.
func Release(arts []Artifact) []release.Artifact {
	out := make([]release.Artifact, len(arts))
	for i, a := range arts {
		out[i] = release.Artifact{Rule: a.Rule, Target: a.Target.Name, Path: DistPath(a), Data: a.Data}
	}
	return out
}

// File is one file of a build output directory.
type File struct {
	Path string // slash-separated, relative
	Data []byte
}

// BuildFiles is the content of a build output directory: every artifact,
// each rule's prerequisites (what the SIEM must have for the artifact to
// see its fields), the QRadar content extension of the whole build
// (QRadarExtensionPath, listed under every QRadar rule as
// "qradar-extension") and manifest.json listing all of them with hashes.
func BuildFiles(arts []Artifact, version string) ([]File, error) {
	var files []File
	rel := Release(arts)
	for _, a := range arts {
		files = append(files, File{Path: DistPath(a), Data: a.Data})
		extra, err := prerequisites(a)
		if err != nil {
			return nil, fmt.Errorf("%s: %s prerequisites: %w", a.Rule.SourceFile, a.Target.Name, err)
		}
		for _, e := range extra {
			files = append(files, File{Path: e.Path, Data: e.Data})
			rel = append(rel, e)
		}
	}
	ext, err := QRadarExtension(arts)
	if err != nil {
		return nil, fmt.Errorf("qradar content extension: %w", err)
	}
	if ext != nil {
		files = append(files, File{Path: QRadarExtensionPath, Data: ext.Archive})
		sum := release.Hash(ext.Archive) // once, not once per rule
		for _, a := range arts {
			if a.Target.Name == "qradar" {
				rel = append(rel, release.Artifact{Rule: a.Rule, Target: "qradar-extension", Path: QRadarExtensionPath, SHA256: sum})
			}
		}
	}
	manifest, err := release.BuildManifest(version, rel)
	if err != nil {
		return nil, err
	}
	return append(files, File{Path: "manifest.json", Data: manifest}), nil
}

// LoadDir finds and compiles every spec under dir.
func LoadDir(dir string) ([]*ir.Rule, error) {
	paths, err := FindSpecs(dir)
	if err != nil {
		return nil, err
	}
	rules, errs := LoadRules(paths)
	if len(errs) > 0 {
		return nil, errs
	}
	return rules, nil
}

// BuildDir loads every spec under dir and generates and checks every
// artifact of every target; warnings come back even on success.
func BuildDir(dir string) ([]*ir.Rule, []Artifact, []Warning, error) {
	rules, err := LoadDir(dir)
	if err != nil {
		return nil, nil, nil, err
	}
	arts, errs, warns := Generate(rules, Targets)
	if len(errs) > 0 {
		return nil, nil, warns, errs
	}
	return rules, arts, warns, nil
}
