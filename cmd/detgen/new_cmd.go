package main

import (
	"strings"
	"time"

	"github.com/detgen/detgen/mappings"
	"github.com/detgen/detgen/scaffold"
	"github.com/urfave/cli/v2"
)

// clock is today's source for detgen new; tests replace it.
var clock = time.Now

func newCommand() *cli.Command {
	return &cli.Command{
		Name:      "new",
		Usage:     "scaffold a rule: a spec with a fresh UUID, the ATT&CK names, and a matching and a non-matching test event",
		ArgsUsage: "NAME",
		Description: "Writes DIR/<area>/<technique>-<slug>.yaml (area: where rules of the log source\n" +
			"live, else its first word) and two events under DIR/<area>/testdata/<technique>/.\n" +
			"NAME becomes the title; its slug the rule name. The spec has today's date,\n" +
			"version 1, a changelog line, the technique's first tactic, the log source's\n" +
			"fields as a commented example and a placeholder selection; detgen new compiles\n" +
			"it for every target and runs its tests before writing, so detgen test passes\n" +
			"as generated. Existing files are never overwritten.\n\n" +
			"Example:\n  detgen new --logsource windows_process_creation --technique T1105 certutil_ftp_download",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "logsource", Usage: "log source catalog: " + strings.Join(mappings.LogsourceNames(), ", ")},
			&cli.StringFlag{Name: "technique", Usage: "ATT&CK technique or sub-technique id, e.g. T1105 or T1053.007"},
			&cli.StringFlag{Name: "dir", Value: "rules", Usage: "rules directory"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usagef("new needs exactly one NAME (quote a title with spaces)")
			}
			for _, f := range []string{"logsource", "technique"} {
				if c.String(f) == "" {
					return usagef("new needs --%s", f)
				}
			}
			r, err := scaffold.New(scaffold.Options{
				Dir:       c.String("dir"),
				Logsource: c.String("logsource"),
				Technique: c.String("technique"),
				Name:      c.Args().First(),
				Now:       clock(),
			})
			if err != nil {
				return err
			}
			if err := r.Write(); err != nil {
				return err
			}
			for _, f := range r.Files {
				info(c, "detgen: wrote %s", f.Path)
			}
			info(c, "detgen: rule %s (%s): replace the placeholder selection and test events, then run detgen test", r.Name, r.ID)
			return nil
		},
	}
}
