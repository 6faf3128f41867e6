package yaral

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// ignorePos makes go-cmp ignore positions.
var ignorePos = cmpopts.IgnoreTypes(Pos{})

// roundTrip prints r, parses the text again and requires an equal tree and a
// stable second printing. It returns the printed text.
func roundTrip(t testing.TB, r *Rule) string {
	t.Helper()
	out := Print(r)
	r2, err := Parse(out)
	if err != nil {
		t.Fatalf("reparse failed: %v\nprinted:\n%s", err, out)
	}
	if d := cmp.Diff(r, r2, ignorePos); d != "" {
		t.Fatalf("tree changed by Print+Parse (-before +after):\n%s\nprinted:\n%s", d, out)
	}
	if out2 := Print(r2); out2 != out {
		t.Fatalf("Print not idempotent:\n%s\n----\n%s", out, out2)
	}
	return out
}

func TestPrintGolden(t *testing.T) {
	src := `/* header */
rule   golden
{
  meta:
    author = "x" // c
  events:
    $e.metadata.event_type = "USER_LOGIN" NOCASE
    (
      $e.a = 1
      OR $e.b = 2
    )
    $e.c = 3 or $e.d = 4
    ((($user = $e.target.user.userid)))
    NOT $e.x IN REGEX %list nocase
    $e.y=/a\/b/
    re.regex( any $e.principal.ip , ` + "`^10\\.`" + ` )
  match:
    $user over 5m
  outcome:
    $risk_score = max(35 + if($e.a = 1, 10))
    $p = (($e.n - 1) / 2) * 100
  condition:
    #e > 2 and ($risk_score > 5 or $p < 1)
}`
	want := `rule golden {

  meta:
    author = "x"

  events:
    $e.metadata.event_type = "USER_LOGIN" nocase
    ($e.a = 1 or $e.b = 2)
    ($e.c = 3 or $e.d = 4)
    $user = $e.target.user.userid
    not $e.x in regex %list nocase
    $e.y = /a\/b/
    re.regex(any $e.principal.ip, ` + "`^10\\.`" + `)

  match:
    $user over 5m

  outcome:
    $risk_score = max(35 + if($e.a = 1, 10))
    $p = ($e.n - 1) / 2 * 100

  condition:
    #e > 2 and ($risk_score > 5 or $p < 1)
}
`
	r := expectParse(t, src)
	if got := roundTrip(t, r); got != want {
		t.Errorf("got:\n%s\nwant:\n%s\ndiff:\n%s", got, want, cmp.Diff(want, got))
	}
}

func TestPrintAllSections(t *testing.T) {
	src := "rule r {\nmeta:\nevents:\n$e.a = $u\nmatch:\n$u by 1h\noutcome:\n$s = window_end\ncondition:\n!$e\noptions:\nallow_zero_values = false\nsuppression_window = 1d\n}"
	want := `rule r {

  meta:

  events:
    $e.a = $u

  match:
    $u by 1h

  outcome:
    $s = window_end

  condition:
    !$e

  options:
    allow_zero_values = false
    suppression_window = 1d
}
`
	if got := roundTrip(t, expectParse(t, src)); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

// Hand-built trees: the printer must add the parentheses the structure needs.
func TestPrintPrecedence(t *testing.T) {
	a := &FieldExpr{Var: &Var{Name: "e"}, Path: []*PathElem{{Name: "a"}}}
	b := &FieldExpr{Var: &Var{Name: "e"}, Path: []*PathElem{{Name: "b"}}}
	one := &BasicLit{Kind: INT, Value: "1"}
	two := &BasicLit{Kind: INT, Value: "2"}
	re := &BasicLit{Kind: REGEX, Value: `/x/`}
	bin := func(op Token, x, y Expr) *BinaryExpr { return &BinaryExpr{Op: op, X: x, Y: y} }
	eq := func(x, y Expr) *BinaryExpr { return bin(EQ, x, y) }
	tests := []struct {
		x    Expr
		want string
	}{
		{bin(AND, bin(OR, eq(a, one), eq(b, two)), eq(a, two)), "($e.a = 1 or $e.b = 2) and $e.a = 2"},
		{bin(OR, eq(a, one), bin(OR, eq(b, two), eq(a, two))), "$e.a = 1 or ($e.b = 2 or $e.a = 2)"},
		{bin(OR, bin(OR, eq(a, one), eq(b, two)), eq(a, two)), "$e.a = 1 or $e.b = 2 or $e.a = 2"},
		{&UnaryExpr{Op: NOT, X: bin(AND, eq(a, one), eq(b, two))}, "not ($e.a = 1 and $e.b = 2)"},
		{&UnaryExpr{Op: NOT, X: &UnaryExpr{Op: NOT, X: eq(a, one)}}, "not not $e.a = 1"},
		{eq(bin(SUB, a, bin(SUB, b, one)), two), "$e.a - ($e.b - 1) = 2"},
		{eq(bin(MUL, bin(ADD, a, b), one), two), "($e.a + $e.b) * 1 = 2"},
		{eq(bin(ADD, a, bin(MUL, b, one)), two), "$e.a + $e.b * 1 = 2"},
		{eq(eq(a, one), eq(b, two)), "($e.a = 1) = ($e.b = 2)"},
		{eq(re, a), "(/x/) = $e.a"},
		{eq(a, re), "$e.a = /x/"},
		{bin(NEQ, a, re), "$e.a != /x/"},
		{bin(LSS, a, re), "$e.a < (/x/)"},
		{bin(QUO, a, re), "$e.a / (/x/)"},
		{&CallExpr{Namespace: "re", Name: "regex", Args: []Expr{a, re}}, "re.regex($e.a, /x/)"},
		{&InExpr{X: bin(ADD, a, one), List: &ListRef{Name: "l"}}, "$e.a + 1 in %l"},
		{&InExpr{X: eq(a, one), List: &ListRef{Name: "t", Column: "c"}, Kind: CIDR}, "($e.a = 1) in cidr %t.c"},
		{eq(&CallExpr{Namespace: "re", Name: "regex", Args: []Expr{a, one}, Nocase: true}, &BasicLit{Kind: BOOL, Value: "true"}), "(re.regex($e.a, 1) nocase) = true"},
		{&FieldExpr{Modifier: ANY, Var: &Var{Name: "e"}, Path: []*PathElem{{Name: "ip"}, {Index: &BasicLit{Kind: INT, Value: "0"}}, {Index: &BasicLit{Kind: STRING, Value: `"k"`}}}}, `any $e.ip[0]["k"]`},
		{&UnaryExpr{Op: BANG, X: &Var{Name: "e"}}, "!$e"},
		{bin(GTR, &CountVar{Name: "e"}, one), "#e > 1"},
	}
	for _, tc := range tests {
		if got := PrintExpr(tc.x); got != tc.want {
			t.Errorf("PrintExpr = %s, want %s (tree %s)", got, tc.want, dump(tc.x))
		}
	}
	// Every form except the ones using "!" and "#" (condition only) must
	// survive a round trip through the events section.
	for _, tc := range tests[:len(tests)-2] {
		r := &Rule{
			Name:      "r",
			Meta:      &MetaSection{Entries: []*KeyValue{}},
			Events:    &EventsSection{Predicates: []Expr{tc.x}},
			Condition: &ConditionSection{Expr: &Var{Name: "e"}},
		}
		roundTrip(t, r)
	}
}

func TestPrintLongLines(t *testing.T) {
	var ors []string
	for i := 0; i < 12; i++ {
		ors = append(ors, `$e.target.process.command_line = "some long value number `+strings.Repeat("x", i)+`"`)
	}
	src := events("$e.a = 1 and (" + strings.Join(ors, " or ") + ") and not (" + strings.Join(ors[:4], " and ") + ")")
	src = strings.Replace(src, "condition:", "outcome:\n    $risk_score = max(10 + if("+strings.Join(ors[:3], " or ")+", 50, 0) + if($e.b = 2, 1))\n  condition:", 1)
	r := expectParse(t, src)
	out := roundTrip(t, r)
	for _, l := range strings.Split(out, "\n") {
		if len(l) > maxWidth {
			t.Errorf("line longer than %d: %q", maxWidth, l)
		}
	}
	for _, frag := range []string{
		"    $e.a = 1 and\n    (\n      $e.target.process.command_line",
		" or\n      $e.target",
		"    ) and\n    not (\n",
		"    $risk_score = max(\n      10 +\n      if(\n",
	} {
		if !strings.Contains(out, frag) {
			t.Errorf("output lacks %q:\n%s", frag, out)
		}
	}
	if n := len(r.Events.Predicates); n != 1 {
		t.Errorf("%d predicates", n)
	}
}

func TestPrintMalformedTreeDoesNotPanic(t *testing.T) {
	r := &Rule{
		Meta:      &MetaSection{Entries: []*KeyValue{nil, {Key: "k"}}},
		Events:    &EventsSection{Predicates: []Expr{nil, &BinaryExpr{Op: EQ}, &CallExpr{Name: "f", Args: []Expr{nil}}, &FieldExpr{Path: []*PathElem{nil}}, &InExpr{}}},
		Match:     &MatchSection{Vars: []*Var{nil}},
		Outcome:   &OutcomeSection{Assignments: []*Assignment{nil, {Var: &Var{Name: "x"}}}},
		Condition: &ConditionSection{},
		Options:   &OptionsSection{Entries: []*KeyValue{nil}},
	}
	out := Print(r)
	if !strings.Contains(out, missing) {
		t.Errorf("no %s marker in\n%s", missing, out)
	}
	if _, err := Parse(out); err == nil {
		t.Error("malformed tree printed to valid text")
	}
	if Print(nil) != "" {
		t.Error("Print(nil) not empty")
	}
}

func TestPrintAndInsideOr(t *testing.T) {
	long := `$e.target.process.command_line = "` + strings.Repeat("x", 60) + `"`
	src := events("(" + long + " or " + long + " and " + long + ")")
	out := roundTrip(t, expectParse(t, src))
	want := "    (\n      " + long + " or\n      (\n        " + long + " and\n        " + long + "\n      )\n    )\n"
	if !strings.Contains(out, want) {
		t.Errorf("got:\n%s\nwant fragment:\n%s", out, want)
	}
}

// treeGen builds random, syntactically valid expression trees.
type treeGen struct {
	rnd       *rand.Rand
	condition bool // allow "!$e"
}

func (g *treeGen) pick(n int) int { return g.rnd.IntN(n) }

func (g *treeGen) lit() *BasicLit {
	switch g.pick(7) {
	case 0:
		return &BasicLit{Kind: INT, Value: []string{"0", "01", "42"}[g.pick(3)]}
	case 1:
		return &BasicLit{Kind: FLOAT, Value: "2.5"}
	case 2:
		return &BasicLit{Kind: STRING, Value: QuoteString([]string{"", "a\"b", `C:\x`, "//*/"}[g.pick(4)])}
	case 3:
		return &BasicLit{Kind: RAWSTRING, Value: "`a/b\\d`"}
	case 4:
		return &BasicLit{Kind: REGEX, Value: QuoteRegex([]string{"", "a/b", "^x$", "*"}[g.pick(4)])}
	case 5:
		return &BasicLit{Kind: BOOL, Value: []string{"true", "false"}[g.pick(2)]}
	}
	return &BasicLit{Kind: STRING, Value: `"v"`}
}

func (g *treeGen) field() *FieldExpr {
	f := &FieldExpr{Var: &Var{Name: "e"}}
	if g.pick(4) == 0 {
		f.Modifier = []Token{ANY, ALL}[g.pick(2)]
	}
	f.Path = append(f.Path, &PathElem{Name: []string{"principal", "udm", "regex", "true"}[g.pick(4)]})
	for n := g.pick(3); n > 0; n-- {
		switch g.pick(3) {
		case 0:
			f.Path = append(f.Path, &PathElem{Index: &BasicLit{Kind: INT, Value: "0"}})
		case 1:
			f.Path = append(f.Path, &PathElem{Index: &BasicLit{Kind: STRING, Value: `"k y"`}})
		default:
			f.Path = append(f.Path, &PathElem{Name: "ip"})
		}
	}
	return f
}

func (g *treeGen) expr(depth int) Expr {
	if depth <= 0 {
		switch g.pick(6) {
		case 0:
			return &Var{Name: "ph"}
		case 1:
			return &CountVar{Name: "e"}
		case 2:
			return &Ident{Name: "window_start"}
		case 3:
			if g.condition {
				return &UnaryExpr{Op: BANG, X: &Var{Name: "e"}}
			}
			return g.field()
		case 4:
			return g.field()
		}
		return g.lit()
	}
	switch g.pick(7) {
	case 0, 1:
		ops := []Token{OR, AND, EQ, NEQ, LSS, LEQ, GTR, GEQ, ADD, SUB, MUL, QUO, REM}
		b := &BinaryExpr{Op: ops[g.pick(len(ops))], X: g.expr(depth - 1), Y: g.expr(depth - 1)}
		b.Nocase = b.Op.isComparison() && g.pick(3) == 0
		return b
	case 2:
		return &UnaryExpr{Op: NOT, X: g.expr(depth - 1)}
	case 3:
		in := &InExpr{X: g.expr(depth - 1), List: &ListRef{Name: "l"}, Nocase: g.pick(2) == 0}
		in.Kind = []Token{ILLEGAL, REGEXKW, CIDR}[g.pick(3)]
		if g.pick(2) == 0 {
			in.List.Column = "c"
		}
		return in
	case 4:
		c := &CallExpr{Nocase: g.pick(3) == 0}
		switch g.pick(4) {
		case 0:
			c.Name = "if"
		case 1:
			c.Name = "count_distinct"
		case 2:
			c.Name = "period_start_for_max"
		default:
			c.Namespace, c.Name = "re", "regex"
		}
		for n := g.pick(4); n > 0; n-- {
			c.Args = append(c.Args, g.expr(depth-1))
		}
		return c
	case 5:
		return &CallExpr{Namespace: "metrics", Name: "m", Args: []Expr{
			&NamedArg{Name: "period", Value: &BasicLit{Kind: DURATION, Value: "1d"}},
			&NamedArg{Name: "agg", Value: &Ident{Name: "max"}},
			&NamedArg{Name: "principal.asset.ip", Value: g.expr(depth - 1)},
		}}
	}
	return g.expr(0)
}

// Random trees must print to text that parses back to the same tree.
func TestPrintRandomTrees(t *testing.T) {
	g := &treeGen{rnd: rand.New(rand.NewPCG(1, 2))}
	for i := 0; i < 3000; i++ {
		g.condition = false
		preds := []Expr{g.expr(1 + g.pick(5)), g.expr(g.pick(4))}
		g.condition = true
		cond := g.expr(g.pick(4))
		g.condition = false
		r := &Rule{
			Name:      "r",
			Meta:      &MetaSection{Entries: []*KeyValue{{Key: "k", Value: g.lit()}}},
			Events:    &EventsSection{Predicates: preds},
			Outcome:   &OutcomeSection{Assignments: []*Assignment{{Var: &Var{Name: "o"}, Value: g.expr(g.pick(5))}}},
			Condition: &ConditionSection{Expr: cond},
			Options:   &OptionsSection{Entries: []*KeyValue{{Key: "w", Value: &BasicLit{Kind: DURATION, Value: "5m"}}}},
		}
		roundTrip(t, r)
	}
}
