package yaral

import (
	"strings"
)

// Print returns the canonical text of r. The output is deterministic and
// depends only on the tree, not on positions: sections in the fixed order,
// two-space section indentation, four-space entries, keywords in lower case,
// one events predicate per line, single spaces around binary operators and
// only the parentheses the tree structure requires. Expressions longer than
// maxWidth columns are broken after "and", "or", "+", "-", "*", "/", "%",
// after "(" and "," of calls and inside parentheses, which are the places
// where a line break never separates events predicates. Comments are not
// preserved.
//
// For every rule returned by Parse, Parse(Print(r)) yields a tree equal to r
// up to positions. Print does not validate r; a malformed tree built by hand
// (nil fields, literal values that are not valid source text) gives text
// that Parse rejects.
func Print(r *Rule) string {
	var p printer
	p.rule(r)
	return p.b.String()
}

// PrintExpr returns the one-line canonical text of an expression. A regex
// literal at the start of the text is parenthesised, so the text is valid
// wherever an expression may appear.
func PrintExpr(x Expr) string {
	var p printer
	return p.flat(x, 0, false)
}

// maxWidth is the column limit the printer tries to respect.
const maxWidth = 100

const (
	sectionIndent = "  "
	entryIndent   = "    "
	missing       = "<missing>"
)

type printer struct {
	b strings.Builder
}

func (p *printer) line(parts ...string) {
	for _, s := range parts {
		p.b.WriteString(s)
	}
	p.b.WriteByte('\n')
}

func (p *printer) rule(r *Rule) {
	if r == nil {
		return
	}
	name := r.Name
	if name == "" {
		name = missing
	}
	p.line("rule ", name, " {")
	if s := r.Meta; s != nil {
		p.line()
		p.line(sectionIndent, "meta:")
		for _, kv := range s.Entries {
			p.keyValue(kv)
		}
	}
	if s := r.Events; s != nil {
		p.line()
		p.line(sectionIndent, "events:")
		for _, x := range s.Predicates {
			// A top-level "or" is parenthesised so that its continuation
			// lines cannot be mistaken for separate (and-ed) predicates.
			p.line(entryIndent, p.node(x, precAnd, false, entryIndent, len(entryIndent)))
		}
	}
	if s := r.Match; s != nil {
		p.line()
		p.line(sectionIndent, "match:")
		p.b.WriteString(entryIndent)
		for i, v := range s.Vars {
			if i > 0 {
				p.b.WriteString(", ")
			}
			p.b.WriteString(p.flat(v, 0, false))
		}
		p.b.WriteString(" " + s.Kind.String() + " ")
		p.b.WriteString(p.lit(s.Window, false))
		if s.Anchor == BEFORE || s.Anchor == AFTER {
			p.b.WriteString(" " + s.Anchor.String() + " ")
			p.b.WriteString(p.flat(s.AnchorVar, 0, false))
		}
		p.b.WriteByte('\n')
	}
	if s := r.Outcome; s != nil {
		p.line()
		p.line(sectionIndent, "outcome:")
		for _, a := range s.Assignments {
			if a == nil {
				p.line(entryIndent, missing)
				continue
			}
			lhs := p.flat(a.Var, 0, false) + " = "
			p.line(entryIndent, lhs, p.node(a.Value, 0, true, entryIndent, len(entryIndent)+len(lhs)))
		}
	}
	if s := r.Condition; s != nil {
		p.line()
		p.line(sectionIndent, "condition:")
		p.line(entryIndent, p.node(s.Expr, 0, false, entryIndent, len(entryIndent)))
	}
	if s := r.Options; s != nil {
		p.line()
		p.line(sectionIndent, "options:")
		for _, kv := range s.Entries {
			p.keyValue(kv)
		}
	}
	p.line("}")
}

func (p *printer) keyValue(kv *KeyValue) {
	if kv == nil {
		p.line(entryIndent, missing)
		return
	}
	p.line(entryIndent, kv.Key, " = ", p.lit(kv.Value, true))
}

func (p *printer) lit(x *BasicLit, regexOK bool) string {
	if x == nil {
		return missing
	}
	return p.flat(x, 0, regexOK)
}

// Precedence levels, loosest first.
const (
	precOr      = 1
	precAnd     = 2
	precNot     = 3
	precCmp     = 4
	precAdd     = 5
	precMul     = 6
	precPrimary = 7
)

func binaryPrec(op Token) int {
	switch op {
	case OR:
		return precOr
	case AND:
		return precAnd
	case EQ, NEQ, LSS, LEQ, GTR, GEQ:
		return precCmp
	case ADD, SUB:
		return precAdd
	case MUL, QUO, REM:
		return precMul
	}
	return precPrimary
}

func prec(x Expr) int {
	switch x := x.(type) {
	case *BinaryExpr:
		return binaryPrec(x.Op)
	case *UnaryExpr:
		if x.Op == NOT {
			return precNot
		}
	case *InExpr:
		return precCmp
	case *CallExpr:
		if x.Nocase {
			return precCmp
		}
	}
	return precPrimary
}

// operandPrec returns the minimum precedence of the left and right operands
// of a binary operator: and/or and arithmetic are left-associative,
// comparisons do not associate.
func operandPrec(op Token) (left, right int) {
	p := binaryPrec(op)
	if p == precCmp {
		return precAdd, precAdd
	}
	return p, p + 1
}

// flat returns the one-line text of x in a context that requires precedence
// ctx. regexOK tells whether the previous token lets a "/" start a regex
// literal (see lexer.go); a regex literal elsewhere is parenthesised.
func (p *printer) flat(x Expr, ctx int, regexOK bool) string {
	if x == nil {
		return missing
	}
	if prec(x) < ctx {
		return "(" + p.flat(x, 0, true) + ")"
	}
	switch x := x.(type) {
	case *Var:
		if x == nil {
			return missing
		}
		return "$" + x.Name
	case *CountVar:
		if x == nil {
			return missing
		}
		return "#" + x.Name
	case *Ident:
		if x == nil {
			return missing
		}
		return x.Name
	case *BasicLit:
		if x == nil {
			return missing
		}
		if x.Kind == REGEX && !regexOK {
			return "(" + x.Value + ")"
		}
		return x.Value
	case *FieldExpr:
		if x == nil {
			return missing
		}
		var b strings.Builder
		if x.Modifier == ANY || x.Modifier == ALL {
			b.WriteString(x.Modifier.String() + " ")
		}
		b.WriteString(p.flat(x.Var, 0, false))
		for _, e := range x.Path {
			switch {
			case e == nil:
				b.WriteString(missing)
			case e.Index != nil:
				b.WriteString("[" + e.Index.Value + "]")
			default:
				b.WriteString("." + e.Name)
			}
		}
		return b.String()
	case *CallExpr:
		if x == nil {
			return missing
		}
		var b strings.Builder
		b.WriteString(x.FuncName() + "(")
		for i, a := range x.Args {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(p.flat(a, 0, true))
		}
		b.WriteString(")")
		if x.Nocase {
			b.WriteString(" nocase")
		}
		return b.String()
	case *BinaryExpr:
		if x == nil {
			return missing
		}
		l, r := operandPrec(x.Op)
		s := p.flat(x.X, l, regexOK) + " " + x.Op.String() + " " + p.flat(x.Y, r, x.Op == EQ || x.Op == NEQ)
		if x.Nocase {
			s += " nocase"
		}
		return s
	case *UnaryExpr:
		if x == nil {
			return missing
		}
		if x.Op == BANG {
			return "!" + p.flat(x.X, precPrimary, false)
		}
		return "not " + p.flat(x.X, precNot, false)
	case *NamedArg:
		if x == nil {
			return missing
		}
		return x.Name + ":" + p.flat(x.Value, 0, false)
	case *InExpr:
		if x == nil {
			return missing
		}
		s := p.flat(x.X, precAdd, regexOK) + " in "
		if x.Kind == REGEXKW || x.Kind == CIDR {
			s += x.Kind.String() + " "
		}
		if x.List == nil {
			s += missing
		} else {
			s += "%" + x.List.Name
			if x.List.Column != "" {
				s += "." + x.List.Column
			}
		}
		if x.Nocase {
			s += " nocase"
		}
		return s
	}
	return missing
}

// node returns the text of x starting at column col; continuation lines
// begin with indent. It uses the one-line form when it fits in maxWidth and
// otherwise breaks operator chains, long parenthesised operands and call
// argument lists.
func (p *printer) node(x Expr, ctx int, regexOK bool, indent string, col int) string {
	one := p.flat(x, ctx, regexOK)
	if col+len(one) <= maxWidth || x == nil {
		return one
	}
	if prec(x) < ctx {
		return p.parenBlock(x, indent)
	}
	switch x := x.(type) {
	case *BinaryExpr:
		if x == nil || binaryPrec(x.Op) == precCmp {
			break
		}
		operands, ops := flatten(x)
		level := binaryPrec(x.Op)
		var b strings.Builder
		c := col
		for i, o := range operands {
			octx, ore := level, regexOK
			if i > 0 {
				octx, ore = level+1, false
				b.WriteString(" " + ops[i-1].String() + "\n" + indent)
				c = len(indent)
			}
			if ob, ok := o.(*BinaryExpr); ok && ob != nil && x.Op == OR && ob.Op == AND &&
				c+len(p.flat(o, octx, ore)) > maxWidth {
				// A broken "and" inside a broken "or" gets (redundant)
				// parentheses so that its lines do not read as "or" operands.
				b.WriteString(p.parenBlock(o, indent))
				continue
			}
			b.WriteString(p.node(o, octx, ore, indent, c))
		}
		return b.String()
	case *UnaryExpr:
		if x == nil || x.Op != NOT {
			break
		}
		return "not " + p.node(x.X, precNot, false, indent, col+4)
	case *CallExpr:
		if x == nil || len(x.Args) == 0 {
			break
		}
		inner := indent + "  "
		var b strings.Builder
		b.WriteString(x.FuncName() + "(\n")
		for i, a := range x.Args {
			b.WriteString(inner + p.node(a, 0, true, inner, len(inner)))
			if i < len(x.Args)-1 {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
		}
		b.WriteString(indent + ")")
		if x.Nocase {
			b.WriteString(" nocase")
		}
		return b.String()
	}
	return one
}

// parenBlock returns x in parentheses, its lines indented one step deeper.
func (p *printer) parenBlock(x Expr, indent string) string {
	inner := indent + "  "
	return "(\n" + inner + p.node(x, 0, true, inner, len(inner)) + "\n" + indent + ")"
}

// flatten returns the operands and operators of the left-nested chain of
// binary operators of the same precedence level as x: a + b - c gives
// [a b c] and [+ -].
func flatten(x *BinaryExpr) ([]Expr, []Token) {
	level := binaryPrec(x.Op)
	var operands []Expr
	var ops []Token
	var e Expr = x
	for {
		b, ok := e.(*BinaryExpr)
		if !ok || b == nil || binaryPrec(b.Op) != level || b.Nocase {
			break
		}
		operands = append(operands, b.Y)
		ops = append(ops, b.Op)
		e = b.X
	}
	operands = append(operands, e)
	// Reverse into source order.
	for i, j := 0, len(operands)-1; i < j; i, j = i+1, j-1 {
		operands[i], operands[j] = operands[j], operands[i]
	}
	for i, j := 0, len(ops)-1; i < j; i, j = i+1, j-1 {
		ops[i], ops[j] = ops[j], ops[i]
	}
	return operands, ops
}
