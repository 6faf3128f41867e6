// Package sigma generates a portable Sigma rule from a rule: SigmaHQ's
// Kubernetes audit field names, one selection per scope match, exclusion
// and signal, and a condition equivalent to "in scope, not excluded, score
// at or above the threshold".
package sigma

import (
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
	// Names says what a Sigma field name stands for when a Sigma engine
	// reads the log source's records: "paths" (default), a dotted path
	// into the event (raw Kubernetes audit events); "fields", the
	// catalog field of that name, read at its paths (Windows events,
	// where a Sigma pipeline maps 4688's NewProcessName to Image).
	Names string `yaml:"names"`
}

// FieldNames lists the Sigma field names a logical field can be read from.
type FieldNames struct {
	Pos   diag.Pos
	Field string   `yaml:"field" detgen:"required"`
	Names []string `yaml:"names"`
	// Unavailable says why the field has no Sigma form.
	Unavailable string `yaml:"unavailable"`
}

var plainTagRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)

// tagScalar writes a tag plain, as SigmaHQ does, unless it needs quoting.
func tagScalar(t string) string {
	if plainTagRE.MatchString(t) {
		return t
	}
	return yamlString(t)
}

// sigmaFieldRE is a field name written as a plain YAML key: dotted
// identifiers, with hyphens inside a segment (W3C names: cs-uri-query).
var sigmaFieldRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z_][A-Za-z0-9_-]*)*$`)

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
	if r.Sequence != nil {
		return generateSequence(r, &prof, tmpl)
	}
	data, err := build(r, &prof)
	if err != nil {
		return nil, err
	}
	// driver.Generate checks the output with sigma-go and the SigmaHQ
	// conventions (lint) before anything is written.
	return templates.Render(tmpl, data)
}

type kv struct{ Key, Value string }

type sigmaScoring struct {
	Base, Threshold int
	Signals         []sigmaSignal
}

type sigmaSignal struct {
	Name      string
	Weight    int
	Condition string // over the rule's selections
}

type item struct {
	Key    string   // field|modifier
	Values []string // YAML scalars, already quoted
	Scalar bool     // write the single value inline (exists, null)
}

// selection is a map (Items AND-ed) or, with List, a list of maps (each
// map's items AND-ed, the maps OR-ed), or, with Keywords, a list of
// keyword values.
type selection struct {
	Name     string
	Maps     [][]item
	Keywords []string
	KeyAll   bool
}

type ruleData struct {
	Rule        *ir.Rule
	ID          string // the (base) rule's id
	BaseName    string // for an aggregation or a sequence step: the base rule's name
	StepTitle   string // a sequence step's title
	Correlation *correlation
	Status      string
	Description string
	Tags        []string
	Logsource   []kv
	Selections  []selection
	Condition   string
	// Scoring is the rule's weighted signals, written as a custom
	// attribute (detgen_scoring) so a reader can compute the score from
	// the Sigma rule itself; a Sigma engine ignores it.
	Scoring *sigmaScoring
}

type builder struct {
	prof  *Profile
	src   *ir.Rule
	d     *ruleData
	names map[ir.Expr]string
	used  map[string]int  // names handed out per base
	taken map[string]bool // selection names in use
}

func (b *builder) fail(pos diag.Pos, format string, args ...any) {
	if pos.File == "" {
		pos.File = b.src.SourceFile
	}
	diag.Refuse(pos, "sigma", b.src.Name, format, args...)
}

func build(r *ir.Rule, prof *Profile) (d *ruleData, err error) {
	d = &ruleData{Rule: r, ID: r.ID, Status: r.Status, Description: r.Description}
	b := &builder{prof: prof, src: r, d: d, names: map[ir.Expr]string{}, used: map[string]int{}, taken: map[string]bool{}}
	defer diag.CatchUnsupported(&err)
	for _, t := range r.Tactics {
		d.Tags = append(d.Tags, "attack."+strings.ReplaceAll(strings.ToLower(t.Name), " ", "-"))
	}
	if r.Technique.ID != "" {
		d.Tags = append(d.Tags, "attack."+strings.ToLower(r.Technique.ID))
	}
	if r.Subtechnique.ID != "" {
		d.Tags = append(d.Tags, "attack."+strings.ToLower(r.Subtechnique.ID))
	}
	d.Tags = append(d.Tags, r.Tags...)
	for _, f := range []kv{{"category", prof.Logsource.Category}, {"product", prof.Logsource.Product}, {"service", prof.Logsource.Service}} {
		if f.Value != "" {
			d.Logsource = append(d.Logsource, f)
		}
	}

	cond := b.cond(r.Condition, true)
	if s := r.Scoring; s != nil {
		sigs := make([]string, len(s.Signals))
		for i, sig := range s.Signals {
			sigs[i] = b.cond(sig.When, false)
			if d.Scoring == nil {
				d.Scoring = &sigmaScoring{Base: s.Base, Threshold: s.Threshold}
			}
			d.Scoring.Signals = append(d.Scoring.Signals, sigmaSignal{Name: sig.Name, Weight: sig.Weight, Condition: sigs[i]})
		}
		var gate string
		if s.AnySignalAlerts() {
			gate = "(" + strings.Join(sigs, " or ") + ")"
			if len(sigs) == 1 {
				gate = sigs[0]
			}
		} else {
			sets := s.AlertingSets()
			if len(sets) > maxAlertingSets {
				b.fail(diag.Pos{}, "the threshold needs %d signal combinations; Sigma output supports at most %d", len(sets), maxAlertingSets)
			}
			var ors []string
			for _, set := range sets {
				var ands []string
				for _, i := range set {
					ands = append(ands, sigs[i])
				}
				ors = append(ors, "("+strings.Join(ands, " and ")+")")
			}
			gate = "(" + strings.Join(ors, " or ") + ")"
		}
		cond += " and " + gate
	}
	d.Condition = cond
	if r.Aggregate != nil {
		b.correlate(r, d)
	}
	return d, nil
}

// name returns a fresh selection name: the label, then label_2,
// label_3, ...; without a label def_1, def_2, ... (one count per base).
// A name already taken (a label may itself read selection_1) is skipped.
func (b *builder) name(label, def string) string {
	base := label
	if base == "" {
		base = def
	}
	for {
		b.used[base]++
		name := base
		if n := b.used[base]; n > 1 || label == "" {
			name = fmt.Sprintf("%s_%d", base, n)
		}
		if !b.taken[name] {
			b.taken[name] = true
			return name
		}
	}
}

// cond renders e as a Sigma condition, adding selections for its
// selection-shaped parts. top: a term of the top-level "and".
func (b *builder) cond(e ir.Expr, top bool) string {
	if n, ok := b.names[e]; ok {
		return n
	}
	if maps, ok := b.shape(e); ok {
		label := ""
		switch n := e.(type) {
		case *ir.And:
			label = n.Label
		case *ir.Or:
			label = n.Label
		case *ir.Match:
			label = n.Label
		}
		s := selection{Name: b.name(label, "selection"), Maps: maps}
		b.d.Selections = append(b.d.Selections, s)
		b.names[e] = s.Name
		return s.Name
	}
	switch n := e.(type) {
	case *ir.Keyword:
		s := selection{Name: b.name(n.Label, "keywords"), KeyAll: n.All}
		if n.Cased {
			b.fail(n.Pos, "a case-sensitive keyword search has no Sigma form")
		}
		for _, v := range n.Values {
			s.Keywords = append(s.Keywords, yamlString(escapeWildcards(v)))
		}
		b.d.Selections = append(b.d.Selections, s)
		b.names[e] = s.Name
		return s.Name
	case *ir.And:
		parts := b.all(n.Args)
		if top {
			return strings.Join(parts, " and ")
		}
		return "(" + strings.Join(parts, " and ") + ")"
	case *ir.Or:
		return "(" + strings.Join(b.all(n.Args), " or ") + ")"
	case *ir.Not:
		return "not " + b.cond(n.Arg, false)
	case *ir.AtLeast:
		if c := ir.Binomial(len(n.Args), n.N); c > maxAlertingSets {
			b.fail(diag.Pos{}, "%d of %d expands to %d combinations; Sigma has only 1 of and all of", n.N, len(n.Args), c)
		}
		parts := b.all(n.Args)
		var ors []string
		for _, set := range ir.Combinations(len(n.Args), n.N) {
			var ands []string
			for _, i := range set {
				ands = append(ands, parts[i])
			}
			ors = append(ors, "("+strings.Join(ands, " and ")+")")
		}
		return "(" + strings.Join(ors, " or ") + ")"
	}
	panic(fmt.Sprintf("sigma: unknown expression %T", e))
}

func (b *builder) all(args []ir.Expr) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = b.cond(a, false)
	}
	return out
}

// shape returns e as a list of maps (OR of ANDs) when it is one: a test,
// an AND of tests on distinct Sigma keys, or an OR of those.
func (b *builder) shape(e ir.Expr) ([][]item, bool) {
	switch n := e.(type) {
	case *ir.Match:
		return b.items(n), true
	case *ir.And:
		var m []item
		keys := map[string]bool{}
		for _, a := range n.Args {
			t, ok := a.(*ir.Match)
			if !ok {
				return nil, false
			}
			alts := b.items(t)
			if len(alts) != 1 || len(alts[0]) != 1 || keys[alts[0][0].Key] {
				return nil, false
			}
			keys[alts[0][0].Key] = true
			m = append(m, alts[0][0])
		}
		return [][]item{m}, true
	case *ir.Or:
		var out [][]item
		for _, a := range n.Args {
			switch a.(type) {
			case *ir.Match, *ir.And:
			default:
				return nil, false
			}
			maps, ok := b.shape(a)
			if !ok {
				return nil, false
			}
			out = append(out, maps...)
		}
		return out, true
	}
	return nil, false
}

// items renders one test: one map per Sigma field name the logical field
// may be read from (OR-ed), or for null one map of them all (AND-ed).
func (b *builder) items(m *ir.Match) [][]item {
	var names []string
	for _, f := range b.prof.Fields {
		if f.Field == m.Field {
			names = f.Names
			if f.Unavailable != "" {
				b.fail(m.Pos, "field %s cannot be used in Sigma output: %s", m.Field, f.Unavailable)
			}
		}
	}
	if len(names) == 0 {
		b.fail(m.Pos, "field %s has no Sigma field name in mappings/sigma", m.Field)
	}
	if m.All && len(m.Values) > 1 && len(names) > 1 {
		// One map per name would need every value under the same name,
		// where the spec lets each value sit under any of them.
		b.fail(m.Pos, "all over field %s, which has %d Sigma field names: a Sigma map holds all values under one name only; write one selection per value and AND them in the condition", m.Field, len(names))
	}
	if m.Op == ir.Null {
		// Absent is absent under every name: one map, AND-ed. Under any
		// name would hold on every event that spells the field otherwise.
		var all []item
		for _, n := range names {
			all = append(all, b.item(n, m))
		}
		return [][]item{all}
	}
	var out [][]item
	for _, n := range names {
		out = append(out, []item{b.item(n, m)})
	}
	return out
}

func (b *builder) item(name string, m *ir.Match) item {
	// cased and fieldref go before the comparator: sigma-go requires the
	// comparator last, and the Sigma specification allows either order.
	key := name
	switch m.Op {
	case ir.Exists:
		return item{Key: key + "|exists", Values: []string{"true"}, Scalar: true}
	case ir.Null:
		return item{Key: key, Values: []string{"null"}, Scalar: true}
	case ir.Empty:
		return item{Key: key, Values: []string{"''"}, Scalar: true}
	}
	if m.Cased && m.Op != ir.Regex {
		key += "|cased"
	}
	if m.FieldRef {
		key += "|fieldref"
	}
	switch m.Op {
	case ir.Equals:
	case ir.Regex:
		key += "|re"
		for _, f := range m.Flags {
			key += "|" + string(f)
		}
	default:
		key += "|" + string(m.Op)
	}
	if m.All && len(m.Values) > 1 {
		// One value needs no all: Sigma readers (detgen's among them)
		// want a list of two or more with it.
		key += "|all"
	}
	it := item{Key: key}
	for _, v := range m.Values {
		switch {
		case m.FieldRef:
			other := b.sigmaName(m, v)
			it.Values = append(it.Values, yamlString(other))
		case m.Type == ir.Bool || m.Type == ir.Int && m.Op != ir.Regex:
			it.Values = append(it.Values, v) // YAML true/false, numbers
		case m.Op == ir.Regex || m.Op == ir.CIDR:
			it.Values = append(it.Values, yamlString(v)) // no wildcards here
		default:
			it.Values = append(it.Values, yamlString(escapeWildcards(v)))
		}
	}
	return it
}

// sigmaName is the single Sigma name of a field a fieldref points at.
func (b *builder) sigmaName(m *ir.Match, field string) string {
	for _, f := range b.prof.Fields {
		if f.Field == field && len(f.Names) == 1 {
			return f.Names[0]
		}
	}
	b.fail(m.Pos, "fieldref %s needs exactly one Sigma field name", field)
	return ""
}

// escapeWildcards protects Sigma's wildcard characters: * and ? match
// anything unless escaped, and a backslash escapes them, so a literal
// backslash is doubled too.
func escapeWildcards(s string) string { return wildcardEscaper.Replace(s) }

var wildcardEscaper = strings.NewReplacer(`\`, `\\`, `*`, `\*`, `?`, `\?`)

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

// Covers reports whether a logical field has a Sigma name or is marked
// unavailable in the logsource's Sigma profile.
func Covers(logsource, field string) bool {
	var prof Profile
	if errs := mappings.Load("sigma", logsource, &prof); len(errs) > 0 {
		return false
	}
	for _, f := range prof.Fields {
		if f.Field == field && (len(f.Names) > 0 || f.Unavailable != "") {
			return true
		}
	}
	return false
}

// LogsourceText is a logsource's Sigma logsource as "category: c,
// product: p, service: s" (the keys it has).
func LogsourceText(logsource string) (string, error) {
	var prof Profile
	if errs := mappings.Load("sigma", logsource, &prof); len(errs) > 0 {
		return "", errs
	}
	var parts []string
	for _, f := range []kv{{"category", prof.Logsource.Category}, {"product", prof.Logsource.Product}, {"service", prof.Logsource.Service}} {
		if f.Value != "" {
			parts = append(parts, f.Key+": "+f.Value)
		}
	}
	return strings.Join(parts, ", "), nil
}

// FieldTypes maps each Sigma field name of a logsource's profile to the
// type of the logical field it stands for; byField reports the profile's
// names: fields (a name reads its catalog field, not an event path).
func FieldTypes(logsource string) (types map[string]ir.FieldType, byField bool, err error) {
	var prof Profile
	if errs := mappings.Load("sigma", logsource, &prof); len(errs) > 0 {
		return nil, false, errs
	}
	ls, errs := mappings.LoadLogsource(logsource)
	if len(errs) > 0 {
		return nil, false, errs
	}
	out := map[string]ir.FieldType{}
	for _, f := range prof.Fields {
		lf, _ := ls.Field(f.Field)
		for _, n := range f.Names {
			out[n] = ir.FieldType(lf.Type)
		}
	}
	return out, prof.Names == "fields", nil
}

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
