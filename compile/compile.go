// Package compile checks the meaning of a parsed spec and lowers it to the
// backend-neutral ir.Rule. Every problem is reported at the spec's
// file:line:col; nothing is lowered from a spec that has errors.
package compile

import (
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/detgen/detgen/attack"
	"github.com/detgen/detgen/diag"
	"github.com/detgen/detgen/ir"
	"github.com/detgen/detgen/mappings"
	"github.com/detgen/detgen/spec"
)

var (
	uuidRE        = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	nameRE        = regexp.MustCompile(`^[a-z][a-z0-9_]{0,127}$`)
	tacticRE      = regexp.MustCompile(`^TA[0-9]{4}$`)
	techniqueRE   = regexp.MustCompile(`^T[0-9]{4}$`)
	subtechnicRE  = regexp.MustCompile(`^T[0-9]{4}\.[0-9]{3}$`)
	severities    = []string{"informational", "low", "medium", "high", "critical"}
	confidences   = []string{"low", "medium", "high"}
	statuses      = []string{"experimental", "test", "stable", "deprecated", "unsupported"}
	maxSignals    = 32
	maxMatchValue = 1024
)

// Rule checks r and lowers it. The returned rule is nil when errs is not
// empty.
func Rule(r *spec.Rule) (*ir.Rule, diag.List) { return RuleWith(r, Options{}) }

// RuleWith is Rule with options.
func RuleWith(r *spec.Rule, o Options) (*ir.Rule, diag.List) {
	c := checker{lazy: o.DeferEvents, checked: o.Checked}
	out := c.rule(r)
	out.Inputs = c.inputs
	c.errs.Sort()
	if len(c.errs) > 0 {
		return nil, c.errs
	}
	return out, nil
}

type checker struct {
	// scoringWritten: the spec has a scoring block (even one that did not
	// compile), so tests' scores are not "leave them out" errors.
	scoringWritten bool
	errs           diag.List
	ls             *mappings.Logsource
	// lazy: check test event files cheaply, read them when tests run.
	lazy    bool
	checked *CheckedFiles // nil: remembered per process (checkEventFile)
	inputs  []string      // files read or checked besides the spec
}

func (c *checker) add(pos diag.Pos, format string, args ...any) { c.errs.Add(pos, format, args...) }

func (c *checker) oneOf(pos diag.Pos, what, v string, allowed []string) {
	for _, a := range allowed {
		if v == a {
			return
		}
	}
	c.add(pos, "%s %q is not one of %s", what, v, strings.Join(allowed, ", "))
}

func (c *checker) date(pos diag.Pos, what, v string) {
	if v == "" {
		return
	}
	if !validDate(v) {
		c.add(pos, "%s %q is not a date in YYYY-MM-DD form", what, v)
	}
}

func validDate(v string) bool {
	_, err := time.Parse("2006-01-02", v)
	return err == nil
}

func (c *checker) rule(r *spec.Rule) *ir.Rule {
	p := r.Pos
	if !uuidRE.MatchString(r.ID) {
		c.add(r.Keys.At("id"), "id %q is not a lower-case UUID version 4", r.ID)
	}
	if !nameRE.MatchString(r.Name) {
		c.add(r.Keys.At("name"), "name %q must match [a-z][a-z0-9_]* (it names the YARA-L rule)", r.Name)
	}
	if r.Version < 1 {
		c.add(r.Keys.At("version"), "version must be 1 or more, found %d", r.Version)
	}
	c.oneOf(r.Keys.At("status"), "status", r.Status, statuses)
	c.oneOf(r.Keys.At("severity"), "severity", r.Severity, severities)
	c.oneOf(r.Keys.At("confidence"), "confidence", r.Confidence, confidences)
	c.date(r.Keys.At("date"), "date", r.Date)
	c.date(r.Keys.At("modified"), "modified", r.Modified)
	if validDate(r.Date) && validDate(r.Modified) && r.Modified < r.Date {
		c.add(r.Keys.At("modified"), "modified %s is before date %s", r.Modified, r.Date)
	}
	for _, s := range []struct{ what, v string }{{"title", r.Title}, {"author", r.Author}} {
		if strings.ContainsAny(s.v, "\n\r") {
			c.add(r.Keys.At(s.what), "%s must be a single line", s.what)
		}
	}
	c.attack(&r.Attack)
	c.changelog(r)
	c.freeText(r)
	c.tags(r)
	c.qradar(&r.QRadar)

	out := &ir.Rule{
		SourceFile: p.File,
		ID:         r.ID, Name: r.Name, Title: r.Title, Version: r.Version,
		Status: r.Status, Description: strings.TrimSpace(r.Description), Author: r.Author,
		Date: r.Date, Modified: r.Modified, Severity: r.Severity, Confidence: r.Confidence,
		Technique:      ir.Ref{ID: r.Attack.Technique.ID, Name: r.Attack.Technique.Name},
		Subtechnique:   ir.Ref{ID: r.Attack.Subtechnique.ID, Name: r.Attack.Subtechnique.Name},
		AttackURL:      r.Attack.URL,
		DataSources:    r.DataSources,
		References:     r.References,
		FalsePositives: r.FalsePositives,
		Tuning:         r.Tuning,
		Methodology:    strings.TrimSpace(r.Testing.Methodology),
		Logsource:      r.Logsource,
		Tags:           r.Tags,
		QRadarLast:     r.QRadar.Last,
		QRadarLimit:    r.QRadar.Limit,

		ChronicleLogTypes: r.Chronicle.LogTypes,
	}
	for _, ch := range r.Changelog {
		out.Changelog = append(out.Changelog, ir.Change{Version: ch.Version, Date: ch.Date, Change: ch.Change})
	}
	for _, t := range r.Attack.Tactics {
		out.Tactics = append(out.Tactics, ir.Ref{ID: t.ID, Name: t.Name})
	}
	for _, tc := range r.Testing.Cases {
		out.TestCases = append(out.TestCases, ir.TestCase{Name: tc.Name, Expected: strings.TrimSpace(tc.Expected)})
	}

	if !slices.Contains(mappings.LogsourceNames(), r.Logsource) {
		c.add(r.Keys.At("logsource"), "logsource %q is unknown (known: %s)", r.Logsource, strings.Join(mappings.LogsourceNames(), ", "))
		return out
	}
	ls, errs := mappings.LoadLogsource(r.Logsource)
	if len(errs) > 0 {
		c.errs.Append(errs)
		return out
	}
	c.ls = ls
	if _, errs := Catalog(ls); len(errs) > 0 {
		c.errs.Append(errs)
		return out
	}

	c.detection(r, out)
	c.excluded(r, out)
	c.tests(r, out)
	return out
}

// changelog requires a line per version, in order, the last one for the
// current version and dated as the rule's modified date: a bump always
// comes with its date and its reason.
func (c *checker) changelog(r *spec.Rule) {
	if len(r.Changelog) == 0 {
		return // reported by the decoder
	}
	for i, ch := range r.Changelog {
		c.date(ch.Keys.At("date"), "changelog date", ch.Date)
		if i > 0 && ch.Version != r.Changelog[i-1].Version+1 {
			c.add(ch.Keys.At("version"), "changelog version %d does not follow %d", ch.Version, r.Changelog[i-1].Version)
		}
		if strings.ContainsAny(ch.Change, "\n\r") {
			c.add(ch.Keys.At("change"), "a changelog line must be one line")
		}
	}
	last := r.Changelog[len(r.Changelog)-1]
	if last.Version != r.Version {
		c.add(last.Keys.At("version"), "the last changelog line is for version %d, but the rule is at version %d", last.Version, r.Version)
	}
	if r.Modified != "" && last.Date != r.Modified {
		c.add(r.Keys.At("modified"), "modified %s is not the date of the last changelog line (%s)", r.Modified, last.Date)
	}
}

func (c *checker) attack(a *spec.Attack) {
	// The most specific technique decides which tactics fit.
	var tech attack.Technique
	techOK := false
	ref := func(r spec.Ref, re *regexp.Regexp, what string) (attack.Technique, bool) {
		if !re.MatchString(r.ID) {
			c.add(r.Keys.At("id"), "%s id %q is not an ATT&CK %s id", what, r.ID, what)
			return attack.Technique{}, false
		}
		t, ok := attack.LookupTechnique(r.ID)
		if !ok {
			c.add(r.Keys.At("id"), "%s %s does not exist in ATT&CK Enterprise v%s", what, r.ID, attack.Version)
			return t, false
		}
		if t.Name != r.Name {
			c.add(r.Keys.At("name"), "%s %s is named %q in ATT&CK v%s, not %q", what, r.ID, t.Name, attack.Version, r.Name)
		}
		return t, true
	}
	if t, ok := ref(a.Technique, techniqueRE, "technique"); ok {
		tech, techOK = t, true
	}
	want := "https://attack.mitre.org/techniques/" + a.Technique.ID + "/"
	if s := a.Subtechnique; s.ID != "" {
		if !strings.HasPrefix(s.ID, a.Technique.ID+".") && subtechnicRE.MatchString(s.ID) {
			c.add(s.Keys.At("id"), "sub-technique %s does not belong to technique %s", s.ID, a.Technique.ID)
		} else if t, ok := ref(s, subtechnicRE, "sub-technique"); ok {
			tech, techOK = t, true
			want = "https://attack.mitre.org/techniques/" + strings.Replace(s.ID, ".", "/", 1) + "/"
		} else {
			techOK = false
		}
	}
	if a.URL != "" && a.URL != want {
		c.add(a.Keys.At("url"), "url %q does not match the ATT&CK id; expected %q", a.URL, want)
	}
	for _, t := range a.Tactics {
		if !tacticRE.MatchString(t.ID) {
			c.add(t.Keys.At("id"), "tactic id %q is not an ATT&CK tactic id (TA followed by 4 digits)", t.ID)
			continue
		}
		tac, ok := attack.LookupTactic(t.ID)
		if !ok {
			c.add(t.Keys.At("id"), "tactic %s does not exist in ATT&CK Enterprise v%s", t.ID, attack.Version)
			continue
		}
		if tac.Name != t.Name {
			c.add(t.Keys.At("name"), "tactic %s is named %q in ATT&CK v%s, not %q", t.ID, tac.Name, attack.Version, t.Name)
		}
		if techOK && !slices.Contains(tech.Tactics, tac.ShortName) {
			c.add(t.Keys.At("id"), "tactic %s (%s) is not a tactic of %s in ATT&CK v%s (its tactics: %s)", t.ID, tac.Name, tech.ID, attack.Version, strings.Join(tech.Tactics, ", "))
		}
	}
}

// validText rejects control and invisible characters (badRune): no audit
// field value a detection should compare against holds one, and they are
// where escaping bugs and Trojan-Source tricks hide.
func validText(s string) bool {
	_, n := badRune(s, false)
	return n == 0 && !strings.ContainsRune(s, unicode.ReplacementChar)
}
