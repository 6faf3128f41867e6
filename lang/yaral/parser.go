package yaral

import (
	"strings"
)

// Syntax accepted by Parse (EBNF as in the Go specification; keywords are
// case-insensitive; tokens are described in lexer.go):
//
//	Rule        = "rule" ident "{" Meta Events [ Match ] [ Outcome ] Condition [ Options ] "}" .
//	Meta        = "meta" ":" { KeyValue } .
//	Events      = "events" ":" Expr { NL Expr } .
//	Match       = "match" ":" var { "," var } ( "over" duration [ ( "before" | "after" ) var ] | "by" duration ) .
//	Outcome     = "outcome" ":" Assignment { NL Assignment } .
//	Assignment  = var "=" Expr .
//	Condition   = "condition" ":" Expr .
//	Options     = "options" ":" KeyValue { NL KeyValue } .
//	KeyValue    = ident "=" Literal .        // entries are separated by line breaks
//	Literal     = string | rawstring | regex | int | float | duration | "true" | "false" .
//
//	Expr        = AndExpr { "or" AndExpr } .
//	AndExpr     = NotExpr { "and" NotExpr } .
//	NotExpr     = "not" NotExpr | CmpExpr .
//	CmpExpr     = AddExpr [ CmpOp AddExpr [ "nocase" ]
//	                      | "in" [ "regex" | "cidr" ] listref [ "nocase" ]
//	                      | "nocase" ] .               // the last form only after a call
//	CmpOp       = "=" | "!=" | "<" | "<=" | ">" | ">=" .
//	AddExpr     = MulExpr { ( "+" | "-" ) MulExpr } .
//	MulExpr     = Unary { ( "*" | "/" | "%" ) Unary } .
//	Unary       = "!" var | Primary .                   // "!" only in condition
//	Primary     = Field | var | count | int | float | string | rawstring | regex | "true" | "false" |
//	              Call | "(" Expr ")" | "window_start" | "window_end" .
//	Field       = [ "any" | "all" ] var Step { Step } .
//	Step        = "." name | "[" ( int | string | rawstring ) "]" .
//	Call        = FuncName "(" [ Arg { "," Arg } ] ")" .
//	Arg         = Expr | name { "." name } ":" ( duration | name | Expr ) .  // named form: metrics.* only
//	FuncName    = ident "." name | ident | "if" | "max" | "min" | "sum" | "count" |
//	              "count_distinct" | "array" | "array_distinct" .
//	name        = ident | keyword .
//
// Line breaks: the predicates of the events section are separated by line
// breaks and implicitly and-ed. A predicate extends as far as the expression
// grammar allows, so a line break next to an explicit "and"/"or" (or inside
// parentheses, or before a binary operator) continues the predicate. This
// yields Google's documented grouping: "a \n or b \n c" is "(a or b) and c".
// Two predicates on one line without and/or are an error. Entries of the
// meta, outcome and options sections likewise start on new lines.
//
// The parser is deliberately permissive where only the SecOps compiler can
// decide (types, UDM field names, which section may use "#e" or an
// aggregation) and strict where the syntax is documented. Check reports
// several of the semantic rules. Not supported, for lack of evidence that
// rules may use them: the "is null" form (the keywords are reserved), array
// literals such as ["a", "b"] (seen only in function documentation), and the
// search-only sections (dedup, order, limit, select, unselect).
//
// Parse limits the nesting depth of expressions (maxDepth) so that hostile
// input cannot exhaust the stack.

// maxDepth bounds the nesting of parenthesised expressions, calls and "not".
const maxDepth = 200

// maxErrors is the number of errors after which Parse gives up.
const maxErrors = 10

// Parse parses the text of exactly one rule. On failure it returns a nil
// Rule and an ErrorList (sorted, "line:col: msg").
func Parse(src string) (*Rule, error) {
	p := &parser{}
	p.lx = NewLexer(src, p.addError)
	r := p.parseRule()
	p.errs.Sort()
	if len(p.errs) > 0 {
		return nil, p.errs
	}
	return r, nil
}

type parser struct {
	lx          *Lexer
	errs        ErrorList
	tok         Item // current token
	depth       int
	inCondition bool
	elems       []PathElem // see pathElem
}

// bailout is the panic value used to abandon a section (all == false) or
// the whole rule (all == true) after an error.
type bailout struct{ all bool }

func (p *parser) next() { p.tok = p.lx.Next() }

// peek returns the token after the current one without consuming it (and
// without reporting its lexical errors, which next will report).
func (p *parser) peek() Item {
	saved := *p.lx
	p.lx.err = nil
	it := p.lx.Next()
	*p.lx = saved
	return it
}

// addError records an error. Like go/parser it keeps only the first error
// of a line, which removes most follow-on errors.
func (p *parser) addError(pos Pos, msg string) {
	if n := len(p.errs); n > 0 && p.errs[n-1].Pos.Line == pos.Line {
		return
	}
	p.errs.Add(pos, msg)
	if len(p.errs) >= maxErrors {
		panic(bailout{all: true})
	}
}

// fail records an error and abandons the current section.
func (p *parser) fail(pos Pos, msg string) {
	p.addError(pos, msg)
	panic(bailout{})
}

func (p *parser) describe() string {
	t := p.tok
	switch {
	case t.Tok == EOF:
		return "end of input"
	case t.Tok.IsKeyword():
		return "keyword " + strings.ToLower(t.Lit)
	case t.Tok.IsOperator():
		return "'" + t.Lit + "'"
	}
	lit := t.Lit
	if len(lit) > 40 {
		lit = lit[:37] + "..."
	}
	return lit
}

func (p *parser) errorExpected(what string) {
	msg := "expected " + what + ", found " + p.describe()
	p.fail(p.tok.Pos, msg)
}

func (p *parser) expect(tok Token) Pos {
	pos := p.tok.Pos
	if p.tok.Tok != tok {
		p.errorExpected("'" + tok.String() + "'")
	}
	p.next()
	return pos
}

func (p *parser) enter() {
	p.depth++
	if p.depth > maxDepth {
		p.fail(p.tok.Pos, "expression nested too deeply")
	}
}

func (p *parser) leave() { p.depth-- }

// ----------------------------------------------------------------------------
// Rule and sections

func (p *parser) parseRule() (r *Rule) {
	defer func() {
		if e := recover(); e != nil {
			if _, ok := e.(bailout); !ok {
				panic(e)
			}
		}
	}()
	p.next()
	r = &Rule{Rule: p.tok.Pos}
	p.expect(RULE)
	r.NamePos = p.tok.Pos
	switch {
	case p.tok.Tok == IDENT:
		r.Name = p.tok.Lit
	case p.tok.Tok.IsKeyword():
		p.fail(p.tok.Pos, errorf("rule name %q is a reserved keyword", p.tok.Lit))
	default:
		p.errorExpected("rule name")
	}
	p.next()
	p.expect(LBRACE)
	p.parseSections(r)
	if p.tok.Tok != RBRACE {
		p.errorExpected("section name or '}'")
	}
	p.next()
	if p.tok.Tok != EOF {
		p.fail(p.tok.Pos, "unexpected "+p.describe()+" after the end of the rule (one rule per text)")
	}
	return r
}

func sectionIndex(t Token) int { return int(t-META) + 1 }

func (p *parser) parseSections(r *Rule) {
	last := 0
	var seen [7]bool
	for p.tok.Tok.isSection() {
		kw := p.tok
		idx := sectionIndex(kw.Tok)
		seen[idx] = true
		name := kw.Tok.String()
		ok := true
		switch {
		case idx == last:
			p.addError(kw.Pos, "duplicate "+name+" section")
			ok = false
		case idx < last:
			p.addError(kw.Pos, name+" section out of order (the order is meta, events, match, outcome, condition, options)")
			ok = false
		default:
			last = idx
		}
		p.section(func() {
			p.next()
			p.expect(COLON)
			switch kw.Tok {
			case META:
				s := p.parseMeta(kw.Pos)
				if ok {
					r.Meta = s
				}
			case EVENTS:
				s := p.parseEvents(kw.Pos)
				if ok {
					r.Events = s
				}
			case MATCH:
				s := p.parseMatch(kw.Pos)
				if ok {
					r.Match = s
				}
			case OUTCOME:
				s := p.parseOutcome(kw.Pos)
				if ok {
					r.Outcome = s
				}
			case CONDITION:
				s := p.parseCondition(kw.Pos)
				if ok {
					r.Condition = s
				}
			case OPTIONS:
				s := p.parseOptions(kw.Pos)
				if ok {
					r.Options = s
				}
			}
		})
	}
	if p.tok.Tok != RBRACE {
		// Report unexpected content here rather than as missing sections.
		if len(p.errs) == 0 || p.tok.Tok != EOF {
			p.errorExpected("section name or '}'")
		}
		panic(bailout{all: true})
	}
	for _, s := range []struct {
		missing bool
		name    string
	}{{!seen[sectionIndex(META)], "meta"}, {!seen[sectionIndex(EVENTS)], "events"}, {!seen[sectionIndex(CONDITION)], "condition"}} {
		if s.missing {
			p.addError(p.tok.Pos, "missing "+s.name+" section")
		}
	}
}

// section runs f and, if f abandons the section after an error, skips to the
// next section keyword at the start of a line or to the closing brace.
func (p *parser) section(f func()) {
	defer func() {
		if e := recover(); e != nil {
			if b, ok := e.(bailout); !ok || b.all {
				panic(e)
			}
			p.depth = 0
			p.inCondition = false
			for p.tok.Tok != EOF && p.tok.Tok != RBRACE && !(p.tok.Tok.isSection() && p.tok.NewlineBefore) {
				p.next()
			}
		}
	}()
	f()
}

// atSectionEnd reports whether the current token ends a section body.
func (p *parser) atSectionEnd() bool {
	return p.tok.Tok.isSection() || p.tok.Tok == RBRACE || p.tok.Tok == EOF
}

// needLineBreak reports an error when an entry does not start on a new line.
func (p *parser) needLineBreak(what string) {
	if !p.tok.NewlineBefore {
		p.fail(p.tok.Pos, "expected a line break before "+p.describe()+" ("+what+")")
	}
}

func (p *parser) parseMeta(pos Pos) *MetaSection {
	s := &MetaSection{Meta: pos, Entries: []*KeyValue{}}
	for !p.atSectionEnd() {
		if len(s.Entries) > 0 {
			p.needLineBreak("each meta entry starts on a new line")
		}
		s.Entries = append(s.Entries, p.parseKeyValue("meta key"))
	}
	return s
}

func (p *parser) parseOptions(pos Pos) *OptionsSection {
	s := &OptionsSection{Options: pos}
	for !p.atSectionEnd() {
		if len(s.Entries) > 0 {
			p.needLineBreak("each option starts on a new line")
		}
		s.Entries = append(s.Entries, p.parseKeyValue("option name"))
	}
	if len(s.Entries) == 0 {
		p.errorExpected("option name")
	}
	return s
}

func (p *parser) parseKeyValue(what string) *KeyValue {
	kv := &KeyValue{KeyPos: p.tok.Pos, Key: p.tok.Lit}
	switch {
	case p.tok.Tok == IDENT:
	case p.tok.Tok.IsKeyword():
		p.fail(p.tok.Pos, errorf("%s %q is a reserved keyword", what, p.tok.Lit))
	default:
		p.errorExpected(what)
	}
	p.next()
	if p.tok.Tok == COLON {
		p.fail(kv.KeyPos, "unknown section "+kv.Key+" (the sections are meta, events, match, outcome, condition and options)")
	}
	p.expect(EQ)
	kv.Value = p.parseLiteral()
	return kv
}

// parseLiteral parses the value of a meta or options entry.
func (p *parser) parseLiteral() *BasicLit {
	t := p.tok
	switch t.Tok {
	case STRING, RAWSTRING, REGEX, INT, FLOAT, DURATION:
		p.next()
		return &BasicLit{ValuePos: t.Pos, Kind: t.Tok, Value: t.Lit}
	case IDENT:
		if b, ok := boolLit(t); ok {
			p.next()
			return b
		}
	}
	p.errorExpected("literal value (meta values are double-quoted strings)")
	return nil
}

func boolLit(t Item) (*BasicLit, bool) {
	switch v := strings.ToLower(t.Lit); v {
	case "true", "false":
		return &BasicLit{ValuePos: t.Pos, Kind: BOOL, Value: v}, true
	}
	return nil, false
}

func (p *parser) parseEvents(pos Pos) *EventsSection {
	s := &EventsSection{Events: pos}
	for !p.atSectionEnd() {
		if len(s.Predicates) > 0 && !p.tok.NewlineBefore {
			p.fail(p.tok.Pos, "expected a line break, and or or before "+p.describe())
		}
		s.Predicates = append(s.Predicates, p.parseExpr())
	}
	if len(s.Predicates) == 0 {
		p.errorExpected("event predicate")
	}
	return s
}

func (p *parser) parseMatch(pos Pos) *MatchSection {
	s := &MatchSection{Match: pos}
	s.Vars = append(s.Vars, p.parseVar("match variable"))
	for p.tok.Tok == COMMA {
		p.next()
		s.Vars = append(s.Vars, p.parseVar("match variable"))
	}
	s.KindPos = p.tok.Pos
	switch p.tok.Tok {
	case OVER:
		s.Kind = Over
	case BY:
		s.Kind = By
	default:
		p.errorExpected("',', over or by")
	}
	p.next()
	s.Window = p.parseDuration()
	if s.Kind == Over && (p.tok.Tok == BEFORE || p.tok.Tok == AFTER) {
		s.Anchor, s.AnchorPos = p.tok.Tok, p.tok.Pos
		p.next()
		s.AnchorVar = p.parseVar("event variable")
	}
	return s
}

func (p *parser) parseDuration() *BasicLit {
	t := p.tok
	switch t.Tok {
	case DURATION:
		p.next()
		return &BasicLit{ValuePos: t.Pos, Kind: DURATION, Value: t.Lit}
	case INT:
		p.fail(t.Pos, "window "+t.Lit+" needs a unit (s, m, h or d)")
	}
	p.errorExpected("duration such as 5m, 1h or 1d")
	return nil
}

func (p *parser) parseOutcome(pos Pos) *OutcomeSection {
	s := &OutcomeSection{Outcome: pos}
	for !p.atSectionEnd() {
		if len(s.Assignments) > 0 {
			p.needLineBreak("each outcome variable is defined on a new line")
		}
		a := &Assignment{Var: p.parseVar("outcome variable")}
		a.Assign = p.expect(EQ)
		a.Value = p.parseExpr()
		s.Assignments = append(s.Assignments, a)
	}
	if len(s.Assignments) == 0 {
		p.errorExpected("outcome variable")
	}
	return s
}

func (p *parser) parseCondition(pos Pos) *ConditionSection {
	s := &ConditionSection{Condition: pos}
	p.inCondition = true
	s.Expr = p.parseExpr()
	p.inCondition = false
	if !p.atSectionEnd() {
		hint := ""
		if p.tok.NewlineBefore {
			hint = " (the condition is a single expression; join terms with and/or)"
		}
		p.fail(p.tok.Pos, "unexpected "+p.describe()+" in condition"+hint)
	}
	return s
}

// parseVar parses a $variable.
func (p *parser) parseVar(what string) *Var {
	if p.tok.Tok != VAR {
		p.errorExpected(what + " ($name)")
	}
	return p.varTok()
}

// varTok converts the current VAR token and advances.
func (p *parser) varTok() *Var {
	t := p.tok
	name := t.Lit[1:]
	if IsKeyword(name) {
		p.addError(t.Pos, errorf("variable name %s is a reserved keyword", t.Lit))
	}
	p.next()
	return &Var{NamePos: t.Pos, Name: name}
}

// ----------------------------------------------------------------------------
// Expressions

func (p *parser) parseExpr() Expr {
	p.enter()
	defer p.leave()
	x := p.parseAnd()
	for p.tok.Tok == OR {
		pos := p.tok.Pos
		p.next()
		y := p.parseAnd()
		x = &BinaryExpr{X: x, OpPos: pos, Op: OR, Y: y}
	}
	return x
}

func (p *parser) parseAnd() Expr {
	x := p.parseNot()
	for p.tok.Tok == AND {
		pos := p.tok.Pos
		p.next()
		y := p.parseNot()
		x = &BinaryExpr{X: x, OpPos: pos, Op: AND, Y: y}
	}
	return x
}

func (p *parser) parseNot() Expr {
	if p.tok.Tok == NOT {
		pos := p.tok.Pos
		p.next()
		p.enter()
		x := p.parseNot()
		p.leave()
		return &UnaryExpr{OpPos: pos, Op: NOT, X: x}
	}
	return p.parseComparison()
}

func (p *parser) parseComparison() Expr {
	x := p.parseAdditive()
	switch t := p.tok; {
	case t.Tok.isComparison():
		p.next()
		y := p.parseAdditive()
		b := &BinaryExpr{X: x, OpPos: t.Pos, Op: t.Tok, Y: y}
		if p.tok.Tok == NOCASE {
			b.Nocase, b.NocasePos = true, p.tok.Pos
			p.next()
		}
		if p.tok.Tok.isComparison() {
			p.fail(p.tok.Pos, "comparison operators do not chain (use and)")
		}
		p.noDoubleNocase()
		return b
	case t.Tok == IN:
		p.next()
		in := &InExpr{X: x, InPos: t.Pos}
		if p.tok.Tok == REGEXKW || p.tok.Tok == CIDR {
			in.Kind = p.tok.Tok
			p.next()
		}
		if p.tok.Tok != LISTREF {
			p.errorExpected("reference list (%name) after in")
		}
		in.List = listRef(p.tok)
		p.next()
		if p.tok.Tok == NOCASE {
			in.Nocase, in.NocasePos = true, p.tok.Pos
			p.next()
		}
		p.noDoubleNocase()
		return in
	case t.Tok == NOCASE:
		if c, ok := x.(*CallExpr); ok && !c.Nocase {
			c.Nocase, c.NocasePos = true, t.Pos
			p.next()
			p.noDoubleNocase()
			return c
		}
		p.fail(t.Pos, "nocase must follow a comparison, an in test or a function call")
	}
	return x
}

// noDoubleNocase rejects a second "nocase".
func (p *parser) noDoubleNocase() {
	if p.tok.Tok == NOCASE {
		p.fail(p.tok.Pos, "nocase must follow a comparison, an in test or a function call, once")
	}
}

func listRef(t Item) *ListRef {
	name, col, _ := strings.Cut(t.Lit[1:], ".")
	return &ListRef{NamePos: t.Pos, Name: name, Column: col}
}

func (p *parser) parseAdditive() Expr {
	x := p.parseMultiplicative()
	for p.tok.Tok == ADD || p.tok.Tok == SUB {
		t := p.tok
		p.next()
		y := p.parseMultiplicative()
		x = &BinaryExpr{X: x, OpPos: t.Pos, Op: t.Tok, Y: y}
	}
	return x
}

func (p *parser) parseMultiplicative() Expr {
	x := p.parseUnary()
	for p.tok.Tok == MUL || p.tok.Tok == QUO || p.tok.Tok == REM {
		t := p.tok
		p.next()
		y := p.parseUnary()
		x = &BinaryExpr{X: x, OpPos: t.Pos, Op: t.Tok, Y: y}
	}
	return x
}

func (p *parser) parseUnary() Expr {
	if p.tok.Tok == BANG {
		pos := p.tok.Pos
		if !p.inCondition {
			p.fail(pos, "! (non-existence of an event) is only allowed in the condition section")
		}
		p.next()
		if p.tok.Tok != VAR {
			p.errorExpected("event variable after !")
		}
		return &UnaryExpr{OpPos: pos, Op: BANG, X: p.varTok()}
	}
	return p.parsePrimary()
}

func (p *parser) parsePrimary() Expr {
	t := p.tok
	switch t.Tok {
	case VAR:
		v := p.varTok()
		if p.tok.Tok == PERIOD || p.tok.Tok == LBRACK {
			return p.parseFieldTail(&FieldExpr{Var: v})
		}
		return v
	case ANY, ALL:
		p.next()
		if p.tok.Tok != VAR {
			p.errorExpected("event field after " + strings.ToLower(t.Lit))
		}
		v := p.varTok()
		if p.tok.Tok != PERIOD && p.tok.Tok != LBRACK {
			p.fail(p.tok.Pos, strings.ToLower(t.Lit)+" must be followed by an event field such as $e.principal.ip")
		}
		return p.parseFieldTail(&FieldExpr{Modifier: t.Tok, ModPos: t.Pos, Var: v})
	case COUNT:
		p.next()
		name := t.Lit[1:]
		if IsKeyword(name) {
			p.addError(t.Pos, errorf("variable name %s is a reserved keyword", t.Lit))
		}
		return &CountVar{NamePos: t.Pos, Name: name}
	case INT, FLOAT, STRING, RAWSTRING, REGEX:
		p.next()
		return &BasicLit{ValuePos: t.Pos, Kind: t.Tok, Value: t.Lit}
	case DURATION:
		p.fail(t.Pos, "duration "+t.Lit+" is only allowed in the match and options sections")
	case LPAREN:
		p.next()
		x := p.parseExpr()
		if p.tok.Tok != RPAREN {
			what := "')'"
			if p.tok.NewlineBefore && !p.atSectionEnd() {
				what += " (a line break inside parentheses does not separate predicates; use and/or)"
			}
			p.errorExpected(what)
		}
		p.next()
		return x
	case IF, MAX, MIN, SUM, ARRAY, ARRAY_DISTINCT, COUNTKW, COUNT_DISTINCT:
		p.next()
		if p.tok.Tok != LPAREN {
			p.errorExpected("'(' after " + t.Tok.String())
		}
		return p.parseCall(&CallExpr{Name: t.Tok.String(), NamePos: t.Pos})
	case IDENT:
		if b, ok := boolLit(t); ok {
			p.next()
			return b
		}
		p.next()
		switch p.tok.Tok {
		case PERIOD:
			p.next()
			if p.tok.Tok != IDENT && !p.tok.Tok.IsKeyword() {
				p.errorExpected("function name after " + t.Lit + ".")
			}
			name := p.tok.Lit
			p.next()
			if p.tok.Tok != LPAREN {
				p.errorExpected("'(' after function name " + t.Lit + "." + name)
			}
			return p.parseCall(&CallExpr{Namespace: t.Lit, Name: name, NamePos: t.Pos})
		case LPAREN:
			// A "(" on the next line starts a new predicate after a
			// window bound; it does not call it.
			if !p.tok.NewlineBefore || !isWindowBound(t.Lit) {
				return p.parseCall(&CallExpr{Name: t.Lit, NamePos: t.Pos})
			}
		}
		if isWindowBound(t.Lit) {
			return &Ident{NamePos: t.Pos, Name: t.Lit}
		}
		p.fail(t.Pos, "unexpected identifier "+t.Lit+" (expected $variable, literal or function call)")
	}
	p.errorExpected("expression")
	return nil
}

func isWindowBound(name string) bool { return name == "window_start" || name == "window_end" }

// parseCall parses the argument list; the current token is "(".
func (p *parser) parseCall(c *CallExpr) *CallExpr {
	c.Lparen = p.tok.Pos
	p.next()
	if p.tok.Tok != RPAREN {
		for {
			if c.Namespace == "metrics" {
				c.Args = append(c.Args, p.parseNamedArg())
			} else {
				c.Args = append(c.Args, p.parseExpr())
			}
			if p.tok.Tok != COMMA {
				break
			}
			p.next()
		}
	}
	c.Rparen = p.expect(RPAREN)
	return c
}

// parseNamedArg parses "name:value" (metrics functions only).
func (p *parser) parseNamedArg() *NamedArg {
	a := &NamedArg{NamePos: p.tok.Pos}
	for {
		if p.tok.Tok != IDENT && !p.tok.Tok.IsKeyword() {
			p.errorExpected("parameter name (metrics functions take name:value parameters)")
		}
		a.Name += p.tok.Lit
		p.next()
		if p.tok.Tok != PERIOD {
			break
		}
		a.Name += "."
		p.next()
	}
	a.Colon = p.expect(COLON)
	switch t := p.tok; {
	case t.Tok == DURATION:
		p.next()
		a.Value = &BasicLit{ValuePos: t.Pos, Kind: DURATION, Value: t.Lit}
	case t.Tok == IDENT || t.Tok.IsKeyword():
		// A bare word (value_sum, max, today) ends the argument; anything
		// else (a call such as strings.concat(...), true) is an expression.
		if _, isBool := boolLit(t); !isBool {
			if next := p.peek().Tok; next == COMMA || next == RPAREN {
				p.next()
				a.Value = &Ident{NamePos: t.Pos, Name: t.Lit}
				break
			}
		}
		a.Value = p.parseExpr()
	default:
		a.Value = p.parseExpr()
	}
	return a
}

// pathElem hands out a path element from a block allocated for many:
// field paths are most of a rule's nodes.
func (p *parser) pathElem() *PathElem {
	if len(p.elems) == 0 {
		p.elems = make([]PathElem, 32)
	}
	e := &p.elems[0]
	p.elems = p.elems[1:]
	return e
}

func (p *parser) parseFieldTail(f *FieldExpr) *FieldExpr {
	for {
		switch p.tok.Tok {
		case PERIOD:
			pos := p.tok.Pos
			p.next()
			if p.tok.Tok != IDENT && !p.tok.Tok.IsKeyword() {
				p.errorExpected("field name after '.'")
			}
			if f.Path == nil {
				f.Path = make([]*PathElem, 0, 6) // most UDM paths have at most six names
			}
			e := p.pathElem()
			e.ElemPos, e.Name = pos, p.tok.Lit
			f.Path = append(f.Path, e)
			p.next()
		case LBRACK:
			pos := p.tok.Pos
			p.next()
			t := p.tok
			switch t.Tok {
			case INT, STRING, RAWSTRING:
			default:
				p.errorExpected("array index or map key (\"key\")")
			}
			p.next()
			f.Path = append(f.Path, &PathElem{ElemPos: pos, Index: &BasicLit{ValuePos: t.Pos, Kind: t.Tok, Value: t.Lit}})
			p.expect(RBRACK)
		default:
			return f
		}
	}
}
