package main

import (
	"fmt"

	"github.com/detgen/detgen/internal/input"
	"github.com/detgen/detgen/internal/plural"
	"github.com/detgen/detgen/lint"
	"github.com/detgen/detgen/report"
	"github.com/urfave/cli/v2"
)

func lintCommand() *cli.Command {
	return &cli.Command{
		Name:      "lint",
		Usage:     "parse and check hand-written AQL (.aql), YARA-L (.yaral) or Sigma (.yml) files",
		ArgsUsage: "FILE...",
		Description: "Reports FILE:line:col: severity: message [code]. Errors are what the SIEM would\n" +
			"reject or what cannot work (a bare payload comparison, a log type that does not\n" +
			"exist); warnings are likely mistakes (no time clause). Exit status 1 on any error,\n" +
			"or on any warning with --strict.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "lang", Usage: "language of every FILE (aql, yaral, sigma) instead of guessing from the extension"},
			&cli.BoolFlag{Name: "strict", Usage: "fail on warnings too"},
			formatFlag(),
		},
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return usagef("lint needs at least one FILE")
			}
			sarif, err := sarifFormat(c)
			if err != nil {
				return err
			}
			var findings []report.Finding
			var failed, errs, warns int
			for _, path := range c.Args().Slice() {
				lang, ok := lint.Language(c.String("lang")), c.IsSet("lang")
				if !ok {
					lang, ok = lint.LanguageOf(path)
				}
				if !ok || (lang != lint.AQL && lang != lint.YARAL && lang != lint.Sigma) {
					return usagef("%s: cannot tell the language: use .aql, .yaral or .yml, or --lang aql|yaral|sigma", path)
				}
				src, err := input.Read(path, "a query file", input.MaxQuery)
				if err != nil {
					return fmt.Errorf("%s: %w", path, err)
				}
				bad := false
				found := lint.Check(lang, src)
				findings = append(findings, report.FromLint(path, found)...)
				for _, f := range found {
					if !sarif {
						fmt.Fprintf(c.App.Writer, "%s:%s\n", path, f)
					}
					if f.Severity == lint.Error {
						errs++
						bad = true
					} else {
						warns++
						bad = bad || c.Bool("strict")
					}
				}
				if bad {
					failed++
				}
			}
			if sarif {
				if err := report.WriteSARIF(c.App.Writer, version, findings); err != nil {
					return err
				}
			}
			if failed > 0 {
				return fmt.Errorf("%s, %s in %d of %s", plural.N(errs, "error"), plural.N(warns, "warning"), failed, plural.N(c.NArg(), "file"))
			}
			return nil
		},
	}
}
