// Package chronicle generates a Google SecOps (Chronicle) YARA-L 2.0 rule
// from a rule: seed-style meta, an events section that selects the
// in-scope, non-excluded events of every mapped log type and requires one
// signal, the weighted score as the $risk_score outcome, and a condition.
package chronicle

import (
	"cmp"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/detgen/detgen/diag"
	"github.com/detgen/detgen/internal/invisible"
	"github.com/detgen/detgen/ir"
	"github.com/detgen/detgen/lang/yaral"
	"github.com/detgen/detgen/templates"
)

// Generate renders the YARA-L rule for r.
func Generate(r *ir.Rule) ([]byte, error) {
	prof, err := LoadProfile(r.Logsource)
	if err != nil {
		return nil, err
	}
	tmpl, err := templates.Load("chronicle.yaral.tmpl", nil)
	if err != nil {
		return nil, err
	}
	if len(r.ChronicleLogTypes) > 0 {
		// The rule's own choice of log types (spec chronicle.log_types).
		p := *prof
		p.LogTypes = nil
		for _, name := range r.ChronicleLogTypes {
			found := false
			for _, lt := range prof.LogTypes {
				if lt.Name == name {
					p.LogTypes, found = append(p.LogTypes, lt), true
				}
			}
			if !found {
				return nil, fmt.Errorf("%s: chronicle: log type %s is not one of logsource %s's", r.SourceFile, name, r.Logsource)
			}
		}
		prof = &p
	}
	data, err := (&gen{prof: prof}).rule(r)
	if err != nil {
		if _, ok := err.(*diag.Unsupported); ok {
			return nil, err
		}
		return nil, fmt.Errorf("%s: chronicle: %w", r.SourceFile, err)
	}
	return templates.Render(tmpl, data)
}

type ruleData struct {
	Name         string
	Meta         metaData // the meta section's values, quoted
	Blocks       []string // per event variable: its log types' conditions, OR-ed
	Placeholders []string // an aggregation's placeholder assignments
	Match        string   // an aggregation's match section
	Condition    string   // the condition section when not just $e
	AggOutcomes  []Outcome
	AnySignal    []string // OR-ed signal predicates
	ScoreTerms   []string
	Outcomes     []Outcome
	HasScore     bool
	ScoreGate    bool
	Threshold    int
}

// metaData holds the meta section's values as YARA-L string literals
// (quoteText): the template lays them out, never quotes.
type metaData struct {
	Title, Description, Author, ID, Version, Status, Created, Modified string
	Tactics, Technique, TechniqueID, AttackURL, DataSource             string
	Severity, Confidence, FalsePositives, References                   string
}

type gen struct {
	prof *Profile
	src  *ir.Rule
	ev   string // the event variable being rendered ("e" unless a sequence)
}

// v is the event variable's name.
func (g *gen) v() string {
	if g.ev == "" {
		return "e"
	}
	return g.ev
}

// block renders the events-section block of the current event variable:
// one branch per log type, each the log type, its event types and the
// terms of conds, OR-ed.
func (g *gen) block(conds ...ir.Expr) string {
	var branches []string
	for _, lt := range g.prof.LogTypes {
		preds := []string{"$" + g.v() + ".metadata.log_type = " + yaral.QuoteString(lt.Name)}
		// metadata.event_type is an enum: compared by name, never by regex.
		if n := len(lt.EventTypes); n > 0 {
			alts := each(lt.EventTypes, func(t string) string { return "$" + g.v() + ".metadata.event_type = " + yaral.QuoteString(t) })
			p := strings.Join(alts, " or ")
			if n > 1 {
				p = "(" + p + ")"
			}
			preds = append(preds, p)
		}
		all := conds
		if g.prof.scope != nil {
			all = append([]ir.Expr{g.prof.scope}, conds...)
		}
		for _, c := range all {
			for _, x := range conjuncts(c) {
				preds = append(preds, g.expr(lt, x, true))
			}
		}
		branches = append(branches, "(\n        "+strings.Join(preds, "\n        and ")+"\n      )")
	}
	return "(\n      " + strings.Join(branches, "\n      or ") + "\n    )"
}

func (g *gen) fail(e ir.Expr, format string, args ...any) {
	pos := diag.Pos{File: g.src.SourceFile}
	switch n := e.(type) {
	case *ir.Match:
		pos = n.Pos
	case *ir.Keyword:
		pos = n.Pos
	}
	diag.Refuse(pos, "chronicle", g.src.Name, format, args...)
}

// maxCombinations bounds the OR of ANDs an "N of" expands to.
const maxCombinations = 64

func (g *gen) rule(r *ir.Rule) (d *ruleData, err error) {
	g.src = r
	defer diag.CatchUnsupported(&err)
	d = &ruleData{Name: r.Name, Outcomes: g.prof.Outcomes}
	var tactics, logTypes []string
	for _, t := range r.Tactics {
		tactics = append(tactics, t.Name)
	}
	technique, techniqueID := r.Technique.Name, r.Technique.ID
	if r.Subtechnique.ID != "" {
		technique = r.Technique.Name + ": " + r.Subtechnique.Name
		techniqueID = r.Subtechnique.ID
	}
	for _, lt := range g.prof.LogTypes {
		logTypes = append(logTypes, lt.Name)
	}
	d.Meta = metaData{
		Title:          quoteText(r.Title),
		Description:    quoteText(r.Description),
		Author:         quoteText(r.Author),
		ID:             quoteText(r.ID),
		Version:        quoteText(fmt.Sprintf("%d", r.Version)),
		Status:         quoteText(r.Status),
		Created:        quoteText(r.Date),
		Tactics:        quoteText(strings.Join(tactics, ", ")),
		Technique:      quoteText(technique),
		TechniqueID:    quoteText(techniqueID),
		AttackURL:      quoteText(r.AttackURL),
		DataSource:     quoteText(strings.Join(logTypes, ", ")),
		Severity:       quoteText(title(r.Severity)),
		Confidence:     quoteText(title(r.Confidence)),
		FalsePositives: quoteText(strings.Join(r.FalsePositives, "; ")),
	}
	if r.Modified != "" {
		d.Meta.Modified = quoteText(r.Modified)
	}
	if refs := strings.Join(r.References, ", "); refs != "" {
		d.Meta.References = quoteText(refs)
	}
	if r.Sequence != nil {
		g.sequence(r, d)
	} else {
		d.Blocks = []string{g.block(r.Condition)}
	}

	if r.Aggregate != nil {
		g.aggregate(r, d)
	}
	if s := r.Scoring; s != nil {
		d.HasScore = true
		d.ScoreGate = !s.AnySignalAlerts()
		d.Threshold = s.Threshold
		if s.Base > 0 {
			d.ScoreTerms = append(d.ScoreTerms, fmt.Sprint(s.Base))
		}
		for _, sig := range s.Signals {
			p := g.signal(sig.When)
			if !d.ScoreGate {
				d.AnySignal = append(d.AnySignal, p)
			}
			d.ScoreTerms = append(d.ScoreTerms, fmt.Sprintf("if(%s, %d, 0)", p, sig.Weight))
		}
	}
	return d, nil
}

// conjuncts flattens nested ANDs into the terms that must all hold.
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

// signal renders a signal's condition once when every log type maps it
// the same way, else per log type.
func (g *gen) signal(e ir.Expr) string {
	var first string
	same := true
	per := make([]string, len(g.prof.LogTypes))
	for i, lt := range g.prof.LogTypes {
		per[i] = g.expr(lt, e, false)
		if i == 0 {
			first = per[i]
		} else if per[i] != first {
			same = false
		}
	}
	if same {
		return first
	}
	var alts []string
	for i, lt := range g.prof.LogTypes {
		alts = append(alts, fmt.Sprintf("($%s.metadata.log_type = %s and %s)", g.v(), yaral.QuoteString(lt.Name), per[i]))
	}
	return "(" + strings.Join(alts, " or ") + ")"
}

// expr renders e for one log type. top is true for a direct term of the
// events section, which needs no parentheses.
func (g *gen) expr(lt LogType, e ir.Expr, top bool) string {
	wrap := func(s string) string {
		if top {
			return s
		}
		return "(" + s + ")"
	}
	switch n := e.(type) {
	case *ir.And:
		return wrap(g.join(lt, n.Args, " and "))
	case *ir.Or:
		// Always parenthesised: YARA-L binds and tighter than or, and an
		// OR is never a line of its own in the events section.
		return "(" + g.join(lt, n.Args, " or ") + ")"
	case *ir.Not:
		inner := g.expr(lt, n.Arg, false)
		if !strings.HasPrefix(inner, "(") {
			inner = "(" + inner + ")"
		}
		if m, ok := n.Arg.(*ir.Match); ok && !strings.Contains(g.match(lt, m), " or ") && !strings.Contains(g.match(lt, m), " and ") {
			inner = g.match(lt, m)
		}
		return "not " + inner
	case *ir.AtLeast:
		if c := ir.Binomial(len(n.Args), n.N); c > maxCombinations {
			g.fail(e, "%d of %d expands to %d combinations; YARA-L has no counting operator and at most %d are written", n.N, len(n.Args), c, maxCombinations)
		}
		var ors []string
		for _, set := range ir.Combinations(len(n.Args), n.N) {
			var ands []string
			for _, i := range set {
				ands = append(ands, g.expr(lt, n.Args[i], false))
			}
			ors = append(ors, "("+strings.Join(ands, " and ")+")")
		}
		return "(" + strings.Join(ors, " or ") + ")"
	case *ir.Match:
		p := g.match(lt, n)
		if !strings.Contains(p, " or ") && !(!top && strings.Contains(p, " and ")) {
			return p
		}
		return "(" + p + ")"
	case *ir.Keyword:
		g.fail(e, "keyword search: YARA-L rules have no predicate over the raw log, only UDM fields")
	}
	panic(fmt.Sprintf("chronicle: unknown expression %T", e))
}

func (g *gen) join(lt LogType, args []ir.Expr, sep string) string {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = g.expr(lt, a, false)
	}
	return strings.Join(parts, sep)
}

// match renders one field test for one log type.
func (g *gen) match(lt LogType, m *ir.Match) (out string) {
	f, ok := g.prof.resolve(lt, m.Field)
	if !ok || f.Unavailable != "" {
		reason := "no UDM mapping for log type " + lt.Name + " in mappings/chronicle"
		if f.Unavailable != "" {
			reason = f.Unavailable
		}
		g.fail(m, "field %s cannot be used on Chronicle: %s", m.Field, reason)
	}
	if !m.FieldRef {
		for _, v := range m.Values {
			if err := yaral.ValidateString(v); err != nil {
				g.fail(m, "field %s: %v", m.Field, err)
			}
		}
	}
	lhs := "$" + g.v() + "." + f.UDM
	nocase := ""
	text := m.Type == ir.String || m.Type == ir.List
	if text && !m.Cased || f.Nocase {
		nocase = " nocase"
	}
	if f.Enum != nil {
		return g.enum(lt, m, f, lhs)
	}
	if f.Wrap != "" && (m.Op == ir.Exists || m.Op == ir.Null || m.Op == ir.Empty) {
		// The UDM value (a method name, a URL) is always there; whether
		// this part of it is cannot be told apart from its value.
		g.fail(m, "%s on field %s: on log type %s it is read from a composite UDM value (%s), which is never empty", m.Op, m.Field, lt.Name, f.UDM)
	}
	if f.Int && (m.Op == ir.Exists || m.Op == ir.Null) {
		// An integer UDM field reads 0 when absent: "" is not its type,
		// and 0 is also a value.
		g.fail(m, "%s on field %s: its UDM path %s is an integer, and UDM cannot tell 0 from absent", m.Op, m.Field, f.UDM)
	}
	if f.Int && holdsAtZero(m) {
		// And so would an event without the field: Sigma's test fails there.
		g.fail(m, "%s on field %s: its UDM path %s is an integer, which reads 0 when absent, and 0 passes this test", m.Op, m.Field, f.UDM)
	}
	// A test the empty string passes (a lone wildcard, a regex such as
	// .*) would hold on every event without the field, which reads "" in
	// UDM; Sigma's test fails there. The guard makes it "present and not
	// empty": a present empty value, which UDM cannot tell from a missing
	// one, is missed (docs/sigma.md).
	if holdsOnEmpty(m) && !f.Int && f.Enum == nil && f.Wrap == "" {
		defer func() {
			if out != "" {
				out = "(" + lhs + ` != "" and ` + out + ")"
			}
		}()
	}
	switch m.Op {
	case ir.Exists:
		return lhs + ` != ""`
	case ir.Null:
		return lhs + ` = ""`
	case ir.Empty:
		g.fail(m, "empty value: UDM does not tell an empty field from a missing one")
	}
	if f.Wrap != "" {
		if m.Op != ir.Equals || m.FieldRef || m.All {
			g.fail(m, "field %s on log type %s is read from a composite UDM value and supports equals only", m.Field, lt.Name)
		}
		return lhs + " = " + yaral.QuoteRegex(fmt.Sprintf(f.Wrap, alternation(m.Values))) + nocase
	}
	if m.FieldRef {
		var tests []string
		for _, other := range m.Values {
			o, ok := g.prof.resolve(lt, other)
			if !ok || o.Unavailable != "" || o.Wrap != "" {
				g.fail(m, "fieldref %s has no plain UDM mapping for log type %s", other, lt.Name)
			}
			// Both sides must hold the record's text as it is: not a
			// value the parser rewrote to an enum, not a number (absent
			// reads 0), not a label joining a list's values.
			for _, side := range []UDMField{f, o} {
				switch {
				case side.Enum != nil:
					g.fail(m, "fieldref %s to %s: on log type %s the parser rewrites %s to the UDM enum %s, so its value is not the record's", m.Field, other, lt.Name, side.Field, side.UDM)
				case side.Int:
					g.fail(m, "fieldref %s to %s: %s is an integer UDM field, which reads 0 when absent", m.Field, other, side.UDM)
				case side.Extension == "joined" || side.Extension == "any_true":
					g.fail(m, "fieldref %s to %s: the label for %s holds every value of a list (extension %s), not one value", m.Field, other, side.Field, side.Extension)
				}
			}
			a, b := lhs, "$"+g.v()+"."+o.UDM
			// A missing field reads as "": without the guard a missing
			// referenced field equals a missing field and is contained
			// in any value, where the spec's test does not hold.
			guard := b + ` != ""`
			if !m.Cased {
				a, b = "strings.to_lower("+a+")", "strings.to_lower("+b+")"
			}
			var t string
			switch m.Op {
			case ir.Equals:
				t = a + " = " + b
			case ir.Contains:
				t = "strings.contains(" + a + ", " + b + ")"
			case ir.StartsWith:
				t = "strings.starts_with(" + a + ", " + b + ")"
			case ir.EndsWith:
				t = "strings.ends_with(" + a + ", " + b + ")"
			}
			tests = append(tests, "("+guard+" and "+t+")")
		}
		return combineY(tests, m.All)
	}
	switch m.Op {
	case ir.Equals:
		if f.Int || m.Type == ir.Int && f.Int {
			return combineY(each(m.Values, func(v string) string { return lhs + " = " + v }), m.All)
		}
		if m.Type == ir.Bool && f.Int {
			break
		}
		if f.Extension == "any_true" && slices.Contains(m.Values, "false") {
			// The parser extension writes the label only when some value
			// is true: a false value and a missing field look the same.
			g.fail(m, "field %s is false: its UDM label is written only when true (extension any_true), so false cannot be told from missing", m.Field)
		}
		if f.Extension == "joined" {
			return g.affix(lhs, m, start(f), end(f), nocase)
		}
		if len(m.Values) == 1 || m.All {
			return combineY(each(m.Values, func(v string) string {
				if invisible.In(v) {
					// YARA-L strings have no escape for it; the regex
					// writes it as \x{H}.
					return lhs + " = " + yaral.QuoteRegex("^"+yaral.RegexLiteralOf(v)+"$") + nocase
				}
				return lhs + " = " + yaral.QuoteString(v) + nocase
			}), m.All)
		}
		return lhs + " = " + yaral.QuoteRegex("^"+group(m.Values)+"$") + nocase
	case ir.Contains, ir.StartsWith, ir.EndsWith:
		pre, suf := "", ""
		if m.Op == ir.StartsWith {
			pre = start(f)
		}
		if m.Op == ir.EndsWith {
			suf = end(f)
		}
		return g.affix(lhs, m, pre, suf, nocase)
	case ir.Regex:
		flags := strings.ReplaceAll(m.Flags, "i", "")
		ci := ""
		if strings.Contains(m.Flags, "i") {
			ci = " nocase"
		}
		return combineY(each(m.Values, func(v string) string {
			if flags != "" {
				v = "(?" + flags + ")" + v
			}
			return lhs + " = " + yaral.QuoteRegex(v) + ci
		}), m.All)
	case ir.CIDR:
		return combineY(each(m.Values, func(v string) string {
			return "net.ip_in_range_cidr(" + lhs + ", " + yaral.QuoteString(v) + ")"
		}), m.All)
	case ir.GT, ir.GTE, ir.LT, ir.LTE:
		if !f.Int {
			g.fail(m, "%s on field %s: its UDM path %s is not an integer field", m.Op, m.Field, f.UDM)
		}
		op := map[ir.Op]string{ir.GT: ">", ir.GTE: ">=", ir.LT: "<", ir.LTE: "<="}[m.Op]
		return combineY(each(m.Values, func(v string) string { return lhs + " " + op + " " + v }), m.All)
	}
	g.fail(m, "operator %s is not supported on Chronicle", m.Op)
	return ""
}

// enum renders equals on a field the parser rewrites to a UDM enum: each
// spec value becomes the one enum value only it is rewritten to.
func (g *gen) enum(lt LogType, m *ir.Match, f UDMField, lhs string) string {
	if m.Op != ir.Equals || m.FieldRef {
		g.fail(m, "%s on field %s: on log type %s the parser rewrites it to the UDM enum %s, which supports equals on listed values only", m.Op, m.Field, lt.Name, f.UDM)
	}
	var tests []string
	for _, v := range m.Values {
		var keys []string
		for _, k := range slices.Sorted(maps.Keys(f.Enum)) {
			if k == v || !m.Cased && strings.EqualFold(k, v) {
				keys = append(keys, k)
			}
		}
		if len(keys) != 1 {
			g.fail(m, "field %s = %q: on log type %s the parser rewrites the field to the UDM enum %s, and the mapping lists no single rewrite for this value", m.Field, v, lt.Name, f.UDM)
		}
		target := f.Enum[keys[0]]
		for _, k := range slices.Sorted(maps.Keys(f.Enum)) {
			if t := f.Enum[k]; t == target && k != keys[0] {
				g.fail(m, "field %s = %q: on log type %s both %q and %q are rewritten to %s %s, so the test would not be exact", m.Field, v, lt.Name, keys[0], k, f.UDM, target)
			}
		}
		tests = append(tests, lhs+" = "+yaral.QuoteString(target))
	}
	return combineY(tests, m.All)
}

// affix tests that a value of m occurs in lhs between the regex anchors
// pre and suf ("" for none).
func (g *gen) affix(lhs string, m *ir.Match, pre, suf, nocase string) string {
	if m.All {
		return combineY(each(m.Values, func(v string) string {
			return lhs + " = " + yaral.QuoteRegex(pre+yaral.RegexLiteralOf(v)+suf) + nocase
		}), true)
	}
	body := alternation(m.Values)
	if (pre != "" || suf != "") && len(m.Values) > 1 {
		body = "(?:" + body + ")"
	}
	return lhs + " = " + yaral.QuoteRegex(pre+body+suf) + nocase
}

// start and end anchor a test to the start or end of one value of f. A
// label the parser extension fills with every value joined by line
// breaks (extension joined) holds one value per line: anchoring to the
// whole label would miss every value but the first and the last (equals:
// all of them, as soon as there are two). Spec values hold no line break,
// so a contains test cannot span two values either; only a value that
// itself holds a line break (an argument of a command) can end a line
// early.
func start(f UDMField) string {
	if f.Extension == "joined" {
		return `(?:^|\n)`
	}
	return "^"
}

func end(f UDMField) string {
	if f.Extension == "joined" {
		return `(?:\n|$)`
	}
	return "$"
}

func each(values []string, f func(string) string) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = f(v)
	}
	return out
}

func combineY(tests []string, all bool) string {
	if len(tests) == 1 {
		return tests[0]
	}
	if all {
		return strings.Join(tests, " and ")
	}
	return strings.Join(tests, " or ")
}

func alternation(values []string) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = yaral.RegexLiteralOf(v)
	}
	return strings.Join(q, "|")
}

// group is the alternation of values, in a non-capturing group when there
// is more than one so that anchors apply to all of them.
func group(values []string) string {
	if len(values) == 1 {
		return yaral.RegexLiteralOf(values[0])
	}
	return "(?:" + alternation(values) + ")"
}

func title(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// holdsAtZero reports whether a comparison or equality test holds for the
// number 0: an OR of values when one does, an all-of when each does.
func holdsAtZero(m *ir.Match) bool {
	if m.FieldRef {
		return false
	}
	at := func(v string) bool {
		x, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return false
		}
		switch m.Op {
		case ir.Equals:
			return x == 0
		case ir.LT:
			return x > 0
		case ir.LTE:
			return x >= 0
		case ir.GT:
			return x < 0
		case ir.GTE:
			return x <= 0
		}
		return false
	}
	if len(m.Values) == 0 {
		return false
	}
	if m.All {
		return !slices.ContainsFunc(m.Values, func(v string) bool { return !at(v) })
	}
	return slices.ContainsFunc(m.Values, at)
}

// holdsOnEmpty reports whether a text test holds for the empty string: a
// regex that matches it, or an empty literal.
func holdsOnEmpty(m *ir.Match) bool {
	if m.FieldRef || len(m.Values) == 0 {
		return false
	}
	at := func(v string) bool {
		switch m.Op {
		case ir.Regex:
			re, err := regexp.Compile("(?" + cmp.Or(m.Flags, "s") + ")" + v)
			return err == nil && re.MatchString("")
		case ir.Equals, ir.Contains, ir.StartsWith, ir.EndsWith:
			return v == "" && (m.Type == ir.String || m.Type == ir.List)
		}
		return false
	}
	if m.All {
		return !slices.ContainsFunc(m.Values, func(v string) bool { return !at(v) })
	}
	return slices.ContainsFunc(m.Values, at)
}
