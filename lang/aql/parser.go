package aql

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// MaxDepth is the maximum nesting depth of expressions and sub-selects. Each
// parenthesis, function call, CASE/IF branch, NOT, unary minus, ^ operand and
// sub-select counts as one level. Deeper input is rejected with an error
// instead of exhausting the stack.
const MaxDepth = 1000

// Parse parses one AQL SELECT statement. On failure the error is an
// ErrorList whose entries all carry a line and column; the returned *Query is
// then nil.
//
// Grammar (keywords are case-insensitive; [] optional, {} repeated):
//
//	query     = SELECT [DISTINCT] item {"," item} FROM table [INTO name]
//	            [WHERE expr] [GROUP BY expr {"," expr}] [HAVING expr]
//	            [ORDER BY oitem {"," oitem}] [LIMIT int] [time]
//	            [PARAMETERS param {"," param}] .
//	item      = "*" | expr [AS name] .
//	name      = ident | "double quoted" | 'single quoted' .
//	table     = events | flows | simarc .
//	oitem     = expr [ASC | DESC] [COLLATE string] .
//	time      = LAST int (MINUTES | HOURS | DAYS) | START tval [STOP tval] .
//	tval      = string | int | call .
//	param     = ident "=" literal .
//
//	expr      = and {OR and} .
//	and       = not {AND not} .
//	not       = NOT not | predicate .
//	predicate = bitand [ cmpop bitand
//	                   | [NOT] (LIKE | ILIKE | MATCHES | IMATCHES) bitand
//	                   | [NOT] IN "(" (expr {"," expr} | query) ")"
//	                   | [NOT] BETWEEN bitand AND bitand
//	                   | IS [NOT] NULL ] .
//	cmpop     = "=" | "==" | "!=" | "<>" | "<" | "<=" | ">" | ">=" .
//	bitand    = sum {"&" sum} .
//	sum       = product {("+" | "-") product} .
//	product   = unary {("*" | "/" | "%") unary} .
//	unary     = "-" unary | power .
//	power     = primary ["^" unary] .             (right-associative)
//	primary   = ident | "quoted ident" | string | number | TRUE | FALSE | NULL
//	          | call | "(" expr ")" | TEXT SEARCH string
//	          | CASE [expr] WHEN expr THEN expr {WHEN expr THEN expr} [ELSE expr] END
//	          | IF expr THEN expr ELSE expr .
//	call      = [ident "::"] ident "(" [("*" | expr) {"," ("*" | expr)}] ")" .
//
// Comparisons do not chain (a = b = c is an error). The ELSE branch of IF
// (which has no END) extends as far right as possible.
//
// Decisions where IBM's documentation is silent or loose (evidence in
// brackets; "corpus" is shared/corpora/aql, "note" is research/aql.md):
//
//   - LIMIT must precede the time clause; LIMIT after LAST/START is an error
//     with a dedicated message [IBM "Building AQL queries": "You must place
//     the LIMIT clause before the ..." time clause; every corpus query with
//     both has LIMIT first, e.g. stix-shifter "limit 10000 last 5 minutes",
//     ibm-qradar-samples/020 "LIMIT 50 LAST 1 DAYS"].
//   - Time units are plural only: MINUTES, HOURS, DAYS [note §1.1/§1.7;
//     the corpus never uses a singular unit, and ibm-qradar-samples/016
//     uses "minute" as an alias, so singular words stay identifiers].
//   - Precedence is SQL's, since AQL documents none [note §1.4]: OR < AND <
//     NOT < comparison/LIKE/IN/BETWEEN/IS < & < + - < * / % < unary - < ^.
//     ^ is exponentiation [IBM operators page: "raised to the specified
//     power"] and right-associative; & (bitwise AND on LONG) binds looser
//     than + and -, as in MySQL.
//   - <> is accepted as "not equal" [undocumented, but used by IBM's Pulse
//     dashboard ibm-qradar-samples/016: HAVING stime <> '0.0'], as is ==
//     [IBM operators page: sourceBytes % 8 == 7].
//   - No statement terminator: a trailing ';' is an error [none in the
//     corpus, none documented]. There is no comment syntax [note §1.2].
//   - Aliases need AS [the corpus always uses AS]; AS 'single', AS "double"
//     and bare aliases are all accepted [note §1.2].
//   - COLLATE follows the optional ASC/DESC [IBM operators page: ORDER BY
//     sourceIP DESC COLLATE 'de-CH'].
//   - Reserved words (SELECT … IF, TRUE, FALSE, NULL: see Kind.IsReserved)
//     must be double-quoted to be used as names; contextual keywords (LAST,
//     START, STOP, TEXT, SEARCH, ASC, DESC, COLLATE, MINUTES, HOURS, DAYS,
//     PARAMETERS) are identifiers where the grammar does not expect the
//     keyword, so LAST(x) is the aggregate and "text" a column.
//   - Any expression is accepted where a condition is expected and vice
//     versa (boolean functions such as INCIDR(...) or REFERENCESETCONTAINS
//     (...) are predicates); type errors are left to Check or to QRadar.
//   - SELECT DISTINCT parses (so Check can report it precisely); a string
//     literal in ORDER BY parses [ibm-qradar-samples/005: order by 'Count']
//     and is flagged by Check.
func Parse(src string) (*Query, error) {
	p := &parser{lx: NewLexer(src)}
	p.next()
	q := p.parse()
	errs := append(ErrorList(nil), p.lx.Errors()...)
	errs = append(errs, p.errs...)
	if len(errs) > 0 {
		sort.Stable(errs)
		return nil, errs
	}
	return q, nil
}

type parser struct {
	lx    *Lexer
	tok   Token   // current token
	ahead []Token // at most one token of lookahead
	errs  ErrorList
	depth int
}

// bailout is panicked to abandon parsing after the first syntax error.
type bailout struct{}

func (p *parser) parse() (q *Query) {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(bailout); !ok {
				panic(r)
			}
			q = nil
		}
	}()
	q = p.parseQuery(false)
	if p.tok.Kind != EOF {
		p.trailing(q)
	}
	return q
}

func (p *parser) next() {
	if len(p.ahead) > 0 {
		p.tok = p.ahead[0]
		p.ahead = p.ahead[:0]
		return
	}
	p.tok = p.lx.Next()
}

func (p *parser) peek() Token {
	if len(p.ahead) == 0 {
		p.ahead = append(p.ahead, p.lx.Next())
	}
	return p.ahead[0]
}

// errorf records a syntax error and abandons parsing. An error at an ILLEGAL
// token is not recorded again: the lexer already reported it.
func (p *parser) errorf(pos Pos, format string, args ...any) {
	if !(p.tok.Kind == ILLEGAL && p.tok.Pos == pos) {
		p.errs = append(p.errs, &Error{Pos: pos, Msg: fmt.Sprintf(format, args...)})
	}
	panic(bailout{})
}

func (p *parser) errorExpected(what string) {
	p.errorf(p.tok.Pos, "expected %s, found %s", what, p.tok.describe())
}

func (p *parser) expect(k Kind, what string) Pos {
	pos := p.tok.Pos
	if p.tok.Kind != k {
		p.errorExpected(what)
	}
	p.next()
	return pos
}

func (p *parser) enter() {
	p.depth++
	if p.depth > MaxDepth {
		p.errorf(p.tok.Pos, "expression nested too deeply (maximum depth %d)", MaxDepth)
	}
}

func (p *parser) leave() { p.depth-- }

// isWord reports whether the current token can be used as a bare name:
// an identifier or a contextual keyword.
func (p *parser) isWord() bool {
	return p.tok.Kind == IDENT || p.tok.Kind.IsContextual()
}

// ---------------------------------------------------------------------------
// Query structure

var clauseOrder = "clauses must appear in the order SELECT, FROM, [INTO], WHERE, GROUP BY, HAVING, ORDER BY, LIMIT, LAST/START, PARAMETERS"

func (p *parser) parseQuery(sub bool) *Query {
	if sub {
		p.enter()
		defer p.leave()
	}
	q := &Query{}
	q.Select = p.expect(SELECT, "SELECT")
	if p.tok.Kind == DISTINCT {
		q.Distinct = p.tok.Pos
		p.next()
	}
	for {
		q.Items = append(q.Items, p.parseSelectItem())
		if p.tok.Kind != COMMA {
			break
		}
		p.next()
	}
	if p.tok.Kind != FROM {
		if len(q.Items) > 0 && q.Items[len(q.Items)-1].Alias == nil && (p.isWord() || p.tok.Kind == QIDENT || p.tok.Kind == STRING) {
			p.errorf(p.tok.Pos, "expected ',' or FROM after select item, found %s (an alias needs AS)", p.tok.describe())
		}
		p.errorExpected("',' or FROM")
	}
	q.From = p.tok.Pos
	p.next()
	q.TablePos = p.tok.Pos
	if p.tok.Kind != IDENT {
		p.errorExpected("events or flows")
	}
	switch t := strings.ToLower(p.tok.Lit); t {
	case "events", "flows", "simarc":
		q.Table = t
	default:
		p.errorf(p.tok.Pos, "unknown table %s: expected events, flows or simarc", p.tok.Lit)
	}
	p.next()

	if p.tok.Kind == INTO {
		p.next()
		q.Into = p.parseName("cursor name", false)
	}
	if p.tok.Kind == WHERE {
		p.next()
		q.Where = p.parseExpr()
	}
	if p.tok.Kind == GROUP {
		p.next()
		p.expect(BY, "BY after GROUP")
		q.GroupBy = p.parseExprList()
	}
	if p.tok.Kind == HAVING {
		p.next()
		q.Having = p.parseExpr()
	}
	if p.tok.Kind == ORDER {
		p.next()
		p.expect(BY, "BY after ORDER")
		for {
			q.OrderBy = append(q.OrderBy, p.parseOrderItem())
			if p.tok.Kind != COMMA {
				break
			}
			p.next()
		}
	}
	if p.tok.Kind == LIMIT {
		l := &Limit{LimitPos: p.tok.Pos}
		p.next()
		l.NPos = p.tok.Pos
		l.N = p.parseCount("LIMIT")
		q.Limit = l
	}
	switch p.tok.Kind {
	case LAST:
		q.Time = p.parseLast()
	case START:
		q.Time = p.parseStart()
	}
	if !sub && p.tok.Kind == PARAMETERS {
		p.next()
		for {
			q.Params = append(q.Params, p.parseParam())
			if p.tok.Kind != COMMA {
				break
			}
			p.next()
		}
	}
	return q
}

// trailing reports a token after the end of the query with the most helpful
// message we can give.
func (p *parser) trailing(q *Query) {
	t := p.tok
	switch t.Kind {
	case SEMI:
		p.errorf(t.Pos, "unexpected ';': an AQL query has no statement terminator")
	case LIMIT:
		if q.Time != nil {
			p.errorf(t.Pos, "LIMIT must come before the time clause (LIMIT n LAST ... / LIMIT n START ...)")
		}
		p.errorf(t.Pos, "unexpected LIMIT: %s", clauseOrder)
	case WHERE, GROUP, HAVING, ORDER, LAST, START, INTO, FROM, PARAMETERS, SELECT:
		p.errorf(t.Pos, "unexpected %s: %s", t.Kind, clauseOrder)
	case EQ, EQEQ, NEQ, LTGT, LT, LE, GT, GE, LIKE, ILIKE, MATCHES, IMATCHES, IN, BETWEEN, IS:
		p.errorf(t.Pos, "unexpected %s: comparisons cannot be chained, use parentheses", t.describe())
	case ILLEGAL:
		p.errorf(t.Pos, "unexpected %s", t.describe())
	}
	p.errorf(t.Pos, "unexpected %s after end of query", t.describe())
}

func (p *parser) parseSelectItem() *SelectItem {
	if p.tok.Kind == STAR {
		it := &SelectItem{Expr: &Star{StarPos: p.tok.Pos}}
		p.next()
		return it
	}
	it := &SelectItem{Expr: p.parseExpr()}
	if p.tok.Kind == AS {
		it.AsPos = p.tok.Pos
		p.next()
		it.Alias = p.parseName("alias after AS", true)
	}
	return it
}

// parseName parses an alias or cursor name.
func (p *parser) parseName(what string, allowSingle bool) *Name {
	n := &Name{NamePos: p.tok.Pos, Name: p.tok.Lit}
	switch {
	case p.isWord():
		n.Quote = Bare
	case p.tok.Kind == QIDENT:
		n.Quote = DoubleQuoted
	case p.tok.Kind == STRING && allowSingle:
		n.Quote = SingleQuoted
		if n.Name == "" {
			p.errorf(p.tok.Pos, "empty alias")
		}
	case p.tok.Kind.IsReserved():
		p.errorf(p.tok.Pos, "%s is a reserved word: write it in double quotes to use it as a name", p.tok.Kind)
	default:
		p.errorExpected(what)
	}
	p.next()
	return n
}

func (p *parser) parseExprList() []Expr {
	var list []Expr
	for {
		list = append(list, p.parseExpr())
		if p.tok.Kind != COMMA {
			return list
		}
		p.next()
	}
}

func (p *parser) parseOrderItem() *OrderItem {
	o := &OrderItem{Expr: p.parseExpr()}
	switch p.tok.Kind {
	case ASC:
		o.Dir, o.DirPos = Asc, p.tok.Pos
		p.next()
	case DESC:
		o.Dir, o.DirPos = Desc, p.tok.Pos
		p.next()
	}
	if p.tok.Kind == COLLATE {
		p.next()
		if p.tok.Kind != STRING {
			p.errorExpected("language tag string after COLLATE (e.g. 'de-CH')")
		}
		o.Collate = &StringLit{ValuePos: p.tok.Pos, Value: p.tok.Lit}
		p.next()
	}
	return o
}

// parseCount parses the non-negative decimal integer after LIMIT or LAST.
func (p *parser) parseCount(after string) int64 {
	if p.tok.Kind != INT {
		p.errorExpected("integer after " + after)
	}
	n, err := strconv.ParseInt(p.tok.Lit, 10, 64)
	if err != nil {
		if strings.HasPrefix(strings.ToLower(p.tok.Lit), "0x") {
			p.errorf(p.tok.Pos, "%s needs a decimal integer, found %s", after, p.tok.Lit)
		}
		p.errorf(p.tok.Pos, "integer %s after %s is out of range", p.tok.Lit, after)
	}
	p.next()
	return n
}

func (p *parser) parseLast() *LastClause {
	c := &LastClause{LastPos: p.tok.Pos}
	p.next()
	c.NPos = p.tok.Pos
	c.N = p.parseCount("LAST")
	c.UnitPos = p.tok.Pos
	switch p.tok.Kind {
	case MINUTES:
		c.Unit = Minutes
	case HOURS:
		c.Unit = Hours
	case DAYS:
		c.Unit = Days
	default:
		if p.tok.Kind == IDENT {
			switch strings.ToUpper(p.tok.Lit) {
			case "MINUTE", "HOUR", "DAY":
				p.errorf(p.tok.Pos, "time unit must be plural: %sS", strings.ToUpper(p.tok.Lit))
			}
		}
		p.errorExpected("MINUTES, HOURS or DAYS")
	}
	p.next()
	return c
}

func (p *parser) parseStart() *StartClause {
	c := &StartClause{StartPos: p.tok.Pos}
	p.next()
	c.Start = p.parseTimeValue("START")
	if p.tok.Kind == STOP {
		c.StopPos = p.tok.Pos
		p.next()
		c.Stop = p.parseTimeValue("STOP")
	}
	return c
}

// parseTimeValue parses the operand of START/STOP: a date string, epoch
// milliseconds or a function call such as PARSEDATETIME('1 day ago').
func (p *parser) parseTimeValue(after string) Expr {
	switch {
	case p.tok.Kind == STRING:
		x := &StringLit{ValuePos: p.tok.Pos, Value: p.tok.Lit}
		p.next()
		return x
	case p.tok.Kind == INT:
		x := &NumberLit{ValuePos: p.tok.Pos, Raw: p.tok.Lit}
		p.next()
		return x
	case p.isWord():
		if k := p.peek().Kind; k == LPAREN || k == DCOLON {
			p.enter()
			defer p.leave()
			return p.parseCall()
		}
	}
	p.errorExpected("date string, epoch milliseconds or function call after " + after)
	return nil
}

func (p *parser) parseParam() *Param {
	if !p.isWord() {
		p.errorExpected("parameter name")
	}
	prm := &Param{NamePos: p.tok.Pos, Name: p.tok.Lit}
	p.next()
	p.expect(EQ, "'=' after parameter name")
	t := p.tok
	switch {
	case t.Kind == STRING:
		prm.Value = &StringLit{ValuePos: t.Pos, Value: t.Lit}
	case t.Kind == INT || t.Kind == FLOAT:
		prm.Value = &NumberLit{ValuePos: t.Pos, Raw: t.Lit, Float: t.Kind == FLOAT}
	case t.Kind == TRUE || t.Kind == FALSE:
		prm.Value = &BoolLit{ValuePos: t.Pos, Value: t.Kind == TRUE}
	case p.isWord():
		prm.Value = &Ident{NamePos: t.Pos, Name: t.Lit}
	case t.Kind == QIDENT:
		prm.Value = &Ident{NamePos: t.Pos, Name: t.Lit, Quoted: true}
	default:
		p.errorExpected("parameter value")
	}
	p.next()
	return prm
}

// ---------------------------------------------------------------------------
// Expressions

func (p *parser) parseExpr() Expr {
	p.enter()
	defer p.leave()
	x := p.parseAnd()
	for p.tok.Kind == OR {
		pos := p.tok.Pos
		p.next()
		x = &Binary{X: x, OpPos: pos, Op: OR, Y: p.parseAnd()}
	}
	return x
}

func (p *parser) parseAnd() Expr {
	x := p.parseNot()
	for p.tok.Kind == AND {
		pos := p.tok.Pos
		p.next()
		x = &Binary{X: x, OpPos: pos, Op: AND, Y: p.parseNot()}
	}
	return x
}

func (p *parser) parseNot() Expr {
	if p.tok.Kind == NOT {
		pos := p.tok.Pos
		p.next()
		p.enter()
		defer p.leave()
		return &Unary{OpPos: pos, Op: NOT, X: p.parseNot()}
	}
	return p.parsePredicate()
}

func isComparison(k Kind) bool {
	switch k {
	case EQ, EQEQ, NEQ, LTGT, LT, LE, GT, GE:
		return true
	}
	return false
}

func isLikeOp(k Kind) bool {
	switch k {
	case LIKE, ILIKE, MATCHES, IMATCHES:
		return true
	}
	return false
}

func (p *parser) parsePredicate() Expr {
	x := p.parseBitAnd()
	var res Expr
	switch k := p.tok.Kind; {
	case isComparison(k):
		pos := p.tok.Pos
		p.next()
		res = &Binary{X: x, OpPos: pos, Op: k, Y: p.parseBitAnd()}
	case k == IS:
		n := &IsNull{X: x, IsPos: p.tok.Pos}
		p.next()
		if p.tok.Kind == NOT {
			n.Not = true
			p.next()
		}
		p.expect(NULL, "NULL after IS")
		res = n
	case k == NOT || k == IN || k == BETWEEN || isLikeOp(k):
		opPos := p.tok.Pos
		not := false
		if k == NOT {
			nk := p.peek().Kind
			if nk != IN && nk != BETWEEN && !isLikeOp(nk) {
				// NOT is not an infix operator here; let the caller report it.
				return x
			}
			not = true
			p.next()
		}
		switch op := p.tok.Kind; {
		case isLikeOp(op):
			p.next()
			res = &Like{X: x, Not: not, OpPos: opPos, Op: op, Pattern: p.parseBitAnd()}
		case op == IN:
			p.next()
			res = p.parseIn(x, not, opPos)
		case op == BETWEEN:
			p.next()
			b := &Between{X: x, Not: not, OpPos: opPos}
			b.Lo = p.parseBitAnd()
			p.expect(AND, "AND in BETWEEN ... AND ...")
			b.Hi = p.parseBitAnd()
			res = b
		}
	default:
		return x
	}
	if k := p.tok.Kind; isComparison(k) || isLikeOp(k) || k == IN || k == BETWEEN || k == IS {
		p.errorf(p.tok.Pos, "unexpected %s: comparisons cannot be chained, use parentheses", p.tok.describe())
	}
	return res
}

func (p *parser) parseIn(x Expr, not bool, opPos Pos) Expr {
	in := &In{X: x, Not: not, OpPos: opPos}
	in.Lparen = p.expect(LPAREN, "'(' after IN")
	if p.tok.Kind == SELECT {
		in.Select = p.parseQuery(true)
	} else {
		if p.tok.Kind == RPAREN {
			p.errorf(p.tok.Pos, "empty IN list")
		}
		in.List = p.parseExprList()
	}
	in.Rparen = p.expect(RPAREN, "',' or ')' in IN list")
	return in
}

func (p *parser) parseBitAnd() Expr {
	x := p.parseSum()
	for p.tok.Kind == AMP {
		pos := p.tok.Pos
		p.next()
		x = &Binary{X: x, OpPos: pos, Op: AMP, Y: p.parseSum()}
	}
	return x
}

func (p *parser) parseSum() Expr {
	x := p.parseProduct()
	for p.tok.Kind == PLUS || p.tok.Kind == MINUS {
		op, pos := p.tok.Kind, p.tok.Pos
		p.next()
		x = &Binary{X: x, OpPos: pos, Op: op, Y: p.parseProduct()}
	}
	return x
}

func (p *parser) parseProduct() Expr {
	x := p.parseUnary()
	for p.tok.Kind == STAR || p.tok.Kind == SLASH || p.tok.Kind == PERCENT {
		op, pos := p.tok.Kind, p.tok.Pos
		p.next()
		x = &Binary{X: x, OpPos: pos, Op: op, Y: p.parseUnary()}
	}
	return x
}

func (p *parser) parseUnary() Expr {
	if p.tok.Kind == MINUS {
		pos := p.tok.Pos
		p.next()
		p.enter()
		defer p.leave()
		return &Unary{OpPos: pos, Op: MINUS, X: p.parseUnary()}
	}
	x := p.parsePrimary()
	if p.tok.Kind == CARET {
		pos := p.tok.Pos
		p.next()
		p.enter()
		defer p.leave()
		x = &Binary{X: x, OpPos: pos, Op: CARET, Y: p.parseUnary()}
	}
	return x
}

func (p *parser) parsePrimary() Expr {
	t := p.tok
	switch {
	case t.Kind == TEXT && p.peek().Kind == SEARCH:
		p.next()
		p.next()
		if p.tok.Kind != STRING {
			p.errorExpected("string after TEXT SEARCH")
		}
		x := &TextSearch{TextPos: t.Pos, Query: &StringLit{ValuePos: p.tok.Pos, Value: p.tok.Lit}}
		p.next()
		return x
	case p.isWord():
		if k := p.peek().Kind; k == LPAREN || k == DCOLON {
			return p.parseCall()
		}
		p.next()
		return &Ident{NamePos: t.Pos, Name: t.Lit}
	}
	switch t.Kind {
	case QIDENT:
		p.next()
		return &Ident{NamePos: t.Pos, Name: t.Lit, Quoted: true}
	case STRING:
		p.next()
		return &StringLit{ValuePos: t.Pos, Value: t.Lit}
	case INT, FLOAT:
		p.next()
		return &NumberLit{ValuePos: t.Pos, Raw: t.Lit, Float: t.Kind == FLOAT}
	case TRUE, FALSE:
		p.next()
		return &BoolLit{ValuePos: t.Pos, Value: t.Kind == TRUE}
	case NULL:
		p.next()
		return &NullLit{NullPos: t.Pos}
	case LPAREN:
		p.next()
		if p.tok.Kind == SELECT {
			p.errorf(p.tok.Pos, "a sub-select is only allowed in IN (SELECT ...)")
		}
		x := &Paren{Lparen: t.Pos, X: p.parseExpr()}
		x.Rparen = p.expect(RPAREN, "')'")
		return x
	case CASE:
		return p.parseCase()
	case IF:
		return p.parseIf()
	case STAR:
		p.errorf(t.Pos, "unexpected '*': * is only allowed as a select item or as in COUNT(*)")
	}
	if t.Kind.IsReserved() {
		p.errorf(t.Pos, "expected expression, found keyword %s (reserved words must be double-quoted to be used as names)", t.Kind)
	}
	p.errorExpected("expression")
	return nil
}

// parseCall parses name(args) or ns::name(args); the current token is the
// first name.
func (p *parser) parseCall() *Call {
	c := &Call{NamePos: p.tok.Pos, Name: p.tok.Lit}
	p.next()
	if p.tok.Kind == DCOLON {
		c.NsPos, c.Namespace = c.NamePos, c.Name
		p.next()
		if p.tok.Kind != IDENT && !p.tok.Kind.IsKeyword() {
			p.errorExpected("function name after '::'")
		}
		c.NamePos, c.Name = p.tok.Pos, p.tok.Lit
		p.next()
	}
	c.Lparen = p.expect(LPAREN, "'(' after function name")
	if p.tok.Kind != RPAREN {
		for {
			if p.tok.Kind == STAR {
				c.Args = append(c.Args, &Star{StarPos: p.tok.Pos})
				p.next()
			} else {
				c.Args = append(c.Args, p.parseExpr())
			}
			if p.tok.Kind != COMMA {
				break
			}
			p.next()
		}
	}
	c.Rparen = p.expect(RPAREN, "',' or ')' in argument list")
	return c
}

func (p *parser) parseCase() *Case {
	c := &Case{CasePos: p.tok.Pos}
	p.next()
	if p.tok.Kind != WHEN {
		c.Operand = p.parseExpr()
	}
	if p.tok.Kind != WHEN {
		p.errorExpected("WHEN")
	}
	for p.tok.Kind == WHEN {
		w := &When{WhenPos: p.tok.Pos}
		p.next()
		w.Cond = p.parseExpr()
		w.ThenPos = p.expect(THEN, "THEN")
		w.Result = p.parseExpr()
		c.Whens = append(c.Whens, w)
	}
	if p.tok.Kind == ELSE {
		c.ElsePos = p.tok.Pos
		p.next()
		c.Else = p.parseExpr()
	}
	c.EndPos = p.expect(END, "WHEN, ELSE or END in CASE")
	return c
}

func (p *parser) parseIf() *If {
	x := &If{IfPos: p.tok.Pos}
	p.next()
	x.Cond = p.parseExpr()
	x.ThenPos = p.expect(THEN, "THEN after IF condition")
	x.Then = p.parseExpr()
	x.ElsePos = p.expect(ELSE, "ELSE in IF ... THEN ... ELSE (AQL's IF has no END and requires ELSE)")
	x.Else = p.parseExpr()
	return x
}
