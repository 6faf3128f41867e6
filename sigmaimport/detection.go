package sigmaimport

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/detgen/detgen/ir"
	"gopkg.in/yaml.v3"
)

// maxCombinations bounds the expansion of an "N of" whose parts are not
// selections (the spec's own limit for targets that cannot count).
const maxCombinations = 64

type selection struct {
	name string
	node *yaml.Node
}

type detectionOut struct {
	sels []selection
	cond string
}

// renderer writes an expression as selections and a condition. A part
// that has the shape of a selection (a field test, keywords, a map of
// field tests, a list of such maps) becomes one, named after the Sigma
// selection it came from (ir labels); the rest becomes the condition.
type renderer struct {
	sels  []selection
	used  map[string]bool
	named map[ir.Expr]string // a selection already written, by identity
	ofs   int                // "N of" groups so far
	err   error
}

func renderDetection(e ir.Expr) (*detectionOut, error) {
	r := &renderer{used: map[string]bool{}, named: map[ir.Expr]string{}}
	cond := r.expr(e, "sel", false, 0)
	if r.err != nil {
		return nil, r.err
	}
	return &detectionOut{sels: r.sels, cond: cond}, nil
}

// Precedence levels of the condition grammar: or < and < not < primary.
const (
	precOr = iota
	precAnd
	precNot
	precPrimary
)

func paren(s string, prec, ctx int) string {
	if prec < ctx {
		return "(" + s + ")"
	}
	return s
}

// expr renders e in a context of precedence ctx; base names the selections
// made from unlabelled parts (base, base_2, ...; numbered: base_1, base_2,
// ..., the parts of a Sigma selection that is not one spec selection).
func (r *renderer) expr(e ir.Expr, base string, numbered bool, ctx int) string {
	if r.err != nil {
		return ""
	}
	if l := label(e); l != "" {
		base, numbered = cleanName(l), false
	}
	if node, ok := selectionNode(e); ok && (label(e) != "" || !hasLabels(e)) {
		if name, ok := r.named[e]; ok {
			return name
		}
		name := r.fresh(base, numbered)
		r.named[e] = name
		r.sels = append(r.sels, selection{name, node})
		return name
	}
	if label(e) != "" {
		numbered = true
	}
	switch n := e.(type) {
	case *ir.And:
		return paren(r.join(n.Args, " and ", base, numbered, precAnd), precAnd, ctx)
	case *ir.Or:
		return paren(r.join(n.Args, " or ", base, numbered, precOr), precOr, ctx)
	case *ir.Not:
		return paren("not "+r.expr(n.Arg, base, numbered, precNot), precNot, ctx)
	case *ir.AtLeast:
		return r.atLeast(n, base, numbered, ctx)
	}
	r.err = fmt.Errorf("cannot write %s as a spec condition", ir.Format(e))
	return ""
}

func (r *renderer) join(args []ir.Expr, sep, base string, numbered bool, prec int) string {
	parts := make([]string, len(args))
	for i, a := range args {
		// Operands of and/or sit one level up: a nested and of the same
		// kind keeps its parentheses, so the expression's shape is kept.
		parts[i] = r.expr(a, base, numbered, prec+1)
	}
	return strings.Join(parts, sep)
}

// atLeast writes "N of ofK_*" over fresh selections ofK_<name>, one per
// part; when a part is not selection-shaped, the OR of the AND of every
// N-combination instead (equivalent, at most maxCombinations).
func (r *renderer) atLeast(n *ir.AtLeast, base string, numbered bool, ctx int) string {
	nodes := make([]*yaml.Node, len(n.Args))
	for i, a := range n.Args {
		node, ok := selectionNode(a)
		if !ok {
			return r.combinations(n, base, numbered, ctx)
		}
		nodes[i] = node
	}
	r.ofs++
	prefix := fmt.Sprintf("of%d_", r.ofs)
	for i, a := range n.Args {
		b := prefix + "sel"
		if l := label(a); l != "" {
			b = prefix + cleanName(l)
		}
		r.sels = append(r.sels, selection{r.fresh(b, false), nodes[i]})
	}
	return fmt.Sprintf("%d of %s*", n.N, prefix)
}

func (r *renderer) combinations(n *ir.AtLeast, base string, numbered bool, ctx int) string {
	if ir.Binomial(len(n.Args), n.N) > maxCombinations {
		r.err = fmt.Errorf("%d of %d parts, some not selections, would need more than %d combinations", n.N, len(n.Args), maxCombinations)
		return ""
	}
	var ors []string
	for _, c := range ir.Combinations(len(n.Args), n.N) {
		var ands []string
		for _, i := range c {
			ands = append(ands, r.expr(n.Args[i], base, numbered, precAnd+1))
		}
		ors = append(ors, paren(strings.Join(ands, " and "), precAnd, precOr+1))
	}
	return paren(strings.Join(ors, " or "), precOr, ctx)
}

// fresh returns an unused selection name from base: base itself, then
// base_2, ...; numbered: base_1, base_2, ...
func (r *renderer) fresh(base string, numbered bool) string {
	name := base
	i := 1
	if numbered {
		name = base + "_1"
	}
	for r.used[name] {
		i++
		name = fmt.Sprintf("%s_%d", base, i)
	}
	r.used[name] = true
	return name
}

var (
	badNameChars = regexp.MustCompile(`[^A-Za-z0-9_-]+`)
	generatedRE  = regexp.MustCompile(`^of[0-9]+_`)
	keywords     = map[string]bool{"and": true, "or": true, "not": true, "of": true, "them": true, "all": true, "any": true}
)

// cleanName makes a Sigma selection name a spec selection name that no
// "N of" pattern of the import matches.
func cleanName(s string) string {
	s = badNameChars.ReplaceAllString(s, "_")
	if s == "" || !(s[0] == '_' || s[0] >= 'a' && s[0] <= 'z' || s[0] >= 'A' && s[0] <= 'Z') || keywords[s] || generatedRE.MatchString(s) {
		s = "sel_" + s
	}
	return s
}

func label(e ir.Expr) string {
	switch n := e.(type) {
	case *ir.And:
		return n.Label
	case *ir.Or:
		return n.Label
	case *ir.Match:
		return n.Label
	case *ir.Keyword:
		return n.Label
	}
	return ""
}

// hasLabels reports whether a part below e carries a selection name.
func hasLabels(e ir.Expr) bool {
	found := false
	ir.Walk(e, func(x ir.Expr) {
		if x != e && label(x) != "" {
			found = true
		}
	})
	return found
}

// selectionNode writes e as a selection when it has the shape of one: a
// field test or keywords alone, a map of field tests (AND), or a list of
// such maps (OR).
func selectionNode(e ir.Expr) (*yaml.Node, bool) {
	switch n := e.(type) {
	case *ir.Keyword:
		if n.Cased {
			return nil, false
		}
		if !n.All {
			return strSeq(n.Values), true
		}
		return mapNode([]ir.Expr{n})
	case *ir.Match, *ir.And:
		return mapNode([]ir.Expr{n})
	case *ir.Or:
		if len(n.Args) < 2 {
			return nil, false
		}
		list := seq()
		for _, a := range n.Args {
			m, ok := mapNode([]ir.Expr{a})
			if !ok {
				return nil, false
			}
			list.Content = append(list.Content, m)
		}
		return list, true
	}
	return nil, false
}

// mapNode writes the items as one map; an And among them is expanded.
// Keys must be distinct, and the spec reads a map of one item as that
// item and a map of several as their And.
func mapNode(items []ir.Expr) (*yaml.Node, bool) {
	if len(items) == 1 {
		if and, ok := items[0].(*ir.And); ok {
			if len(and.Args) < 2 {
				return nil, false
			}
			items = and.Args
		}
	}
	m := mapping()
	seen := map[string]bool{}
	for _, it := range items {
		var k string
		var v *yaml.Node
		switch n := it.(type) {
		case *ir.Match:
			var ok bool
			k, v, ok = matchEntry(n)
			if !ok {
				return nil, false
			}
		case *ir.Keyword:
			if !n.All || n.Cased {
				return nil, false
			}
			k, v = "|all", strSeq(n.Values)
		default:
			return nil, false
		}
		if seen[k] {
			return nil, false
		}
		seen[k] = true
		add(m, str(k), v)
	}
	return m, true
}

// matchEntry is one `field|modifiers: values` entry.
func matchEntry(m *ir.Match) (string, *yaml.Node, bool) {
	k := m.Field
	switch m.Op {
	case ir.Exists:
		return k + "|exists", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "true"}, true
	case ir.Null:
		return k, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}, true
	case ir.Empty:
		if m.Cased {
			k += "|cased"
		}
		return k, str(""), true
	case ir.Equals:
	case ir.Contains, ir.StartsWith, ir.EndsWith, ir.Regex, ir.CIDR, ir.GT, ir.GTE, ir.LT, ir.LTE:
		k += "|" + string(m.Op)
	default:
		return "", nil, false
	}
	if len(m.Values) == 0 {
		return "", nil, false
	}
	for _, f := range m.Flags {
		k += "|" + string(f)
	}
	if m.All && len(m.Values) > 1 {
		k += "|all"
	}
	if m.Cased {
		k += "|cased"
	}
	if m.FieldRef {
		k += "|fieldref"
	}
	scalar := func(v string) *yaml.Node {
		switch {
		case m.FieldRef:
		case m.Op == ir.GT || m.Op == ir.GTE || m.Op == ir.LT || m.Op == ir.LTE,
			m.Type == ir.Int && m.Op == ir.Equals:
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: v}
		case m.Type == ir.Bool && m.Op == ir.Equals:
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: v}
		}
		return str(v)
	}
	return k, values(m.Values, scalar), true
}

// values is one scalar, or a list of several.
func values(vs []string, scalar func(string) *yaml.Node) *yaml.Node {
	if len(vs) == 1 {
		return scalar(vs[0])
	}
	n := seq()
	for _, v := range vs {
		n.Content = append(n.Content, scalar(v))
	}
	return n
}
