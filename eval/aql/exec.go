// Package aql executes a parsed QRadar AQL query over one event the way
// QRadar would hold it: normalized columns, custom properties and the raw
// payload as bytes. It evaluates the WHERE clause and the SELECT list
// (scores included) with SQL's three-valued logic, so that a generated
// query can be tested offline against the spec it came from.
//
// It covers the constructs detgen generates and the common built-ins; an
// unsupported construct is an error, never a silent "false".
package aql

import (
	"bytes"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

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
}

// Execute runs q over ev: match reports whether ev passes the time clause
// and WHERE, row holds the SELECT list when it does.
func Execute(q *aql.Query, ev Event, opt Options) (match bool, row Row, err error) {
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	x := &executor{ev: ev, now: opt.Now}
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(evalError); ok {
				match, row, err = false, nil, e
				return
			}
			panic(r)
		}
	}()
	if !x.inWindow(q.Time) {
		return false, nil, nil
	}
	if q.Where != nil && x.eval(q.Where) != true {
		return false, nil, nil
	}
	row = Row{}
	for _, it := range q.Items {
		if _, ok := it.Expr.(*aql.Star); ok {
			return false, nil, fail(it.Expr, "SELECT * is not supported by the executor")
		}
		name := aql.PrintExpr(it.Expr)
		if it.Alias != nil {
			name = it.Alias.Name
		}
		row[name] = x.eval(it.Expr)
	}
	return true, row, nil
}

type evalError struct{ msg string }

func (e evalError) Error() string { return e.msg }

func fail(n aql.Node, format string, args ...any) evalError {
	p := n.Pos()
	return evalError{fmt.Sprintf("%d:%d: %s", p.Line, p.Col, fmt.Sprintf(format, args...))}
}

type executor struct {
	ev  Event
	now time.Time
}

func (x *executor) inWindow(tc aql.TimeClause) bool {
	st, ok := x.ev.Columns["starttime"].(int64)
	if !ok {
		return tc == nil
	}
	t := time.UnixMilli(st)
	switch c := tc.(type) {
	case nil:
		return true
	case *aql.LastClause:
		d := time.Duration(c.N) * time.Minute
		switch c.Unit {
		case aql.Hours:
			d = time.Duration(c.N) * time.Hour
		case aql.Days:
			d = time.Duration(c.N) * 24 * time.Hour
		}
		return !t.Before(x.now.Add(-d)) && !t.After(x.now)
	}
	panic(fail(tc, "only LAST time clauses are supported by the executor"))
}

// eval returns nil (NULL), bool, float64, string or []byte.
func (x *executor) eval(e aql.Expr) any {
	switch n := e.(type) {
	case *aql.Paren:
		return x.eval(n.X)
	case *aql.StringLit:
		return n.Value
	case *aql.NumberLit:
		if v, err := strconv.ParseInt(n.Raw, 0, 64); err == nil {
			return float64(v)
		}
		v, err := strconv.ParseFloat(n.Raw, 64)
		if err != nil {
			panic(fail(n, "bad number %s", n.Raw))
		}
		return v
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
		f, ok := v.(float64)
		if v == nil {
			return nil
		}
		if !ok {
			panic(fail(n, "unary minus on %T", v))
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
	if n.Quoted {
		if v, ok := x.ev.Properties[n.Name]; ok {
			return v
		}
		if v, ok := x.ev.Columns[strings.ToLower(n.Name)]; ok {
			return normalize(v)
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
	panic(fail(n, "Field %q does not exist in catalog \"events\"", n.Name))
}

func normalize(v any) any {
	switch t := v.(type) {
	case int:
		return float64(t)
	case int64:
		return float64(t)
	}
	return v
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
	l, r := x.eval(n.X), x.eval(n.Y)
	if l == nil || r == nil {
		return nil
	}
	a, ok1 := l.(float64)
	b, ok2 := r.(float64)
	if !ok1 || !ok2 {
		panic(fail(n, "arithmetic on %T and %T", l, r))
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
	var c int
	switch a := l.(type) {
	case float64:
		b, ok := toNumber(r)
		if !ok {
			return false
		}
		c = cmpFloat(a, b)
	case string:
		if b, ok := r.(float64); ok {
			if af, ok := toNumber(a); ok {
				c = cmpFloat(af, b)
				break
			}
			return false
		}
		c = strings.Compare(a, fmt.Sprint(r))
	case bool:
		b, ok := r.(bool)
		if !ok {
			return false
		}
		if a == b {
			c = 0
		} else {
			c = 1
		}
	default:
		panic(fail(n, "cannot compare %T", l))
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

func toNumber(v any) (float64, bool) {
	switch t := v.(type) {
	case float64:
		return t, true
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(t), 64)
		return f, err == nil
	}
	return 0, false
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
	b.WriteString("^")
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
	b.WriteString("$")
	return b.String()
}

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
	case aql.MATCHES:
		// MATCHES matches the whole value (research/aql.md §1.2).
		src = "^(?:" + pat + ")$"
	case aql.IMATCHES:
		src = "(?i)^(?:" + pat + ")$"
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
	args := make([]any, len(n.Args))
	for i, a := range n.Args {
		args[i] = x.eval(a)
	}
	want := func(k int) {
		if len(args) != k {
			panic(fail(n, "%s takes %s, found %d", n.Name, plural.N(k, "argument"), len(args)))
		}
	}
	str := func(v any) (string, bool) {
		switch t := v.(type) {
		case string:
			return t, true
		case float64:
			return strconv.FormatFloat(t, 'f', -1, 64), true
		case bool:
			return strconv.FormatBool(t), true
		}
		return "", false
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
		s, ok := str(args[0])
		if !ok {
			return nil
		}
		if strings.EqualFold(n.Name, "LOWER") {
			return strings.ToLower(s)
		}
		return strings.ToUpper(s)
	case "STR":
		want(1)
		s, ok := str(args[0])
		if !ok {
			return nil
		}
		return s
	case "STRLEN":
		want(1)
		s, ok := str(args[0])
		if !ok {
			return nil
		}
		return float64(len([]rune(s)))
	case "CONCAT":
		var b strings.Builder
		for _, a := range args {
			s, _ := str(a)
			b.WriteString(s)
		}
		return b.String()
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

// javaDateFormat renders the SimpleDateFormat letters QRadar queries use.
func javaDateFormat(t time.Time, layout string) string {
	repl := strings.NewReplacer(
		"yyyy", "2006", "MM", "01", "dd", "02", "HH", "15", "hh", "03",
		"mm", "04", "ss", "05", "SSS", "000",
	)
	return t.Format(repl.Replace(layout))
}
