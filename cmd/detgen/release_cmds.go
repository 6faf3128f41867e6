package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/detgen/detgen/coverage"
	"github.com/detgen/detgen/diag"
	"github.com/detgen/detgen/docgen"
	"github.com/detgen/detgen/driver"
	"github.com/detgen/detgen/internal/plural"
	"github.com/detgen/detgen/ir"
	"github.com/detgen/detgen/release"
	"github.com/detgen/detgen/testrun"
	"github.com/urfave/cli/v2"
)

var lockFlag = &cli.StringFlag{Name: "lock", Value: "rules.lock.json", Usage: "version lock file"}

// buildAll loads every spec under --rules and generates every artifact.
func buildAll(c *cli.Context) ([]*ir.Rule, []driver.Artifact, error) {
	rules, arts, warns, err := driver.BuildDir(c.String("rules"))
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
			rules, arts, err := buildAll(c)
			if err != nil {
				return err
			}
			lock, err := release.ReadLock(c.String("lock"))
			if err != nil {
				return err
			}
			updated, bad := release.Update(lock, rules, driver.Release(arts))
			if len(bad) > 0 {
				return problemList(bad)
			}
			changes := release.Changes(lock, updated)
			held := plural.N(len(updated.Rules), "rule")
			if len(changes) == 0 {
				fmt.Fprintf(c.App.Writer, "detgen: %s is up to date: %s, nothing to lock\n", c.String("lock"), held)
				return nil
			}
			if err := driver.WriteFile(c.String("lock"), updated.Bytes()); err != nil {
				return err
			}
			for _, line := range changes {
				fmt.Fprintln(c.App.Writer, line)
			}
			fmt.Fprintf(c.App.Writer, "detgen: %s now holds %s\n", c.String("lock"), held)
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
			fmt.Fprintf(c.App.Writer, "detgen: wrote %s (%s, sha256 %s)\n", c.String("out"), plural.N(len(data), "byte"), release.Hash(data))
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
			rules, arts, err := buildAll(c)
			if err != nil {
				return err
			}
			byRule := map[string][]docgen.Artifact{}
			for _, a := range arts {
				byRule[a.Rule.ID] = append(byRule[a.Rule.ID], docgen.Artifact{Target: a.Target.Name, Data: a.Data})
			}
			pages, err := docgen.Pages(rules, byRule)
			if err != nil {
				return err
			}
			var files []driver.File
			for _, p := range pages {
				files = append(files, driver.File{Path: p.Path, Data: p.Data})
			}
			if err := driver.WriteDir(c.String("out"), files); err != nil {
				return err
			}
			fmt.Fprintf(c.App.Writer, "detgen: wrote %s to %s\n", plural.N(len(files), "page"), c.String("out"))
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
			fmt.Fprintf(c.App.Writer, "detgen: wrote %s to %s\n", plural.N(len(files), "Navigator layer"), c.String("out"))
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
			"the spec declares the divergence for that target (shown with *).",
		Flags: []cli.Flag{rulesFlag},
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return usagef("test takes no arguments")
			}
			rules, arts, err := buildAll(c)
			if err != nil {
				return err
			}
			results, err := testrun.Run(rules, arts)
			if err != nil {
				return err
			}
			testrun.Print(c.App.Writer, results)
			failed := testrun.Failed(results)
			cells := 0
			for _, r := range results {
				cells += len(r.Cells)
			}
			// The closing line CI reads: N passed, N failed.
			fmt.Fprintf(c.App.Writer, "test: %d passed, %d failed\n", cells-failed, failed)
			if failed > 0 {
				return fmt.Errorf("%d of %s disagreed with the spec", failed, plural.N(cells, "evaluation"))
			}
			return nil
		},
	}
}
