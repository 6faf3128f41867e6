// Package aql executes a parsed QRadar AQL query over stored events the way
// QRadar would hold them: normalized columns, custom properties and the raw
// payload as bytes. Execute runs a query over one event (WHERE and the
// SELECT list, scores included); ExecuteAll runs it over a set of events
// (time clause, WHERE, GROUP BY, aggregates, HAVING, ORDER BY, LIMIT). Both
// use SQL's three-valued logic, so that a generated query can be tested
// offline against the spec it came from.
//
// It covers the constructs detgen generates and the common built-ins; an
// unsupported construct is an error, never a silent "false".
//
// NULL rules, where QRadar documents none (SQL's, so that a missing custom
// property can never make a condition true): a missing custom property is
// NULL; comparisons, LIKE/MATCHES, IN, BETWEEN and arithmetic with a NULL
// operand are NULL; text that does not hold a number is NULL wherever a
// number is needed (a comparison with a number, arithmetic, LONG, DOUBLE);
// INCIDR of NULL or of a value that is not an IP address is NULL; CONCAT
// with a NULL argument is NULL (so LIKE CONCAT('%', "missing", '%') cannot
// turn into a match-all '%%'); NOT, AND and OR follow SQL's three-valued
// logic; IF and CASE take the ELSE branch unless the condition is TRUE; WHERE
// keeps an event only when it is TRUE.
package aql

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"net/netip"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf16"

	"github.com/detgen/detgen/internal/plural"
	"github.com/detgen/detgen/lang/aql"
)

// Event is one event as QRadar stores it.
type Event struct {
	// Columns are the normalized event columns, by lower-case name:
	// starttime (int64 epoch ms), devicetype, logsourceid (int), username,
	// sourceip (string), ...
	Columns map[string]any
	// Properties are the custom event properties, by exact name.
	Properties map[string]string
	// Defined, when set, is the console's property catalog: a quoted name
	// outside it and outside Columns is an error, as QRadar reports an
	// unknown field, where a defined property the event did not yield is
	// NULL. Nil: any quoted name is a property (NULL when absent).
	Defined map[string]bool
	// Payload is the raw event as received (binary in QRadar: compare it
	// through UTF8()).
	Payload []byte
	// LogSourceNames and LogSourceTypeNames resolve LOGSOURCENAME and
	// LOGSOURCETYPENAME.
	LogSourceNames     map[int]string
	LogSourceTypeNames map[int]string
}

// Row is the selected columns of a matching event, by alias (or the
// printed expression when there is none).
type Row map[string]any

// Options tune an execution.
type Options struct {
	Now time.Time // the time clause's "now"; zero means time.Now()
	// Location is the time zone of START/STOP date strings
	// ('2014-04-25 15:51'); nil means UTC. QRadar reads them in the
	// console's or user's zone.
	Location *time.Location
	// ReferenceSets holds the elements of each reference set by name, for
	// REFERENCESETCONTAINS. Nil means the run has no reference data, and
	// REFERENCESETCONTAINS is then an error rather than a guess.
	ReferenceSets map[string][]string
}

// Execute runs q over the single event ev: match reports whether ev passes
// the time clause and WHERE and the query yields a row for it (HAVING or
// LIMIT 0 can drop it), and row is that row. It is ExecuteAll over []Event{ev},
// except that an event failing WHERE never matches, even for an ungrouped
// aggregate such as SELECT COUNT(*) (which over no events still yields one
// row).
func Execute(q *aql.Query, ev Event, opt Options) (match bool, row Row, err error) {
	x := newExecutor(q, opt)
	defer x.recover(&err)
	if !x.keep(ev) {
		return false, nil, nil
	}
	rows := x.run([]Event{ev})
	if len(rows) == 0 {
		return false, nil, nil
	}
	return true, rows[0], nil
}

type evalError struct{ msg string }

func (e evalError) Error() string { return e.msg }

func fail(n aql.Node, format string, args ...any) evalError {
	p := n.Pos()
	return evalError{fmt.Sprintf("%d:%d: %s", p.Line, p.Col, fmt.Sprintf(format, args...))}
}

type executor struct {
	q       *aql.Query
	ev      Event // the event being evaluated (a group's first event)
	now     time.Time
	loc     *time.Location
	refSets map[string][]string

	// aliases maps lower-case select aliases to their expressions (the
	// first item wins). Names resolve to columns first and to aliases only
	// when no column or property has the name, except in HAVING and ORDER
	// BY (aliasFirst), where select aliases come first, as in SQL.
	aliases    map[string]aql.Expr
	aliasFirst bool
	resolving  map[string]bool // aliases being evaluated (no self-reference)

	// Group context (HAVING, SELECT and ORDER BY of an aggregating query):
	// aggregates run over group; any other column reference reads ev, the
	// group's first event (QRadar's implicit FIRST). empty marks the one
	// group of an ungrouped aggregate over no events, whose column
	// references are NULL.
	inGroup bool
	group   []Event
	empty   bool
	inAgg   bool // evaluating an aggregate's argument

	win window
}

func newExecutor(q *aql.Query, opt Options) *executor {
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	loc := opt.Location
	if loc == nil {
		loc = time.UTC
	}
	x := &executor{q: q, now: opt.Now, loc: loc, refSets: opt.ReferenceSets,
		aliases: map[string]aql.Expr{}, resolving: map[string]bool{}}
	for _, it := range q.Items {
		if it.Alias == nil {
			continue
		}
		name := strings.ToLower(it.Alias.Name)
		if _, dup := x.aliases[name]; !dup {
			x.aliases[name] = it.Expr
		}
	}
	return x
}

// recover turns an evaluation panic into *err.
func (x *executor) recover(err *error) {
	if r := recover(); r != nil {
		if e, ok := r.(evalError); ok {
			*err = e
			return
		}
		panic(r)
	}
}

// eval returns nil (NULL), bool, float64, string or []byte.
func (x *executor) eval(e aql.Expr) any {
	switch n := e.(type) {
	case *aql.Paren:
		return x.eval(n.X)
	case *aql.StringLit:
		return n.Value
	case *aql.NumberLit:
		return numberLit(n)
	case *aql.BoolLit:
		return n.Value
	case *aql.NullLit:
		return nil
	case *aql.Ident:
		return x.ident(n)
	case *aql.Call:
		return x.call(n)
	case *aql.Unary:
		v := x.eval(n.X)
		if n.Op == aql.NOT {
			return not(v)
		}
		f, ok := x.operand(n, v)
		if !ok {
			return nil
		}
		return -f
	case *aql.Binary:
		return x.binary(n)
	case *aql.Like:
		return x.like(n)
	case *aql.In:
		if n.Select != nil {
			panic(fail(n, "sub-selects are not supported by the executor"))
		}
		v := x.eval(n.X)
		if v == nil {
			return nil
		}
		var res any = false
		for _, item := range n.List {
			switch eq := x.compare(n, aql.EQ, v, x.eval(item)); eq {
			case true:
				res = true
			case nil:
				if res == false {
					res = nil
				}
			}
		}
		if n.Not {
			return not(res)
		}
		return res
	case *aql.Between:
		v := x.eval(n.X)
		res := and(x.compare(n, aql.GE, v, x.eval(n.Lo)), x.compare(n, aql.LE, v, x.eval(n.Hi)))
		if n.Not {
			return not(res)
		}
		return res
	case *aql.IsNull:
		isNull := x.eval(n.X) == nil
		return isNull != n.Not
	case *aql.If:
		if x.eval(n.Cond) == true {
			return x.eval(n.Then)
		}
		return x.eval(n.Else)
	case *aql.Case:
		var operand any
		if n.Operand != nil {
			operand = x.eval(n.Operand)
		}
		for _, w := range n.Whens {
			var hit any
			if n.Operand != nil {
				hit = x.compare(w, aql.EQ, operand, x.eval(w.Cond))
			} else {
				hit = x.eval(w.Cond)
			}
			if hit == true {
				return x.eval(w.Result)
			}
		}
		if n.Else != nil {
			return x.eval(n.Else)
		}
		return nil
	}
	panic(fail(e, "%T is not supported by the executor", e))
}

func (x *executor) ident(n *aql.Ident) any {
	if x.aliasFirst {
		if v, ok := x.alias(n); ok {
			return v
		}
	}
	if x.empty {
		return nil // the group has no event to read a column from
	}
	if n.Quoted {
		if v, ok := x.ev.Properties[n.Name]; ok {
			return v
		}
		if v, ok := x.ev.Columns[strings.ToLower(n.Name)]; ok {
			return normalize(v)
		}
		if v, ok := x.alias(n); ok {
			return v
		}
		if x.ev.Defined != nil && !x.ev.Defined[n.Name] {
			panic(fail(n, "Field %q does not exist in catalog \"events\"", n.Name))
		}
		// A custom property the event did not yield is NULL.
		return nil
	}
	name := strings.ToLower(n.Name)
	if name == "payload" {
		return x.ev.Payload
	}
	if v, ok := x.ev.Columns[name]; ok {
		return normalize(v)
	}
	if v, ok := x.ev.Properties[n.Name]; ok {
		return v
	}
	if v, ok := x.alias(n); ok {
		return v
	}
	panic(fail(n, "Field %q does not exist in catalog \"events\"", n.Name))
}

// alias evaluates the select item that n names, if any. While an alias is
// being evaluated its own name refers to the column (username AS username).
func (x *executor) alias(n *aql.Ident) (any, bool) {
	name := strings.ToLower(n.Name)
	e, ok := x.aliases[name]
	if !ok || x.resolving[name] {
		return nil, false
	}
	x.resolving[name] = true
	defer delete(x.resolving, name)
	return x.eval(e), true
}

// normalize maps a Go column value onto the executor's types: numbers of
// any Go type become float64, addresses their text.
func normalize(v any) any {
	if a, ok := v.(netip.Addr); ok {
		return a.String()
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return float64(rv.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return float64(rv.Uint())
	case reflect.Float32:
		return rv.Float()
	}
	return v
}

// numberLit evaluates a number literal: decimal (a leading 0 is not octal)
// or 0x hexadecimal.
func numberLit(n *aql.NumberLit) float64 {
	raw := n.Raw
	if len(raw) > 2 && (raw[:2] == "0x" || raw[:2] == "0X") {
		v, err := strconv.ParseUint(raw[2:], 16, 64)
		if err != nil {
			panic(fail(n, "bad number %s", raw))
		}
		return float64(v)
	}
	v, err := strconv.ParseFloat(raw, 64)
	if err != nil {
		panic(fail(n, "bad number %s", raw))
	}
	return v
}

// decimalText is the text a number may be written as inside a string value:
// no hex, no NaN/Infinity, no Go-only syntax such as underscores.
var decimalText = regexp.MustCompile(`^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$`)

// parseNumber reads a number from text, e.g. a custom property (QRadar
// holds them as text here). ok is false for anything else.
func parseNumber(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	if !decimalText.MatchString(s) {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil
}

// operand converts an arithmetic operand to a number. ok is false for NULL
// and for text that holds no number (both make the result NULL); any other
// type is a query error.
func (x *executor) operand(n aql.Node, v any) (float64, bool) {
	switch t := v.(type) {
	case nil:
		return 0, false
	case float64:
		return t, true
	case string:
		return parseNumber(t)
	}
	panic(fail(n, "arithmetic on %T", v))
}

func not(v any) any {
	if b, ok := v.(bool); ok {
		return !b
	}
	return nil
}

func and(a, b any) any {
	if a == false || b == false {
		return false
	}
	if a == true && b == true {
		return true
	}
	return nil
}

func or(a, b any) any {
	if a == true || b == true {
		return true
	}
	if a == false && b == false {
		return false
	}
	return nil
}

func (x *executor) binary(n *aql.Binary) any {
	switch n.Op {
	case aql.AND:
		l := x.eval(n.X)
		if l == false {
			return false
		}
		return and(l, x.eval(n.Y))
	case aql.OR:
		l := x.eval(n.X)
		if l == true {
			return true
		}
		return or(l, x.eval(n.Y))
	case aql.EQ, aql.EQEQ, aql.NEQ, aql.LTGT, aql.LT, aql.LE, aql.GT, aql.GE:
		return x.compare(n, n.Op, x.eval(n.X), x.eval(n.Y))
	}
	a, ok1 := x.operand(n, x.eval(n.X))
	b, ok2 := x.operand(n, x.eval(n.Y))
	if !ok1 || !ok2 {
		return nil
	}
	switch n.Op {
	case aql.PLUS:
		return a + b
	case aql.MINUS:
		return a - b
	case aql.STAR:
		return a * b
	case aql.SLASH:
		if b == 0 {
			return nil
		}
		return a / b
	case aql.PERCENT:
		if b == 0 {
			return nil
		}
		return math.Mod(a, b)
	case aql.CARET:
		return math.Pow(a, b)
	case aql.AMP:
		return float64(int64(a) & int64(b))
	}
	panic(fail(n, "operator %v is not supported", n.Op))
}

func (x *executor) compare(n aql.Node, op aql.Kind, l, r any) any {
	if l == nil || r == nil {
		return nil
	}
	if _, ok := l.([]byte); ok {
		panic(fail(n, "payload is binary: compare UTF8(payload)"))
	}
	if _, ok := r.([]byte); ok {
		panic(fail(n, "payload is binary: compare UTF8(payload)"))
	}
	c, ok := order(n, l, r)
	if !ok {
		return nil
	}
	switch op {
	case aql.EQ, aql.EQEQ:
		return c == 0
	case aql.NEQ, aql.LTGT:
		return c != 0
	case aql.LT:
		return c < 0
	case aql.LE:
		return c <= 0
	case aql.GT:
		return c > 0
	case aql.GE:
		return c >= 0
	}
	panic(fail(n, "comparison %v", op))
}

// order compares two non-NULL values: numerically when either is a number
// (the other, if text, must hold a number), as case-sensitive strings when
// both are text, and booleans only with booleans. ok is false when the values
// cannot be compared (text that is no number against a number, a boolean
// against anything else): the comparison is then NULL, not an error.
func order(n aql.Node, l, r any) (c int, ok bool) {
	switch a := l.(type) {
	case float64:
		switch b := r.(type) {
		case float64:
			return cmpFloat(a, b), true
		case string:
			bf, ok := parseNumber(b)
			return cmpFloat(a, bf), ok
		case bool:
			return 0, false
		}
	case string:
		switch b := r.(type) {
		case float64:
			af, ok := parseNumber(a)
			return cmpFloat(af, b), ok
		case string:
			return strings.Compare(a, b), true
		case bool:
			return 0, false
		}
	case bool:
		switch b := r.(type) {
		case bool:
			return cmpFloat(boolNum(a), boolNum(b)), true
		case float64, string:
			return 0, false
		}
	default:
		panic(fail(n, "cannot compare %T", l))
	}
	panic(fail(n, "cannot compare %T", r))
}

func boolNum(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

var (
	reCache   = map[string]*regexp.Regexp{}
	reCacheMu sync.Mutex
)

func compiled(src string) (*regexp.Regexp, error) {
	reCacheMu.Lock()
	defer reCacheMu.Unlock()
	if re, ok := reCache[src]; ok {
		return re, nil
	}
	re, err := regexp.Compile(src)
	if err == nil {
		reCache[src] = re
	}
	return re, err
}

// likeRegexp turns a LIKE pattern into an anchored regexp: % is any run,
// _ any one character, everything else literal (AQL has no LIKE escape).
func likeRegexp(p string, fold bool) string {
	var b strings.Builder
	b.WriteString("(?s)")
	if fold {
		b.WriteString("(?i)")
	}
	// A leading or trailing % is an unanchored end: (?s)^.*x is x found
	// anywhere, and the search runs far faster than a backtrack over
	// ".*" (LIKE '%x%' is the generated AQL's common form).
	trimmed := strings.TrimLeft(p, "%")
	if len(trimmed) == len(p) {
		b.WriteString("^")
	}
	p, open := strings.TrimRight(trimmed, "%"), len(strings.TrimRight(trimmed, "%")) < len(trimmed)
	for _, r := range p {
		switch r {
		case '%':
			b.WriteString(".*")
		case '_':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	if !open {
		b.WriteString("$")
	}
	return b.String()
}

// matchesRegexp anchors a MATCHES/IMATCHES pattern so that it must match
// the whole value, as research/aql.md §1.2 concludes from IBM's examples
// (always '.*text.*'). Inline flags keep working: (?i), (?s) and (?m) inside
// the pattern apply within the group only, so the outer \A and \z stay
// anchored to the whole value even under (?m). The pattern is compiled on its
// own first, so an unbalanced ')' cannot escape the group and unanchor it.
func (x *executor) matchesRegexp(n *aql.Like, pat string) string {
	if f, ok := unsupportedFlag(pat); ok {
		panic(fail(n, "pattern %q: inline flag %q is not supported by the executor (Java reads it differently from Go, or Go lacks it); use i, m or s", pat, f))
	}
	if _, err := compiled(pat); err != nil {
		panic(fail(n, "bad pattern %q: %v", pat, err))
	}
	src := `\A(?:` + pat + `)\z`
	if n.Op == aql.IMATCHES {
		src = "(?i)" + src
	}
	return src
}

// unsupportedFlag finds an inline flag group, (?flags) or (?flags:...), with
// a flag other than i, m, s. QRadar's regexes are Java's: Java's (?U) means
// Unicode classes where Go's means ungreedy, and Java's x, d, u, c flags do
// not exist in Go, so running them would silently change the meaning.
func unsupportedFlag(pat string) (string, bool) {
	for i := 0; i < len(pat); i++ {
		switch {
		case pat[i] == '\\':
			i++ // an escaped character is literal
		case strings.HasPrefix(pat[i:], "(?"):
			j := i + 2
			for j < len(pat) && (isASCIILetter(pat[j]) || pat[j] == '-') {
				j++
			}
			if j == len(pat) || (pat[j] != ')' && pat[j] != ':') {
				continue // (?P<name>...) and the like
			}
			for _, f := range pat[i+2 : j] {
				if !strings.ContainsRune("ims-", f) {
					return string(f), true
				}
			}
		}
	}
	return "", false
}

func isASCIILetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func (x *executor) like(n *aql.Like) any {
	v := x.eval(n.X)
	if _, ok := v.([]byte); ok {
		panic(fail(n, "payload is binary: use UTF8(payload) with %v", n.Op))
	}
	p := x.eval(n.Pattern)
	if v == nil || p == nil {
		return nil
	}
	s, ok1 := v.(string)
	pat, ok2 := p.(string)
	if !ok1 || !ok2 {
		if f, ok := v.(float64); ok {
			s, ok1 = strconv.FormatFloat(f, 'f', -1, 64), true
		}
		if !ok1 || !ok2 {
			panic(fail(n, "%v needs strings, found %T and %T", n.Op, v, p))
		}
	}
	var src string
	switch n.Op {
	case aql.LIKE:
		src = likeRegexp(pat, false)
	case aql.ILIKE:
		src = likeRegexp(pat, true)
	case aql.MATCHES, aql.IMATCHES:
		src = x.matchesRegexp(n, pat)
	default:
		panic(fail(n, "operator %v", n.Op))
	}
	re, err := compiled(src)
	if err != nil {
		panic(fail(n, "bad pattern %q: %v", pat, err))
	}
	res := re.MatchString(s)
	if n.Not {
		return !res
	}
	return res
}

func (x *executor) call(n *aql.Call) any {
	if n.Namespace != "" {
		panic(fail(n, "function %s::%s is not supported by the executor", n.Namespace, n.Name))
	}
	if aql.IsAggregateCall(n) {
		return x.aggregate(n)
	}
	args := make([]any, len(n.Args))
	for i, a := range n.Args {
		args[i] = x.eval(a)
	}
	want := func(k int) {
		if len(args) != k {
			panic(fail(n, "%s takes %s, found %d", n.Name, plural.N(k, "argument"), len(args)))
		}
	}
	switch strings.ToUpper(n.Name) {
	case "UTF8":
		want(1)
		b, ok := args[0].([]byte)
		if !ok {
			if args[0] == nil {
				return nil
			}
			panic(fail(n, "UTF8 takes bytes, found %T", args[0]))
		}
		return string(bytes.ToValidUTF8(b, []byte("\uFFFD")))
	case "LOWER", "UPPER":
		want(1)
		s, ok := text(n, args[0])
		if !ok {
			return nil
		}
		if strings.EqualFold(n.Name, "LOWER") {
			return strings.ToLower(s)
		}
		return strings.ToUpper(s)
	case "STR":
		want(1)
		s, ok := text(n, args[0])
		if !ok {
			return nil
		}
		return s
	case "STRLEN":
		want(1)
		s, ok := text(n, args[0])
		if !ok {
			return nil
		}
		// QRadar is Java: a length counts UTF-16 code units.
		return float64(len(utf16.Encode([]rune(s))))
	case "CONCAT":
		var b strings.Builder
		for _, a := range args {
			s, ok := text(n, a)
			if !ok {
				return nil // see the package comment: no '%' + NULL + '%' = '%%'
			}
			b.WriteString(s)
		}
		return b.String()
	case "LONG":
		want(1)
		return long(n, args[0])
	case "DOUBLE":
		want(1)
		f, ok := x.operand(n, args[0]) // text that holds no number: NULL
		if !ok {
			return nil
		}
		return f
	case "INCIDR":
		want(2)
		if lit, ok := aql.Unparen(n.Args[1]).(*aql.StringLit); ok && strings.Contains(lit.Value, "/") {
			panic(fail(n, "INCIDR arguments are swapped: the CIDR comes first"))
		}
		return incidr(n, args[0], args[1])
	case "REFERENCESETCONTAINS":
		want(2)
		return x.referenceSetContains(n, args[0], args[1])
	case "NOW":
		want(0)
		return float64(x.now.UnixMilli())
	case "DATEFORMAT":
		want(2)
		ms, ok1 := args[0].(float64)
		layout, ok2 := args[1].(string)
		if !ok1 || !ok2 {
			return nil
		}
		return javaDateFormat(time.UnixMilli(int64(ms)).UTC(), layout)
	case "LOGSOURCENAME":
		want(1)
		id, _ := args[0].(float64)
		return x.ev.LogSourceNames[int(id)]
	case "LOGSOURCETYPENAME":
		want(1)
		id, _ := args[0].(float64)
		return x.ev.LogSourceTypeNames[int(id)]
	}
	panic(fail(n, "function %s is not supported by the executor", n.Name))
}

// text converts a function argument to text; ok is false for NULL. The
// binary payload is an error: it must be decoded with UTF8() first.
func text(n aql.Node, v any) (string, bool) {
	switch t := v.(type) {
	case nil:
		return "", false
	case string:
		return t, true
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64), true
	case bool:
		return strconv.FormatBool(t), true
	case []byte:
		panic(fail(n, "payload is binary: use UTF8(payload)"))
	}
	panic(fail(n, "cannot use %T as text", v))
}

// long is LONG(v): a number truncated toward zero, as Java's (long) cast;
// text holding a number likewise; an IPv4 address as its 32-bit value (IBM:
// LONG(sourceip) since QRadar 7.3.1). Anything else, or a value out of the
// long range, is NULL.
func long(n aql.Node, v any) any {
	var f float64
	switch t := v.(type) {
	case nil:
		return nil
	case float64:
		f = t
	case string:
		var ok bool
		if f, ok = parseNumber(t); !ok {
			a, err := netip.ParseAddr(strings.TrimSpace(t))
			if err != nil || !a.Unmap().Is4() {
				return nil
			}
			b := a.Unmap().As4()
			return float64(binary.BigEndian.Uint32(b[:]))
		}
	default:
		panic(fail(n, "LONG of %T", v))
	}
	f = math.Trunc(f)
	if math.IsNaN(f) || f < math.MinInt64 || f >= math.MaxInt64 {
		return nil
	}
	return f
}

// incidr is INCIDR(cidr, ip). A malformed CIDR is a query error; a NULL
// argument, or an ip value that is not an IP address (a text property that
// holds something else), is NULL, like any failed conversion. An address of
// the other family is simply not in the range: FALSE.
func incidr(n aql.Node, cidr, ip any) any {
	if cidr == nil || ip == nil {
		return nil
	}
	s, ok := cidr.(string)
	if !ok {
		panic(fail(n, "INCIDR takes a CIDR string first, found %T", cidr))
	}
	p, err := aql.ParseCIDR(s)
	if err != nil {
		panic(fail(n, "INCIDR: %v", err))
	}
	t, ok := ip.(string)
	if !ok {
		return nil
	}
	a, err := netip.ParseAddr(strings.TrimSpace(t))
	if err != nil {
		return nil
	}
	return p.Contains(a.WithZone("").Unmap())
}

// referenceSetContains is REFERENCESETCONTAINS('set', value): exact,
// case-sensitive membership of the value's text (an alphanumeric set;
// QRadar's ignore-case and typed IP/numeric sets are not modelled).
func (x *executor) referenceSetContains(n aql.Node, name, v any) any {
	set, ok := name.(string)
	if !ok {
		panic(fail(n, "REFERENCESETCONTAINS takes the reference set name first, found %T", name))
	}
	if x.refSets == nil {
		panic(fail(n, "reference sets are not available: the run has no Options.ReferenceSets"))
	}
	elems, ok := x.refSets[set]
	if !ok {
		panic(fail(n, "reference set %q does not exist", set))
	}
	s, ok := text(n, v)
	if !ok {
		return nil
	}
	for _, e := range elems {
		if e == s {
			return true
		}
	}
	return false
}

// javaDateFormat renders the SimpleDateFormat letters QRadar queries use.
func javaDateFormat(t time.Time, layout string) string {
	repl := strings.NewReplacer(
		"yyyy", "2006", "MM", "01", "dd", "02", "HH", "15", "hh", "03",
		"mm", "04", "ss", "05", "SSS", "000",
	)
	return t.Format(repl.Replace(layout))
}
