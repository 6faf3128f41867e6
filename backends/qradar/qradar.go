// Package qradar generates an IBM QRadar AQL search from a rule: the seed
// page's columns, a weighted suspicion score, scope and exclusion filters
// that try the custom property first and fall back to the raw payload, an
// indicator filter, and a LAST time clause.
package qradar

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"text/template"

	"github.com/detgen/detgen/ir"
	"github.com/detgen/detgen/lang/aql"
	"github.com/detgen/detgen/templates"
)

// Generate renders the AQL query for r.
func Generate(r *ir.Rule) ([]byte, error) {
	prof, _, err := LoadProfile(r.Logsource)
	if err != nil {
		return nil, err
	}
	tmpl, err := templates.Load("qradar.aql.tmpl", template.FuncMap{"join": strings.Join})
	if err != nil {
		return nil, err
	}
	g := &gen{prof: prof}
	data, err := g.query(r)
	if err != nil {
		return nil, fmt.Errorf("%s: qradar: %w", r.SourceFile, err)
	}
	var out bytes.Buffer
	if err := tmpl.Execute(&out, data); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

type clause struct {
	Op    string   // "AND" or "AND NOT"
	Lines []string // OR-ed alternatives
}

type queryData struct {
	Columns      []string
	ScoreTerms   []string
	ScoreAlias   string
	DeviceFilter string
	Where        []clause
	ScoreGate    bool
	Threshold    int
	OrderBy      []string
	Limit        int
	Last         string
}

type gen struct {
	prof *Profile
}

func (g *gen) query(r *ir.Rule) (*queryData, error) {
	d := &queryData{
		ScoreAlias:   g.prof.ScoreAlias,
		DeviceFilter: g.prof.deviceFilter(),
		OrderBy:      g.prof.OrderBy,
		Limit:        g.prof.Limit,
		Last:         g.prof.Last,
		Threshold:    r.Threshold,
		ScoreGate:    !r.AnySignalAlerts(),
	}
	for _, c := range g.prof.Select {
		expr := c.Expr
		if c.Field != "" {
			e, err := g.valueExpr(c.Field)
			if err != nil {
				return nil, err
			}
			expr = e
		}
		if c.Alias != "" {
			expr += " AS " + c.Alias
		}
		d.Columns = append(d.Columns, expr)
	}

	if r.Base > 0 {
		d.ScoreTerms = append(d.ScoreTerms, fmt.Sprint(r.Base))
	}
	var anySignal []string
	seen := map[string]bool{}
	for _, sig := range r.Signals {
		var alts []string
		for _, m := range sig.Any {
			a, err := g.match(m, false)
			if err != nil {
				return nil, fmt.Errorf("signal %s: %w", sig.Name, err)
			}
			alts = append(alts, a...)
		}
		for _, a := range alts {
			// Two signals may share a test (socat is an image and a
			// command); the filter needs it once.
			if !seen[a] {
				seen[a] = true
				anySignal = append(anySignal, a)
			}
		}
		d.ScoreTerms = append(d.ScoreTerms, fmt.Sprintf("(IF %s THEN %d ELSE 0)", group(alts), sig.Weight))
	}

	for _, m := range r.Scope {
		alts, err := g.match(m, false)
		if err != nil {
			return nil, fmt.Errorf("scope: %w", err)
		}
		d.Where = append(d.Where, clause{Op: "AND", Lines: alts})
	}
	for _, m := range r.Exclusions {
		alts, err := g.match(m, true)
		if err != nil {
			return nil, fmt.Errorf("exclusion: %w", err)
		}
		d.Where = append(d.Where, clause{Op: "AND NOT", Lines: alts})
	}
	d.Where = append(d.Where, clause{Op: "AND", Lines: anySignal})
	return d, nil
}

// valueExpr is the AQL expression that reads a field's value.
func (g *gen) valueExpr(field string) (string, error) {
	f, ok := g.prof.field(field)
	switch {
	case ok && f.Property != "":
		return aql.QuoteIdent(f.Property)
	case ok && f.Column != "":
		return f.Column, nil
	}
	return "", fmt.Errorf("field %q has no QRadar property or column in mappings/qradar", field)
}

// match renders the alternatives (to be OR-ed) that test m: first on the
// field's property or column, then on the payload. nullSafe guards the
// property test for use under NOT, where a missing property must not
// exclude the event.
func (g *gen) match(m ir.Match, nullSafe bool) ([]string, error) {
	f, _ := g.prof.field(m.Field)
	var alts []string
	if f.Property != "" || f.Column != "" {
		x, err := g.valueExpr(m.Field)
		if err != nil {
			return nil, err
		}
		var tests []string
		tests = append(tests, equalsTests(x, m.Equals, m.Nocase)...)
		for _, v := range m.StartsWith {
			tests = append(tests, likeTest(x, v, "", "%", m.Nocase))
		}
		for _, v := range m.Contains {
			tests = append(tests, likeTest(x, v, "%", "%", m.Nocase))
		}
		t := strings.Join(tests, " OR ")
		if nullSafe {
			t = fmt.Sprintf("(%s IS NOT NULL AND %s)", x, group(tests))
		} else if len(tests) > 1 {
			t = group(tests)
		}
		alts = append(alts, t)
	}

	const payload = "UTF8(payload)"
	if f.PayloadKey == "" && len(m.Equals)+len(m.StartsWith) > 0 {
		if len(alts) == 0 {
			return nil, fmt.Errorf("field %q has neither a property, a column nor a payload_key in mappings/qradar", m.Field)
		}
		return alts, nil
	}
	quote := `"`
	if m.Type == ir.Bool {
		quote = ""
	}
	for _, v := range m.Equals {
		alts = append(alts, likeTest(payload, f.PayloadKey+quote+jsonText(v)+quote, "%", "%", m.Nocase))
	}
	for _, v := range m.StartsWith {
		alts = append(alts, likeTest(payload, f.PayloadKey+quote+jsonText(v), "%", "%", m.Nocase))
	}
	for _, v := range m.Contains {
		alts = append(alts, likeTest(payload, jsonText(v), "%", "%", m.Nocase))
	}
	return alts, nil
}

// jsonText is v as it appears inside a JSON string of the payload:
// kube-apiserver writes audit events with Go's encoding/json, which escapes
// quotes, backslashes, control characters and, by default, <, > and &.
func jsonText(v string) string {
	data, _ := json.Marshal(v)
	return string(data[1 : len(data)-1])
}

// equalsTests tests x against exact values: IN for case-sensitive values,
// ILIKE without wildcards for case-insensitive ones.
func equalsTests(x string, values []string, nocase bool) []string {
	if len(values) == 0 {
		return nil
	}
	if !nocase {
		if len(values) == 1 {
			return []string{x + " = " + aql.QuoteString(values[0])}
		}
		q := make([]string, len(values))
		for i, v := range values {
			q[i] = aql.QuoteString(v)
		}
		return []string{x + " IN (" + strings.Join(q, ", ") + ")"}
	}
	var out []string
	for _, v := range values {
		out = append(out, likeTest(x, v, "", "", true))
	}
	return out
}

// likeTest tests that x matches prefix+v+suffix, where prefix and suffix
// are "%" or "". A value holding % or _ cannot be written in a LIKE pattern
// (AQL has no ESCAPE), so it is matched with an anchored regular
// expression instead; "(?s)" lets ".*" cross the newlines of a payload.
func likeTest(x, v, prefix, suffix string, nocase bool) string {
	if !aql.HasLikeWildcard(v) {
		op := "LIKE"
		if nocase {
			op = "ILIKE"
		}
		return fmt.Sprintf("%s %s %s", x, op, aql.QuoteString(prefix+v+suffix))
	}
	re := "(?s)^"
	if prefix != "" {
		re += ".*"
	}
	re += aql.RegexQuote(v)
	if suffix != "" {
		re += ".*"
	}
	re += "$"
	op := "MATCHES"
	if nocase {
		op = "IMATCHES"
	}
	return fmt.Sprintf("%s %s %s", x, op, aql.QuoteString(re))
}

// group ORs alternatives inside parentheses, as IBM's generators do.
func group(alts []string) string { return "(" + strings.Join(alts, " OR ") + ")" }
