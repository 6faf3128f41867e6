package main

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/detgen/detgen/diag"
	"github.com/detgen/detgen/driver"
	"github.com/detgen/detgen/sigmain"
	"github.com/urfave/cli/v2"
)

// topReasons is how many refusal reasons the text summary shows per log
// source and target.
const topReasons = 3

func convertCommand() *cli.Command {
	return &cli.Command{
		Name:      "convert",
		Usage:     "convert Sigma rules to QRadar AQL, Chronicle YARA-L 2.0 or Sigma",
		ArgsUsage: "PATH...",
		Description: "Reads Sigma rule files (a directory: every *.yml and *.yaml below it) and, per\n" +
			"rule and target, either generates the artifact and checks it as detgen build does,\n" +
			"or refuses the rule with the reason (a log source, field or construct detgen cannot\n" +
			"convert faithfully). Filter documents apply to the rules they name. With --out,\n" +
			"writes OUT/<target>/<rule-id>.<ext> (OUT is replaced as a whole). --placeholders\n" +
			"FILE gives the values of expand placeholders (name: [values]). Prints every\n" +
			"refusal and a summary per log source; --format json prints every outcome.\n" +
			"Refusals are results: exit status 0 when the inputs were read, 1 when one could\n" +
			"not be (nothing is written then), 2 on a usage error. docs/sigma.md says how Sigma\n" +
			"is read.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "target", Aliases: []string{"t"}, Usage: "output language: " + targetList() + "|all"},
			&cli.StringFlag{Name: "out", Usage: "output directory (replaced as a whole)"},
			&cli.StringFlag{Name: "format", Value: "text", Usage: "text or json"},
			placeholdersFlag,
		},
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return usagef("convert needs at least one Sigma file or directory")
			}
			targets, err := convertTargets(c)
			if err != nil {
				return err
			}
			format := c.String("format")
			if format != "text" && format != "json" {
				return usagef("unknown format %q (want text or json)", format)
			}
			cfg, err := sigmaConfig(c)
			if err != nil {
				return err
			}
			// Each artifact is written to the staging directory as it is
			// checked, and dropped: memory stays flat in the rule count.
			var stage *driver.Stage
			var sink sigmain.Sink
			if out := c.String("out"); out != "" {
				if stage, err = driver.CreateDir(out); err != nil {
					return err
				}
				defer stage.Abort()
				sink = stage
			}
			results, outs, errs, err := cfg.ConvertFiles(c.Args().Slice(), targets, sink)
			if len(errs) > 0 {
				return errs
			}
			if err != nil {
				return err
			}
			if stage != nil {
				if err := stage.Commit(); err != nil {
					return err
				}
			}
			if format == "json" {
				return writeConvertJSON(c.App.Writer, results, outs, targets)
			}
			writeConvertText(c.App.Writer, results, outs, targets)
			return nil
		},
	}
}

func convertTargets(c *cli.Context) ([]driver.Target, error) {
	if !c.IsSet("target") {
		return nil, usagef("convert needs --target %s|all", targetList())
	}
	name := c.String("target")
	if name == "all" {
		return driver.Targets, nil
	}
	t, ok := driver.LookupTarget(name)
	if !ok {
		return nil, usagef("unknown target %q (want %s|all)", name, targetList())
	}
	return []driver.Target{t}, nil
}

// writeConvertText prints every refusal, then the summary per log source.
func writeConvertText(w io.Writer, results []*sigmain.Result, outs []sigmain.Outcome, targets []driver.Target) {
	warnings := 0
	for _, r := range results {
		warnings += len(r.Warnings)
	}
	for _, o := range outs {
		if !o.Converted() && len(o.Refused) > 0 {
			where, reason := sigmain.Explain(o.Refused[0])
			fmt.Fprintf(w, "%s: %s: refused: %s\n", where, o.Target.Name, reason)
		}
	}
	sums := sigmain.Summarize(outs)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprint(tw, "log source\trules\t")
	for _, t := range targets {
		fmt.Fprintf(tw, "%s\t", t.Name)
	}
	fmt.Fprintln(tw)
	total := map[string]int{}
	rules := 0
	for _, s := range sums {
		fmt.Fprintf(tw, "%s\t%d\t", s.Logsource, s.Rules)
		rules += s.Rules
		for _, t := range targets {
			fmt.Fprintf(tw, "%d\t", s.Converted[t.Name])
			total[t.Name] += s.Converted[t.Name]
		}
		fmt.Fprintln(tw)
	}
	fmt.Fprintf(tw, "total\t%d\t", rules)
	for _, t := range targets {
		fmt.Fprintf(tw, "%d\t", total[t.Name])
	}
	fmt.Fprintln(tw)
	tw.Flush()
	fmt.Fprintln(w, "\nconverted per target above; top refusal reasons:")
	for _, s := range sums {
		if len(s.Refused) == 0 {
			continue
		}
		fmt.Fprintf(w, "%s\n", s.Logsource)
		for _, t := range targets {
			list := s.Refused[t.Name]
			for i := 0; i < len(list) && i < topReasons; i++ {
				fmt.Fprintf(w, "  %-9s %5d  %s\n", t.Name, list[i].N, list[i].Reason)
			}
		}
	}
	fmt.Fprintf(w, "detgen: %d Sigma documents, %d warning(s) (--format json lists them)\n", len(results), warnings)
}

type jsonIssue struct {
	Pos    string `json:"pos"`
	Reason string `json:"reason"`
}

type jsonTarget struct {
	Converted bool        `json:"converted"`
	Path      string      `json:"path,omitempty"`
	Refused   []jsonIssue `json:"refused,omitempty"`
}

type jsonRule struct {
	Pos            string                `json:"pos"`
	Kind           string                `json:"kind"`
	ID             string                `json:"id"`
	Title          string                `json:"title"`
	Name           string                `json:"name,omitempty"`
	Logsource      string                `json:"logsource,omitempty"`
	SigmaLogsource string                `json:"sigma_logsource"`
	Filters        []string              `json:"filters,omitempty"`
	Targets        map[string]jsonTarget `json:"targets,omitempty"`
	Refused        []jsonIssue           `json:"refused,omitempty"`
	Warnings       []jsonIssue           `json:"warnings,omitempty"`
}

func issues(l diag.List) []jsonIssue {
	var out []jsonIssue
	for _, e := range l {
		where, reason := sigmain.Explain(e)
		out = append(out, jsonIssue{Pos: where, Reason: reason})
	}
	return out
}

// writeConvertJSON prints every document with its outcome per target.
func writeConvertJSON(w io.Writer, results []*sigmain.Result, outs []sigmain.Outcome, targets []driver.Target) error {
	byResult := map[*sigmain.Result]map[string]jsonTarget{}
	for _, o := range outs {
		m := byResult[o.Result]
		if m == nil {
			m = map[string]jsonTarget{}
			byResult[o.Result] = m
		}
		jt := jsonTarget{Converted: o.Converted()}
		if jt.Converted {
			jt.Path = o.Path
		} else {
			jt.Refused = issues(o.Refused)
		}
		m[o.Target.Name] = jt
	}
	doc := struct {
		Targets []string          `json:"targets"`
		Rules   []jsonRule        `json:"documents"`
		Summary []sigmain.Summary `json:"summary"`
	}{Summary: sigmain.Summarize(outs)}
	for _, t := range targets {
		doc.Targets = append(doc.Targets, t.Name)
	}
	for _, r := range results {
		jr := jsonRule{Pos: r.Pos.String(), Kind: string(r.Kind), ID: r.ID, Title: r.Title, Logsource: r.Logsource,
			SigmaLogsource: r.SigmaLogsource, Targets: byResult[r], Warnings: issues(r.Warnings)}
		if r.Name != "" {
			jr.Name = r.Name
		} else {
			jr.Refused = issues(r.Refused)
		}
		for _, f := range r.Filters {
			jr.Filters = append(jr.Filters, f.String())
		}
		doc.Rules = append(doc.Rules, jr)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(doc)
}
