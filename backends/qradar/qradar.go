// Package qradar generates an IBM QRadar AQL search from a rule: the seed
// page's columns, a weighted suspicion score, scope and exclusion filters
// that try the custom property first and fall back to the raw payload, an
// indicator filter, and a LAST time clause.
package qradar

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"text/template"
	"time"

	"github.com/detgen/detgen/compile"
	"github.com/detgen/detgen/diag"
	"github.com/detgen/detgen/internal/invisible"
	"github.com/detgen/detgen/ir"
	"github.com/detgen/detgen/lang/aql"
	"github.com/detgen/detgen/mappings"
	"github.com/detgen/detgen/templates"
)

// Generate renders the AQL query for r. prefix namespaces the custom
// properties detgen ships (content.PropertyName); it is the extension's
// setting, passed by the driver (driver.QRadarOptions.PropertyPrefix), so
// the AQL reads exactly the names the extension defines.
func Generate(r *ir.Rule, prefix string) ([]byte, error) {
	prof, ls, err := LoadProfile(r.Logsource)
	if err != nil {
		return nil, err
	}
	name := "qradar.aql.tmpl"
	switch {
	case r.Aggregate != nil:
		name = "qradar.aggregate.aql.tmpl"
	case r.Sequence != nil:
		name = "qradar.sequence.aql.tmpl"
	}
	tmpl, err := templates.Load(name, template.FuncMap{"join": strings.Join})
	if err != nil {
		return nil, err
	}
	g := &gen{prof: prof, ls: ls, prefix: prefix}
	var data any
	switch {
	case r.Aggregate != nil:
		data, err = g.aggregateQuery(r)
	case r.Sequence != nil:
		data, err = g.sequenceQuery(r)
	default:
		data, err = g.query(r)
	}
	if err == nil && len(prof.DeviceTypes) == 0 {
		// No DSM parses these records: there is no event to query. A
		// field test is refused above, at its position; this is a rule
		// with none (a keyword search).
		err = &diag.Unsupported{Pos: diag.Pos{File: r.SourceFile}, Target: "qradar", Rule: r.Name,
			Msg: fmt.Sprintf("log source %s reaches no QRadar DSM: %s", r.Logsource, prof.DSM)}
	}
	if err != nil {
		if _, ok := err.(*diag.Unsupported); ok {
			return nil, err
		}
		return nil, fmt.Errorf("%s: qradar: %w", r.SourceFile, err)
	}
	return templates.Render(tmpl, data)
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
	HasScore     bool
	ScoreGate    bool
	Threshold    int
	OrderBy      []string
	Limit        int
	Last         string
}

type gen struct {
	prof   *Profile
	ls     *mappings.Logsource
	rule   *ir.Rule
	prefix string // of detgen's own custom properties
}

func (g *gen) fail(m ir.Expr, format string, args ...any) {
	pos := diag.Pos{File: g.rule.SourceFile}
	switch n := m.(type) {
	case *ir.Match:
		pos = n.Pos
	case *ir.Keyword:
		pos = n.Pos
	}
	diag.Refuse(pos, "qradar", g.rule.Name, format, args...)
}

func (g *gen) query(r *ir.Rule) (d *queryData, err error) {
	g.rule = r
	defer diag.CatchUnsupported(&err)
	d = &queryData{
		ScoreAlias:   g.prof.ScoreAlias,
		DeviceFilter: g.prof.deviceFilter(),
		OrderBy:      g.prof.OrderBy,
		Limit:        g.limit(r),
		Last:         g.prof.Last,
	}
	if r.QRadarLast != "" {
		d.Last = r.QRadarLast
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
	if r.Scoring == nil {
		d.OrderBy = withoutScore(d.OrderBy, d.ScoreAlias)
	}
	where, err := g.recordFilter(r)
	if err != nil {
		return nil, err
	}
	d.Where = where
	if s := r.Scoring; s != nil {
		d.HasScore = true
		d.Threshold = s.Threshold
		d.ScoreGate = !s.AnySignalAlerts()
		if s.Base > 0 {
			d.ScoreTerms = append(d.ScoreTerms, fmt.Sprint(s.Base))
		}
		var anySignal []string
		for _, sig := range s.Signals {
			p := g.inline(sig.When)
			anySignal = append(anySignal, p)
			d.ScoreTerms = append(d.ScoreTerms, fmt.Sprintf("(IF %s THEN %d ELSE 0)", p, sig.Weight))
		}
		if d.ScoreGate {
			anySignal = nil // the score comparison filters instead
		}
		if anySignal != nil {
			d.Where = append(d.Where, clause{Op: "AND", Lines: anySignal})
		}
	}
	return d, nil
}

// withoutScore drops ORDER BY terms on the score column of a rule that
// has none.
func withoutScore(order []string, alias string) []string {
	var out []string
	for _, o := range order {
		if f := strings.Fields(o); len(f) > 0 && f[0] == alias {
			continue
		}
		out = append(out, o)
	}
	return out
}

// clauses renders the condition as the WHERE clause's top-level AND
// terms, each with its OR-ed alternatives on their own lines.
func (g *gen) clauses(e ir.Expr) []clause {
	var out []clause
	for _, a := range conjuncts(e) {
		op := "AND"
		if n, ok := a.(*ir.Not); ok {
			op, a = "AND NOT", n.Arg
		}
		out = append(out, clause{Op: op, Lines: g.alternatives(a)})
	}
	return out
}

// recordFilter is the WHERE clause every form of a rule's search starts
// with: the log source's own record filter (its catalog scope), then the
// rule's condition.
func (g *gen) recordFilter(r *ir.Rule) ([]clause, error) {
	var out []clause
	if g.prof.Scope != nil {
		scope, errs := compile.Scope(g.ls, g.prof.Scope)
		if len(errs) > 0 {
			return nil, errs
		}
		out = g.clauses(scope)
	}
	return append(out, g.clauses(r.Condition)...), nil
}

// groupColumns selects and groups by the property or column of each field
// (the payload cannot be grouped; refused at pos otherwise), and keeps
// only events that have every value: GROUP BY would gather the others in
// a NULL group, and an event without a group value joins no group.
func (g *gen) groupColumns(pos diag.Pos, role string, fields []string) (cols, groupBy []string, where []clause) {
	for _, f := range fields {
		x := g.groupField(pos, role, f)
		cols = append(cols, x+" AS "+ir.GroupName(f))
		groupBy = append(groupBy, x)
		where = append(where, clause{Op: "AND", Lines: []string{x + " IS NOT NULL"}})
	}
	return cols, groupBy, where
}

// groupField is the property or column of a field a search groups or
// aggregates by, refused at pos when it has none.
func (g *gen) groupField(pos diag.Pos, role, field string) string {
	f, ok := g.prof.field(field)
	if !ok || f.Unavailable != "" || f.Property == "" && f.Column == "" {
		diag.Refuse(pos, "qradar", g.rule.Name, "%s %s: needs a QRadar property or column (the payload cannot be grouped or aggregated), and the field has none", role, field)
	}
	x, _ := g.valueExpr(field)
	return x
}

// window is a window as AQL's time clause, refused at pos when it is not
// whole minutes, hours or days.
func (g *gen) window(pos diag.Pos, w time.Duration) string {
	last, ok := lastClause(w)
	if !ok {
		diag.Refuse(pos, "qradar", g.rule.Name, "window %s: QRadar's time clause counts in whole minutes, hours or days", w)
	}
	return last
}

// conjuncts flattens nested ANDs (a selection used in the condition is
// one) into the list of terms that must all hold.
func conjuncts(e ir.Expr) []ir.Expr {
	a, ok := e.(*ir.And)
	if !ok {
		return []ir.Expr{e}
	}
	var out []ir.Expr
	for _, x := range a.Args {
		out = append(out, conjuncts(x)...)
	}
	return out
}

// alternatives renders e as OR-ed lines.
func (g *gen) alternatives(e ir.Expr) []string {
	switch n := e.(type) {
	case *ir.Or:
		var out []string
		for _, a := range n.Args {
			if m, ok := a.(*ir.Match); ok {
				out = append(out, g.match(m)...)
			} else {
				out = append(out, g.inline(a))
			}
		}
		return out
	case *ir.Match:
		return g.match(n)
	}
	return []string{g.inline(e)}
}

// inline renders e as one two-valued predicate (never NULL), so NOT and
// IF treat a missing property as "the test does not hold".
func (g *gen) inline(e ir.Expr) string {
	switch n := e.(type) {
	case *ir.And:
		return g.join(n.Args, " AND ")
	case *ir.Or:
		return group(g.alternatives(n))
	case *ir.Not:
		return "NOT " + paren(g.inline(n.Arg))
	case *ir.AtLeast:
		terms := make([]string, len(n.Args))
		for i, a := range n.Args {
			terms[i] = fmt.Sprintf("(IF %s THEN 1 ELSE 0)", g.inline(a))
		}
		return fmt.Sprintf("(%s) >= %d", strings.Join(terms, " + "), n.N)
	case *ir.Match:
		return group(g.match(n))
	case *ir.Keyword:
		return g.keyword(n)
	}
	panic(fmt.Sprintf("qradar: unknown expression %T", e))
}

func (g *gen) join(args []ir.Expr, sep string) string {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = g.inline(a)
	}
	return "(" + strings.Join(parts, sep) + ")"
}

func paren(s string) string {
	if strings.HasPrefix(s, "(") && strings.HasSuffix(s, ")") && balanced(s[1:len(s)-1]) {
		return s
	}
	return "(" + s + ")"
}

// balanced reports whether s's parentheses (outside string literals)
// never close more than they open, so wrapping s in one pair is safe to
// skip.
func balanced(s string) bool {
	depth, inStr := 0, false
	for _, c := range s {
		switch {
		case c == '\'':
			inStr = !inStr
		case inStr:
		case c == '(':
			depth++
		case c == ')':
			depth--
			if depth < 0 {
				return false
			}
		}
	}
	return depth == 0
}

// keyword searches the raw payload: the event text as QRadar stored it.
func (g *gen) keyword(k *ir.Keyword) string {
	var tests []string
	for _, v := range k.Values {
		forms := jsonTexts(v)
		if g.prof.Payload == "text" {
			if forms[0] != v {
				g.fail(k, "keyword %q: the payload is key=value text, not JSON, and detgen renders keywords as JSON text, which writes this value otherwise (escaping quotes, backslashes or control characters)", v)
			}
			// Text has no \u escapes: that form would only be text a
			// user wrote, which could trigger (or, under not, suppress)
			// the search.
			forms = forms[:1]
		}
		var alts []string
		for _, f := range forms {
			alts = append(alts, likeTest(payloadExpr, f, "%", "%", !k.Cased))
		}
		if len(alts) == 1 {
			tests = append(tests, alts[0])
		} else {
			tests = append(tests, "("+strings.Join(alts, " OR ")+")")
		}
	}
	if k.All {
		return "(" + strings.Join(tests, " AND ") + ")"
	}
	return group(tests)
}

const payloadExpr = "UTF8(payload)"

// valueExpr is the AQL expression that reads a field's value.
func (g *gen) valueExpr(field string) (string, error) {
	f, ok := g.prof.field(field)
	switch {
	case ok && f.Property != "":
		return aql.QuoteIdent(f.ConsoleName(g.prefix))
	case ok && f.Column != "":
		return f.Column, nil
	}
	return "", fmt.Errorf("field %q has no QRadar property or column in mappings/qradar", field)
}

// match renders the alternatives (to be OR-ed) that test m: the property
// or column when the event has it, the payload only when it does not.
// Each alternative is two-valued.
func (g *gen) match(m *ir.Match) []string {
	f, ok := g.prof.field(m.Field)
	if !ok || f.Unavailable != "" {
		reason := "the field has no QRadar mapping"
		if f.Unavailable != "" {
			reason = f.Unavailable
		}
		g.fail(m, "field %s cannot be used on QRadar: %s", m.Field, reason)
	}
	structured := f.Property != "" || f.Column != ""
	var x string
	if structured {
		x, _ = g.valueExpr(m.Field)
	}
	fallback, hasFallback := g.payload(m, f)
	switch {
	case structured && hasFallback:
		return []string{
			fmt.Sprintf("(%s IS NOT NULL AND %s)", x, g.structured(m, x)),
			fmt.Sprintf("(%s IS NULL AND %s)", x, fallback),
		}
	case structured:
		p := g.structured(m, x)
		switch m.Op {
		case ir.Exists, ir.Null:
			return []string{p}
		}
		return []string{fmt.Sprintf("(%s IS NOT NULL AND %s)", x, p)}
	case hasFallback:
		return splitOr(fallback)
	}
	g.fail(m, "field %s has no QRadar property or column, and %s cannot be tested on the raw payload", m.Field, describe(m))
	return nil
}

func describe(m *ir.Match) string {
	s := string(m.Op)
	if m.FieldRef {
		s += " with fieldref"
	}
	return s
}

// splitOr turns a parenthesised OR group back into its alternatives, for
// one per line.
func splitOr(s string) []string { return []string{s} }

// structured tests the property or column x.
func (g *gen) structured(m *ir.Match, x string) string {
	var tests []string
	switch m.Op {
	case ir.Exists:
		return x + " IS NOT NULL"
	case ir.Null:
		return x + " IS NULL"
	case ir.Empty:
		return x + " = ''"
	}
	if m.FieldRef {
		for _, other := range m.Values {
			y, err := g.valueExpr(other)
			if err != nil {
				g.fail(m, "fieldref %s: %v", other, err)
			}
			if m.Op != ir.Equals {
				g.fail(m, "fieldref with %s: AQL LIKE has no escape, so another field's value cannot be used as a pattern", m.Op)
			}
			if m.Cased {
				tests = append(tests, fmt.Sprintf("(%s IS NOT NULL AND %s = %s)", y, x, y))
			} else {
				tests = append(tests, fmt.Sprintf("(%s IS NOT NULL AND LOWER(%s) = LOWER(%s))", y, x, y))
			}
		}
		return combine(tests, m.All)
	}
	switch m.Op {
	case ir.Equals:
		switch {
		case m.Type == ir.Int:
			tests = append(tests, inList(x, m.Values, false, m.All))
		// A boolean is stored as text ("true", "True" or "false"): QRadar
		// properties and columns have no boolean type, so it is compared
		// as a string, case-insensitively (default).
		case slices.ContainsFunc(m.Values, invisible.In):
			// Equality as an anchored regex (see likeTest).
			for _, v := range m.Values {
				tests = append(tests, likeTest(x, v, "", "", !m.Cased && m.Type != ir.IP))
			}
		case m.Cased || m.Type == ir.IP:
			tests = append(tests, inList(x, m.Values, true, m.All))
		default:
			lower := make([]string, len(m.Values))
			for i, v := range m.Values {
				lower[i] = strings.ToLower(v)
			}
			tests = append(tests, inList("LOWER("+x+")", lower, true, m.All))
		}
		return combine(tests, m.All)
	case ir.Contains, ir.StartsWith, ir.EndsWith:
		pre, suf := "", ""
		if m.Op != ir.StartsWith {
			pre = "%"
		}
		if m.Op != ir.EndsWith {
			suf = "%"
		}
		for _, v := range m.Values {
			tests = append(tests, likeTest(x, v, pre, suf, !m.Cased))
		}
	case ir.Regex:
		for _, v := range m.Values {
			tests = append(tests, regexTest(x, v, m.Flags))
		}
	case ir.CIDR:
		for _, v := range m.Values {
			tests = append(tests, fmt.Sprintf("INCIDR(%s, %s)", aql.QuoteString(v), x))
		}
	case ir.GT, ir.GTE, ir.LT, ir.LTE:
		op := map[ir.Op]string{ir.GT: ">", ir.GTE: ">=", ir.LT: "<", ir.LTE: "<="}[m.Op]
		for _, v := range m.Values {
			tests = append(tests, fmt.Sprintf("%s %s %s", x, op, v))
		}
	default:
		g.fail(m, "operator %s is not supported on QRadar", m.Op)
	}
	return combine(tests, m.All)
}

// inList is x = v or x IN (...) (all: every value, so only one can be
// meant; combine ANDs the single tests).
func inList(x string, values []string, quote, all bool) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = v
		if quote {
			q[i] = aql.QuoteString(v)
		}
	}
	if all {
		tests := make([]string, len(q))
		for i, v := range q {
			tests[i] = x + " = " + v
		}
		return "(" + strings.Join(tests, " AND ") + ")"
	}
	if len(q) == 1 {
		return x + " = " + q[0]
	}
	return x + " IN (" + strings.Join(q, ", ") + ")"
}

func combine(tests []string, all bool) string {
	if len(tests) == 1 {
		return tests[0]
	}
	if all {
		return "(" + strings.Join(tests, " AND ") + ")"
	}
	return group(tests)
}

// regexTest is a search for re anywhere in x: QRadar's MATCHES compares
// the whole value (research/aql.md), so the pattern is wrapped in
// (?s:.*) on both sides; the spec's flags apply to the whole pattern.
func regexTest(x, re, flags string) string {
	op := "MATCHES"
	if strings.Contains(flags, "i") {
		op = "IMATCHES"
		flags = strings.ReplaceAll(flags, "i", "")
	}
	pat := "(?s:.*)(?:" + re + ")(?s:.*)"
	if flags != "" {
		pat = "(?" + flags + ")" + pat
	}
	return fmt.Sprintf("%s %s %s", x, op, aql.QuoteString(pat))
}

// payload renders the raw-payload test of m, for a field whose mapping
// gives the JSON key that precedes its value (or the keys of the arrays
// holding its elements); ok is false where a payload test would not be
// sound.
//
// Equals and startswith on a scalar are LIKE patterns of the compact JSON
// (key, quote, value). Contains and endswith, and every test of an array
// element, are regular expressions that bind the value to its key: the
// value must sit inside the JSON string that follows the key (or inside
// one element of the array that follows it), so text elsewhere in the
// event (an annotation, another field naming the same tool) cannot
// satisfy the test. A key whose JSON text is not a plain "key": keeps the
// unbound contains (the value anywhere in the payload).
func (g *gen) payload(m *ir.Match, f FieldSpec) (string, bool) {
	if f.PayloadKey == "" && len(f.PayloadArrays) == 0 || m.FieldRef {
		return "", false
	}
	quote, nocase := `"`, !m.Cased
	if m.Type == ir.Bool || m.Type == ir.Int {
		quote, nocase = "", false
	}
	if len(f.PayloadArrays) > 0 {
		// Under all, each value in some element (docs/spec.md, list
		// fields).
		return boundTest(arrayElement(f.PayloadArrays), m, nocase)
	}
	if m.All {
		return "", false
	}
	key, plainKey := plainPayloadKey(f.PayloadKey)
	if f.PayloadObject != "" {
		// A key inside an object whose members the sender may order as
		// it likes: every test is bound to the key, after any members.
		if quote == "" || !plainKey {
			return "", false
		}
		return boundTest(objectMember(f.PayloadObject, key), m, nocase)
	}
	var alts []string
	for _, v := range m.Values {
		for _, text := range jsonTexts(v) {
			switch {
			case m.Op == ir.Equals:
				alts = append(alts, likeTest(payloadExpr, f.PayloadKey+quote+text+quote, "%", "%", nocase))
			case m.Op == ir.StartsWith:
				alts = append(alts, likeTest(payloadExpr, f.PayloadKey+quote+text, "%", "%", nocase))
			case m.Op == ir.Contains && !plainKey:
				alts = append(alts, likeTest(payloadExpr, text, "%", "%", nocase))
			case (m.Op == ir.Contains || m.Op == ir.EndsWith) && plainKey && quote != "":
				// All values in one bound alternation below.
			default:
				return "", false
			}
		}
	}
	if (m.Op == ir.Contains || m.Op == ir.EndsWith) && plainKey {
		if quote == "" {
			return "", false
		}
		return boundTest(aql.RegexQuote(key)+`\s*:\s*"`, m, nocase)
	}
	if len(alts) == 0 {
		return "", false
	}
	return group(alts), true
}

// plainPayloadKey reports whether a payload key is the JSON text "key": and
// returns the key with its quotes ("\"image\"").
func plainPayloadKey(k string) (string, bool) {
	inner, ok := strings.CutSuffix(k, ":")
	if !ok || len(inner) < 3 || inner[0] != '"' || inner[len(inner)-1] != '"' || strings.ContainsAny(inner[1:len(inner)-1], `"\{}[]:,`) {
		return "", false
	}
	return inner, true
}

// jsonStringBody matches the inside of a JSON string, escapes included.
const jsonStringBody = `(?:[^"\\]|\\.)*`

// arrayElement is a regular expression that ends inside an element of an
// array of strings under one of keys, just after its opening quote: the
// key, then any earlier elements.
func arrayElement(keys []string) string {
	quoted := make([]string, len(keys))
	for i, k := range keys {
		quoted[i] = aql.RegexQuote(k)
	}
	return `"(?:` + strings.Join(quoted, "|") + `)"\s*:\s*\[(?:\s*"` + jsonStringBody + `"\s*,)*\s*"`
}

// objectMember is a regular expression that ends just after the opening
// quote of the string value of key ("\"path\"") in the object under
// object, whatever members with string, number, boolean or null values
// come first.
func objectMember(object, key string) string {
	scalar := `(?:"` + jsonStringBody + `"|[-0-9.eE+a-z]+)`
	return `"` + aql.RegexQuote(object) + `"\s*:\s*\{(?:\s*"` + jsonStringBody + `"\s*:\s*` + scalar + `\s*,)*\s*` + aql.RegexQuote(key) + `\s*:\s*"`
}

// boundTest is the payload regular expression for m whose values sit in
// the JSON string that prefix opens: equals the whole string, startswith
// its start, endswith its end, contains anywhere in it. Under all, one
// expression per value, AND-ed.
func boundTest(prefix string, m *ir.Match, nocase bool) (string, bool) {
	pre, suf := "", ""
	switch m.Op {
	case ir.Equals:
		suf = `"`
	case ir.StartsWith:
	case ir.EndsWith:
		pre, suf = jsonStringBody, `"`
	case ir.Contains:
		pre = jsonStringBody
	default:
		return "", false
	}
	op := "MATCHES"
	if nocase {
		op = "IMATCHES"
	}
	test := func(values []string) string {
		var alts []string
		for _, v := range values {
			for _, text := range jsonTexts(v) {
				alts = append(alts, aql.RegexQuote(text))
			}
		}
		pat := "(?s:.*)" + prefix + pre + "(?:" + strings.Join(alts, "|") + ")" + suf + "(?s:.*)"
		return fmt.Sprintf("%s %s %s", payloadExpr, op, aql.QuoteString(pat))
	}
	if !m.All {
		return test(m.Values), true
	}
	tests := make([]string, len(m.Values))
	for i, v := range m.Values {
		tests[i] = test([]string{v})
	}
	return "(" + strings.Join(tests, " AND ") + ")", true
}

// jsonText is v as it appears inside a JSON string written by Go's
// encoding/json (kube-apiserver's audit log): quotes, backslashes and
// control characters escaped and, by default, <, > and & as \u003c,
// \u003e and \u0026.
func jsonText(v string) string {
	data, _ := json.Marshal(v)
	return string(data[1 : len(data)-1])
}

// jsonTexts are the forms v may take inside a JSON string of the payload:
// every writer escapes quotes, backslashes and control characters, but
// only some (Go's encoding/json, .NET's System.Text.Json) escape <, > and
// &; others (AWS's, most SaaS exports) write them as they are. A test
// ORs the forms: one form when v holds none of the three.
func jsonTexts(v string) []string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
	raw := strings.TrimSuffix(b.String(), "\n")
	raw = raw[1 : len(raw)-1]
	if esc := jsonText(v); esc != raw {
		return []string{raw, esc}
	}
	return []string{raw}
}

// likeTest tests that x matches prefix+v+suffix, where prefix and suffix
// are "%" or "". A value holding % or _ cannot be written in a LIKE pattern
// (AQL has no ESCAPE), so it is matched with an anchored regular
// expression instead; "(?s)" lets ".*" cross the newlines of a payload.
func likeTest(x, v, prefix, suffix string, nocase bool) string {
	// A value holding an invisible character goes through the regex
	// too, where RegexQuote writes the character as \x{H}: AQL strings
	// have no escapes, and raw it would hide in the query.
	if !aql.HasLikeWildcard(v) && !invisible.In(v) {
		op := "LIKE"
		if nocase {
			op = "ILIKE"
		}
		return x + " " + op + " " + aql.QuoteString(prefix+v+suffix)
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
	return x + " " + op + " " + aql.QuoteString(re)
}

// group ORs alternatives inside parentheses, as IBM's generators do.
func group(alts []string) string {
	if len(alts) == 1 {
		return paren(alts[0])
	}
	return "(" + strings.Join(alts, " OR ") + ")"
}

// limit is the row limit of r's search: the rule's own, else the log
// source's.
func (g *gen) limit(r *ir.Rule) int {
	if r.QRadarLimit > 0 {
		return r.QRadarLimit
	}
	return g.prof.Limit
}
