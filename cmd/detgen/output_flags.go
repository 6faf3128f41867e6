package main

import (
	"fmt"
	"io"
	"runtime"
	"sort"

	"github.com/detgen/detgen/diag"
	"github.com/detgen/detgen/driver"
	"github.com/detgen/detgen/internal/plural"
	"github.com/detgen/detgen/ir"
	"github.com/detgen/detgen/progress"
	"github.com/detgen/detgen/report"
	"github.com/urfave/cli/v2"
)

// quietFlag is global: detgen --quiet build.
var quietFlag = &cli.BoolFlag{
	Name:    "quiet",
	Aliases: []string{"q"},
	Usage:   "print no progress and no informational lines (\"detgen: wrote ...\", validate's ok lines); errors, warnings and results stay",
}

// quiet reports whether --quiet was given (before the command).
func quiet(c *cli.Context) bool { return c.Bool("quiet") }

// info prints an informational line on stdout unless --quiet.
func info(c *cli.Context, format string, args ...any) {
	if !quiet(c) {
		fmt.Fprintf(c.App.Writer, format+"\n", args...)
	}
}

// quietStdout wraps a command whose standard output is informational
// only (build's "wrote" line, validate's ok lines): --quiet discards it.
func quietStdout(cmd *cli.Command) *cli.Command {
	action := cmd.Action
	cmd.Action = func(c *cli.Context) error {
		if !quiet(c) {
			return action(c)
		}
		w := c.App.Writer
		c.App.Writer = io.Discard
		defer func() { c.App.Writer = w }()
		return action(c)
	}
	return cmd
}

// progressOptions configures progress on stderr w; tests replace it.
var progressOptions = func(w io.Writer) progress.Options {
	return progress.Options{Terminal: progress.IsTerminal(w)}
}

// newProgress starts a progress reporter on stderr, or nil with --quiet.
func newProgress(c *cli.Context) *progress.Reporter {
	if quiet(c) {
		return nil
	}
	return progress.New(c.App.ErrWriter, progressOptions(c.App.ErrWriter))
}

// chunk is how many rules are loaded or generated between two progress
// counts: enough to keep every core busy.
func chunk() int { return max(32, 8*runtime.GOMAXPROCS(0)) }

// buildDirProgress is driver.BuildDir in chunks, counting rules on p.
// Its rules, artifacts, errors and warnings are those of BuildDir.
func buildDirProgress(dir string, p *progress.Reporter, verb string) ([]*ir.Rule, []driver.Artifact, []driver.Warning, error) {
	paths, err := driver.FindSpecs(dir)
	if err != nil {
		return nil, nil, nil, err
	}
	p.Phase(verb+": loading", len(paths), "specs")
	var rules []*ir.Rule
	var errs diag.List
	for i := 0; i < len(paths); i += chunk() {
		part := paths[i:min(i+chunk(), len(paths))]
		rs, es := driver.LoadRules(part)
		if len(es) > 0 {
			errs.Append(es)
		} else {
			rules = append(rules, rs...)
		}
		p.Add(len(part))
	}
	if duplicates(rules) {
		// An id or name used twice, maybe across chunks: the exact report
		// comes from loading everything at once.
		_, errs = driver.LoadRules(paths)
	}
	if len(errs) > 0 {
		return nil, nil, nil, errs
	}
	sort.Slice(rules, func(i, j int) bool { return rules[i].ID < rules[j].ID })
	p.Phase(verb+": compiling", len(rules), "rules")
	var arts []driver.Artifact
	var warns []driver.Warning
	for i := 0; i < len(rules); i += chunk() {
		part := rules[i:min(i+chunk(), len(rules))]
		as, es, ws := driver.Generate(part, driver.Targets)
		errs.Append(es)
		warns = append(warns, ws...)
		arts = append(arts, as...)
		p.Add(len(part))
	}
	if len(errs) > 0 {
		return nil, nil, warns, errs
	}
	return rules, arts, warns, nil
}

// duplicates reports whether two rules share an id or a name.
func duplicates(rules []*ir.Rule) bool {
	ids, names := map[string]bool{}, map[string]bool{}
	for _, r := range rules {
		if ids[r.ID] || names[r.Name] {
			return true
		}
		ids[r.ID], names[r.Name] = true, true
	}
	return false
}

// formatFlag is --format text|sarif of validate and lint.
func formatFlag() *cli.StringFlag {
	return &cli.StringFlag{Name: "format", Value: "text", Usage: "text, or sarif (SARIF 2.1.0 JSON on stdout, for code review and code scanning)"}
}

// sarifFormat checks --format: true for sarif, false for text.
func sarifFormat(c *cli.Context) (bool, error) {
	switch f := c.String("format"); f {
	case "text":
		return false, nil
	case "sarif":
		return true, nil
	default:
		return false, usagef("unknown format %q (want text or sarif)", f)
	}
}

// withSARIF adds --format to validate: sarif writes every error and
// warning as SARIF on stdout instead of text.
func withSARIF(cmd *cli.Command) *cli.Command {
	text := cmd.Action
	cmd.Flags = append(cmd.Flags, formatFlag())
	cmd.Action = func(c *cli.Context) error {
		sarif, err := sarifFormat(c)
		if err != nil {
			return err
		}
		if !sarif {
			return text(c)
		}
		if c.NArg() == 0 {
			return usagef("validate needs at least one spec FILE")
		}
		var findings []report.Finding
		rules, errs := driver.LoadRules(c.Args().Slice())
		if len(errs) == 0 {
			var warns []driver.Warning
			_, errs, warns = driver.Generate(rules, driver.Targets)
			for _, w := range warns {
				findings = append(findings, report.Finding{File: w.Rule.SourceFile, Level: "warning", Rule: w.Finding.Code,
					Msg: fmt.Sprintf("%s: warning in generated artifact at %s", w.Target.Name, w.Finding)})
			}
		}
		findings = append(report.FromDiag(errs), findings...)
		if err := report.WriteSARIF(c.App.Writer, version, findings); err != nil {
			return err
		}
		if len(errs) > 0 {
			return fmt.Errorf("%s (SARIF on stdout)", plural.N(len(errs), "error"))
		}
		return nil
	}
	return cmd
}
