package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"

	"github.com/detgen/detgen/driver"
	"github.com/detgen/detgen/ir"
	"github.com/urfave/cli/v2"
)

// listEntry is one rule in `detgen list --format json`.
type listEntry struct {
	ID        string   `json:"id"`
	Name      string   `json:"name"`
	Title     string   `json:"title"`
	Version   int      `json:"version"`
	Status    string   `json:"status"`
	Severity  string   `json:"severity"`
	Logsource string   `json:"logsource"`
	Attack    []string `json:"attack"` // technique id, then sub-technique id
	Tags      []string `json:"tags"`
	Tests     int      `json:"tests"`
	File      string   `json:"file"`
}

func listCommand() *cli.Command {
	return &cli.Command{
		Name:      "list",
		Usage:     "list the rules under --rules: id, version, ATT&CK id, severity, name",
		ArgsUsage: " ",
		Description: "Compiles every spec under --rules (any error fails the command) and prints one\n" +
			"line per rule. --format json prints a JSON array sorted by id, for CI; each\n" +
			"element has id, name, title, version, status, severity, logsource, attack (the\n" +
			"technique id, then the sub-technique id if any), tags, tests (the number of\n" +
			"executable tests) and file (the spec's path).",
		Flags: []cli.Flag{
			rulesFlag,
			&cli.StringFlag{Name: "format", Value: "table", Usage: "table or json"},
		},
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return usagef("list takes no arguments (use --rules DIR)")
			}
			format := c.String("format")
			if format != "table" && format != "json" {
				return usagef("--format must be table or json")
			}
			l, err := driver.LoadPaths(c.String("rules"), cachedOptions(c, "", nil, "list"))
			if err != nil {
				return err
			}
			rules, err := l.Metadata()
			if err != nil {
				return err
			}
			sort.SliceStable(rules, func(i, j int) bool { return rules[i].ID < rules[j].ID })
			w := c.App.Writer
			if format == "json" {
				entries := make([]listEntry, 0, len(rules))
				for _, r := range rules {
					entries = append(entries, newListEntry(r))
				}
				data, err := json.MarshalIndent(entries, "", "  ")
				if err != nil {
					return err
				}
				_, err = fmt.Fprintf(w, "%s\n", data)
				return err
			}
			fmt.Fprintf(w, "%-36s  %-3s  %-9s  %-8s  %s\n", "ID", "VER", "ATT&CK", "SEVERITY", "NAME")
			for _, r := range rules {
				attack := r.Technique.ID
				if r.Subtechnique.ID != "" {
					attack = r.Subtechnique.ID
				}
				fmt.Fprintf(w, "%-36s  %-3d  %-9s  %-8s  %s\n", r.ID, r.Version, attack, r.Severity, r.Name)
			}
			return nil
		},
	}
}

func newListEntry(r *ir.Rule) listEntry {
	e := listEntry{
		ID: r.ID, Name: r.Name, Title: r.Title, Version: r.Version,
		Status: r.Status, Severity: r.Severity, Logsource: r.Logsource,
		Attack: []string{r.Technique.ID},
		Tags:   append([]string{}, r.Tags...),
		Tests:  len(r.Tests),
		File:   filepath.ToSlash(r.SourceFile),
	}
	if r.Subtechnique.ID != "" {
		e.Attack = append(e.Attack, r.Subtechnique.ID)
	}
	return e
}
