package aql

import (
	"strconv"
	"strings"
)

// Print returns the canonical text of q on one line: keywords in upper case,
// single spaces, ", " between list items, table names in lower case, strings
// re-quoted with QuoteString, double-quoted identifiers kept double-quoted,
// numbers, names and function names as written, and clauses in the order
// SELECT FROM INTO WHERE GROUP BY HAVING ORDER BY LIMIT time PARAMETERS.
//
// Parenthesised expressions (*Paren) are printed as written. Where the tree
// itself requires grouping that is not explicit (for example an OR node
// under an AND node in a tree built by a code generator), the printer adds
// parentheses, so re-parsing the output always yields an equivalent tree; for
// trees produced by Parse it yields an identical tree (ignoring positions).
func Print(q *Query) string {
	var p printer
	p.query(q)
	return p.String()
}

// PrintExpr returns the canonical text of a single expression.
func PrintExpr(e Expr) string {
	var p printer
	p.expr(e, 0, false)
	return p.String()
}

type printer struct {
	strings.Builder
	// norm prints a comparison key instead of AQL: identifiers lower-case
	// and unquoted, function names upper-case (see exprKey in check.go).
	norm bool
}

func (p *printer) query(q *Query) {
	if q == nil {
		return
	}
	p.WriteString("SELECT ")
	if q.HasDistinct() {
		p.WriteString("DISTINCT ")
	}
	for i, it := range q.Items {
		if i > 0 {
			p.WriteString(", ")
		}
		p.expr(it.Expr, 0, false)
		if it.Alias != nil {
			p.WriteString(" AS ")
			p.name(it.Alias)
		}
	}
	p.WriteString(" FROM ")
	p.WriteString(strings.ToLower(q.Table))
	if q.Into != nil {
		p.WriteString(" INTO ")
		p.name(q.Into)
	}
	if q.Where != nil {
		p.WriteString(" WHERE ")
		p.expr(q.Where, 0, false)
	}
	if len(q.GroupBy) > 0 {
		p.WriteString(" GROUP BY ")
		p.list(q.GroupBy)
	}
	if q.Having != nil {
		p.WriteString(" HAVING ")
		p.expr(q.Having, 0, false)
	}
	if len(q.OrderBy) > 0 {
		p.WriteString(" ORDER BY ")
		for i, o := range q.OrderBy {
			if i > 0 {
				p.WriteString(", ")
			}
			p.expr(o.Expr, 0, false)
			switch o.Dir {
			case Asc:
				p.WriteString(" ASC")
			case Desc:
				p.WriteString(" DESC")
			}
			if o.Collate != nil {
				p.WriteString(" COLLATE ")
				p.WriteString(QuoteString(o.Collate.Value))
			}
		}
	}
	if q.Limit != nil {
		p.WriteString(" LIMIT ")
		p.WriteString(strconv.FormatInt(q.Limit.N, 10))
	}
	switch t := q.Time.(type) {
	case *LastClause:
		p.WriteString(" LAST ")
		p.WriteString(strconv.FormatInt(t.N, 10))
		p.WriteByte(' ')
		p.WriteString(t.Unit.String())
	case *StartClause:
		p.WriteString(" START ")
		p.expr(t.Start, 0, false)
		if t.Stop != nil {
			p.WriteString(" STOP ")
			p.expr(t.Stop, 0, false)
		}
	}
	if len(q.Params) > 0 {
		p.WriteString(" PARAMETERS ")
		for i, prm := range q.Params {
			if i > 0 {
				p.WriteString(", ")
			}
			p.WriteString(prm.Name)
			p.WriteByte('=')
			p.expr(prm.Value, 0, false)
		}
	}
}

func (p *printer) list(list []Expr) {
	for i, e := range list {
		if i > 0 {
			p.WriteString(", ")
		}
		p.expr(e, 0, false)
	}
}

// isBareIdent reports whether name can be written without quotes and read
// back as the same identifier.
func isBareIdent(name string) bool {
	if name == "" || !isLetter(name[0]) {
		return false
	}
	for i := 1; i < len(name); i++ {
		if !isLetter(name[i]) && !isDigit(name[i]) {
			return false
		}
	}
	k := Lookup(name)
	return k == IDENT || k.IsContextual()
}

func (p *printer) name(n *Name) {
	switch {
	case n.Quote == SingleQuoted:
		p.WriteString(QuoteString(n.Name))
	case n.Quote == Bare && isBareIdent(n.Name):
		p.WriteString(n.Name)
	default:
		p.WriteString(`"` + n.Name + `"`)
	}
}

// Operator precedence levels, lowest first. A primary (literal, identifier,
// call, parenthesised expression, CASE, IF, TEXT SEARCH) has precPrimary.
const (
	precOr      = 1
	precAnd     = 2
	precNot     = 3
	precCompare = 4 // = != < ... LIKE IN BETWEEN IS NULL (non-associative)
	precBitAnd  = 5
	precSum     = 6
	precProduct = 7
	precNeg     = 8
	precPower   = 9
	precPrimary = 10
)

func binaryPrec(op Kind) int {
	switch op {
	case OR:
		return precOr
	case AND:
		return precAnd
	case AMP:
		return precBitAnd
	case PLUS, MINUS:
		return precSum
	case STAR, SLASH, PERCENT:
		return precProduct
	case CARET:
		return precPower
	}
	return precCompare
}

func prec(e Expr) int {
	switch e := e.(type) {
	case *Binary:
		return binaryPrec(e.Op)
	case *Unary:
		if e.Op == NOT {
			return precNot
		}
		return precNeg
	case *Like, *In, *Between, *IsNull:
		return precCompare
	}
	return precPrimary
}

// operandMin returns the minimum precedence of the left and right operands of
// a binary operator, mirroring the parser's grammar.
func operandMin(op Kind) (left, right int) {
	switch pr := binaryPrec(op); pr {
	case precCompare:
		return precBitAnd, precBitAnd
	case precPower:
		return precPrimary, precNeg
	default:
		return pr, pr + 1
	}
}

func unaryMin(op Kind) int {
	if op == NOT {
		return precNot
	}
	return precNeg
}

// needParens reports whether e must be parenthesised where an operand of at
// least precedence min is expected; left is true if more of the enclosing
// expression follows e (then an expression ending in IF's open-ended ELSE
// branch must be closed off).
func needParens(e Expr, min int, left bool) bool {
	return prec(e) < min || left && endsOpen(e)
}

// endsOpen reports whether e, as printed, ends with the ELSE branch of an IF,
// which would swallow whatever follows.
func endsOpen(e Expr) bool {
	switch e := e.(type) {
	case *If:
		return true
	case *Unary:
		return !needParens(e.X, unaryMin(e.Op), false) && endsOpen(e.X)
	case *Binary:
		_, r := operandMin(e.Op)
		return !needParens(e.Y, r, false) && endsOpen(e.Y)
	case *Like:
		return !needParens(e.Pattern, precBitAnd, false) && endsOpen(e.Pattern)
	case *Between:
		return !needParens(e.Hi, precBitAnd, false) && endsOpen(e.Hi)
	}
	return false
}

// expr prints e, wrapped in parentheses if needParens(e, min, left).
func (p *printer) expr(e Expr, min int, left bool) {
	if e == nil {
		p.WriteString("<nil>")
		return
	}
	if needParens(e, min, left) {
		p.WriteByte('(')
		defer p.WriteByte(')')
	}
	switch e := e.(type) {
	case *Ident:
		if p.norm {
			p.WriteString(strings.ToLower(e.Name))
		} else if !e.Quoted && isBareIdent(e.Name) {
			p.WriteString(e.Name)
		} else {
			p.WriteString(`"` + e.Name + `"`)
		}
	case *StringLit:
		p.WriteString(QuoteString(e.Value))
	case *NumberLit:
		p.WriteString(e.Raw)
	case *BoolLit:
		if e.Value {
			p.WriteString("TRUE")
		} else {
			p.WriteString("FALSE")
		}
	case *NullLit:
		p.WriteString("NULL")
	case *Star:
		p.WriteByte('*')
	case *Paren:
		p.WriteByte('(')
		p.expr(e.X, 0, false)
		p.WriteByte(')')
	case *Call:
		ns, name := e.Namespace, e.Name
		if p.norm {
			ns, name = strings.ToUpper(ns), strings.ToUpper(name)
		}
		if ns != "" {
			p.WriteString(ns)
			p.WriteString("::")
		}
		p.WriteString(name)
		p.WriteByte('(')
		p.list(e.Args)
		p.WriteByte(')')
	case *Unary:
		if e.Op == NOT {
			p.WriteString("NOT ")
		} else {
			p.WriteByte('-')
		}
		p.expr(e.X, unaryMin(e.Op), false)
	case *Binary:
		l, r := operandMin(e.Op)
		p.expr(e.X, l, true)
		p.WriteByte(' ')
		p.WriteString(e.Op.String())
		p.WriteByte(' ')
		p.expr(e.Y, r, false)
	case *Like:
		p.expr(e.X, precBitAnd, true)
		if e.Not {
			p.WriteString(" NOT")
		}
		p.WriteByte(' ')
		p.WriteString(e.Op.String())
		p.WriteByte(' ')
		p.expr(e.Pattern, precBitAnd, false)
	case *In:
		p.expr(e.X, precBitAnd, true)
		if e.Not {
			p.WriteString(" NOT")
		}
		p.WriteString(" IN (")
		if e.Select != nil {
			p.query(e.Select)
		} else {
			p.list(e.List)
		}
		p.WriteByte(')')
	case *Between:
		p.expr(e.X, precBitAnd, true)
		if e.Not {
			p.WriteString(" NOT")
		}
		p.WriteString(" BETWEEN ")
		p.expr(e.Lo, precBitAnd, true)
		p.WriteString(" AND ")
		p.expr(e.Hi, precBitAnd, false)
	case *IsNull:
		p.expr(e.X, precBitAnd, true)
		if e.Not {
			p.WriteString(" IS NOT NULL")
		} else {
			p.WriteString(" IS NULL")
		}
	case *TextSearch:
		p.WriteString("TEXT SEARCH ")
		if e.Query != nil {
			p.WriteString(QuoteString(e.Query.Value))
		}
	case *Case:
		p.WriteString("CASE ")
		if e.Operand != nil {
			p.expr(e.Operand, 0, false)
			p.WriteByte(' ')
		}
		for _, w := range e.Whens {
			p.WriteString("WHEN ")
			p.expr(w.Cond, 0, false)
			p.WriteString(" THEN ")
			p.expr(w.Result, 0, false)
			p.WriteByte(' ')
		}
		if e.Else != nil {
			p.WriteString("ELSE ")
			p.expr(e.Else, 0, false)
			p.WriteByte(' ')
		}
		p.WriteString("END")
	case *If:
		p.WriteString("IF ")
		p.expr(e.Cond, 0, false)
		p.WriteString(" THEN ")
		p.expr(e.Then, 0, false)
		p.WriteString(" ELSE ")
		p.expr(e.Else, 0, false)
	}
}
