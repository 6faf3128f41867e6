package testrun

import (
	"fmt"
	"strings"

	"github.com/detgen/detgen/diag"
	"github.com/detgen/detgen/driver"
	"github.com/detgen/detgen/ir"
)

// A Mutant is a rule with one change to its detection: a condition
// removed, negated or a value dropped. Every target's artifact is
// regenerated from it; a test suite that still passes on a mutated
// artifact has a hole (the mutant "survives").
type Mutant struct {
	Desc string   // what changed, in spec terms
	Pos  diag.Pos // the spec position of the changed test, when known
	rule *ir.Rule
}

// Survivor is a mutant the rule's tests did not kill on one target.
type Survivor struct {
	Rule   *ir.Rule
	Target string // "reference" or a target name
	Mutant Mutant
	// Line is the first line where the mutated artifact differs from the
	// shipped one (0 for the reference).
	Line int
	Text string // that line of the mutated artifact
}

// Mutants lists the mutants of r: for every node of the condition and of
// each signal, the node dropped from its AND/OR, the node negated, and for
// a test with several values each value dropped.
func Mutants(r *ir.Rule) []Mutant {
	var out []Mutant
	roots := []struct {
		name string
		get  func(*ir.Rule) *ir.Expr
	}{{"condition", func(x *ir.Rule) *ir.Expr { return &x.Condition }}}
	if r.Scoring != nil {
		for i, s := range r.Scoring.Signals {
			i := i
			roots = append(roots, struct {
				name string
				get  func(*ir.Rule) *ir.Expr
			}{"signal " + s.Name, func(x *ir.Rule) *ir.Expr { return &x.Scoring.Signals[i].When }})
		}
	}
	if r.Sequence != nil {
		for i, st := range r.Sequence.Steps {
			i := i
			roots = append(roots, struct {
				name string
				get  func(*ir.Rule) *ir.Expr
			}{"step " + st.Name, func(x *ir.Rule) *ir.Expr { return &x.Sequence.Steps[i].When }})
		}
	}
	for _, root := range roots {
		e := *root.get(r)
		n := count(e)
		for k := 0; k < n; k++ {
			node, parent := nth(e, k)
			desc := describe(node)
			pos := posOf(node)
			if siblings(parent) > 1 {
				out = append(out, mutant(r, root.get, fmt.Sprintf("%s: drop %s", root.name, desc), pos, k, dropOp))
			}
			out = append(out, mutant(r, root.get, fmt.Sprintf("%s: negate %s", root.name, desc), pos, k, negateOp))
			if m, ok := node.(*ir.Match); ok && len(m.Values) > 1 {
				for j, v := range m.Values {
					out = append(out, mutant(r, root.get, fmt.Sprintf("%s: drop value %q of %s", root.name, v, desc), pos, k, dropValueOp(j)))
				}
			}
		}
	}
	return out
}

type op func(node ir.Expr) (ir.Expr, bool) // bool: remove the node

func dropOp(ir.Expr) (ir.Expr, bool) { return nil, true }

func negateOp(e ir.Expr) (ir.Expr, bool) {
	if n, ok := e.(*ir.Not); ok {
		return n.Arg, false
	}
	return &ir.Not{Arg: e}, false
}

func dropValueOp(j int) op {
	return func(e ir.Expr) (ir.Expr, bool) {
		m := *e.(*ir.Match)
		m.Values = append(append([]string(nil), m.Values[:j]...), m.Values[j+1:]...)
		if len(m.Values) < 2 {
			m.All = false
		}
		return &m, false
	}
}

func mutant(r *ir.Rule, get func(*ir.Rule) *ir.Expr, desc string, pos diag.Pos, k int, f op) Mutant {
	c := *r
	if r.Scoring != nil {
		s := *r.Scoring
		s.Signals = append([]ir.Signal(nil), r.Scoring.Signals...)
		c.Scoring = &s
	}
	if r.Sequence != nil {
		q := *r.Sequence
		q.Steps = append([]ir.Step(nil), r.Sequence.Steps...)
		c.Sequence = &q
	}
	slot := get(&c)
	i := 0
	*slot, _ = rewrite(*slot, k, &i, f)
	return Mutant{Desc: desc, Pos: pos, rule: &c}
}

// rewrite returns e with its k-th node (pre-order) changed by f, copying
// only the nodes on the path to it; removed reports that f dropped e
// itself, for the parent to leave out.
func rewrite(e ir.Expr, k int, i *int, f op) (out ir.Expr, removed bool) {
	if *i == k {
		*i++
		return f(e)
	}
	*i++
	kids := func(args []ir.Expr) []ir.Expr {
		var out []ir.Expr
		for _, a := range args {
			if n, removed := rewrite(a, k, i, f); !removed {
				out = append(out, n)
			}
		}
		return out
	}
	switch n := e.(type) {
	case *ir.And:
		return &ir.And{Label: n.Label, Args: kids(n.Args)}, false
	case *ir.Or:
		return &ir.Or{Label: n.Label, Args: kids(n.Args)}, false
	case *ir.AtLeast:
		args := kids(n.Args)
		m := n.N
		if m > len(args) {
			m = len(args)
		}
		return &ir.AtLeast{N: m, Args: args}, false
	case *ir.Not:
		arg, _ := rewrite(n.Arg, k, i, f)
		return &ir.Not{Arg: arg}, false
	}
	return e, false
}

func count(e ir.Expr) int {
	n := 0
	ir.Walk(e, func(ir.Expr) { n++ })
	return n
}

// nth returns the k-th node in pre-order and its parent.
func nth(e ir.Expr, k int) (node, parent ir.Expr) {
	i := 0
	var walk func(e, p ir.Expr) bool
	walk = func(e, p ir.Expr) bool {
		if i == k {
			node, parent = e, p
			return true
		}
		i++
		var args []ir.Expr
		switch n := e.(type) {
		case *ir.And:
			args = n.Args
		case *ir.Or:
			args = n.Args
		case *ir.AtLeast:
			args = n.Args
		case *ir.Not:
			args = []ir.Expr{n.Arg}
		}
		for _, a := range args {
			if walk(a, e) {
				return true
			}
		}
		return false
	}
	walk(e, nil)
	return node, parent
}

// siblings is the number of arguments of an AND, OR or N-of parent.
func siblings(p ir.Expr) int {
	switch n := p.(type) {
	case *ir.And:
		return len(n.Args)
	case *ir.Or:
		return len(n.Args)
	case *ir.AtLeast:
		return len(n.Args)
	}
	return 0
}

func describe(e ir.Expr) string {
	switch n := e.(type) {
	case *ir.Match:
		s := n.Field + "|" + string(n.Op)
		if n.Label != "" {
			s = n.Label + " (" + s + ")"
		}
		return s
	case *ir.And:
		if n.Label != "" {
			return n.Label
		}
		return "an and-group"
	case *ir.Or:
		if n.Label != "" {
			return n.Label
		}
		return "an or-group"
	case *ir.Not:
		return "a not"
	case *ir.AtLeast:
		return fmt.Sprintf("a %d-of group", n.N)
	case *ir.Keyword:
		return "keywords"
	}
	return "?"
}

func posOf(e ir.Expr) diag.Pos {
	var p diag.Pos
	ir.Walk(e, func(x ir.Expr) {
		if m, ok := x.(*ir.Match); ok && p.Line == 0 {
			p = m.Pos
		}
	})
	return p
}

// Mutate runs every mutant of every rule against the rule's tests on the
// reference and on every target whose artifact regenerates, and returns
// the survivors. arts are the shipped artifacts (for the line report).
func Mutate(rules []*ir.Rule, arts []driver.Artifact, targets []driver.Target) ([]Survivor, int, error) {
	shipped := map[string][]byte{}
	for _, a := range arts {
		shipped[a.Rule.ID+"/"+a.Target.Name] = a.Data
	}
	var out []Survivor
	total := 0
	for _, r := range rules {
		for _, m := range Mutants(r) {
			// The reference: does some test tell the mutated spec apart?
			total++
			res, err := Run([]*ir.Rule{m.rule}, nil)
			if err != nil {
				return nil, 0, err
			}
			if !killed(res, "reference") {
				out = append(out, Survivor{Rule: r, Target: "reference", Mutant: m})
			}
			for _, t := range targets {
				data, err := t.Generate(m.rule)
				if err != nil {
					continue // the mutant does not compile for this target
				}
				orig := shipped[r.ID+"/"+t.Name]
				line, text := firstDiff(orig, data)
				if line == 0 {
					continue // an equivalent artifact: nothing to kill
				}
				total++
				res, err := Run([]*ir.Rule{m.rule}, []driver.Artifact{{Rule: m.rule, Target: t, Data: data}})
				if err != nil {
					return nil, 0, err
				}
				if !killed(res, t.Name) {
					out = append(out, Survivor{Rule: r, Target: t.Name, Mutant: m, Line: line, Text: text})
				}
			}
		}
	}
	return out, total, nil
}

// killed reports whether some case fails on the column.
func killed(results []Result, col string) bool {
	for _, r := range results {
		c, ok := r.Cells[col]
		if ok && (c.Err != nil || !c.OK) {
			return true
		}
	}
	return false
}

func firstDiff(a, b []byte) (int, string) {
	al := strings.Split(string(a), "\n")
	bl := strings.Split(string(b), "\n")
	for i := 0; i < len(bl); i++ {
		if i >= len(al) || al[i] != bl[i] {
			return i + 1, strings.TrimSpace(bl[i])
		}
	}
	if len(al) != len(bl) {
		return len(bl), ""
	}
	return 0, ""
}

// PrintSurvivors writes one line per surviving mutant.
func PrintSurvivors(w interface{ Write([]byte) (int, error) }, survivors []Survivor) {
	for _, s := range survivors {
		where := s.Rule.SourceFile
		if s.Mutant.Pos.Line > 0 {
			where = s.Mutant.Pos.String()
		}
		if s.Target == "reference" {
			fmt.Fprintf(w, "%s: %s: survives on the spec itself: %s\n", where, s.Rule.Name, s.Mutant.Desc)
			continue
		}
		fmt.Fprintf(w, "%s: %s: survives on %s (artifact line %d: %s): %s\n", where, s.Rule.Name, s.Target, s.Line, clip(s.Text, 100), s.Mutant.Desc)
	}
}
