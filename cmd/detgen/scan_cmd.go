package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/detgen/detgen/diag"
	"github.com/detgen/detgen/driver"
	"github.com/detgen/detgen/internal/plural"
	"github.com/detgen/detgen/ir"
	"github.com/detgen/detgen/scan"
	"github.com/detgen/detgen/sigmain"
	"github.com/urfave/cli/v2"
	"gopkg.in/yaml.v3"
)

func scanCommand() *cli.Command {
	return &cli.Command{
		Name:      "scan",
		Usage:     "run detection specs or Sigma rules over a log (JSON, JSONL or JSON streams)",
		ArgsUsage: "FILE.jsonl[.gz]|-",
		Description: "--rules names a spec or Sigma file or a directory of them (Sigma rules are told\n" +
			"apart by their logsource mapping; those detgen cannot convert are listed and left\n" +
			"out). Each record is read in its log source's native format (Kubernetes Event,\n" +
			"GKE LogEntry or AKS record, Windows events as SigmaHQ's regression data renders\n" +
			"them, CloudTrail, ...) and judged by --target: the reference (the rule itself) or\n" +
			"a target's generated artifact run on the record as that SIEM stores it.\n" +
			"Prints one JSON line per hit (rule id, title, score, signals, log source, a\n" +
			"summary of the record), or a table with --format table. FILE may be\n" +
			"gzip-compressed (recognized by its content; - reads standard input). Malformed\n" +
			"lines are reported on stderr with their line number and counted; they never stop\n" +
			"the scan, but a file in which no line is a record fails (exit 1). A progress line\n" +
			"goes to stderr every 100,000 lines. Aggregations and sequences keep state per\n" +
			"open group and window only.",
		Flags: []cli.Flag{
			rulesFlag,
			placeholdersFlag,
			&cli.StringFlag{Name: "format", Value: "json", Usage: "json or table"},
			&cli.StringFlag{Name: "target", Value: "reference", Usage: "who judges each record: reference (the spec), or qradar, chronicle, sigma (the generated artifact, run on the record as that SIEM stores it)"},
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
			target := c.String("target")
			if _, ok := driver.LookupTarget(target); !ok && target != "reference" {
				return usagef("--target must be reference, %s", strings.Join(driver.TargetNames(), ", "))
			}
			cfg, err := sigmaConfig(c)
			if err != nil {
				return err
			}
			rules, err := loadAnyRules(c.String("rules"), cfg, c.App.ErrWriter)
			if err != nil {
				return err
			}
			var arts []driver.Artifact
			if target != "reference" {
				t, _ := driver.LookupTarget(target)
				var errs diag.List
				arts, errs, _ = driver.Generate(rules, []driver.Target{t})
				if len(errs) > 0 {
					// Said as convert says a refusal: where, and why.
					var refused diag.List
					for _, e := range errs {
						where, reason := sigmain.Explain(e)
						refused.Add(diag.Pos{File: where}, "%s cannot run this rule: %s", target, reason)
					}
					return refused
				}
			}
			s, err := scan.NewTarget(rules, arts, target)
			if err != nil {
				return err
			}
			name := c.Args().First()
			in, label, closer, err := openLog(c, name)
			if err != nil {
				return err
			}
			defer closer()
			w, errw := c.App.Writer, c.App.ErrWriter
			enc := json.NewEncoder(w)
			if format == "table" {
				fmt.Fprintf(w, "%-7s  %-44s  %-5s  %s\n", "LINE", "RULE", "SCORE", "RECORD")
			}
			reported := 0
			start := time.Now()
			br := bufio.NewReaderSize(in, 1<<20)
			scanFn := s.Scan
			if scan.IsStream(br) {
				// Pretty-printed objects or an array: records are numbered
				// in stream order instead of by line.
				scanFn = func(r io.Reader, hit func(scan.Hit), bad func(int, error), _ func(scan.Stats)) (scan.Stats, error) {
					return s.ScanStream(r, hit, bad)
				}
			}
			st, err := scanFn(br, func(h scan.Hit) {
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
				fmt.Fprintf(errw, "detgen scan: %s, %.1f MB, %s, %d malformed, %s\n", plural.N(st.Lines, "line"), float64(st.Bytes)/1e6, plural.N(st.Hits, "hit"), st.Malformed, time.Since(start).Round(time.Millisecond))
			})
			if err != nil {
				return fmt.Errorf("%s: %w", label, err)
			}
			fmt.Fprintf(errw, "detgen scan: %s (%d decoded, %d skipped by the pre-filter, %d not records of the rules' log sources), %d malformed, %s\n",
				plural.N(st.Lines, "line"), st.Decoded, st.Prefiltered, st.NotAudit, st.Malformed, plural.N(st.Hits, "hit"))
			if st.Untimed > 0 {
				fmt.Fprintf(errw, "detgen scan: %s selected by an aggregation rule had no time and were not counted\n", plural.N(st.Untimed, "record"))
			}
			if st.Late > 0 {
				fmt.Fprintf(errw, "detgen scan: %s selected by an aggregation or sequence rule arrived more than %s out of time order and were not counted\n", plural.N(st.Late, "record"), scan.DefaultTolerance)
			}
			return noRecords(label, st, rules)
		},
	}
}

// openLog opens the log to scan, "-" being standard input, and undoes
// gzip compression. label names the input in messages.
func openLog(c *cli.Context, name string) (in io.Reader, label string, closer func(), err error) {
	var r io.Reader = c.App.Reader
	label, closer = "standard input", func() {}
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, "", nil, err
		}
		r, label, closer = f, name, func() { f.Close() }
	}
	in, err = scan.Decompress(r)
	if err != nil {
		closer()
		return nil, "", nil, fmt.Errorf("%s: %w", label, err)
	}
	return in, label, closer, nil
}

// noRecords fails a scan in which no line was a record of the rules' log
// sources: 0 hits there says nothing about the systems, only that the
// input is not such a log.
func noRecords(label string, st scan.Stats, rules []*ir.Rule) error {
	switch {
	case st.Records > 0:
		return nil
	case st.Lines == st.Blank:
		return fmt.Errorf("%s: no line is a record: the input is empty", label)
	}
	var sources []string
	for _, r := range rules {
		if !slices.Contains(sources, r.Logsource) {
			sources = append(sources, r.Logsource)
		}
	}
	sort.Strings(sources)
	return fmt.Errorf("%s: no line is a record of the rules' log sources, %s (%s, %d malformed, %d other JSON): is it such a log, plain or gzip?",
		label, strings.Join(sources, ", "), plural.N(st.Lines, "line"), st.Malformed, st.Lines-st.Blank-st.Malformed)
}

// loadAnyRules loads the rules under path (a file or a directory): detgen
// specs, and Sigma rules told apart by their logsource (a mapping in
// Sigma, a log source name in a spec). Sigma rules detgen cannot convert
// are listed on w and left out; cfg is how Sigma is read.
func loadAnyRules(path string, cfg sigmain.Config, w io.Writer) ([]*ir.Rule, error) {
	paths, err := driver.FindSpecs(path)
	if err != nil {
		return nil, err
	}
	var specs, sigmas []string
	for _, p := range paths {
		if isSigma(p) {
			sigmas = append(sigmas, p)
		} else {
			specs = append(specs, p)
		}
	}
	var rules []*ir.Rule
	if len(specs) > 0 {
		rs, errs := driver.LoadRules(specs)
		if len(errs) > 0 {
			return nil, errs
		}
		rules = append(rules, rs...)
	}
	if len(sigmas) > 0 {
		results, errs := cfg.Load(sigmas)
		if len(errs) > 0 {
			return nil, errs
		}
		for _, r := range results {
			switch {
			case r.Rule != nil:
				rules = append(rules, r.Rule)
			case r.Kind == sigmain.KindRule && len(r.Refused) > 0:
				fmt.Fprintf(w, "%s: left out: %s\n", r.Refused[0].Pos, r.Refused[0].Msg)
			}
		}
	}
	if len(rules) == 0 {
		return nil, fmt.Errorf("%s: no rule to run", path)
	}
	return rules, nil
}

// isSigma reports whether a YAML file is a Sigma rule: its logsource is
// a mapping (category/product/service).
func isSigma(path string) bool {
	data, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	var doc struct {
		Logsource yaml.Node `yaml:"logsource"`
	}
	if yaml.Unmarshal(data, &doc) != nil {
		// A multi-document Sigma file fails a single-document decode.
		return bytes.Contains(data, []byte("\n---"))
	}
	return doc.Logsource.Kind == yaml.MappingNode
}
