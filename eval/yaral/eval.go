// Package yaral evaluates parsed YARA-L 2.0 rules. Evaluate runs a
// single-event rule (no match section) over one UDM event: the events
// section, the outcome section (so $risk_score is computed as Chronicle
// would) and the condition. EvaluateAll runs any rule over a sequence of
// timed events; multi-event rules (match section, several event variables,
// outcome aggregations, #counts) are described in multi.go. The package
// covers the constructs detgen generates and the common functions;
// anything else is an error, never a silent "false".
//
// Semantics follow Google's YARA-L reference:
//   - A missing field reads as its zero value: "" for strings, 0 for
//     numbers, false for booleans (UDM does not tell empty from missing).
//   - An unmodified repeated field is unnested: the events section holds
//     when some event copy, with one element of each repeated field, satisfies
//     every predicate ("Repeated fields": "If any event copy satisfies all
//     unmodified conditions ..."). So "not $e.ip = x" holds when some
//     element differs from x; "all $e.ip != x" when none equals x.
//   - any/all apply to the enclosing comparison or boolean call and look at
//     the whole list.
//   - A map access ["key"] holds one value, the first; an index [n] picks
//     element n, "" when out of range.
//   - Regexes are RE2 and match anywhere in the value; nocase adds (?i).
//
// The outcome section is evaluated on the whole event (no unnesting): a
// repeated field there is a list, and a comparison on a list holds when it
// holds for some element.
package yaral

import (
	"cmp"
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/detgen/detgen/lang/yaral"
)

// Event is a UDM event: field path (metadata.log_type,
// target.resource.attribute.labels["image"]) to its values; a repeated
// field has several. A missing field reads as the zero value "". Numbers
// and booleans are given as text ("443", "true").
type Event map[string][]string

// Result is the outcome of a rule on one event.
type Result struct {
	Match    bool
	Outcomes map[string]any // by outcome variable name, without "$"
}

// maxCopies bounds the event copies of one event, so that many repeated
// fields cannot make evaluation explode.
const maxCopies = 1 << 16

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
	if r == nil || r.Events == nil || r.Condition == nil {
		return Result{}, fmt.Errorf("incomplete rule")
	}
	if r.Match != nil {
		return Result{}, fmt.Errorf("multi-event rules (match section) are not supported")
	}
	x := &evaluator{ev: ev, outcomes: map[string]any{}, elem: map[*yaral.FieldExpr]string{}}
	matched := x.eventsMatch(r.Events.Predicates)
	if r.Outcome != nil {
		for _, a := range r.Outcome.Assignments {
			if a == nil || a.Var == nil {
				return Result{}, fmt.Errorf("incomplete outcome assignment")
			}
			x.outcomes[a.Var.Name] = x.eval(a.Value)
		}
	}
	x.eventMatched, x.inCondition = matched, true
	return Result{Match: matched && x.truth(r.Condition.Expr), Outcomes: x.outcomes}, nil
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
	inCondition  bool

	// Multi-event rules (multi.go). In modeRow the evaluator reads the
	// fields of several events (evs, by event variable) and placeholder
	// values (phs); in modeGroup it computes outcomes and the condition
	// over the rows of one detection window (group).
	mode  mode
	evs   map[string]Event
	phs   map[string]string
	group *group

	copy map[string]string           // the element of each unnested field in the current event copy
	elem map[*yaral.FieldExpr]string // the element of an any/all field being tried
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

// ----------------------------------------------------------------------------
// Event copies

// eventsMatch reports whether some event copy satisfies every predicate.
func (x *evaluator) eventsMatch(preds []yaral.Expr) bool {
	dims := x.unnested(preds)
	n := 1
	for _, d := range dims {
		if n *= len(x.ev[d]); n > maxCopies {
			panic(evalError{fmt.Sprintf("more than %d event copies: too many repeated field values", maxCopies)})
		}
	}
	x.copy = map[string]string{}
	defer func() { x.copy = nil }()
	return x.someCopy(dims, preds)
}

// someCopy tries every element of dims[0] (and recursively of the rest)
// and reports whether one choice satisfies all predicates.
func (x *evaluator) someCopy(dims []string, preds []yaral.Expr) bool {
	if len(dims) == 0 {
		for _, p := range preds {
			if !x.truth(p) {
				return false
			}
		}
		return true
	}
	for _, v := range x.ev[dims[0]] {
		x.copy[dims[0]] = v
		if x.someCopy(dims[1:], preds) {
			return true
		}
	}
	return false
}

// unnested returns, in order of first use, the paths of the unmodified
// fields of preds that hold more than one value.
func (x *evaluator) unnested(preds []yaral.Expr) []string {
	var dims []string
	seen := map[string]bool{}
	for _, p := range preds {
		yaral.Inspect(p, func(e yaral.Expr) bool {
			f, ok := e.(*yaral.FieldExpr)
			if !ok {
				return true
			}
			key := fieldPath(f)
			if f.Modifier == yaral.ILLEGAL && !seen[key] && len(x.values(f)) > 1 {
				seen[key] = true
				dims = append(dims, key)
			}
			return false
		})
	}
	return dims
}

// ----------------------------------------------------------------------------
// Fields

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

// values returns the values of f in the event. A map access holds one
// value, the first (Google: duplicate keys return the first value); a
// trailing index [n] picks element n of the field when the event does not
// spell the indexed path itself.
func (x *evaluator) values(f *yaral.FieldExpr) []string {
	key := fieldPath(f)
	vals, ok := x.event(f)[key]
	if !ok && len(f.Path) > 1 {
		if last := f.Path[len(f.Path)-1]; last.Index != nil && last.Index.Kind == yaral.INT {
			return x.element(&yaral.FieldExpr{Var: f.Var, Path: f.Path[:len(f.Path)-1]}, last.Index)
		}
	}
	if hasMapKey(f) && len(vals) > 1 {
		return vals[:1]
	}
	return vals
}

// element returns element idx of base as a one-value list ("" when out of
// range: Google returns the zero value).
func (x *evaluator) element(base *yaral.FieldExpr, idx *yaral.BasicLit) []string {
	i, err := strconv.Atoi(idx.Value)
	vals := x.values(base)
	if err != nil || i >= len(vals) {
		return []string{""}
	}
	return vals[i : i+1]
}

func hasMapKey(f *yaral.FieldExpr) bool {
	for _, p := range f.Path {
		if p.Index != nil && p.Index.Kind != yaral.INT {
			return true
		}
	}
	return false
}

// field returns the value of f: the element being tried for an any/all
// field, the element of the current event copy, otherwise the single value
// ("" when missing) or, in the outcome section, the whole list.
func (x *evaluator) field(f *yaral.FieldExpr) any {
	if v, ok := x.elem[f]; ok {
		return v
	}
	if f.Modifier != yaral.ILLEGAL {
		panic(fail(f, "%s must be part of a comparison or a boolean function call", f.Modifier))
	}
	if x.mode == modeGroup {
		panic(fail(f, "event field $%s.%s outside an aggregation: with a match section, outcome fields must be aggregated", f.Var.Name, f.FieldPath()))
	}
	if v, ok := x.copy[fieldPath(f)]; ok {
		return v
	}
	switch vals := x.values(f); len(vals) {
	case 0:
		return ""
	case 1:
		return vals[0]
	default:
		return vals
	}
}

// ----------------------------------------------------------------------------
// any/all

// quantifier returns the any/all field of the predicate e that is not yet
// being tried, or nil. Two modifiers in one predicate are an error: YARA-L
// cannot join two repeated fields with any/all.
func (x *evaluator) quantifier(e yaral.Expr) *yaral.FieldExpr {
	var mods []*yaral.FieldExpr
	yaral.Inspect(e, func(n yaral.Expr) bool {
		if f, ok := n.(*yaral.FieldExpr); ok && f.Modifier != yaral.ILLEGAL {
			mods = append(mods, f)
		}
		return true
	})
	if len(mods) > 1 {
		panic(fail(mods[1], "only one any/all per predicate is supported"))
	}
	if len(mods) == 1 {
		if _, trying := x.elem[mods[0]]; !trying {
			return mods[0]
		}
	}
	return nil
}

// quantify evaluates the predicate e once per element of f: any needs one
// element to satisfy it, all needs every element. A missing field is one
// zero value.
func (x *evaluator) quantify(f *yaral.FieldExpr, e yaral.Expr) bool {
	vals := x.values(f)
	if len(vals) == 0 {
		vals = []string{""}
	}
	defer delete(x.elem, f)
	want := f.Modifier == yaral.ANY
	for _, v := range vals {
		x.elem[f] = v
		if x.truth(e) == want {
			return want
		}
	}
	return !want
}

// ----------------------------------------------------------------------------
// Expressions

func (x *evaluator) truth(e yaral.Expr) bool {
	v := x.eval(e)
	if b, ok := v.(bool); ok {
		return b
	}
	panic(fail(e, "expected a boolean, found %T", v))
}

// eval returns bool, int64, float64, string, []string (a repeated field or
// an array), or regexSource.
func (x *evaluator) eval(e yaral.Expr) any {
	switch n := e.(type) {
	case *yaral.BasicLit:
		return literal(n)
	case *yaral.FieldExpr:
		return x.field(n)
	case *yaral.Var:
		return x.variable(n)
	case *yaral.CountVar:
		return x.count(n)
	case *yaral.UnaryExpr:
		if n.Op == yaral.NOT {
			return !x.truth(n.X)
		}
		panic(fail(n, "operator %v is not supported", n.Op))
	case *yaral.BinaryExpr:
		if isComparison(n.Op) {
			if f := x.quantifier(n); f != nil {
				return x.quantify(f, n)
			}
		}
		return x.binary(n)
	case *yaral.CallExpr:
		if predicates[callName(n)] {
			if f := x.quantifier(n); f != nil {
				return x.quantify(f, n)
			}
		}
		return x.call(n)
	case nil:
		panic(evalError{"missing expression"})
	}
	panic(fail(e, "%T is not supported by the evaluator", e))
}

// regexSource marks a string as the source of a regex literal.
type regexSource string

func literal(n *yaral.BasicLit) any {
	switch n.Kind {
	case yaral.INT:
		v, err := strconv.ParseInt(n.Value, 10, 64)
		if err != nil {
			panic(fail(n, "%v", err))
		}
		return v
	case yaral.FLOAT:
		v, err := strconv.ParseFloat(n.Value, 64)
		if err != nil {
			panic(fail(n, "%v", err))
		}
		return v
	case yaral.STRING, yaral.RAWSTRING, yaral.REGEX:
		s, err := n.StringValue()
		if err != nil {
			panic(fail(n, "%v", err))
		}
		if n.Kind == yaral.REGEX {
			return regexSource(s)
		}
		return s
	case yaral.BOOL:
		return n.Value == "true"
	}
	panic(fail(n, "literal %v is not supported", n.Kind))
}

// variable returns an outcome variable, or in the condition whether the
// events section held for an event variable.
func (x *evaluator) variable(n *yaral.Var) any {
	if v, ok := x.outcomes[n.Name]; ok {
		return v
	}
	if x.mode != modeSingle {
		return x.multiVariable(n)
	}
	if x.inCondition {
		return x.eventMatched
	}
	panic(fail(n, "placeholder $%s is not supported by the evaluator", n.Name))
}

func isComparison(op yaral.Token) bool {
	switch op {
	case yaral.EQ, yaral.NEQ, yaral.LSS, yaral.LEQ, yaral.GTR, yaral.GEQ:
		return true
	}
	return false
}

func (x *evaluator) binary(n *yaral.BinaryExpr) any {
	switch n.Op {
	case yaral.AND:
		return x.truth(n.X) && x.truth(n.Y)
	case yaral.OR:
		return x.truth(n.X) || x.truth(n.Y)
	case yaral.ADD, yaral.SUB, yaral.MUL:
		a, b := x.integer(n.X), x.integer(n.Y)
		switch n.Op {
		case yaral.ADD:
			return a + b
		case yaral.SUB:
			return a - b
		}
		return a * b
	}
	if isComparison(n.Op) {
		a, b := x.eval(n.X), x.eval(n.Y)
		return some(a, func(a any) bool {
			return some(b, func(b any) bool { return compare(n, a, b) })
		})
	}
	panic(fail(n, "operator %v is not supported", n.Op))
}

// some reports whether f holds for v, or for some element of a list.
func some(v any, f func(any) bool) bool {
	if list, ok := v.([]string); ok {
		for _, s := range list {
			if f(s) {
				return true
			}
		}
		return false
	}
	return f(v)
}

// compare applies the comparison n to two scalar values. A regex matches
// anywhere in the value; a boolean or number operand makes the other one
// read as a boolean or number (UDM values arrive as text).
func compare(n *yaral.BinaryExpr, a, b any) bool {
	if n.Op == yaral.NEQ {
		return !equal(n, a, b)
	}
	if n.Op == yaral.EQ {
		return equal(n, a, b)
	}
	c := order(n, a, b)
	switch n.Op {
	case yaral.LSS:
		return c < 0
	case yaral.LEQ:
		return c <= 0
	case yaral.GTR:
		return c > 0
	}
	return c >= 0
}

func equal(n *yaral.BinaryExpr, a, b any) bool {
	if _, ok := a.(regexSource); ok {
		a, b = b, a
	}
	if re, ok := b.(regexSource); ok {
		return compile(n, string(re), n.Nocase).MatchString(text(n, a))
	}
	_, aBool := a.(bool)
	_, bBool := b.(bool)
	switch {
	case aBool || bBool:
		return boolean(n, a) == boolean(n, b)
	case isNumber(a) || isNumber(b):
		return order(n, a, b) == 0
	case n.Nocase:
		return strings.EqualFold(text(n, a), text(n, b))
	}
	return text(n, a) == text(n, b)
}

func isNumber(v any) bool {
	switch v.(type) {
	case int64, float64:
		return true
	}
	return false
}

// order compares two numbers: exactly as integers when both are, else as
// floats.
func order(n yaral.Node, a, b any) int {
	ai, af, aInt := number(n, a)
	bi, bf, bInt := number(n, b)
	if aInt && bInt {
		return cmp.Compare(ai, bi)
	}
	return cmp.Compare(af, bf)
}

// number reads v as a number; "" (a missing field) is 0.
func number(n yaral.Node, v any) (i int64, f float64, isInt bool) {
	switch t := v.(type) {
	case int64:
		return t, float64(t), true
	case float64:
		return 0, t, false
	case string:
		if t == "" {
			return 0, 0, true
		}
		if i, err := strconv.ParseInt(t, 10, 64); err == nil {
			return i, float64(i), true
		}
		if f, err := strconv.ParseFloat(t, 64); err == nil {
			return 0, f, false
		}
		panic(fail(n, "%q is not a number", t))
	}
	panic(fail(n, "expected a number, found %T", v))
}

// boolean reads v as a boolean; "" (a missing field) is false.
func boolean(n yaral.Node, v any) bool {
	switch t := v.(type) {
	case bool:
		return t
	case string:
		switch {
		case t == "" || strings.EqualFold(t, "false"):
			return false
		case strings.EqualFold(t, "true"):
			return true
		}
		panic(fail(n, "%q is not a boolean", t))
	}
	panic(fail(n, "expected a boolean, found %T", v))
}

// text reads v as a string.
func text(n yaral.Node, v any) string {
	switch t := v.(type) {
	case string:
		return t
	case int64:
		return strconv.FormatInt(t, 10)
	case float64:
		return strconv.FormatFloat(t, 'g', -1, 64)
	case bool:
		return strconv.FormatBool(t)
	}
	panic(fail(n, "expected a string, found %T", v))
}

// integer evaluates an arithmetic operand.
func (x *evaluator) integer(e yaral.Expr) int64 {
	i, _, isInt := number(e, x.eval(e))
	if !isInt {
		panic(fail(e, "expected an integer"))
	}
	return i
}

// ----------------------------------------------------------------------------
// Functions

// predicates are the boolean functions: an any/all argument quantifies the
// call itself.
var predicates = map[string]bool{
	"re.regex": true, "strings.contains": true, "strings.starts_with": true,
	"strings.ends_with": true, "net.ip_in_range_cidr": true,
}

func callName(n *yaral.CallExpr) string { return strings.ToLower(n.FuncName()) }

func (x *evaluator) call(n *yaral.CallExpr) any {
	name := callName(n)
	arg := func(i int) any {
		if i >= len(n.Args) {
			panic(fail(n, "%s: missing argument %d", name, i+1))
		}
		return x.eval(n.Args[i])
	}
	switch name {
	case "if":
		if x.truth(n.Args[0]) {
			return arg(1)
		}
		if len(n.Args) > 2 {
			return arg(2)
		}
		return int64(0)
	case "max", "min", "sum", "window.avg", "array_distinct", "array", "count", "count_distinct":
		if x.mode != modeSingle {
			return x.aggregate(n)
		}
	}
	switch name {
	case "max", "min", "sum", "window.avg":
		// Single-event rule without a match section: the aggregate of one
		// value is the value.
		return arg(0)
	case "array_distinct", "array":
		return distinct(arg(0))
	case "count", "count_distinct":
		return int64(1)
	case "re.regex":
		re := compile(n, regexArg(n, arg(1)), n.Nocase)
		return someText(n, arg(0), re.MatchString)
	case "strings.contains":
		return pairwise(n, arg(0), arg(1), strings.Contains)
	case "strings.starts_with":
		// Google: true only for a non-empty prefix.
		return pairwise(n, arg(0), arg(1), func(s, p string) bool { return p != "" && strings.HasPrefix(s, p) })
	case "strings.ends_with":
		return pairwise(n, arg(0), arg(1), func(s, p string) bool { return p != "" && strings.HasSuffix(s, p) })
	case "strings.to_lower":
		return mapText(n, arg(0), strings.ToLower)
	case "strings.to_upper":
		return mapText(n, arg(0), strings.ToUpper)
	case "strings.coalesce":
		// The first argument that is not empty (Google's function list).
		for i := range n.Args {
			if v := arg(i); text(n, v) != "" {
				return v
			}
		}
		return ""
	case "net.ip_in_range_cidr":
		r, err := netip.ParsePrefix(text(n, arg(1)))
		if err != nil {
			panic(fail(n, "net.ip_in_range_cidr: %v", err))
		}
		return someText(n, arg(0), func(s string) bool {
			ip, err := netip.ParseAddr(s)
			return err == nil && r.Contains(ip)
		})
	}
	panic(fail(n, "function %s is not supported by the evaluator", name))
}

// regexArg returns the regex of re.regex: a /regex/ literal or a string
// (quoted "..." with \\ for a backslash, or back-quoted).
func regexArg(n yaral.Node, v any) string {
	if re, ok := v.(regexSource); ok {
		return string(re)
	}
	return text(n, v)
}

func distinct(v any) []string {
	out := []string{}
	switch t := v.(type) {
	case string:
		if t != "" {
			out = append(out, t)
		}
	case []string:
		seen := map[string]bool{}
		for _, s := range t {
			if !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	return out
}

// someText reports whether f holds for the text of v or of some element.
func someText(n yaral.Node, v any, f func(string) bool) bool {
	return some(v, func(s any) bool { return f(text(n, s)) })
}

// pairwise applies a two-string predicate, to some pair of elements when
// either argument is a list.
func pairwise(n yaral.Node, a, b any, f func(s, t string) bool) bool {
	return someText(n, a, func(s string) bool {
		return someText(n, b, func(t string) bool { return f(s, t) })
	})
}

// mapText applies f to the text of v or of each element.
func mapText(n yaral.Node, v any, f func(string) string) any {
	if list, ok := v.([]string); ok {
		out := make([]string, len(list))
		for i, s := range list {
			out[i] = f(s)
		}
		return out
	}
	return f(text(n, v))
}
