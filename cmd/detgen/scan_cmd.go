package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/detgen/detgen/driver"
	"github.com/detgen/detgen/scan"
	"github.com/urfave/cli/v2"
)

func scanCommand() *cli.Command {
	return &cli.Command{
		Name:      "scan",
		Usage:     "run the rules over an audit log (Event, GKE LogEntry or AKS record per line)",
		ArgsUsage: "FILE.jsonl|-",
		Description: "Prints one JSON line per hit (rule id, score, signals, auditID, user, resource,\n" +
			"name, namespace), or a table with --format table. Malformed lines are reported on\n" +
			"stderr with their line number and counted; they never stop the scan. A progress\n" +
			"line goes to stderr every 100,000 lines.",
		Flags: []cli.Flag{
			rulesFlag,
			&cli.StringFlag{Name: "format", Value: "json", Usage: "json or table"},
			&cli.IntFlag{Name: "max-errors", Value: 20, Usage: "malformed lines reported one by one (the rest are counted)"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usagef("scan needs one FILE (or - for standard input)")
			}
			format := c.String("format")
			if format != "json" && format != "table" {
				return usagef("--format must be json or table")
			}
			rules, err := driver.LoadDir(c.String("rules"))
			if err != nil {
				return err
			}
			s, err := scan.New(rules)
			if err != nil {
				return err
			}
			name := c.Args().First()
			var in io.Reader = os.Stdin
			if name != "-" {
				f, err := os.Open(name)
				if err != nil {
					return err
				}
				defer f.Close()
				in = f
			}
			w, errw := c.App.Writer, c.App.ErrWriter
			enc := json.NewEncoder(w)
			if format == "table" {
				fmt.Fprintf(w, "%-7s  %-44s  %-5s  %s\n", "LINE", "RULE", "SCORE", "RECORD")
			}
			reported := 0
			start := time.Now()
			st, err := s.Scan(in, func(h scan.Hit) {
				if format == "json" {
					enc.Encode(h)
					return
				}
				var rec []string
				for _, f := range h.Summary {
					rec = append(rec, f.Name+"="+f.Value)
				}
				fmt.Fprintf(w, "%-7d  %-44s  %-5d  %s  [%s]\n", h.Line, h.Rule, h.Score, strings.Join(rec, " "), strings.Join(h.Signals, ","))
			}, func(line int, err error) {
				if reported < c.Int("max-errors") {
					fmt.Fprintf(errw, "%s:%d: malformed: %v\n", name, line, err)
				}
				reported++
			}, func(st scan.Stats) {
				fmt.Fprintf(errw, "detgen scan: %d lines, %.1f MB, %d hits, %d malformed, %s\n", st.Lines, float64(st.Bytes)/1e6, st.Hits, st.Malformed, time.Since(start).Round(time.Millisecond))
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(errw, "detgen scan: %d lines (%d decoded, %d skipped by the pre-filter, %d not audit records), %d malformed, %d hits\n",
				st.Lines, st.Decoded, st.Prefiltered, st.NotAudit, st.Malformed, st.Hits)
			return nil
		},
	}
}
