package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/detgen/detgen/sigmaimport"
	"github.com/detgen/detgen/sigmain"
	"github.com/urfave/cli/v2"
)

func importCommand() *cli.Command {
	return &cli.Command{
		Name:      "import",
		Usage:     "write detection specs from rules in another format (sigma)",
		ArgsUsage: "FORMAT ...",
		Subcommands: []*cli.Command{
			importSigmaCommand(),
		},
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return usagef("unknown import format %q (want sigma)", c.Args().First())
			}
			return usagef("import needs a format: detgen import sigma --out DIR PATH...")
		},
	}
}

func importSigmaCommand() *cli.Command {
	return &cli.Command{
		Name:      "sigma",
		Usage:     "write one detection spec per Sigma rule, to add scoring and tests to",
		ArgsUsage: "PATH...",
		Description: "Reads Sigma rule files (a directory: every *.yml and *.yaml below it) as\n" +
			"detgen convert does, and writes DIR/<rule-name>.yaml per rule it reads: the\n" +
			"rule's detection as selections and a condition over detgen's log source\n" +
			"fields (values literal, wildcards already turned into contains, startswith,\n" +
			"endswith or re), and its metadata (id, title, description, author, dates,\n" +
			"references, false positives, level as severity, status, ATT&CK tags as the\n" +
			"attack block, other tags as tags).\n\n" +
			"What Sigma does not carry is never invented silently. Each value the import\n" +
			"had to choose (confidence, a missing level, date or author, tactics taken from\n" +
			"the technique) has a comment in the spec and a note on standard output. A rule\n" +
			"whose tags name no ATT&CK technique gets no attack block, a required key: the\n" +
			"spec fails detgen validate until one is added. No spec has tests: Sigma rules\n" +
			"carry none, and detgen validate does not require them, but detgen test has\n" +
			"nothing to check until matching and non-matching events are added; every\n" +
			"written file is listed with that note.\n\n" +
			"Refused Sigma rules (a log source, field or construct detgen cannot read\n" +
			"faithfully, correlation rules) are reported on standard error with the reason\n" +
			"and not written. Existing files are not replaced unless --force; each file is\n" +
			"written to a temporary file and renamed into place.\n\n" +
			"Exit status: 0 every rule written, 1 a rule refused or not written (or an input\n" +
			"unreadable), 2 usage error. docs/sigma.md says how Sigma is read.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "out", Usage: "directory the specs are written to (created if missing)"},
			&cli.BoolFlag{Name: "force", Usage: "replace existing files"},
			placeholdersFlag,
		},
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return usagef("import sigma needs at least one Sigma file or directory")
			}
			out := c.String("out")
			if out == "" {
				return usagef("import sigma needs --out DIR")
			}
			cfg, err := sigmaConfig(c)
			if err != nil {
				return err
			}
			results, errs := cfg.Load(c.Args().Slice())
			if len(errs) > 0 {
				return errs
			}
			if err := os.MkdirAll(out, 0o755); err != nil {
				return err
			}
			stderr := c.App.ErrWriter
			written, failed := 0, 0
			for _, res := range results {
				for _, w := range res.Warnings {
					fmt.Fprintf(stderr, "%s: warning: %s\n", w.Pos, w.Msg)
				}
				if res.Kind == sigmain.KindFilter && len(res.Refused) == 0 {
					continue // applied to the rules it names
				}
				if res.Rule == nil {
					failed++
					for _, e := range res.Refused {
						fmt.Fprintf(stderr, "%s: refused: %s\n", e.Pos, e.Msg)
					}
					if len(res.Refused) == 0 {
						fmt.Fprintf(stderr, "%s: refused: not a Sigma rule\n", res.Pos)
					}
					continue
				}
				data, notes, err := sigmaimport.Render(res, clock())
				if err != nil {
					failed++
					fmt.Fprintf(stderr, "%s: refused: %v\n", res.Pos, err)
					continue
				}
				path := filepath.Join(out, res.Rule.Name+".yaml")
				if err := writeAtomic(path, data, c.Bool("force")); err != nil {
					failed++
					fmt.Fprintf(stderr, "%s: not written: %v\n", res.Pos, err)
					continue
				}
				written++
				info(c, "detgen: wrote %s (from %s)", path, res.Pos)
				for _, n := range notes {
					info(c, "  %s", n)
				}
			}
			info(c, "detgen: %d written, %d not written", written, failed)
			if failed > 0 {
				return fmt.Errorf("%d Sigma documents not imported (reasons above)", failed)
			}
			return nil
		},
	}
}

// writeAtomic writes data to a temporary file beside path and moves it
// into place: renamed over path with force, else linked, which fails when
// path exists, so a file created meanwhile is not replaced either.
func writeAtomic(path string, data []byte, force bool) error {
	if !force {
		if _, err := os.Lstat(path); err == nil {
			return fmt.Errorf("%s exists (use --force to replace it)", path)
		}
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	name := tmp.Name()
	defer os.Remove(name) // a no-op once renamed
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(name, 0o644); err != nil {
		return err
	}
	if force {
		return os.Rename(name, path)
	}
	if err := os.Link(name, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s exists (use --force to replace it)", path)
		}
		// No hard links on this file system: check, then rename.
		if _, serr := os.Lstat(path); serr == nil {
			return fmt.Errorf("%s exists (use --force to replace it)", path)
		}
		return os.Rename(name, path)
	}
	return nil
}
