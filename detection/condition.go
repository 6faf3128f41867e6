package detection

import (
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/detgen/detgen/diag"
	"github.com/detgen/detgen/ir"
)

// Condition grammar (Sigma's, with "N of" for any N):
//
//	expr     := or
//	or       := and { "or" and }
//	and      := not { "and" not }
//	not      := "not" not | primary
//	primary  := "(" expr ")" | quant | name
//	quant    := ("1" | "any" | "all" | N) "of" (pattern | "them")
//
// A pattern may hold * (any run of characters); "them" and patterns skip
// selections whose name starts with _ unless the pattern does too.

func isKeyword(s string) bool {
	switch s {
	case "and", "or", "not", "of", "them", "all", "any":
		return true
	}
	return false
}

type token struct {
	text string
	off  int // byte offset in the condition
}

func tokenize(src string) ([]token, error) {
	var out []token
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(' || c == ')':
			out = append(out, token{string(c), i})
			i++
		case isNameByte(c):
			j := i
			for j < len(src) && isNameByte(src[j]) {
				j++
			}
			out = append(out, token{src[i:j], i})
			i = j
		default:
			return nil, fmt.Errorf("column %d: unexpected %q", i+1, string(c))
		}
	}
	return out, nil
}

func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '*' || c == '.'
}

// Condition parses a condition over sels. pos is the position of the
// condition's text; errors point into it when it sits on one line.
func Condition(src string, pos diag.Pos, sels *Selections) (ir.Expr, diag.List) {
	p := &condParser{src: src, pos: pos, sels: sels, used: map[string]bool{}}
	toks, err := tokenize(src)
	if err != nil {
		p.errs.Add(pos, "condition: %v", err)
		return nil, p.errs
	}
	p.toks = toks
	if len(toks) == 0 {
		p.errs.Add(pos, "condition is empty")
		return nil, p.errs
	}
	e := p.or()
	if len(p.errs) == 0 && p.i < len(p.toks) {
		p.fail(p.toks[p.i], "unexpected %q", p.toks[p.i].text)
	}
	if len(p.errs) > 0 {
		return nil, p.errs
	}
	return e, nil
}

// Used lists the selections a parsed condition refers to.
func Used(e ir.Expr) map[string]bool {
	out := map[string]bool{}
	ir.Walk(e, func(x ir.Expr) {
		switch n := x.(type) {
		case *ir.And:
			out[n.Label] = true
		case *ir.Or:
			out[n.Label] = true
		case *ir.Match:
			out[n.Label] = true
		case *ir.Keyword:
			out[n.Label] = true
		}
	})
	return out
}

type condParser struct {
	src  string
	pos  diag.Pos
	sels *Selections
	toks []token
	i    int
	errs diag.List
	used map[string]bool
}

func (p *condParser) fail(t token, format string, args ...any) {
	at := p.pos
	if at.Line > 0 {
		at.Col += t.off
	}
	p.errs.Add(at, "condition: "+format, args...)
}

func (p *condParser) peek() string {
	if p.i < len(p.toks) {
		return p.toks[p.i].text
	}
	return ""
}

func (p *condParser) next() token {
	if p.i < len(p.toks) {
		p.i++
		return p.toks[p.i-1]
	}
	return token{"", len(p.src)}
}

func (p *condParser) or() ir.Expr {
	args := []ir.Expr{p.and()}
	for p.peek() == "or" {
		p.next()
		args = append(args, p.and())
	}
	if len(args) == 1 {
		return args[0]
	}
	return &ir.Or{Args: args}
}

func (p *condParser) and() ir.Expr {
	args := []ir.Expr{p.not()}
	for p.peek() == "and" {
		p.next()
		args = append(args, p.not())
	}
	if len(args) == 1 {
		return args[0]
	}
	return &ir.And{Args: args}
}

func (p *condParser) not() ir.Expr {
	if p.peek() == "not" {
		p.next()
		return &ir.Not{Arg: p.not()}
	}
	return p.primary()
}

func (p *condParser) primary() ir.Expr {
	t := p.next()
	switch {
	case t.text == "(":
		e := p.or()
		if c := p.next(); c.text != ")" {
			p.fail(c, "expected ) to close the ( at column %d", t.off+1)
		}
		return e
	case t.text == "":
		p.fail(t, "ends where an operand is expected")
		return nil
	case p.peek() == "of":
		return p.quantifier(t)
	case isKeyword(t.text) || t.text == ")":
		p.fail(t, "unexpected %q where a selection name is expected", t.text)
		return nil
	}
	e, ok := p.sels.Exprs[t.text]
	if !ok {
		p.fail(t, "unknown selection %q (selections: %s)", t.text, strings.Join(p.sels.Names, ", "))
		return nil
	}
	return e
}

// quantifier reads "N of pattern".
func (p *condParser) quantifier(q token) ir.Expr {
	p.next() // of
	target := p.next()
	var n int
	switch q.text {
	case "any":
		n = 1
	case "all":
		n = -1
	default:
		v, err := strconv.Atoi(q.text)
		if err != nil || v < 1 {
			p.fail(q, "%q of: expected 1, any, all or a positive number", q.text)
			return nil
		}
		n = v
	}
	var args []ir.Expr
	switch {
	case target.text == "them":
		for _, name := range p.sels.Names {
			if !strings.HasPrefix(name, "_") {
				args = append(args, p.sels.Exprs[name])
			}
		}
	case target.text == "" || target.text == "(" || target.text == ")" || isKeyword(target.text):
		p.fail(target, "expected a selection name pattern or them after of")
		return nil
	default:
		for _, name := range p.sels.Names {
			if strings.HasPrefix(name, "_") && !strings.HasPrefix(target.text, "_") {
				continue
			}
			if ok, _ := path.Match(target.text, name); ok {
				args = append(args, p.sels.Exprs[name])
			}
		}
		if len(args) == 0 {
			p.fail(target, "pattern %q matches no selection (selections: %s)", target.text, strings.Join(p.sels.Names, ", "))
			return nil
		}
	}
	switch {
	case n == -1 || n == len(args):
		if len(args) == 1 {
			return args[0]
		}
		return &ir.And{Args: args}
	case n == 1:
		if len(args) == 1 {
			return args[0]
		}
		return &ir.Or{Args: args}
	case n > len(args):
		p.fail(q, "%d of %s: only %d selections match", n, target.text, len(args))
		return nil
	}
	return &ir.AtLeast{N: n, Args: args}
}
