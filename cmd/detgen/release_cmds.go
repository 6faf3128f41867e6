package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"

	"github.com/detgen/detgen/coverage"
	"github.com/detgen/detgen/diag"
	"github.com/detgen/detgen/driver"
	"github.com/detgen/detgen/internal/plural"
	"github.com/detgen/detgen/ir"
	"github.com/detgen/detgen/progress"
	"github.com/detgen/detgen/release"
	"github.com/detgen/detgen/testrun"
	"github.com/urfave/cli/v2"
)

var lockFlag = &cli.StringFlag{Name: "lock", Value: "rules.lock.json", Usage: "version lock file"}

// buildAll loads every spec under --rules and generates every artifact,
// showing progress on stderr for a long run.
func buildAll(c *cli.Context) ([]*ir.Rule, []driver.Artifact, error) {
	p := newProgress(c)
	rules, arts, warns, err := buildDirProgress(c.String("rules"), p, c.Command.Name)
	p.Close()
	printWarnings(c, warns)
	return rules, arts, err
}

// softMemoryLimit is the Go runtime's soft memory limit for commands that
// build every rule (see cachedOptions), and gcPercent its GOGC: the live
// heap is small (about 25 MB at 2,000 rules) and the garbage plentiful, so
// the collector may let the heap grow to the limit and run less often.
// Measured at 2,000 rules: peak RSS 89 MB, and a third less CPU than
// GOGC=100 under a 64 MiB limit (README, "Build speed and the cache").
const (
	softMemoryLimit = 80 << 20
	gcPercent       = 200
)

// collectLessOften sets the collector's GOGC to gcPercent unless GOGC is
// set: the commands that run every rule make much garbage over a small
// live heap.
func collectLessOften() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
}

// cachedOptions are the options of a streaming build for the command
// verb, with progress p (nil for none) and the build cache: $DETGEN_CACHE
// (a directory, or "off"); else .detgen-cache beside the output directory
// out; for a command that writes no directory (out ""), ./.detgen-cache
// when a build made it. A cache that cannot be opened only costs speed.
func cachedOptions(c *cli.Context, out string, p *progress.Reporter, verb string) driver.Options {
	if os.Getenv("GOMEMLIMIT") == "" {
		// A streamed build keeps little but makes much garbage: a soft
		// limit keeps the process small however many rules there are.
		debug.SetMemoryLimit(softMemoryLimit)
	}
	collectLessOften()
	o := driver.Options{Version: version, Progress: p, Verb: verb}
	dir := os.Getenv("DETGEN_CACHE")
	switch {
	case dir == "off":
		return o
	case dir != "":
	case out != "":
		dir = filepath.Join(filepath.Dir(filepath.Clean(out)), driver.CacheDirName)
	default:
		if st, err := os.Stat(driver.CacheDirName); err != nil || !st.IsDir() {
			return o
		}
		dir = driver.CacheDirName
	}
	if cache, err := driver.OpenCache(dir, version, c.String("mappings")); err == nil {
		o.Cache = cache
	}
	return o
}

// writeBuild builds every spec under --rules into --out, streaming and
// cached, with progress on stderr; check runs before the swap.
func writeBuild(c *cli.Context, check func([]*ir.Rule, []release.Artifact) error) (*driver.BuildResult, error) {
	p := newProgress(c)
	l, err := driver.LoadPaths(c.String("rules"), cachedOptions(c, c.String("out"), p, c.Command.Name))
	var res *driver.BuildResult
	if err == nil {
		res, err = l.WriteBuild(c.String("out"), check)
	}
	p.Close()
	if res != nil {
		printWarnings(c, res.Warnings)
	}
	return res, err
}

// hashAll loads every spec under --rules and generates it (cached), for
// commands that need the artifacts' hashes only.
func hashAll(c *cli.Context) ([]*ir.Rule, []release.Artifact, error) {
	p := newProgress(c)
	l, err := driver.LoadPaths(c.String("rules"), cachedOptions(c, "", p, c.Command.Name))
	var rules []*ir.Rule
	var arts []release.Artifact
	var warns []driver.Warning
	if err == nil {
		rules, arts, warns, err = l.Hashes()
	}
	p.Close()
	printWarnings(c, warns)
	return rules, arts, err
}

func problemList(problems []release.Problem) diag.List {
	var l diag.List
	for _, p := range problems {
		l.Add(diag.Pos{File: p.File}, "rule %s (%s): %s", p.Name, p.RuleID, p.Msg)
	}
	return l
}

func lockCommand() *cli.Command {
	return &cli.Command{
		Name:      "lock",
		Usage:     "record every rule's version and output hashes in the lock file after a deliberate bump",
		ArgsUsage: " ",
		Description: "Refuses to record a rule whose output changed without a version bump, or whose\n" +
			"version went down or jumped by more than one. New and removed rules are recorded.",
		Flags: []cli.Flag{rulesFlag, lockFlag},
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return usagef("lock takes no arguments")
			}
			rules, arts, err := hashAll(c)
			if err != nil {
				return err
			}
			lock, err := release.ReadLock(c.String("lock"))
			if err != nil {
				return err
			}
			updated, bad := release.Update(lock, rules, arts)
			if len(bad) > 0 {
				return problemList(bad)
			}
			changes := release.Changes(lock, updated)
			held := plural.N(len(updated.Rules), "rule")
			if len(changes) == 0 {
				info(c, "detgen: %s is up to date: %s, nothing to lock", c.String("lock"), held)
				return nil
			}
			if err := driver.WriteFile(c.String("lock"), updated.Bytes()); err != nil {
				return err
			}
			for _, line := range changes {
				fmt.Fprintln(c.App.Writer, line)
			}
			info(c, "detgen: %s now holds %s", c.String("lock"), held)
			return nil
		},
	}
}

func packageCommand() *cli.Command {
	return &cli.Command{
		Name:      "package",
		Usage:     "pack a build directory into a reproducible .tar.gz",
		ArgsUsage: " ",
		Description: "Checks that every artifact listed in DIST/manifest.json has the listed sha256,\n" +
			"then writes a gzip tar with sorted entries, fixed times and owners: packing\n" +
			"the same build twice gives the same bytes.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "dist", Value: "dist", Usage: "build directory written by detgen build"},
			&cli.StringFlag{Name: "out", Value: "detgen-rules.tar.gz", Usage: "archive to write"},
		},
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return usagef("package takes no arguments")
			}
			dist := c.String("dist")
			data, err := packDist(dist)
			if err != nil {
				return err
			}
			if err := driver.WriteFile(c.String("out"), data); err != nil {
				return err
			}
			info(c, "detgen: wrote %s (%s, sha256 %s)", c.String("out"), plural.N(len(data), "byte"), release.Hash(data))
			return nil
		},
	}
}

// packDist checks and packs a build directory under its shared lock, so a
// concurrent build cannot swap it between the check and the packing.
func packDist(dist string) ([]byte, error) {
	unlock, err := driver.LockShared(dist)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if err := verifyManifest(dist); err != nil {
		return nil, err
	}
	return release.Tarball(dist, "detgen-rules")
}

// verifyManifest checks the files of a build against its manifest: every
// listed file has its hash, and no other file is there.
func verifyManifest(dist string) error {
	data, err := os.ReadFile(filepath.Join(dist, "manifest.json"))
	if err != nil {
		return fmt.Errorf("%v (run detgen build first)", err)
	}
	var m release.Manifest
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return fmt.Errorf("%s/manifest.json: %v", dist, err)
	}
	var errs diag.List
	listed := map[string]bool{"manifest.json": true, driver.Marker: true}
	for _, r := range m.Rules {
		for target, a := range r.Artifacts {
			listed[a.Path] = true
			got, err := os.ReadFile(filepath.Join(dist, filepath.FromSlash(a.Path)))
			switch {
			case err != nil:
				errs.Add(diag.Pos{File: filepath.Join(dist, "manifest.json")}, "rule %s %s: %v", r.Name, target, err)
			case release.Hash(got) != a.SHA256:
				errs.Add(diag.Pos{File: filepath.Join(dist, a.Path)}, "sha256 differs from manifest.json: the build directory was modified after detgen build")
			}
		}
	}
	errs.Append(unlisted(dist, listed))
	return errs.Err()
}

// unlisted reports every file under dist that is not in listed
// (slash-separated paths relative to dist).
func unlisted(dist string, listed map[string]bool) diag.List {
	var errs diag.List
	err := filepath.WalkDir(dist, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dist, p)
		if err == nil && !listed[filepath.ToSlash(rel)] {
			errs.Add(diag.Pos{File: p}, "not listed in manifest.json: the build directory holds files detgen build did not write (remove them or rebuild)")
		}
		return err
	})
	if err != nil {
		errs.Add(diag.Pos{File: dist}, "%v", err)
	}
	return errs
}

func docsCommand() *cli.Command {
	return &cli.Command{
		Name:      "docs",
		Usage:     "write one Markdown page per rule and platform, plus an index",
		ArgsUsage: " ",
		Description: "Pages follow the seed pages: description, ATT&CK mapping, the generated query\n" +
			"itself, scoring, data sources, prerequisites, false positives and tuning, testing\n" +
			"methodology, references and links to the other platforms. OUT is replaced as a whole.",
		Flags: []cli.Flag{rulesFlag, &cli.StringFlag{Name: "out", Value: "site", Usage: "output directory (replaced as a whole)"}},
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return usagef("docs takes no arguments")
			}
			p := newProgress(c)
			l, err := driver.LoadPaths(c.String("rules"), cachedOptions(c, c.String("out"), p, "docs"))
			var pages int
			var warns []driver.Warning
			if err == nil {
				pages, warns, err = l.WriteDocs(c.String("out"))
			}
			p.Close()
			printWarnings(c, warns)
			if err != nil {
				return err
			}
			info(c, "detgen: wrote %s to %s", plural.N(pages, "page"), c.String("out"))
			return nil
		},
	}
}

func coverageCommand() *cli.Command {
	return &cli.Command{
		Name:      "coverage",
		Usage:     "print ATT&CK coverage and write ATT&CK Navigator layers (one per target and a combined one)",
		ArgsUsage: " ",
		Flags:     []cli.Flag{rulesFlag, &cli.StringFlag{Name: "out", Value: "layers", Usage: "directory for the layer files (replaced as a whole)"}},
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return usagef("coverage takes no arguments")
			}
			rules, _, err := buildAll(c)
			if err != nil {
				return err
			}
			targets := driver.TargetNames()
			rows, err := coverage.Table(rules, targets)
			if err != nil {
				return err
			}
			var files []driver.File
			for _, t := range append([]string{""}, targets...) {
				data, err := coverage.NavigatorLayer(rows, t, targets)
				if err != nil {
					return err
				}
				name := "layer-all.json"
				if t != "" {
					name = "layer-" + t + ".json"
				}
				files = append(files, driver.File{Path: name, Data: data})
			}
			if err := driver.WriteDir(c.String("out"), files); err != nil {
				return err
			}
			coverage.Print(c.App.Writer, rows, targets)
			info(c, "detgen: wrote %s to %s", plural.N(len(files), "Navigator layer"), c.String("out"))
			return nil
		},
	}
}

func testCommand() *cli.Command {
	return &cli.Command{
		Name:      "test",
		Usage:     "run every rule's test events through the spec and every generated artifact",
		ArgsUsage: " ",
		Description: "For each test case: the spec's own evaluation, the AQL executed over the event\n" +
			"as QRadar stores it, the YARA-L rule over the event mapped to UDM, and the Sigma\n" +
			"rule in sigma-go. A cell that disagrees with the expected outcome fails, unless\n" +
			"the spec declares the divergence for that target. Prints each failure (evaluator,\n" +
			"expected and got: match, score, signals), a summary and a last line\n" +
			"\"N passed, N failed\"; --verbose prints every case as a table (declared\n" +
			"divergences marked *); --format junit writes JUnit XML (to --out, or stdout).\n\n" +
			"--mutate runs mutation testing instead: every condition of each rule dropped\n" +
			"or negated and every value dropped, in turn, on the spec and on each target's\n" +
			"regenerated artifact; a mutant no test case tells apart from the rule survives,\n" +
			"and is listed with its spec position and the artifact line that changed. Exit\n" +
			"status 1 when any survives: add the test event that kills it.",
		Flags: []cli.Flag{
			rulesFlag,
			&cli.BoolFlag{Name: "mutate", Usage: "mutation testing: list every mutant of the rules that their tests do not kill"},
			&cli.BoolFlag{Name: "verbose", Usage: "print every case and evaluator as a table"},
			&cli.StringFlag{Name: "format", Value: "text", Usage: "text, or junit (JUnit XML: one testsuite per rule, one testcase per case and evaluator)"},
			&cli.StringFlag{Name: "out", Usage: "with --format junit: write the XML to this file and the text report to stdout"},
		},
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return usagef("test takes no arguments")
			}
			format := c.String("format")
			if format != "text" && format != "junit" {
				return usagef("unknown format %q (want text or junit)", format)
			}
			if c.IsSet("out") && format != "junit" {
				return usagef("--out needs --format junit")
			}
			if c.Bool("mutate") {
				if c.IsSet("format") || c.IsSet("out") || c.Bool("verbose") {
					return usagef("--mutate takes no --format, --out or --verbose")
				}
				return runMutate(c)
			}
			rules, results, err := runTests(c)
			if err != nil {
				return err
			}
			switch {
			case format == "junit" && !c.IsSet("out"):
				if err := testrun.WriteJUnit(c.App.Writer, rules, results); err != nil {
					return err
				}
			case format == "junit":
				var b bytes.Buffer
				if err := testrun.WriteJUnit(&b, rules, results); err != nil {
					return err
				}
				if err := driver.WriteFile(c.String("out"), b.Bytes()); err != nil {
					return err
				}
				fallthrough
			default:
				testrun.Report(c.App.Writer, rules, results, c.Bool("verbose"))
			}
			if s := testrun.Summarize(rules, results); s.Failed > 0 {
				return fmt.Errorf("%d of %s disagreed with the spec", s.Failed, plural.N(s.Evaluations, "evaluation"))
			}
			return nil
		},
	}
}

// runMutate builds every rule and runs its mutants on the spec and every
// target, printing each survivor and a summary.
func runMutate(c *cli.Context) error {
	p := newProgress(c)
	rules, arts, warns, err := buildDirProgress(c.String("rules"), p, "test")
	if err != nil {
		p.Close()
		return err
	}
	type mutated struct {
		survivors []testrun.Survivor
		total     int
	}
	each, err := eachRule(p, "test: mutating", rules, arts, func(r *ir.Rule, arts []driver.Artifact) (mutated, error) {
		s, n, err := testrun.Mutate([]*ir.Rule{r}, arts, driver.Targets)
		return mutated{s, n}, err
	})
	p.Close()
	if err != nil {
		return err
	}
	var survivors []testrun.Survivor
	total := 0
	for _, m := range each {
		survivors, total = append(survivors, m.survivors...), total+m.total
	}
	printWarnings(c, warns)
	testrun.PrintSurvivors(c.App.Writer, survivors)
	fmt.Fprintf(c.App.Writer, "mutate: %s, %s, %d survived\n", plural.N(len(rules), "rule"), plural.N(total, "mutant"), len(survivors))
	if len(survivors) > 0 {
		return fmt.Errorf("%s of %d survived: the rules' tests do not tell them apart", plural.N(len(survivors), "mutant"), total)
	}
	return nil
}

// runTests compiles, generates and tests every rule, one rule at a time on
// every core, with progress on stderr. Of each rule only its results are
// kept, with the rule's metadata and each case's name and expectations
// but not its events: memory grows with the number of cases, not with the
// rules' events and artifacts.
func runTests(c *cli.Context) ([]*ir.Rule, []testrun.Result, error) {
	collectLessOften() // the results are small, the garbage is not
	p := newProgress(c)
	rules, results, warns, err := streamTests(c.String("rules"), p)
	p.Close()
	printWarnings(c, warns)
	if err != nil {
		return nil, nil, err
	}
	return rules, results, nil
}

func streamTests(dir string, p *progress.Reporter) ([]*ir.Rule, []testrun.Result, []driver.Warning, error) {
	paths, err := driver.FindSpecs(dir)
	if err != nil {
		return nil, nil, nil, err
	}
	type ruleRun struct {
		rule    *ir.Rule // metadata
		results []testrun.Result
		warns   []driver.Warning
		errs    diag.List
		err     error
	}
	runs := make([]ruleRun, len(paths))
	p.Phase("test: running", len(paths), "rules")
	driver.Parallel(len(paths), func(i int) {
		defer p.Add(1)
		run := &runs[i]
		rs, errs := driver.LoadRules(paths[i : i+1])
		if len(errs) > 0 {
			run.errs = errs
			return
		}
		arts, errs, warns := driver.Generate(rs, driver.Targets)
		run.warns, run.errs = warns, errs
		if len(errs) > 0 {
			return
		}
		results, err := testrun.Run(rs, arts)
		r := rs[0]
		lite := &ir.Rule{ID: r.ID, Name: r.Name, Title: r.Title, SourceFile: r.SourceFile, Scoring: r.Scoring}
		for k := range results {
			res := &results[k]
			res.Rule = lite
			res.Case.Event, res.Case.Sequence, res.Case.Load = nil, nil, nil
		}
		run.rule, run.results, run.err = lite, results, err
	})
	var errs diag.List
	var rules []*ir.Rule
	for _, run := range runs {
		errs.Append(run.errs)
		if run.rule != nil {
			rules = append(rules, run.rule)
		}
	}
	if len(errs) == 0 && duplicates(rules) {
		// An id or name used twice: the exact report comes from loading
		// everything at once.
		_, errs = driver.LoadRules(paths)
	}
	sort.SliceStable(runs, func(i, j int) bool {
		if runs[i].rule == nil || runs[j].rule == nil {
			return runs[i].rule != nil
		}
		return runs[i].rule.ID < runs[j].rule.ID
	})
	var warns []driver.Warning
	var results []testrun.Result
	rules = rules[:0]
	var first error
	for _, run := range runs {
		warns = append(warns, run.warns...)
		if run.rule == nil {
			continue
		}
		rules = append(rules, run.rule)
		results = append(results, run.results...)
		if first == nil {
			first = run.err
		}
	}
	if len(errs) > 0 {
		return nil, nil, warns, errs
	}
	if first != nil {
		return nil, nil, warns, first
	}
	return rules, results, warns, nil
}

// eachRule calls f for every rule with its artifacts, on every core,
// counting rules on p under phase; the results keep the rules' order, and
// the error is the first in that order.
func eachRule[T any](p *progress.Reporter, phase string, rules []*ir.Rule, arts []driver.Artifact, f func(*ir.Rule, []driver.Artifact) (T, error)) ([]T, error) {
	byRule := map[*ir.Rule][]driver.Artifact{}
	for _, a := range arts {
		byRule[a.Rule] = append(byRule[a.Rule], a)
	}
	p.Phase(phase, len(rules), "rules")
	out := make([]T, len(rules))
	errs := make([]error, len(rules))
	driver.Parallel(len(rules), func(i int) {
		out[i], errs[i] = f(rules[i], byRule[rules[i]])
		p.Add(1)
	})
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
