// Package sigma generates a portable Sigma rule from a rule: SigmaHQ's
// Kubernetes audit field names, one selection per scope match, exclusion
// and signal, and a condition equivalent to "in scope, not excluded, score
// at or above the threshold".
package sigma

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"text/template"
	"unicode"

	sigmago "github.com/bradleyjkemp/sigma-go"
	"github.com/detgen/detgen/diag"
	"github.com/detgen/detgen/ir"
	"github.com/detgen/detgen/mappings"
	"github.com/detgen/detgen/templates"
)

// Profile is mappings/sigma/<logsource>.yaml.
type Profile struct {
	Logsource struct {
		Category string `yaml:"category"`
		Product  string `yaml:"product"`
		Service  string `yaml:"service"`
	} `yaml:"logsource" detgen:"required"`
	Fields []FieldNames `yaml:"fields" detgen:"required"`
}

// FieldNames lists the Sigma field names a logical field can be read from.
type FieldNames struct {
	Pos   diag.Pos
	Field string   `yaml:"field" detgen:"required"`
	Names []string `yaml:"names" detgen:"required"`
}

var plainTagRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)

// tagScalar writes a tag plain, as SigmaHQ does, unless it needs quoting.
func tagScalar(t string) string {
	if plainTagRE.MatchString(t) {
		return t
	}
	return yamlString(t)
}

var sigmaFieldRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$`)

// maxAlertingSets bounds the OR-of-ANDs condition written for a threshold
// that single signals do not reach.
const maxAlertingSets = 64

// Generate renders the Sigma rule for r.
func Generate(r *ir.Rule) ([]byte, error) {
	var prof Profile
	if errs := mappings.Load("sigma", r.Logsource, &prof); len(errs) > 0 {
		return nil, errs
	}
	for _, f := range prof.Fields {
		for _, n := range f.Names {
			if !sigmaFieldRE.MatchString(n) {
				return nil, fmt.Errorf("%s: sigma field name %q is not a dotted identifier", f.Pos, n)
			}
		}
	}
	tmpl, err := templates.Load("sigma.yml.tmpl", template.FuncMap{
		"y":   func(s string) string { return yamlString(foldSpace(s)) },
		"tag": tagScalar,
	})
	if err != nil {
		return nil, err
	}
	data, err := build(r, &prof)
	if err != nil {
		return nil, fmt.Errorf("%s: sigma: %w", r.SourceFile, err)
	}
	var out bytes.Buffer
	if err := tmpl.Execute(&out, data); err != nil {
		return nil, err
	}
	// The output must be a rule sigma-go accepts; a failure here is a
	// generator bug, never something to write to disk.
	if _, err := sigmago.ParseRule(out.Bytes()); err != nil {
		return nil, fmt.Errorf("%s: sigma: generated rule does not parse with sigma-go: %w", r.SourceFile, err)
	}
	return out.Bytes(), nil
}

type kv struct{ Key, Value string }

type item struct {
	Key    string   // field|modifier
	Values []string // YAML scalars, already quoted
}

type selection struct {
	Name  string
	Items []item // OR-ed
}

type ruleData struct {
	Rule        *ir.Rule
	Status      string
	Description string
	Tags        []string
	Logsource   []kv
	Selections  []selection
	Condition   string
}

func build(r *ir.Rule, prof *Profile) (*ruleData, error) {
	d := &ruleData{Rule: r, Status: r.Status, Description: r.Description}
	for _, t := range r.Tactics {
		d.Tags = append(d.Tags, "attack."+strings.ReplaceAll(strings.ToLower(t.Name), " ", "-"))
	}
	d.Tags = append(d.Tags, "attack."+strings.ToLower(r.Technique.ID))
	if r.Subtechnique.ID != "" {
		d.Tags = append(d.Tags, "attack."+strings.ToLower(r.Subtechnique.ID))
	}
	for _, f := range []kv{{"category", prof.Logsource.Category}, {"product", prof.Logsource.Product}, {"service", prof.Logsource.Service}} {
		if f.Value != "" {
			d.Logsource = append(d.Logsource, f)
		}
	}

	names := map[string]int{}
	uniq := func(base string) string {
		names[base]++
		if n := names[base]; n > 1 {
			return fmt.Sprintf("%s_%d", base, n)
		}
		return base
	}
	var scope, excl []string
	for _, m := range r.Scope {
		s, err := selectionFor(uniq("scope_"+m.Field), []ir.Match{m}, prof)
		if err != nil {
			return nil, err
		}
		d.Selections = append(d.Selections, s)
		scope = append(scope, s.Name)
	}
	for _, m := range r.Exclusions {
		s, err := selectionFor(uniq("exclusion_"+m.Field), []ir.Match{m}, prof)
		if err != nil {
			return nil, err
		}
		d.Selections = append(d.Selections, s)
		excl = append(excl, s.Name)
	}
	var sigNames []string
	for _, sig := range r.Signals {
		s, err := selectionFor(uniq("signal_"+sig.Name), sig.Any, prof)
		if err != nil {
			return nil, fmt.Errorf("signal %s: %w", sig.Name, err)
		}
		d.Selections = append(d.Selections, s)
		sigNames = append(sigNames, s.Name)
	}

	cond := strings.Join(scope, " and ")
	switch len(excl) {
	case 0:
	case 1:
		cond += " and not " + excl[0]
	default:
		cond += " and not (" + strings.Join(excl, " or ") + ")"
	}
	if r.AnySignalAlerts() {
		cond += " and 1 of signal_*"
	} else {
		sets := r.AlertingSets()
		if len(sets) > maxAlertingSets {
			return nil, fmt.Errorf("the threshold needs %d signal combinations; Sigma output supports at most %d", len(sets), maxAlertingSets)
		}
		var ors []string
		for _, set := range sets {
			var ands []string
			for _, i := range set {
				ands = append(ands, sigNames[i])
			}
			ors = append(ors, "("+strings.Join(ands, " and ")+")")
		}
		cond += " and (" + strings.Join(ors, " or ") + ")"
	}
	d.Condition = cond
	return d, nil
}

// selectionFor ORs every (Sigma field, operator) pair of the matches as a
// list of maps.
func selectionFor(name string, matches []ir.Match, prof *Profile) (selection, error) {
	s := selection{Name: name}
	for _, m := range matches {
		var fieldNames []string
		for _, f := range prof.Fields {
			if f.Field == m.Field {
				fieldNames = f.Names
			}
		}
		if len(fieldNames) == 0 {
			return s, fmt.Errorf("field %q has no Sigma field name in mappings/sigma", m.Field)
		}
		for _, fn := range fieldNames {
			for _, op := range []struct {
				mod    string
				values []string
			}{{"", m.Equals}, {"|startswith", m.StartsWith}, {"|contains", m.Contains}} {
				if len(op.values) == 0 {
					continue
				}
				it := item{Key: fn + op.mod}
				for _, v := range op.values {
					if m.Type == ir.Bool {
						it.Values = append(it.Values, v) // YAML true/false
					} else {
						it.Values = append(it.Values, yamlString(escapeWildcards(v)))
					}
				}
				s.Items = append(s.Items, it)
			}
		}
	}
	return s, nil
}

// escapeWildcards protects Sigma's wildcard characters: * and ? match
// anything unless escaped, and a backslash escapes them, so a literal
// backslash is doubled too.
func escapeWildcards(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `*`, `\*`, `?`, `\?`)
	return r.Replace(s)
}

// yamlString writes s as a YAML scalar: single-quoted (the SigmaHQ
// convention, ' doubled) or, when s holds a character a single-quoted
// scalar cannot carry, double-quoted with escapes.
func yamlString(s string) string {
	for _, r := range s {
		if unicode.IsControl(r) || !unicode.IsPrint(r) && r != ' ' {
			return strconv.Quote(s)
		}
	}
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

func foldSpace(s string) string { return strings.Join(strings.Fields(s), " ") }

// EventConfig is the sigma-go configuration under which the generated
// rule's dotted field names read a nested audit event: each field maps to
// the JSONPath of its catalog path, lists expanded
// (…containers[].image is the Sigma field …containers.image and the
// JSONPath $.….containers[*].image).
func EventConfig(logsource string) (sigmago.Config, error) {
	ls, errs := mappings.LoadLogsource(logsource)
	if len(errs) > 0 {
		return sigmago.Config{}, errs
	}
	cfg := sigmago.Config{Title: "detgen: " + logsource + " event paths", FieldMappings: map[string]sigmago.FieldMapping{}}
	for _, f := range ls.Fields {
		for _, p := range f.Paths {
			name := strings.ReplaceAll(p, "[]", "")
			m := cfg.FieldMappings[name]
			m.TargetNames = append(m.TargetNames, "$."+strings.ReplaceAll(p, "[]", "[*]"))
			cfg.FieldMappings[name] = m
		}
	}
	return cfg, nil
}
