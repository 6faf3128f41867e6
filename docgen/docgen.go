// Package docgen writes the rule documentation pages, one per rule and
// target in the shape of the seed pages, plus an index. The query shown in
// a page is the generated artifact itself, passed in by the caller, never
// a copy that could drift from what is deployed.
package docgen

import (
	"bytes"
	"fmt"
	"path"
	"slices"
	"strings"
	"text/template"

	"github.com/detgen/detgen/backends/chronicle"
	"github.com/detgen/detgen/backends/qradar"
	"github.com/detgen/detgen/backends/qradar/content"
	"github.com/detgen/detgen/backends/sigma"
	"github.com/detgen/detgen/ir"
	"github.com/detgen/detgen/templates"
)

// Platform describes a target for the pages.
type Platform struct {
	Target    string // qradar, chronicle, sigma
	Platform  string // "IBM QRadar"
	Language  string // "QRadar AQL"
	FenceLang string // code fence info string
	Usage     string // how to run the artifact
}

// Platforms in page order.
var Platforms = []Platform{
	{Target: "qradar", Platform: "IBM QRadar", Language: "QRadar AQL", FenceLang: "sql",
		Usage: "Run it as an Ariel search (Log Activity → Advanced search, or `POST /api/ariel/searches`); the window is the query's own `LAST` clause."},
	{Target: "chronicle", Platform: "Google SecOps (Chronicle)", Language: "YARA-L 2.0", FenceLang: "yaral",
		Usage: "Create it as a rule (Detection → Rules & Detections, or `detgen push chronicle`); `$risk_score` carries the weighted score."},
	{Target: "sigma", Platform: "Sigma", Language: "Sigma", FenceLang: "yaml",
		Usage: "Convert it with any Sigma backend for another SIEM; the condition encodes the score threshold as combinations of signals."},
}

// Artifact is one generated query of a rule.
type Artifact struct {
	Target string
	Data   []byte
}

// Page is a generated file.
type Page struct {
	Path string
	Data []byte
}

type link struct{ Platform, Page string }

type pageData struct {
	Rule          *ir.Rule
	Target        Platform
	Subject       string
	AttackID      string
	Artifact      string
	MaxScore      int
	Prerequisites []string
	Others        []link
}

type indexRow struct {
	Rule     *ir.Rule
	AttackID string
	Pages    []link
}

var funcs = template.FuncMap{
	"cell":  func(s string) string { return strings.ReplaceAll(strings.Join(strings.Fields(s), " "), "|", `\|`) },
	"fence": fence,
	"inc":   func(i int) int { return i + 1 },
}

// Options are the build settings the pages describe.
type Options struct {
	// QRadarPropertyPrefix namespaces the custom properties detgen ships
	// (driver.QRadarOptions.PropertyPrefix): a page names a property as
	// the console knows it.
	QRadarPropertyPrefix string
}

// Pages renders every page: <rule-name>/<target>.md and index.md.
func Pages(rules []*ir.Rule, arts map[string][]Artifact, o Options) ([]Page, error) {
	var out []Page
	targets := map[string][]string{}
	for _, r := range rules {
		pages, err := RulePages(r, arts[r.ID], o)
		if err != nil {
			return nil, err
		}
		out = append(out, pages...)
		for _, a := range arts[r.ID] {
			targets[r.ID] = append(targets[r.ID], a.Target)
		}
	}
	index, err := Index(rules, targets)
	if err != nil {
		return nil, err
	}
	return append(out, index), nil
}

// present lists the platforms a rule has an artifact for, in page order.
func present(targets []string) []Platform {
	var out []Platform
	for _, p := range Platforms {
		if slices.Contains(targets, p.Target) {
			out = append(out, p)
		}
	}
	return out
}

// RulePages renders one rule's pages, <rule-name>/<target>.md, one per
// artifact: Pages without the index, so that a build can render (and
// cache) the pages of each rule on its own.
func RulePages(r *ir.Rule, arts []Artifact, o Options) ([]Page, error) {
	page, err := templates.Load("doc.md.tmpl", funcs)
	if err != nil {
		return nil, err
	}
	byTarget := map[string][]byte{}
	var targets []string
	for _, a := range arts {
		byTarget[a.Target] = a.Data
		targets = append(targets, a.Target)
	}
	var out []Page
	platforms := present(targets)
	for _, p := range platforms {
		pre, err := prerequisites(r, p.Target, o)
		if err != nil {
			return nil, err
		}
		d := pageData{
			Rule: r, Target: p, Subject: subject(r), AttackID: attackID(r),
			Artifact: string(byTarget[p.Target]), Prerequisites: pre,
		}
		if r.Scoring != nil {
			d.MaxScore = r.Scoring.MaxScore()
		}
		for _, o := range platforms {
			if o.Target != p.Target {
				d.Others = append(d.Others, link{o.Platform, o.Target + ".md"})
			}
		}
		var buf bytes.Buffer
		if err := page.Execute(&buf, d); err != nil {
			return nil, err
		}
		out = append(out, Page{Path: path.Join(r.Name, p.Target+".md"), Data: buf.Bytes()})
	}
	return out, nil
}

// Index renders index.md: a row per rule, linking its pages for the
// targets it has artifacts for (targets, by rule id). It reads only the
// rules' metadata (title, severity, version, ATT&CK ids, name).
func Index(rules []*ir.Rule, targets map[string][]string) (Page, error) {
	index, err := templates.Load("index.md.tmpl", funcs)
	if err != nil {
		return Page{}, err
	}
	var rows []indexRow
	for _, r := range rules {
		row := indexRow{Rule: r, AttackID: attackID(r)}
		for _, p := range present(targets[r.ID]) {
			row.Pages = append(row.Pages, link{p.Platform, path.Join(r.Name, p.Target+".md")})
		}
		rows = append(rows, row)
	}
	var buf bytes.Buffer
	if err := index.Execute(&buf, rows); err != nil {
		return Page{}, err
	}
	return Page{Path: "index.md", Data: buf.Bytes()}, nil
}

func subject(r *ir.Rule) string {
	if r.Subtechnique.Name != "" {
		return r.Subtechnique.Name
	}
	return r.Technique.Name
}

func attackID(r *ir.Rule) string {
	if r.Subtechnique.ID != "" {
		return r.Subtechnique.ID
	}
	return r.Technique.ID
}

// prerequisites says what must exist on the platform for the artifact to
// see its fields.
func prerequisites(r *ir.Rule, target string, o Options) ([]string, error) {
	switch target {
	case "qradar":
		props, err := qradar.Properties(r)
		if err != nil {
			return nil, err
		}
		prof, _, err := qradar.LoadProfile(r.Logsource)
		if err != nil {
			return nil, err
		}
		dsm := prof.DSM
		if dsm == "" {
			dsm = fmt.Sprintf("A log source of QRadar device type %v parsing the records this rule reads.", prof.DeviceTypes)
		}
		out := []string{dsm}
		for _, p := range props {
			out = append(out, fmt.Sprintf("Custom event property `%s` (field %s): JSON expression `%s` on log source type %d, enabled and optimized for rules. Without it only the `UTF8(payload)` fallback matches.", content.PropertyName(o.QRadarPropertyPrefix, p.Name), p.Field, p.JSONExpression, p.LogSourceTypeID))
		}
		return out, nil
	case "chronicle":
		reqs, err := chronicle.Requirements(r)
		if err != nil {
			return nil, err
		}
		var out []string
		for _, q := range reqs {
			fill := "filled by Google's default parser"
			if !q.DefaultParser {
				how := map[string]string{
					"joined":   "every value of the field, one per line (joined by line breaks)",
					"any_true": `"true" when any value is true`,
					"first":    "the first value of the field",
				}[q.Extension]
				fill = "**not filled by the default parser: needs a parser extension** that writes " + how
			}
			out = append(out, fmt.Sprintf("%s: `%s` ← %s, %s.", q.LogType, q.UDM, q.Field, fill))
		}
		return out, nil
	case "sigma":
		ls, err := sigma.LogsourceText(r.Logsource)
		if err != nil {
			return nil, err
		}
		return []string{"A Sigma backend and pipeline for `" + ls + "` that maps the rule's field names to your SIEM's fields."}, nil
	}
	return nil, nil
}

// fence wraps content in a Markdown code fence longer than any run of
// backticks inside it, so no artifact can close the fence early.
func fence(content, lang string) string {
	longest, run := 0, 0
	for _, c := range content {
		if c == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	f := strings.Repeat("`", max(3, longest+1))
	return f + lang + "\n" + strings.TrimRight(content, "\n") + "\n" + f
}
