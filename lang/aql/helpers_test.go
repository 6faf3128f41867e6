package aql

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// ignorePos makes cmp compare syntax trees without positions.
var ignorePos = cmpopts.IgnoreTypes(Pos{})

// sexpr renders an expression fully parenthesised, to make the tree shape
// (precedence, associativity) visible in test expectations.
func sexpr(e Expr) string {
	switch e := e.(type) {
	case nil:
		return "nil"
	case *Ident:
		if e.Quoted {
			return `"` + e.Name + `"`
		}
		return e.Name
	case *StringLit:
		return QuoteString(e.Value)
	case *NumberLit:
		return e.Raw
	case *BoolLit:
		return fmt.Sprint(e.Value)
	case *NullLit:
		return "NULL"
	case *Star:
		return "*"
	case *Paren:
		return "(paren " + sexpr(e.X) + ")"
	case *Call:
		parts := []string{"call", e.FullName()}
		for _, a := range e.Args {
			parts = append(parts, sexpr(a))
		}
		return "(" + strings.Join(parts, " ") + ")"
	case *Unary:
		if e.Op == MINUS {
			return "(neg " + sexpr(e.X) + ")"
		}
		return "(NOT " + sexpr(e.X) + ")"
	case *Binary:
		return "(" + e.Op.String() + " " + sexpr(e.X) + " " + sexpr(e.Y) + ")"
	case *Like:
		op := e.Op.String()
		if e.Not {
			op = "NOT " + op
		}
		return "(" + op + " " + sexpr(e.X) + " " + sexpr(e.Pattern) + ")"
	case *In:
		op := "IN"
		if e.Not {
			op = "NOT IN"
		}
		if e.Select != nil {
			return "(" + op + " " + sexpr(e.X) + " [" + Print(e.Select) + "])"
		}
		parts := []string{op, sexpr(e.X)}
		for _, x := range e.List {
			parts = append(parts, sexpr(x))
		}
		return "(" + strings.Join(parts, " ") + ")"
	case *Between:
		op := "BETWEEN"
		if e.Not {
			op = "NOT BETWEEN"
		}
		return "(" + op + " " + sexpr(e.X) + " " + sexpr(e.Lo) + " " + sexpr(e.Hi) + ")"
	case *IsNull:
		if e.Not {
			return "(IS-NOT-NULL " + sexpr(e.X) + ")"
		}
		return "(IS-NULL " + sexpr(e.X) + ")"
	case *TextSearch:
		return "(TEXT-SEARCH " + QuoteString(e.Query.Value) + ")"
	case *Case:
		parts := []string{"CASE"}
		if e.Operand != nil {
			parts = append(parts, sexpr(e.Operand))
		}
		for _, w := range e.Whens {
			parts = append(parts, "(WHEN "+sexpr(w.Cond)+" "+sexpr(w.Result)+")")
		}
		if e.Else != nil {
			parts = append(parts, "(ELSE "+sexpr(e.Else)+")")
		}
		return "(" + strings.Join(parts, " ") + ")"
	case *If:
		return "(IF " + sexpr(e.Cond) + " " + sexpr(e.Then) + " " + sexpr(e.Else) + ")"
	}
	return fmt.Sprintf("<%T>", e)
}

// mustParse parses src or fails the test.
func mustParse(t testing.TB, src string) *Query {
	t.Helper()
	q, err := Parse(src)
	if err != nil {
		t.Fatalf("Parse(%q): unexpected error: %v", src, err)
	}
	return q
}

// expectParse checks that src parses, prints canonically as want (want ""
// means "same as src") and round-trips.
func expectParse(t *testing.T, src, want string) {
	t.Helper()
	if want == "" {
		want = src
	}
	q := mustParse(t, src)
	got := Print(q)
	if got != want {
		t.Errorf("Print(Parse(%q))\n got: %s\nwant: %s", src, got, want)
	}
	expectRoundTrip(t, q)
}

// expectRoundTrip checks Parse(Print(q)) == q (ignoring positions) and that
// printing is a fixed point.
func expectRoundTrip(t testing.TB, q *Query) {
	t.Helper()
	out := Print(q)
	q2, err := Parse(out)
	if err != nil {
		t.Fatalf("re-parsing printed query failed: %v\n%s", err, out)
	}
	if diff := cmp.Diff(q, q2, ignorePos); diff != "" {
		t.Errorf("round trip changed the tree (-orig +reparsed):\n%s\nprinted: %s", diff, out)
	}
	if out2 := Print(q2); out2 != out {
		t.Errorf("printing is not a fixed point:\n1st: %s\n2nd: %s", out, out2)
	}
}

// expectError checks that src fails to parse and that the first error starts
// with want ("line:col: message prefix").
func expectError(t *testing.T, src, want string) {
	t.Helper()
	q, err := Parse(src)
	if err == nil {
		t.Errorf("Parse(%q) = %s, want error %q", src, Print(q), want)
		return
	}
	list, ok := err.(ErrorList)
	if !ok || len(list) == 0 {
		t.Fatalf("Parse(%q): error is %T %v, want non-empty ErrorList", src, err, err)
	}
	for _, e := range list {
		if !e.Pos.IsValid() {
			t.Errorf("Parse(%q): error without position: %v", src, e)
		}
	}
	if got := list[0].Error(); !strings.HasPrefix(got, want) {
		t.Errorf("Parse(%q) error\n got: %s\nwant: %s…", src, got, want)
	}
	if q != nil {
		t.Errorf("Parse(%q) returned a query together with an error", src)
	}
}

// whereTree parses "SELECT * FROM events WHERE <cond>" and returns the
// S-expression of the condition.
func whereTree(t *testing.T, cond string) string {
	t.Helper()
	q := mustParse(t, "SELECT * FROM events WHERE "+cond)
	expectRoundTrip(t, q)
	return sexpr(q.Where)
}
