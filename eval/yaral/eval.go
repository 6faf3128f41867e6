// Package yaral evaluates a parsed single-event YARA-L 2.0 rule over one
// UDM event: the events section, the outcome section (so $risk_score is
// computed as Chronicle would) and the condition. It covers the constructs
// detgen generates and the common functions; anything else is an error,
// never a silent "false".
package yaral

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/detgen/detgen/lang/yaral"
)

// Event is a UDM event: field path (metadata.log_type,
// target.resource.attribute.labels["image"]) to its values; a repeated
// field has several. A missing field reads as the zero value "".
type Event map[string][]string

// Result is the outcome of a rule on one event.
type Result struct {
	Match    bool
	Outcomes map[string]any // by outcome variable name, without "$"
}

// Evaluate runs r over ev.
func Evaluate(r *yaral.Rule, ev Event) (res Result, err error) {
	defer func() {
		if p := recover(); p != nil {
			if e, ok := p.(evalError); ok {
				res, err = Result{}, e
				return
			}
			panic(p)
		}
	}()
	if r.Match != nil {
		return Result{}, fmt.Errorf("multi-event rules (match section) are not supported")
	}
	x := &evaluator{ev: ev, outcomes: map[string]any{}}
	matched := true
	for _, p := range r.Events.Predicates {
		if x.truth(p) != true {
			matched = false
			break
		}
	}
	if r.Outcome != nil {
		for _, a := range r.Outcome.Assignments {
			x.outcomes[a.Var.Name] = x.eval(a.Value)
		}
	}
	x.eventMatched = matched
	return Result{Match: matched && x.truth(r.Condition.Expr) == true, Outcomes: x.outcomes}, nil
}

type evalError struct{ msg string }

func (e evalError) Error() string { return e.msg }

func fail(n yaral.Node, format string, args ...any) evalError {
	p := n.Pos()
	return evalError{fmt.Sprintf("%d:%d: %s", p.Line, p.Col, fmt.Sprintf(format, args...))}
}

type evaluator struct {
	ev           Event
	outcomes     map[string]any
	eventMatched bool
}

var (
	cache   = map[string]*regexp.Regexp{}
	cacheMu sync.Mutex
)

func compile(n yaral.Node, src string, nocase bool) *regexp.Regexp {
	if nocase {
		src = "(?i)" + src
	}
	cacheMu.Lock()
	defer cacheMu.Unlock()
	if re, ok := cache[src]; ok {
		return re
	}
	re, err := regexp.Compile(src)
	if err != nil {
		panic(fail(n, "bad regex: %v", err))
	}
	cache[src] = re
	return re
}

func (x *evaluator) truth(e yaral.Expr) any {
	v := x.eval(e)
	if b, ok := v.(bool); ok {
		return b
	}
	panic(fail(e, "expected a boolean, found %T", v))
}

// eval returns bool, int64, string, []string (a repeated field or an
// array), or regex.
func (x *evaluator) eval(e yaral.Expr) any {
	switch n := e.(type) {
	case *yaral.BasicLit:
		switch n.Kind {
		case yaral.INT:
			v, err := strconv.ParseInt(n.Value, 10, 64)
			if err != nil {
				panic(fail(n, "%v", err))
			}
			return v
		case yaral.STRING, yaral.RAWSTRING:
			s, err := n.StringValue()
			if err != nil {
				panic(fail(n, "%v", err))
			}
			return s
		case yaral.REGEX:
			s, err := n.StringValue()
			if err != nil {
				panic(fail(n, "%v", err))
			}
			return regexSource(s)
		case yaral.BOOL:
			return n.Value == "true"
		}
		panic(fail(n, "literal %v is not supported", n.Kind))
	case *yaral.FieldExpr:
		if n.Modifier != yaral.ILLEGAL {
			panic(fail(n, "any/all modifiers are not supported by the evaluator"))
		}
		vals := x.ev[fieldPath(n)]
		if len(vals) == 1 {
			return vals[0]
		}
		if len(vals) == 0 {
			return ""
		}
		return vals
	case *yaral.Var:
		if v, ok := x.outcomes[n.Name]; ok {
			return v
		}
		// An event variable in the condition: did the events section hold?
		return x.eventMatched
	case *yaral.UnaryExpr:
		if n.Op == yaral.NOT {
			return !(x.truth(n.X).(bool))
		}
		panic(fail(n, "operator %v is not supported", n.Op))
	case *yaral.BinaryExpr:
		return x.binary(n)
	case *yaral.CallExpr:
		return x.call(n)
	}
	panic(fail(e, "%T is not supported by the evaluator", e))
}

// regexSource marks a string as the source of a regex literal.
type regexSource string

// fieldPath is the canonical path of a field: dotted names, ["key"] and
// [n] as written, without the event variable and an optional udm. prefix.
func fieldPath(f *yaral.FieldExpr) string {
	var b strings.Builder
	for i, p := range f.Path {
		switch {
		case p.Name != "":
			if i == 0 && p.Name == "udm" {
				continue
			}
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(p.Name)
		case p.Index != nil:
			if p.Index.Kind == yaral.INT {
				b.WriteString("[" + p.Index.Value + "]")
			} else {
				key, _ := p.Index.StringValue()
				b.WriteString(`["` + key + `"]`)
			}
		}
	}
	return b.String()
}

func (x *evaluator) binary(n *yaral.BinaryExpr) any {
	switch n.Op {
	case yaral.AND:
		if x.truth(n.X) == false {
			return false
		}
		return x.truth(n.Y)
	case yaral.OR:
		if x.truth(n.X) == true {
			return true
		}
		return x.truth(n.Y)
	case yaral.EQ, yaral.NEQ:
		eq := x.equal(n, x.eval(n.X), x.eval(n.Y), n.Nocase)
		if n.Op == yaral.NEQ {
			return !eq
		}
		return eq
	case yaral.LSS, yaral.LEQ, yaral.GTR, yaral.GEQ:
		a, b := x.number(n.X), x.number(n.Y)
		switch n.Op {
		case yaral.LSS:
			return a < b
		case yaral.LEQ:
			return a <= b
		case yaral.GTR:
			return a > b
		}
		return a >= b
	case yaral.ADD, yaral.SUB, yaral.MUL:
		a, b := x.number(n.X), x.number(n.Y)
		switch n.Op {
		case yaral.ADD:
			return a + b
		case yaral.SUB:
			return a - b
		}
		return a * b
	}
	panic(fail(n, "operator %v is not supported", n.Op))
}

func (x *evaluator) number(e yaral.Expr) int64 {
	switch v := x.eval(e).(type) {
	case int64:
		return v
	case string:
		i, err := strconv.ParseInt(v, 10, 64)
		if err == nil {
			return i
		}
		if v == "" {
			return 0
		}
	}
	panic(fail(e, "expected a number"))
}

// equal compares values; a regex matches anywhere in the value (RE2 find
// semantics, as YARA-L regexes do) and a repeated field matches when any
// element does.
func (x *evaluator) equal(n yaral.Node, a, b any, nocase bool) bool {
	if _, ok := a.(regexSource); ok {
		a, b = b, a
	}
	switch want := b.(type) {
	case regexSource:
		re := compile(n, string(want), nocase)
		return anyValue(a, re.MatchString)
	case string:
		return anyValue(a, func(s string) bool {
			if nocase {
				return strings.EqualFold(s, want)
			}
			return s == want
		})
	case int64:
		return x.numberOf(a) == want
	}
	panic(fail(n, "cannot compare %T and %T", a, b))
}

func (x *evaluator) numberOf(v any) int64 {
	switch t := v.(type) {
	case int64:
		return t
	case string:
		i, _ := strconv.ParseInt(t, 10, 64)
		return i
	}
	return 0
}

func anyValue(v any, f func(string) bool) bool {
	switch t := v.(type) {
	case string:
		return f(t)
	case []string:
		for _, s := range t {
			if f(s) {
				return true
			}
		}
	}
	return false
}

func (x *evaluator) call(n *yaral.CallExpr) any {
	name := n.Name
	if n.Namespace != "" {
		name = n.Namespace + "." + n.Name
	}
	arg := func(i int) any {
		if i >= len(n.Args) {
			panic(fail(n, "%s: missing argument %d", name, i+1))
		}
		return x.eval(n.Args[i])
	}
	switch strings.ToLower(name) {
	case "if":
		if x.truth(n.Args[0]) == true {
			return arg(1)
		}
		if len(n.Args) > 2 {
			return arg(2)
		}
		return int64(0)
	case "max", "min", "sum":
		// Single-event rule without a match section: the aggregate of one
		// value is the value.
		return arg(0)
	case "array_distinct", "array":
		switch v := arg(0).(type) {
		case string:
			if v == "" {
				return []string{}
			}
			return []string{v}
		case []string:
			seen := map[string]bool{}
			var out []string
			for _, s := range v {
				if !seen[s] {
					seen[s] = true
					out = append(out, s)
				}
			}
			return out
		}
		return []string{}
	case "count", "count_distinct":
		return int64(1)
	case "re.regex":
		src, ok := arg(1).(string)
		if rs, isRe := arg(1).(regexSource); isRe {
			src, ok = string(rs), true
		}
		if !ok {
			panic(fail(n, "re.regex needs a regex"))
		}
		return anyValue(arg(0), compile(n, src, n.Nocase).MatchString)
	case "strings.to_lower":
		s, _ := arg(0).(string)
		return strings.ToLower(s)
	case "strings.contains":
		s, _ := arg(0).(string)
		sub, _ := arg(1).(string)
		return strings.Contains(s, sub)
	}
	panic(fail(n, "function %s is not supported by the evaluator", name))
}
