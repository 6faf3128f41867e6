package yaral

import (
	"testing"
)

// Every node of a parsed tree carries a valid position.
func TestParsedPositionsValid(t *testing.T) {
	src := "rule r {\n meta:\n  a = \"x\"\n events:\n  any $e.a[0][\"k\"] = /x/ nocase and not re.regex($e.b, `y`) nocase\n  $e.c in cidr %l\n  $u = $e.d\n" +
		" match:\n  $u over 5m before $e\n outcome:\n  $o = max(metrics.f(period:1d, k:v) + #e)\n  $w = window_start\n condition:\n  !$e or #u > 1\n options:\n  k = true\n}"
	r := expectParse(t, src)
	nodes := []Node{r, r.Meta, r.Meta.Entries[0], r.Events, r.Match, r.Outcome, r.Outcome.Assignments[0], r.Condition, r.Options}
	var exprs []Expr
	exprs = append(exprs, r.Events.Predicates...)
	for _, a := range r.Outcome.Assignments {
		exprs = append(exprs, a.Value)
	}
	exprs = append(exprs, r.Condition.Expr)
	kinds := map[string]bool{}
	for _, x := range exprs {
		Inspect(x, func(e Expr) bool {
			nodes = append(nodes, e)
			kinds[dumpKind(e)] = true
			switch e := e.(type) {
			case *FieldExpr:
				for _, p := range e.Path {
					nodes = append(nodes, p)
				}
			case *InExpr:
				nodes = append(nodes, e.List)
			}
			return true
		})
	}
	for _, n := range nodes {
		if !n.Pos().IsValid() {
			t.Errorf("%T has no position", n)
		}
	}
	for _, k := range []string{"*yaral.Var", "*yaral.CountVar", "*yaral.Ident", "*yaral.BasicLit", "*yaral.FieldExpr", "*yaral.CallExpr", "*yaral.BinaryExpr", "*yaral.UnaryExpr", "*yaral.InExpr", "*yaral.NamedArg"} {
		if !kinds[k] {
			t.Errorf("Inspect never visited a %s", k)
		}
	}
	if got := r.Events.Predicates[0].(*BinaryExpr).X.(*BinaryExpr).X.(*FieldExpr).FieldPath(); got != `a[0]["k"]` {
		t.Errorf("FieldPath = %s", got)
	}
	if p := r.Events.Predicates[0].Pos(); p != (Pos{5, 3}) {
		t.Errorf("predicate at %v", p)
	}
}

func dumpKind(e Expr) string {
	switch e.(type) {
	case *Var:
		return "*yaral.Var"
	case *CountVar:
		return "*yaral.CountVar"
	case *Ident:
		return "*yaral.Ident"
	case *BasicLit:
		return "*yaral.BasicLit"
	case *FieldExpr:
		return "*yaral.FieldExpr"
	case *CallExpr:
		return "*yaral.CallExpr"
	case *BinaryExpr:
		return "*yaral.BinaryExpr"
	case *UnaryExpr:
		return "*yaral.UnaryExpr"
	case *InExpr:
		return "*yaral.InExpr"
	case *NamedArg:
		return "*yaral.NamedArg"
	}
	return "?"
}

// Pos methods tolerate nil receivers, which hand-built trees may contain.
func TestNilPos(t *testing.T) {
	for _, n := range []Node{(*Var)(nil), (*CountVar)(nil), (*Ident)(nil), (*BasicLit)(nil), (*FieldExpr)(nil),
		(*CallExpr)(nil), (*BinaryExpr)(nil), (*UnaryExpr)(nil), (*InExpr)(nil), (*NamedArg)(nil), &Assignment{}, &BinaryExpr{}} {
		if n.Pos().IsValid() {
			t.Errorf("%T: valid position", n)
		}
	}
	if (Pos{}).String() != "-" || (Pos{2, 3}).String() != "2:3" {
		t.Error("Pos.String")
	}
	Inspect(nil, func(Expr) bool { t.Error("visited nil"); return true })
}

func TestTokenStrings(t *testing.T) {
	for tok, want := range map[Token]string{EQ: "=", NEQ: "!=", AND: "and", REGEXKW: "regex", COUNTKW: "count", STRING: "STRING", Token(999): "Token(999)"} {
		if got := tok.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", int(tok), got, want)
		}
	}
	if !AND.IsKeyword() || AND.IsOperator() || !EQ.IsOperator() || !REGEX.IsLiteral() || REGEX.IsKeyword() {
		t.Error("token classes")
	}
	if Lookup("NoCase") != NOCASE || Lookup("nocasex") != IDENT {
		t.Error("Lookup")
	}
	if Over.String() != "over" || By.String() != "by" || SeverityWarning.String() != "warning" || SeverityError.String() != "error" {
		t.Error("enum strings")
	}
}
