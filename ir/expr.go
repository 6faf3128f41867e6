package ir

import (
	"fmt"
	"strings"

	"github.com/detgen/detgen/diag"
)

// Expr is a boolean expression over the fields of one event: And, Or,
// Not, AtLeast, Match or Keyword. docs/spec.md gives the exact meaning of
// every node; each backend renders it and each evaluator runs it.
type Expr interface{ exprNode() }

// And holds when every argument holds. Label is the name of the spec
// selection it came from, if any, so outputs can keep the author's names.
type And struct {
	Label string
	Args  []Expr
}

// Or holds when any argument holds.
type Or struct {
	Label string
	Args  []Expr
}

// Not holds when its argument does not.
type Not struct{ Arg Expr }

// AtLeast holds when N or more of its arguments hold ("N of").
type AtLeast struct {
	N    int
	Args []Expr
}

// FieldType is the type of a logical field's value.
type FieldType string

const (
	String FieldType = "string"
	Int    FieldType = "int"
	Bool   FieldType = "bool"
	IP     FieldType = "ip"
	// List is a field with several string values (argv, a list of
	// images): a test holds when it holds for any element.
	List FieldType = "list"
)

// Op is the comparison a Test applies.
type Op string

const (
	Equals     Op = "equals"
	Contains   Op = "contains"
	StartsWith Op = "startswith"
	EndsWith   Op = "endswith"
	Regex      Op = "re"
	CIDR       Op = "cidr"
	GT         Op = "gt"
	GTE        Op = "gte"
	LT         Op = "lt"
	LTE        Op = "lte"
	Exists     Op = "exists" // the field has a non-null value
	Null       Op = "null"   // the field is absent or null
	Empty      Op = "empty"  // the field's value is the empty string
)

// Match compares one field with a list of values. With All false it holds
// when any value holds; with All true when every value does. A value holds
// when some value of the field (any element of a list field) satisfies Op
// against it.
type Match struct {
	Pos   diag.Pos // the spec key, for errors that name a construct
	Label string
	Field string
	Type  FieldType
	Op    Op
	// Values are literal: no wildcards, already transformed (base64,
	// utf16, windash are expanded at compile time). Numbers are decimal
	// text; booleans "true"/"false". Empty for Exists, Null and Empty.
	Values []string
	All    bool
	// Cased makes string comparisons case-sensitive; the default, as in
	// Sigma, is case-insensitive. Regex is case-sensitive unless Flags
	// holds "i".
	Cased bool
	// Flags are regex flags, a subset of "ims" in that order.
	Flags string
	// FieldRef makes Values the names of other fields of the same event,
	// compared with this one.
	FieldRef bool
}

// Keyword holds when a value occurs in the event's text (any string value
// of the event, case-insensitive unless Cased); All requires every value.
type Keyword struct {
	Pos    diag.Pos
	Label  string
	Values []string
	All    bool
	Cased  bool
}

func (*And) exprNode()     {}
func (*Or) exprNode()      {}
func (*Not) exprNode()     {}
func (*AtLeast) exprNode() {}
func (*Match) exprNode()   {}
func (*Keyword) exprNode() {}

// Walk calls f on e and every node below it, parents first.
func Walk(e Expr, f func(Expr)) {
	f(e)
	switch n := e.(type) {
	case *And:
		for _, a := range n.Args {
			Walk(a, f)
		}
	case *Or:
		for _, a := range n.Args {
			Walk(a, f)
		}
	case *Not:
		Walk(n.Arg, f)
	case *AtLeast:
		for _, a := range n.Args {
			Walk(a, f)
		}
	}
}

// Matches lists every field test of e, in order.
func Matches(e Expr) []*Match {
	var out []*Match
	if e == nil {
		return nil
	}
	Walk(e, func(x Expr) {
		if t, ok := x.(*Match); ok {
			out = append(out, t)
		}
	})
	return out
}

// Fields lists the logical fields r reads (condition and signals, field
// references included, then an aggregation's group and aggregated fields,
// a sequence's join fields and its steps'), in first-use order.
func (r *Rule) Fields() []string {
	var out []string
	seen := map[string]bool{}
	add := func(f string) {
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	visit := func(e Expr) {
		for _, t := range Matches(e) {
			add(t.Field)
			if t.FieldRef {
				for _, v := range t.Values {
					add(v)
				}
			}
		}
	}
	visit(r.Condition)
	if r.Scoring != nil {
		for _, s := range r.Scoring.Signals {
			visit(s.When)
		}
	}
	if a := r.Aggregate; a != nil {
		for _, f := range a.GroupBy {
			add(f)
		}
		if a.Field != "" {
			add(a.Field)
		}
	}
	if q := r.Sequence; q != nil {
		for _, f := range q.Join {
			add(f)
		}
		for _, st := range q.Steps {
			visit(st.When)
		}
	}
	return out
}

// Format renders e in the spec's condition syntax with tests inline; for
// messages and debugging, not for any target.
func Format(e Expr) string {
	switch n := e.(type) {
	case *And:
		return join(n.Args, " and ")
	case *Or:
		return join(n.Args, " or ")
	case *Not:
		return "not " + Format(n.Arg)
	case *AtLeast:
		return fmt.Sprintf("%d of %s", n.N, join(n.Args, ", "))
	case *Match:
		mods := string(n.Op)
		if n.All {
			mods += "|all"
		}
		if n.Cased {
			mods += "|cased"
		}
		if n.FieldRef {
			mods += "|fieldref"
		}
		return fmt.Sprintf("%s|%s%q", n.Field, mods, n.Values)
	case *Keyword:
		return fmt.Sprintf("keywords%q", n.Values)
	}
	return "?"
}

func join(args []Expr, sep string) string {
	s := make([]string, len(args))
	for i, a := range args {
		s[i] = Format(a)
	}
	return "(" + strings.Join(s, sep) + ")"
}

// MaxScore is the score of an event on which every signal is present.
func (s *Scoring) MaxScore() int {
	n := s.Base
	for _, sig := range s.Signals {
		n += sig.Weight
	}
	return n
}

// AnySignalAlerts reports whether any single signal reaches the threshold,
// so "at least one signal" is exactly the alert condition. When false,
// backends must also compare the computed score with the threshold.
func (s *Scoring) AnySignalAlerts() bool {
	for _, sig := range s.Signals {
		if s.Base+sig.Weight < s.Threshold {
			return false
		}
	}
	return true
}

// AlertingSets returns the minimal sets of signal indexes whose weights
// bring the score to the threshold: the alert condition written as an OR of
// ANDs, for targets that cannot add numbers (Sigma). Sets are in
// lexicographic index order, so the output is deterministic.
func (s *Scoring) AlertingSets() [][]int {
	var out [][]int
	var walk func(start, score int, set []int)
	walk = func(start, score int, set []int) {
		if score >= s.Threshold {
			out = append(out, append([]int(nil), set...))
			return
		}
		for i := start; i < len(s.Signals); i++ {
			walk(i+1, score+s.Signals[i].Weight, append(set, i))
		}
	}
	walk(0, s.Base, nil)
	// walk stops at the first index that reaches the threshold, but a set
	// found later may still contain an earlier, smaller one; drop those.
	var minimal [][]int
	for i, a := range out {
		keep := true
		for j, b := range out {
			if i != j && len(b) < len(a) && subset(b, a) {
				keep = false
				break
			}
		}
		if keep {
			minimal = append(minimal, a)
		}
	}
	return minimal
}

func subset(small, big []int) bool {
	in := map[int]bool{}
	for _, x := range big {
		in[x] = true
	}
	for _, x := range small {
		if !in[x] {
			return false
		}
	}
	return true
}

// Combinations returns every k-element subset of 0..n-1 in lexicographic
// order: how targets without a counting operator write "k of n".
func Combinations(n, k int) [][]int {
	var out [][]int
	var rec func(start int, cur []int)
	rec = func(start int, cur []int) {
		if len(cur) == k {
			out = append(out, append([]int(nil), cur...))
			return
		}
		for i := start; i <= n-(k-len(cur)); i++ {
			rec(i+1, append(cur, i))
		}
	}
	rec(0, nil)
	return out
}

// Binomial is the number of k-element subsets of n elements.
func Binomial(n, k int) int {
	if k < 0 || k > n {
		return 0
	}
	r := 1
	for i := 1; i <= k; i++ {
		r = r * (n - k + i) / i
	}
	return r
}
