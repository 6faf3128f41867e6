package driver

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"

	"github.com/detgen/detgen/backends/qradar/content"
	"github.com/detgen/detgen/compile"
	"github.com/detgen/detgen/diag"
	"github.com/detgen/detgen/internal/input"
	"github.com/detgen/detgen/ir"
	"github.com/detgen/detgen/lint"
	"github.com/detgen/detgen/progress"
	"github.com/detgen/detgen/release"
	"github.com/detgen/detgen/spec"
)

// Options configure a streaming, cached build: Load, then Generate or one
// of the writers (WriteBuild, WriteDocs).
type Options struct {
	Version  string             // detgen version: the manifest's, and part of cache keys through OpenCache
	Cache    *Cache             // nil: every rule is compiled
	Progress *progress.Reporter // nil: no progress
	Verb     string             // progress label ("build" gives "build: loading", "build: compiling")
}

// Loaded is every spec of a build, read: found unchanged in the cache, or
// to be compiled. A spec is compiled as its rule is generated (Generate),
// or for its metadata (Metadata), and only the rule's metadata is kept
// after: memory does not grow with the number of rules beyond that. The
// checks across specs (an id or name used twice) run once every spec is
// compiled, and then the rules are in rule id order.
type Loaded struct {
	opts    Options
	units   []*unit // by path; by rule id once every spec is compiled
	order   []int   // after sortByID: the index Generate gave each unit
	sums    *inputSums
	checked *compile.CheckedFiles // event files, checked once per run
}

// inputSums hashes each test event file once per build, however many
// rules name it.
type inputSums struct{ m sync.Map }

type inputSum struct {
	once sync.Once
	sum  string
	err  error
}

func (s *inputSums) get(path string) (string, error) {
	v, _ := s.m.LoadOrStore(path, &inputSum{})
	e := v.(*inputSum)
	e.once.Do(func() { e.sum, e.err = compile.InputSum(path) })
	return e.sum, e.err
}

// unit is one spec on its way through a build.
type unit struct {
	path     string
	key      string // cache key of the spec's bytes; "" without a cache
	pos      diag.Pos
	entry    *ruleEntry // the cache's entry, when the spec is unchanged
	rule     *ir.Rule   // compiled; or, from the cache, metadata only
	compiled bool       // rule is the compiled rule
	pending  bool       // not compiled yet (Loaded.compilePending)
	hit      bool       // the cache held the spec unchanged
	errs     diag.List
}

// ruleEntry is what the cache keeps of a rule besides its files.
type ruleEntry struct {
	Deps     cacheDeps      `json:"deps"`
	Rule     ruleInfo       `json:"rule"`
	Files    []cacheFile    `json:"files"`
	Warnings []cacheWarning `json:"warnings,omitempty"`
	// QRadar holds the custom properties of the rule's QRadar search,
	// when it has one (the rest of the search is the rule's metadata and
	// its qradar artifact).
	QRadar *cachedSearch `json:"qradar,omitempty"`
}

// cachedSearch is what a rule's QRadar search holds besides the rule's
// metadata and AQL.
type cachedSearch struct {
	Properties []content.Property `json:"properties"`
}

// cacheDeps are the test event files of a rule, relative to the spec's
// directory, and the sha256 of their sha256s.
type cacheDeps struct {
	Paths  []string `json:"paths,omitempty"`
	SHA256 string   `json:"sha256,omitempty"`
}

// depsSum combines the files' sums, in order.
func depsSum(sums []string) string {
	h := sha256.New()
	for _, s := range sums {
		writeString(h, s)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// cacheFile is one file of a rule's output, kept as a blob.
type cacheFile struct {
	Target string   `json:"target"` // the manifest's key: a target, or a prerequisite kind
	Path   string   `json:"path"`
	SHA256 string   `json:"sha256"`
	Blob   blobStat `json:"blob"`
}

type cacheWarning struct {
	Target  string       `json:"target"`
	Finding lint.Finding `json:"finding"`
}

// ruleInfo is the metadata of a rule: what list, lock, the manifest, the
// QRadar extension and the docs index read.
type ruleInfo struct {
	Line, Col       int
	ID, Name, Title string
	Version         int
	Status          string
	Description     string
	Author          string
	Date, Modified  string
	Severity        string
	Confidence      string
	Tactics         []ir.Ref
	Technique       ir.Ref
	Subtechnique    ir.Ref
	AttackURL       string
	Tags            []string
	Logsource       string
	Tests           int
	Excluded        map[string]string
}

func infoOf(r *ir.Rule, pos diag.Pos) ruleInfo {
	ri := ruleInfo{
		Line: pos.Line, Col: pos.Col,
		ID: r.ID, Name: r.Name, Title: r.Title, Version: r.Version, Status: r.Status,
		Description: r.Description, Author: r.Author, Date: r.Date, Modified: r.Modified,
		Severity: r.Severity, Confidence: r.Confidence, Tactics: r.Tactics,
		Technique: r.Technique, Subtechnique: r.Subtechnique, AttackURL: r.AttackURL,
		Tags: r.Tags, Logsource: r.Logsource, Excluded: r.Excluded,
	}
	ri.Tests = len(r.Tests)
	return ri
}

// rule is the metadata as an ir.Rule: no detection, and as many tests as
// the rule has, all empty. It must not be given to a generator.
func (ri ruleInfo) rule(file string) *ir.Rule {
	r := &ir.Rule{
		SourceFile: file,
		ID:         ri.ID, Name: ri.Name, Title: ri.Title, Version: ri.Version, Status: ri.Status,
		Description: ri.Description, Author: ri.Author, Date: ri.Date, Modified: ri.Modified,
		Severity: ri.Severity, Confidence: ri.Confidence, Tactics: ri.Tactics,
		Technique: ri.Technique, Subtechnique: ri.Subtechnique, AttackURL: ri.AttackURL,
		Tags: ri.Tags, Logsource: ri.Logsource, Excluded: ri.Excluded,
	}
	r.Tests = emptyTests(ri.Tests)
	return r
}

// noTests backs the tests of rules kept as metadata: n empty tests, shared
// (such a rule is read-only), so a build of thousands of rules does not
// hold tens of thousands of them.
var noTests = make([]ir.Test, 256)

func emptyTests(n int) []ir.Test {
	if n <= len(noTests) {
		return noTests[:n:n]
	}
	return make([]ir.Test, n)
}

// Load reads every spec: a spec the cache holds unchanged (same bytes,
// same test event files, same detgen and mappings) is not decoded; the
// others are compiled when their rules are generated (Generate) or their
// metadata asked for (Metadata), which report their errors and those
// across files (an id or name used twice), as LoadRules does. With a
// cache, Load reads every spec (for its key) and reports those it cannot
// read.
func Load(paths []string, o Options) (*Loaded, error) {
	o.Progress.Phase(o.Verb+": loading", len(paths), "specs")
	units := make([]*unit, len(paths))
	sums := &inputSums{}
	parallel(len(paths), func(i int) {
		units[i] = load(paths[i], o.Cache, sums)
		o.Progress.Add(1)
	})
	var errs diag.List
	for _, u := range units {
		errs.Append(u.errs)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	l := &Loaded{opts: o, units: units, sums: sums, checked: &compile.CheckedFiles{}}
	if l.pending() == 0 {
		if err := l.crossCheck(); err != nil {
			return nil, err
		}
		l.sortByID()
	}
	return l, nil
}

// pending is the number of specs not compiled yet.
func (l *Loaded) pending() int {
	n := 0
	for _, u := range l.units {
		if u.pending {
			n++
		}
	}
	return n
}

// crossCheck reports ids and names used by two specs, in path order.
func (l *Loaded) crossCheck() error {
	var errs diag.List
	ids, names := map[string]string{}, map[string]string{}
	for _, u := range l.units {
		r := u.rule
		if other, dup := ids[r.ID]; dup {
			errs.Add(u.pos, "id %s is already used by %s", r.ID, other)
		}
		if other, dup := names[r.Name]; dup {
			errs.Add(u.pos, "name %s is already used by %s", r.Name, other)
		}
		ids[r.ID], names[r.Name] = u.path, u.path
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// sortByID puts the units in rule id order and records, in order, the
// index each had (Order).
func (l *Loaded) sortByID() {
	if l.order != nil {
		return
	}
	l.order = make([]int, len(l.units))
	for i := range l.order {
		l.order[i] = i
	}
	sort.SliceStable(l.order, func(i, j int) bool { return l.units[l.order[i]].rule.ID < l.units[l.order[j]].rule.ID })
	units := make([]*unit, len(l.units))
	for k, i := range l.order {
		units[k] = l.units[i]
	}
	l.units = units
}

// Order is, for each rule of Rules, the index Generate gave its output
// (emit's i): rules are generated in path order and listed in id order.
func (l *Loaded) Order() []int { return l.order }

// Metadata compiles the specs not compiled yet, keeping their metadata
// only, runs the checks across specs and returns every rule's metadata by
// id (for commands that generate nothing, such as list).
func (l *Loaded) Metadata() ([]*ir.Rule, error) {
	if l.order == nil {
		parallel(len(l.units), func(i int) {
			if u := l.units[i]; u.pending {
				l.compilePending(u)
				if u.compiled {
					// Metadata only; a Generate after compiles it again.
					u.rule, u.compiled, u.pending = infoOf(u.rule, u.pos).rule(u.path), false, true
				}
			}
		})
		var errs diag.List
		for _, u := range l.units {
			errs.Append(u.errs)
		}
		if len(errs) > 0 {
			return nil, errs
		}
		if err := l.crossCheck(); err != nil {
			return nil, err
		}
		l.sortByID()
	}
	return l.Rules(), nil
}

// LoadPaths is Load of every spec under dir.
func LoadPaths(dir string, o Options) (*Loaded, error) {
	paths, err := FindSpecs(dir)
	if err != nil {
		return nil, err
	}
	return Load(paths, o)
}

func load(path string, c *Cache, sums *inputSums) *unit {
	u := &unit{path: path, pos: diag.Pos{File: path}}
	if c == nil {
		// Without a cache there is nothing to look up: the spec is read
		// (and its errors reported) when it is compiled.
		u.pending = true
		return u
	}
	data, err := input.Read(path, "a spec", input.MaxSpec)
	if err != nil {
		u.errs.Add(diag.Pos{File: path}, "%v", err)
		return u
	}
	u.key = c.key("rule", data)
	if e := c.lookupRule(u.key, path, sums); e != nil {
		u.entry, u.rule, u.hit = e, e.Rule.rule(path), true
		u.pos = diag.Pos{File: path, Line: e.Rule.Line, Col: e.Rule.Col}
		return u
	}
	u.pending = true
	return u
}

// compilePending compiles a spec Load read but did not compile: read
// again, it must be what Load read (its cache key), or the build stops.
func (l *Loaded) compilePending(u *unit) {
	u.pending = false
	data, err := input.Read(u.path, "a spec", input.MaxSpec)
	if err != nil {
		u.errs.Add(diag.Pos{File: u.path}, "%v", err)
		return
	}
	if u.key != "" && l.opts.Cache.key("rule", data) != u.key {
		u.errs.Add(diag.Pos{File: u.path}, "changed during the build; run it again")
		return
	}
	u.compile(data, l.checked)
}

// compile decodes and compiles the spec's bytes, checking its event files
// once per run in checked (nil: once per process and unchanged file).
func (u *unit) compile(data []byte, checked *compile.CheckedFiles) {
	sr, errs := spec.Parse(u.path, data)
	if len(errs) > 0 {
		u.errs = errs
		return
	}
	r, errs := compile.RuleWith(sr, compile.Options{DeferEvents: true, Checked: checked})
	if len(errs) > 0 {
		u.errs = errs
		return
	}
	// No output reads a test but for their number: keep just that many
	// (the tests are checked; their events, expectations and loaders go).
	r.Tests = emptyTests(len(r.Tests))
	u.rule, u.pos, u.compiled, u.entry = r, sr.Pos, true, nil
}

// recompile compiles a spec the cache held, when its full rule is needed
// after all (its files vanished from the cache, or a page needs the
// detection): from the same bytes, or it fails.
func (u *unit) recompile(c *Cache) error {
	data, err := input.Read(u.path, "a spec", input.MaxSpec)
	if err != nil {
		return fmt.Errorf("%s: %v", u.path, err)
	}
	if c.key("rule", data) != u.key {
		return fmt.Errorf("%s: changed during the build; run it again", u.path)
	}
	u.compile(data, nil)
	if len(u.errs) > 0 {
		return u.errs
	}
	return nil
}

// lookupRule finds the entry of an unchanged spec whose test event files
// are unchanged too.
func (c *Cache) lookupRule(key, path string, input *inputSums) *ruleEntry {
	header, _, ok := c.get(key + "-h")
	if !ok {
		return nil
	}
	var e ruleEntry
	if json.Unmarshal(header, &e) != nil || e.Rule.ID == "" {
		return nil
	}
	dir := filepath.Dir(path)
	sums := make([]string, len(e.Deps.Paths))
	for i, p := range e.Deps.Paths {
		sum, err := input.get(filepath.Join(dir, filepath.FromSlash(p)))
		if err != nil {
			return nil
		}
		sums[i] = sum
	}
	if len(sums) > 0 && depsSum(sums) != e.Deps.SHA256 {
		return nil
	}
	e.Deps = cacheDeps{} // checked; not needed again
	return &e
}

// Rules are the rules' metadata (no detection, tests by name only), by id
// after Generate or Metadata (before, in path order, and only those the
// cache held are filled in).
func (l *Loaded) Rules() []*ir.Rule {
	out := make([]*ir.Rule, len(l.units))
	for i, u := range l.units {
		out[i] = u.rule
	}
	return out
}

// RuleOutput is what a build makes of one rule.
type RuleOutput struct {
	// Rule is the compiled rule, or (Cached) its metadata only.
	Rule   *ir.Rule
	Cached bool
	// Files are the rule's artifacts (Targets order, Target the target's
	// name) then its prerequisites, with SHA256, and Data unless Cached
	// (see Data).
	Files []release.Artifact
	// Search is the rule's QRadar search, when it has a QRadar artifact;
	// its AQL is empty when Cached (it is the qradar file's Data).
	Search *content.Search

	blobs []string // the cache's blob of each file, "" if none
	unit  *unit
	l     *Loaded
}

// Data is the content of Files[i], read from the cache if need be.
func (o *RuleOutput) Data(i int) ([]byte, error) {
	if o.Files[i].Data != nil || o.blobs[i] == "" {
		return o.Files[i].Data, nil
	}
	return os.ReadFile(o.blobs[i])
}

// write puts the rule's files into the stage: as hard links to the
// cache's blobs where it can (no copy, no new file), else written.
func (o *RuleOutput) write(s *Stage) error {
	for i, f := range o.Files {
		if o.blobs[i] != "" && s.Link(o.blobs[i], f.Path) == nil {
			continue
		}
		data, err := o.Data(i)
		if err != nil {
			return err
		}
		if err := s.WriteFile(f.Path, data); err != nil {
			return err
		}
	}
	return nil
}

// Artifacts are the files of Files that are artifacts of a target, with
// their Data.
func (o *RuleOutput) Artifacts() ([]release.Artifact, error) {
	var out []release.Artifact
	for i, f := range o.Files {
		if _, ok := LookupTarget(f.Target); ok {
			data, err := o.Data(i)
			if err != nil {
				return nil, err
			}
			f.Data = data
			out = append(out, f)
		}
	}
	return out, nil
}

// FullRule is the compiled rule, compiling a cached one.
func (o *RuleOutput) FullRule() (*ir.Rule, error) {
	if !o.Cached {
		return o.Rule, nil
	}
	if err := o.unit.recompile(o.l.opts.Cache); err != nil {
		return nil, err
	}
	return o.unit.rule, nil
}

// Generate makes every rule's files on every core: a cached rule's are
// read back from the cache, the others are compiled, generated and checked
// in their target language (and then cached). emit, when not nil, gets
// each rule's output as soon as it is made, from several goroutines at
// once, with an index: afterwards Rules lists the rules by id and Order
// gives each one's index. An error from emit stops nothing but is
// returned. Generate returns the warnings of every check, in rule order,
// and every error (the checks across specs included). Afterwards every
// rule is metadata only.
func (l *Loaded) Generate(emit func(i int, out *RuleOutput) error) ([]Warning, error) {
	o := l.opts
	l.order = nil // emit's indexes are the units' present order
	o.Progress.Phase(o.Verb+": compiling", len(l.units), "rules")
	type result struct {
		errs  diag.List
		warns []Warning
		err   error
	}
	results := make([]result, len(l.units))
	parallel(len(l.units), func(i int) {
		u := l.units[i]
		res := &results[i]
		if u.pending {
			l.compilePending(u)
		}
		if len(u.errs) > 0 {
			res.errs = u.errs
			o.Progress.Add(1)
			return
		}
		out, warns, errs := l.output(u)
		res.warns, res.errs = warns, errs
		if len(errs) == 0 && emit != nil {
			res.err = emit(i, out)
		}
		if u.compiled {
			// Keep the metadata only: the detection, tests and
			// outputs of a rule are not needed once it is written.
			u.rule, u.compiled = infoOf(u.rule, u.pos).rule(u.path), false
		}
		o.Progress.Add(1)
	})
	var errs diag.List
	for _, r := range results {
		errs.Append(r.errs)
	}
	if len(errs) == 0 {
		if err := l.crossCheck(); err != nil {
			errs = err.(diag.List)
		}
	}
	if len(errs) == 0 {
		l.sortByID()
	}
	// Warnings in rule order (path order if the checks failed).
	order := l.order
	if order == nil {
		order = make([]int, len(results))
		for i := range order {
			order[i] = i
		}
	}
	var warns []Warning
	var other []error
	for _, i := range order {
		r := results[i]
		warns = append(warns, r.warns...)
		if r.err != nil {
			other = append(other, r.err)
		}
	}
	if len(errs) > 0 {
		return warns, errs
	}
	if len(other) > 0 {
		return warns, other[0]
	}
	return warns, nil
}

// output makes one rule's files: from the cache, or generated.
func (l *Loaded) output(u *unit) (*RuleOutput, []Warning, diag.List) {
	c := l.opts.Cache
	if u.entry != nil {
		if out, warns, ok := l.cached(u); ok {
			return out, warns, nil
		}
		// The entry's files are gone or damaged: compile after all.
		if err := u.recompile(c); err != nil {
			var errs diag.List
			if l, ok := err.(diag.List); ok {
				return nil, nil, l
			}
			errs.Add(diag.Pos{File: u.path}, "%v", err)
			return nil, nil, errs
		}
	}
	r := u.rule
	out := &RuleOutput{Rule: r, unit: u, l: l}
	var errs diag.List
	var warns []Warning
	var arts []Artifact
	for _, t := range Targets {
		if _, excluded := r.Excluded[t.Name]; excluded {
			continue // the spec excludes the target, with its reason
		}
		a, e, w := GenerateOne(r, t)
		errs.Append(e)
		warns = append(warns, w...)
		if a.Data != nil {
			arts = append(arts, a)
		}
	}
	if len(errs) > 0 {
		return nil, warns, errs
	}
	for _, a := range arts {
		out.Files = append(out.Files, release.Artifact{Rule: r, Target: a.Target.Name, Path: DistPath(a), Data: a.Data, SHA256: release.Hash(a.Data)})
	}
	for _, a := range arts {
		extra, err := prerequisites(a)
		if err != nil {
			errs.Add(diag.Pos{File: r.SourceFile}, "%s prerequisites: %v", a.Target.Name, err)
			continue
		}
		for _, e := range extra {
			e.SHA256 = release.Hash(e.Data)
			out.Files = append(out.Files, e)
		}
		if a.Target.Name == "qradar" {
			s, err := qradarSearch(r, a.Data)
			if err != nil {
				errs.Add(diag.Pos{File: r.SourceFile}, "qradar content extension: %v", err)
				continue
			}
			out.Search = &s
		}
	}
	if len(errs) > 0 {
		return nil, warns, errs
	}
	l.store(u, out, warns)
	if out.blobs == nil {
		out.blobs = make([]string, len(out.Files))
	}
	return out, warns, nil
}

// store puts a generated rule's outputs in the cache, when every file it
// depends on can be hashed.
func (l *Loaded) store(u *unit, out *RuleOutput, warns []Warning) {
	c := l.opts.Cache
	if c == nil || u.key == "" {
		return
	}
	e := ruleEntry{Rule: infoOf(u.rule, u.pos)}
	dir := filepath.Dir(u.path)
	var sums []string
	for _, in := range u.rule.Inputs {
		sum, err := l.sums.get(in)
		if err != nil {
			return
		}
		rel, err := filepath.Rel(dir, in)
		if err != nil {
			return
		}
		e.Deps.Paths = append(e.Deps.Paths, filepath.ToSlash(rel))
		sums = append(sums, sum)
	}
	if len(sums) > 0 {
		e.Deps.SHA256 = depsSum(sums)
	}
	blobs := make([]string, len(out.Files))
	for i, f := range out.Files {
		p, st, ok := c.putBlob(f.SHA256, f.Data)
		if !ok {
			return
		}
		blobs[i] = p
		e.Files = append(e.Files, cacheFile{Target: f.Target, Path: f.Path, SHA256: f.SHA256, Blob: st})
	}
	out.blobs = blobs
	for _, w := range warns {
		e.Warnings = append(e.Warnings, cacheWarning{Target: w.Target.Name, Finding: w.Finding})
	}
	if out.Search != nil {
		e.QRadar = &cachedSearch{Properties: out.Search.Properties}
	}
	header, err := json.Marshal(e)
	if err != nil {
		return
	}
	c.put(u.key+"-h", header, nil)
}

// cached gives a rule's outputs as the cache holds them; ok is false when
// a blob is missing or not as it was stored.
func (l *Loaded) cached(u *unit) (*RuleOutput, []Warning, bool) {
	e, c := u.entry, l.opts.Cache
	out := &RuleOutput{Rule: u.rule, Cached: true, unit: u, l: l}
	for _, f := range e.Files {
		p, ok := c.checkBlob(f.SHA256, f.Blob)
		if !ok {
			return nil, nil, false
		}
		out.Files = append(out.Files, release.Artifact{Rule: u.rule, Target: f.Target, Path: f.Path, SHA256: f.SHA256})
		out.blobs = append(out.blobs, p)
	}
	if e.QRadar != nil {
		// The search qradarSearch makes, but the AQL (the qradar file's).
		s := searchOf(u.rule, e.QRadar.Properties, "")
		out.Search = &s
	}
	var warns []Warning
	for _, w := range e.Warnings {
		t, ok := LookupTarget(w.Target)
		if !ok {
			return nil, nil, false
		}
		warns = append(warns, Warning{Rule: u.rule, Target: t, Finding: w.Finding})
	}
	return out, warns, true
}

// Cached is how many rules the cache held unchanged.
func (l *Loaded) Cached() int {
	n := 0
	for _, u := range l.units {
		if u.hit {
			n++
		}
	}
	return n
}
