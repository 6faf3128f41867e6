// Package chronicle generates a Google SecOps (Chronicle) YARA-L 2.0 rule
// from a rule: seed-style meta, an events section that selects the
// in-scope, non-excluded events of every mapped log type and requires one
// signal, the weighted score as the $risk_score outcome, and a condition.
package chronicle

import (
	"bytes"
	"fmt"
	"strings"
	"text/template"

	"github.com/detgen/detgen/ir"
	"github.com/detgen/detgen/lang/yaral"
	"github.com/detgen/detgen/templates"
)

// Generate renders the YARA-L rule for r.
func Generate(r *ir.Rule) ([]byte, error) {
	prof, err := LoadProfile(r.Logsource)
	if err != nil {
		return nil, err
	}
	tmpl, err := templates.Load("chronicle.yaral.tmpl", template.FuncMap{
		"q": quoteText,
	})
	if err != nil {
		return nil, err
	}
	data, err := (&gen{prof: prof}).rule(r)
	if err != nil {
		return nil, fmt.Errorf("%s: chronicle: %w", r.SourceFile, err)
	}
	var out bytes.Buffer
	if err := tmpl.Execute(&out, data); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

type ruleData struct {
	Rule           *ir.Rule
	Name           string
	Tactics        string
	Technique      string
	TechniqueID    string
	DataSource     string
	Severity       string
	Confidence     string
	FalsePositives string
	References     string
	LogTypes       [][]string // per log type: AND-ed predicates
	AnySignal      []string   // OR-ed signal predicates
	ScoreTerms     []string
	Outcomes       []Outcome
	ScoreGate      bool
}

type gen struct{ prof *Profile }

func (g *gen) rule(r *ir.Rule) (*ruleData, error) {
	d := &ruleData{
		Rule:           r,
		Name:           r.Name,
		Severity:       title(r.Severity),
		Confidence:     title(r.Confidence),
		FalsePositives: strings.Join(r.FalsePositives, "; "),
		References:     strings.Join(r.References, ", "),
		Outcomes:       g.prof.Outcomes,
		ScoreGate:      !r.AnySignalAlerts(),
	}
	var tactics, logTypes []string
	for _, t := range r.Tactics {
		tactics = append(tactics, t.Name)
	}
	d.Tactics = strings.Join(tactics, ", ")
	d.Technique, d.TechniqueID = r.Technique.Name, r.Technique.ID
	if r.Subtechnique.ID != "" {
		d.Technique = r.Technique.Name + ": " + r.Subtechnique.Name
		d.TechniqueID = r.Subtechnique.ID
	}

	for _, lt := range g.prof.LogTypes {
		logTypes = append(logTypes, lt.Name)
		preds := []string{"$e.metadata.log_type = " + yaral.QuoteString(lt.Name)}
		for _, m := range r.Scope {
			p, err := g.predicate(lt, m)
			if err != nil {
				return nil, fmt.Errorf("scope: %w", err)
			}
			preds = append(preds, p)
		}
		for _, m := range r.Exclusions {
			p, err := g.predicate(lt, m)
			if err != nil {
				return nil, fmt.Errorf("exclusion: %w", err)
			}
			preds = append(preds, "not "+p)
		}
		d.LogTypes = append(d.LogTypes, preds)
	}
	d.DataSource = strings.Join(logTypes, ", ")

	if r.Base > 0 {
		d.ScoreTerms = append(d.ScoreTerms, fmt.Sprint(r.Base))
	}
	for _, sig := range r.Signals {
		p, err := g.signal(sig)
		if err != nil {
			return nil, fmt.Errorf("signal %s: %w", sig.Name, err)
		}
		d.AnySignal = append(d.AnySignal, p)
		d.ScoreTerms = append(d.ScoreTerms, fmt.Sprintf("if(%s, %d, 0)", p, sig.Weight))
	}
	return d, nil
}

// signal renders one signal as a single boolean expression. A field that
// every log type maps to the same UDM path is tested once; otherwise each
// log type is tested on its own path.
func (g *gen) signal(sig ir.Signal) (string, error) {
	var alts []string
	for _, m := range sig.Any {
		perType := map[string]string{}
		same := true
		var first string
		for i, lt := range g.prof.LogTypes {
			p, err := g.predicate(lt, m)
			if err != nil {
				return "", err
			}
			perType[lt.Name] = p
			if i == 0 {
				first = p
			} else if p != first {
				same = false
			}
		}
		if same {
			alts = append(alts, first)
			continue
		}
		for _, lt := range g.prof.LogTypes {
			alts = append(alts, fmt.Sprintf("($e.metadata.log_type = %s and %s)", yaral.QuoteString(lt.Name), perType[lt.Name]))
		}
	}
	if len(alts) == 1 {
		return alts[0], nil
	}
	return "(" + strings.Join(alts, " or ") + ")", nil
}

// predicate renders one match as one comparison, so that "not" can prefix
// it: a single exact value is a string comparison, anything else one
// regex that ORs every value.
func (g *gen) predicate(lt LogType, m ir.Match) (string, error) {
	f, ok := g.prof.resolve(lt, m.Field)
	if !ok {
		return "", fmt.Errorf("field %q has no UDM mapping for log type %s in mappings/chronicle", m.Field, lt.Name)
	}
	lhs := "$e." + f.UDM
	suffix := ""
	if m.Nocase || f.Nocase {
		suffix = " nocase"
	}
	if f.Wrap != "" {
		if len(m.StartsWith)+len(m.Contains) > 0 {
			return "", fmt.Errorf("field %q on log type %s supports equals only", m.Field, lt.Name)
		}
		return lhs + " = " + yaral.QuoteRegex(fmt.Sprintf(f.Wrap, alternation(m.Equals))) + suffix, nil
	}
	if len(m.Equals) == 1 && len(m.StartsWith)+len(m.Contains) == 0 {
		q, err := quoteValue(m.Equals[0])
		if err != nil {
			return "", fmt.Errorf("field %q: %v", m.Field, err)
		}
		return lhs + " = " + q + suffix, nil
	}
	var parts []string
	if len(m.Equals) > 0 {
		parts = append(parts, "^"+group(m.Equals)+"$")
	}
	if len(m.StartsWith) > 0 {
		parts = append(parts, "^"+group(m.StartsWith))
	}
	if len(m.Contains) > 0 {
		parts = append(parts, alternation(m.Contains))
	}
	return lhs + " = " + yaral.QuoteRegex(strings.Join(parts, "|")) + suffix, nil
}

func alternation(values []string) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = yaral.RegexLiteralOf(v)
	}
	return strings.Join(q, "|")
}

// group is the alternation of values, in a non-capturing group when there
// is more than one so that anchors apply to all of them.
func group(values []string) string {
	if len(values) == 1 {
		return yaral.RegexLiteralOf(values[0])
	}
	return "(?:" + alternation(values) + ")"
}

func title(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
