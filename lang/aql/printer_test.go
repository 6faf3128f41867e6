package aql

import (
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func id(name string) *Ident     { return &Ident{Name: name} }
func str(v string) *StringLit   { return &StringLit{Value: v} }
func num(raw string) *NumberLit { return &NumberLit{Raw: raw} }
func bin(x Expr, op Kind, y Expr) *Binary {
	return &Binary{X: x, Op: op, Y: y}
}
func ifx(c, a, b Expr) *If { return &If{Cond: c, Then: a, Else: b} }

// TestPrintConstructed checks that the printer adds the parentheses a tree
// built by a code generator needs, so that the output parses back to the
// same grouping.
func TestPrintConstructed(t *testing.T) {
	a, b, c := id("a"), id("b"), id("c")
	tests := []struct {
		e    Expr
		want string
	}{
		{bin(bin(a, OR, b), AND, c), "(a OR b) AND c"},
		{bin(a, AND, bin(b, OR, c)), "a AND (b OR c)"},
		{bin(a, OR, bin(b, AND, c)), "a OR b AND c"},
		{bin(a, AND, bin(b, AND, c)), "a AND (b AND c)"},
		{bin(bin(a, AND, b), AND, c), "a AND b AND c"},
		{bin(a, MINUS, bin(b, MINUS, c)), "a - (b - c)"},
		{bin(bin(a, PLUS, b), STAR, c), "(a + b) * c"},
		{bin(bin(a, EQ, b), EQ, c), "(a = b) = c"},
		{bin(a, EQ, bin(b, EQ, c)), "a = (b = c)"},
		{bin(bin(a, CARET, b), CARET, c), "(a ^ b) ^ c"},
		{bin(a, CARET, bin(b, CARET, c)), "a ^ b ^ c"},
		{bin(&Unary{Op: MINUS, X: a}, CARET, b), "(-a) ^ b"},
		{&Unary{Op: MINUS, X: bin(a, CARET, b)}, "-a ^ b"},
		{&Unary{Op: MINUS, X: bin(a, PLUS, b)}, "-(a + b)"},
		{&Unary{Op: MINUS, X: &Unary{Op: MINUS, X: num("5")}}, "--5"},
		{bin(a, MINUS, &Unary{Op: MINUS, X: b}), "a - -b"},
		{&Unary{Op: NOT, X: bin(a, AND, b)}, "NOT (a AND b)"},
		{&Unary{Op: NOT, X: bin(a, EQ, b)}, "NOT a = b"},
		{bin(&Unary{Op: NOT, X: a}, EQ, b), "(NOT a) = b"},
		{bin(a, EQ, &Unary{Op: NOT, X: b}), "a = (NOT b)"},
		{&Like{X: bin(a, EQ, b), Op: LIKE, Pattern: str("x")}, "(a = b) LIKE 'x'"},
		{&Like{X: a, Op: ILIKE, Not: true, Pattern: bin(b, OR, c)}, "a NOT ILIKE (b OR c)"},
		{&Between{X: a, Lo: bin(b, AND, c), Hi: num("1")}, "a BETWEEN (b AND c) AND 1"},
		{&Between{X: a, Lo: ifx(b, num("1"), num("2")), Hi: num("3")}, "a BETWEEN (IF b THEN 1 ELSE 2) AND 3"},
		{&IsNull{X: bin(a, OR, b), Not: true}, "(a OR b) IS NOT NULL"},
		{&In{X: bin(a, PLUS, b), List: []Expr{bin(b, OR, c), num("1")}}, "a + b IN (b OR c, 1)"},
		// IF has no END: as a left operand it must be closed off.
		{bin(ifx(a, num("1"), num("2")), PLUS, num("3")), "(IF a THEN 1 ELSE 2) + 3"},
		{bin(num("3"), PLUS, ifx(a, num("1"), num("2"))), "3 + IF a THEN 1 ELSE 2"},
		{bin(bin(num("3"), PLUS, ifx(a, num("1"), num("2"))), PLUS, num("4")), "(3 + IF a THEN 1 ELSE 2) + 4"},
		{bin(&Unary{Op: MINUS, X: ifx(a, num("1"), num("2"))}, STAR, num("4")), "(-IF a THEN 1 ELSE 2) * 4"},
		{&IsNull{X: ifx(a, b, c)}, "(IF a THEN b ELSE c) IS NULL"},
		{bin(bin(a, EQ, ifx(a, b, c)), AND, b), "(a = IF a THEN b ELSE c) AND b"},
		{bin(&Paren{X: ifx(a, num("1"), num("0"))}, PLUS, &Paren{X: ifx(b, num("2"), num("0"))}), "(IF a THEN 1 ELSE 0) + (IF b THEN 2 ELSE 0)"},
		// Names that cannot be written bare are double-quoted.
		{id("Process Name"), `"Process Name"`},
		{id("from"), `"from"`},
		{id("1abc"), `"1abc"`},
		{id("last"), `last`},
		{&Ident{Name: "sourceIP", Quoted: true}, `"sourceIP"`},
		{str("O'Brien"), `'O''Brien'`},
		{str(`C:\Windows\`), `'C:\Windows\'`},
		{&Call{Namespace: "GEO", Name: "LOOKUP", Args: []Expr{a, str("city")}}, "GEO::LOOKUP(a, 'city')"},
		{&Call{Name: "COUNT", Args: []Expr{&Star{}}}, "COUNT(*)"},
		{&Call{Name: "NOW"}, "NOW()"},
		{&TextSearch{Query: str("a b")}, "TEXT SEARCH 'a b'"},
		{&Case{Operand: a, Whens: []*When{{Cond: num("1"), Result: str("x")}}, Else: str("y")}, "CASE a WHEN 1 THEN 'x' ELSE 'y' END"},
		{&Case{Whens: []*When{{Cond: bin(a, OR, b), Result: ifx(c, num("1"), num("2"))}}}, "CASE WHEN a OR b THEN IF c THEN 1 ELSE 2 END"},
		{&BoolLit{Value: true}, "TRUE"},
		{&NullLit{}, "NULL"},
	}
	for _, tt := range tests {
		got := PrintExpr(tt.e)
		if got != tt.want {
			t.Errorf("PrintExpr(%s)\n got: %s\nwant: %s", sexpr(tt.e), got, tt.want)
			continue
		}
		// The output must parse back to an equivalent tree: same shape once
		// the parentheses the printer added are removed.
		q := mustParse(t, "SELECT "+got+" FROM events")
		if g, w := sexpr(stripParens(q.Items[0].Expr)), sexpr(stripParens(tt.e)); g != w {
			t.Errorf("%s re-parsed as %s, want %s", got, g, w)
		}
	}
}

// stripParens returns a copy of e without *Paren nodes and identifier
// quoting (for comparing groupings independent of explicit parentheses).
func stripParens(e Expr) Expr {
	switch e := e.(type) {
	case *Ident:
		return &Ident{Name: e.Name} // quoting is not grouping
	case *Paren:
		return stripParens(e.X)
	case *Unary:
		return &Unary{Op: e.Op, X: stripParens(e.X)}
	case *Binary:
		return &Binary{X: stripParens(e.X), Op: e.Op, Y: stripParens(e.Y)}
	case *Like:
		return &Like{X: stripParens(e.X), Not: e.Not, Op: e.Op, Pattern: stripParens(e.Pattern)}
	case *Between:
		return &Between{X: stripParens(e.X), Not: e.Not, Lo: stripParens(e.Lo), Hi: stripParens(e.Hi)}
	case *IsNull:
		return &IsNull{X: stripParens(e.X), Not: e.Not}
	case *In:
		n := &In{X: stripParens(e.X), Not: e.Not, Select: e.Select}
		for _, x := range e.List {
			n.List = append(n.List, stripParens(x))
		}
		return n
	case *If:
		return &If{Cond: stripParens(e.Cond), Then: stripParens(e.Then), Else: stripParens(e.Else)}
	case *Case:
		n := &Case{Operand: stripParens(e.Operand), Else: stripParens(e.Else)}
		for _, w := range e.Whens {
			n.Whens = append(n.Whens, &When{Cond: stripParens(w.Cond), Result: stripParens(w.Result)})
		}
		return n
	case *Call:
		n := *e
		n.Args = nil
		for _, a := range e.Args {
			n.Args = append(n.Args, stripParens(a))
		}
		return &n
	}
	return e
}

func TestPrintQuery(t *testing.T) {
	q := &Query{
		Items: []*SelectItem{
			{Expr: &Star{}},
			{Expr: &Call{Name: "UTF8", Args: []Expr{id("payload")}}, Alias: &Name{Name: "raw_log"}},
			{Expr: id("a"), Alias: &Name{Name: "Event Name", Quote: SingleQuoted}},
			{Expr: id("b"), Alias: &Name{Name: "Total", Quote: DoubleQuoted}},
			{Expr: id("c"), Alias: &Name{Name: "has space"}}, // bare but not writable bare
		},
		Table:   "EVENTS",
		Into:    &Name{Name: "cur1"},
		Where:   bin(id("devicetype"), EQ, num("446")),
		GroupBy: []Expr{id("a")},
		Having:  bin(&Call{Name: "COUNT", Args: []Expr{&Star{}}}, GT, num("5")),
		OrderBy: []*OrderItem{{Expr: id("b"), Dir: Desc, Collate: str("de-CH")}, {Expr: id("a"), Dir: Asc}},
		Limit:   &Limit{N: 1000},
		Time:    &LastClause{N: 24, Unit: Hours},
		Params:  []*Param{{Name: "EXECUTIONTIMELIMIT", Value: num("30000")}},
	}
	want := `SELECT *, UTF8(payload) AS raw_log, a AS 'Event Name', b AS "Total", c AS "has space" FROM events INTO cur1 WHERE devicetype = 446 GROUP BY a HAVING COUNT(*) > 5 ORDER BY b DESC COLLATE 'de-CH', a ASC LIMIT 1000 LAST 24 HOURS PARAMETERS EXECUTIONTIMELIMIT=30000`
	if got := Print(q); got != want {
		t.Errorf("Print\n got: %s\nwant: %s", got, want)
	}
	mustParse(t, want)

	q.Time = &StartClause{Start: str("2024-01-01 00:00"), Stop: &Call{Name: "PARSEDATETIME", Args: []Expr{str("now")}}}
	q.Distinct = Pos{Line: 1, Col: 8}
	q.Where = &In{X: id("sourceip"), Not: true, Select: &Query{Items: []*SelectItem{{Expr: id("destinationip")}}, Table: "flows", Time: &LastClause{N: 1, Unit: Days}}}
	want = `SELECT DISTINCT *, UTF8(payload) AS raw_log, a AS 'Event Name', b AS "Total", c AS "has space" FROM events INTO cur1 WHERE sourceip NOT IN (SELECT destinationip FROM flows LAST 1 DAYS) GROUP BY a HAVING COUNT(*) > 5 ORDER BY b DESC COLLATE 'de-CH', a ASC LIMIT 1000 START '2024-01-01 00:00' STOP PARSEDATETIME('now') PARAMETERS EXECUTIONTIMELIMIT=30000`
	if got := Print(q); got != want {
		t.Errorf("Print\n got: %s\nwant: %s", got, want)
	}
	mustParse(t, want)
	if Print(nil) != "" {
		t.Error("Print(nil) != \"\"")
	}
}

// TestRoundTripTricky round-trips inputs that stress the printer.
func TestRoundTripTricky(t *testing.T) {
	srcs := []string{
		"SELECT * FROM events WHERE a = IF b THEN 1 ELSE 2 AND c",
		"SELECT * FROM events WHERE (IF b THEN 1 ELSE 2) = a",
		"SELECT IF a THEN b ELSE c AS x, d FROM events ORDER BY IF a THEN b ELSE c DESC",
		"SELECT * FROM events WHERE x BETWEEN (IF a THEN 1 ELSE 2) AND IF b THEN 3 ELSE 4",
		"SELECT * FROM events WHERE - - - a = 1 AND a - -b = 2 AND -a ^ -b = 3",
		"SELECT * FROM events WHERE NOT NOT a AND NOT (b OR c)",
		"SELECT CASE IF a THEN b ELSE c WHEN IF d THEN e ELSE f THEN IF g THEN h ELSE i ELSE IF j THEN k ELSE l END FROM events",
		"SELECT last(x), text, start FROM events WHERE text = last LAST 5 MINUTES",
		"SELECT * FROM events WHERE a IN (SELECT b FROM events WHERE c IN (SELECT d FROM flows))",
		"SELECT \"a\", 'b' AS \"c\", 'it''s' FROM events WHERE \"x y\" = 'don''t'",
		"SELECT GEO::FROM(a), x::LAST(b) FROM events",
	}
	for _, src := range srcs {
		q := mustParse(t, src)
		expectRoundTrip(t, q)
	}
}

func TestPrintExprKey(t *testing.T) {
	a := mustParse(t, `SELECT SUM("eventCount"), geo::lookup(sourceIP, 'x') FROM events`)
	b := mustParse(t, `SELECT sum(eventcount), GEO::LOOKUP("SOURCEIP", 'x') FROM events`)
	for i := range a.Items {
		if ka, kb := exprKey(a.Items[i].Expr), exprKey(b.Items[i].Expr); ka != kb {
			t.Errorf("exprKey: %q != %q", ka, kb)
		}
	}
	if diff := cmp.Diff(exprKey(str("A")), exprKey(str("a"))); diff == "" {
		t.Error("exprKey must keep string case")
	}
}

// randExpr builds a random expression tree of at most the given depth, using
// every node kind the printer handles, without any *Paren nodes: the printer
// alone must supply the parentheses.
func randExpr(r *rand.Rand, depth int) Expr {
	leaf := func() Expr {
		switch r.IntN(7) {
		case 0:
			return id([]string{"a", "b", "text", "last", "Process Name", "from", "start"}[r.IntN(7)])
		case 1:
			return str([]string{"x", "it's", "", `C:\`}[r.IntN(4)])
		case 2:
			return num([]string{"1", "6.5", "0xff"}[r.IntN(3)])
		case 3:
			return &BoolLit{Value: r.IntN(2) == 0}
		case 4:
			return &NullLit{}
		case 5:
			return &TextSearch{Query: str("q")}
		}
		return &Call{Name: "f"}
	}
	if depth <= 0 {
		return leaf()
	}
	sub := func() Expr { return randExpr(r, depth-1) }
	ops := []Kind{OR, AND, EQ, NEQ, LTGT, LT, GE, EQEQ, AMP, PLUS, MINUS, STAR, SLASH, PERCENT, CARET}
	switch r.IntN(12) {
	case 0:
		return leaf()
	case 1, 2, 3:
		return bin(sub(), ops[r.IntN(len(ops))], sub())
	case 4:
		return &Unary{Op: []Kind{NOT, MINUS}[r.IntN(2)], X: sub()}
	case 5:
		return &Like{X: sub(), Not: r.IntN(2) == 0, Op: []Kind{LIKE, ILIKE, MATCHES, IMATCHES}[r.IntN(4)], Pattern: sub()}
	case 6:
		return &In{X: sub(), Not: r.IntN(2) == 0, List: []Expr{sub(), sub()}}
	case 7:
		return &Between{X: sub(), Not: r.IntN(2) == 0, Lo: sub(), Hi: sub()}
	case 8:
		return &IsNull{X: sub(), Not: r.IntN(2) == 0}
	case 9:
		return ifx(sub(), sub(), sub())
	case 10:
		c := &Case{Whens: []*When{{Cond: sub(), Result: sub()}}}
		if r.IntN(2) == 0 {
			c.Operand = sub()
		}
		if r.IntN(2) == 0 {
			c.Else = sub()
		}
		return c
	}
	return &Call{Namespace: "GEO", Name: "LOOKUP", Args: []Expr{sub(), sub()}}
}

// TestPrintRandomTrees checks, for many random trees, that the printed text
// parses back to the same tree shape and that printing the re-parsed tree is
// a fixed point.
func TestPrintRandomTrees(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 3000; i++ {
		e := randExpr(r, 1+r.IntN(5))
		out := PrintExpr(e)
		q, err := Parse("SELECT * FROM events WHERE " + out)
		if err != nil {
			t.Fatalf("tree %s printed as %q does not parse: %v", sexpr(e), out, err)
		}
		if g, w := sexpr(stripParens(q.Where)), sexpr(stripParens(e)); g != w {
			t.Fatalf("printed %q\nre-parsed as %s\nwant        %s", out, g, w)
		}
		expectRoundTrip(t, q)
	}
}
