package aql

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseCanonical(t *testing.T) {
	tests := []struct{ src, want string }{
		// Basic shapes; keywords and table names are case-insensitive.
		{"SELECT * FROM events", ""},
		{"select * from EVENTS", "SELECT * FROM events"},
		{"SeLeCt x FrOm Flows WhErE x = 1 LaSt 5 mInUtEs", "SELECT x FROM flows WHERE x = 1 LAST 5 MINUTES"},
		{"SELECT * FROM simarc", ""},
		{"SELECT *, \"Event ID\" FROM events", ""},
		{"SELECT\n\ta ,b\n FROM   events", "SELECT a, b FROM events"},

		// Aliases: bare, single- and double-quoted; contextual keywords as names.
		{"SELECT a AS b, c AS 'd e', f as \"g h\" FROM events", "SELECT a AS b, c AS 'd e', f AS \"g h\" FROM events"},
		{"SELECT x AS 'it''s' FROM events", ""},
		{"SELECT starttime/(1000*300) as 'minute' FROM events GROUP BY minute ORDER BY minute asc", "SELECT starttime / (1000 * 300) AS 'minute' FROM events GROUP BY minute ORDER BY minute ASC"},
		{"SELECT text, start, stop, last, minutes AS days FROM events", ""},

		// Identifiers and literals.
		{`SELECT * FROM events WHERE "Process Name" = 'cmd.exe'`, ""},
		{`SELECT * FROM events WHERE field = 'value'''`, ""},
		{`SELECT * FROM events WHERE Image LIKE '%\powershell.exe%'`, ""},
		{"SELECT * FROM events WHERE a = 0xff000000 & b AND c < 6.5 AND d = -1", ""},
		{"SELECT * FROM events WHERE field = false OR x = TRUE OR y IS NULL", "SELECT * FROM events WHERE field = FALSE OR x = TRUE OR y IS NULL"},
		{"SELECT * FROM events WHERE a <> b AND c == d AND e != f", ""},
		{"SELECT * FROM events WHERE x = 'multi\nline'", ""},

		// Predicates.
		{"SELECT * FROM events WHERE fieldA IN('a', 'b')", "SELECT * FROM events WHERE fieldA IN ('a', 'b')"},
		{"SELECT * FROM events WHERE a NOT IN (1, 2) AND b NOT LIKE 'x%' AND c NOT BETWEEN 1 AND 5", ""},
		{"SELECT * FROM events WHERE sourceip IN (SELECT destinationip FROM events WHERE x = 1)", ""},
		{"SELECT * FROM events WHERE a ILIKE '%x%' OR b MATCHES '.*y.*' OR c IMATCHES '(?i)z'", ""},
		{"SELECT * FROM events WHERE magnitude BETWEEN 1 AND 5", ""},
		{"SELECT * FROM events WHERE username IS NOT NULL", ""},
		{"SELECT * FROM events WHERE INCIDR('192.168.0.0/16', sourceip)", ""},
		{"SELECT * FROM events WHERE REFERENCESETCONTAINS('Bad IPs', sourceip) AND NOT INOFFENSE('125')", ""},
		{"SELECT * FROM events WHERE text search 'a AND b'", "SELECT * FROM events WHERE TEXT SEARCH 'a AND b'"},
		{"SELECT * FROM events WHERE text = 'not a search'", ""},

		// Functions, CASE, IF.
		{"SELECT COUNT(*), NOW(), GEO::LOOKUP(sourceip, 'city'), ns::fn(1) FROM events", ""},
		{"SELECT LAST(username), FIRST(x) FROM events GROUP BY y", ""},
		{"SELECT long(count(*)) as 'Count' FROM events", "SELECT long(count(*)) AS 'Count' FROM events"},
		{"SELECT CASE flowtype WHEN 0 THEN 'Standard Flow' WHEN 3 THEN 'Scan' ELSE 'Unknown' END AS flowtype FROM flows", ""},
		{"SELECT CASE WHEN magnitude > 5 THEN 'high' END FROM events", ""},
		{"SELECT IF username IS NULL THEN 'none' ELSE username AS u FROM events", ""},
		{"SELECT (IF a = 1 THEN 2 ELSE 0) + (IF b = 1 THEN 3 ELSE 0) AS score FROM events", ""},
		{"SELECT 1 + IF a = 1 THEN 2 ELSE 3 FROM events", ""},

		// Clauses.
		{"SELECT a FROM events INTO s16 WHERE a = 1", ""},
		{`SELECT a FROM events INTO "my cursor"`, ""},
		{"SELECT a, SUM(b) FROM events GROUP BY a HAVING SUM(b) > 3 ORDER BY SUM(b) DESC LIMIT 10 LAST 2 DAYS", ""},
		{"SELECT sourceIP FROM events ORDER BY sourceIP DESC COLLATE 'de-CH', a COLLATE 'en'", ""},
		{"SELECT * FROM events limit 10000 last 5 minutes", "SELECT * FROM events LIMIT 10000 LAST 5 MINUTES"},
		{"SELECT * FROM events LAST 24 HOURS", ""},
		{"SELECT * FROM events WHERE userName IS NULL START '2014-04-25 15:51' STOP '2014-04-25 17:00'", ""},
		{"SELECT * FROM events LIMIT 5 START 1464744600123 STOP 1464747600123", ""},
		{"SELECT * FROM events START PARSEDATETIME('1 day ago')", ""},
		{"SELECT * FROM events START PARSEDATETIME('1 hour ago') STOP PARSEDATETIME('now')", ""},
		{"SELECT * FROM events LAST 5 MINUTES PARAMETERS PROGRESSDETAILSRESOLUTION=60, EXCLUDESERVERS='127.0.0.1:32006', X=true", "SELECT * FROM events LAST 5 MINUTES PARAMETERS PROGRESSDETAILSRESOLUTION=60, EXCLUDESERVERS='127.0.0.1:32006', X=TRUE"},
		{"SELECT * FROM events PARAMETERS a=b", ""},
		{"SELECT DISTINCT a FROM events", ""},

		// Explicit parentheses are kept.
		{"SELECT * FROM events WHERE ((a = 1)) AND (b = 2 OR c = 3)", ""},
		{"SELECT * FROM events WHERE (LOGSOURCETYPENAME(devicetype)) ILIKE '%x%'AND y = 1", "SELECT * FROM events WHERE (LOGSOURCETYPENAME(devicetype)) ILIKE '%x%' AND y = 1"},
	}
	for _, tt := range tests {
		expectParse(t, tt.src, tt.want)
	}
}

func TestPrecedence(t *testing.T) {
	tests := []struct{ cond, want string }{
		{"a OR b AND c", "(OR a (AND b c))"},
		{"a AND b OR c", "(OR (AND a b) c)"},
		{"a OR b OR c", "(OR (OR a b) c)"},
		{"NOT a AND b", "(AND (NOT a) b)"},
		{"NOT a = b", "(NOT (= a b))"},
		{"NOT NOT a", "(NOT (NOT a))"},
		{"a AND NOT b OR c", "(OR (AND a (NOT b)) c)"},
		{"a + b * c = d", "(= (+ a (* b c)) d)"},
		{"a - b - c > 0", "(> (- (- a b) c) 0)"},
		{"a / b % c = 1", "(= (% (/ a b) c) 1)"},
		{"2 ^ 3 ^ 2 = x", "(= (^ 2 (^ 3 2)) x)"},
		{"-a ^ 2 = x", "(= (neg (^ a 2)) x)"},
		{"a ^ -b = x", "(= (^ a (neg b)) x)"},
		{"- -a = x", "(= (neg (neg a)) x)"},
		{"a * -b = x", "(= (* a (neg b)) x)"},
		{"a & b + c = d", "(= (& a (+ b c)) d)"},
		{"a & b & c = d", "(= (& (& a b) c) d)"},
		{"(category - category % 1000) = '3000'", "(= (paren (- category (% category 1000))) '3000')"},
		{"x NOT LIKE 'a%' OR y", "(OR (NOT LIKE x 'a%') y)"},
		{"x BETWEEN 1 AND 5 AND y = 2", "(AND (BETWEEN x 1 5) (= y 2))"},
		{"x BETWEEN a + 1 AND b * 2", "(BETWEEN x (+ a 1) (* b 2))"},
		{"x IS NOT NULL AND y IS NULL", "(AND (IS-NOT-NULL x) (IS-NULL y))"},
		{"x + 1 IN (1, 2 + 3)", "(IN (+ x 1) 1 (+ 2 3))"},
		{"x NOT IN (SELECT y FROM flows)", "(NOT IN x [SELECT y FROM flows])"},
		{"LOWER(UTF8(payload)) LIKE '%a%'", "(LIKE (call LOWER (call UTF8 payload)) '%a%')"},
		{"INCIDR('10.0.0.0/8', sourceip) OR x", "(OR (call INCIDR '10.0.0.0/8' sourceip) x)"},
		{"TEXT SEARCH 'a' AND b", "(AND (TEXT-SEARCH 'a') b)"},
		{"IF a = 1 THEN 2 ELSE 3 + 4 = 7", "(IF (= a 1) 2 (= (+ 3 4) 7))"},
		{"IF a THEN IF b THEN 1 ELSE 2 ELSE 3", "(IF a (IF b 1 2) 3)"},
		{"CASE x WHEN 1 THEN 'a' WHEN 2 THEN 'b' ELSE 'c' END = 'a'", "(= (CASE x (WHEN 1 'a') (WHEN 2 'b') (ELSE 'c')) 'a')"},
		{"CASE WHEN x > 1 AND y THEN 1 END = 1", "(= (CASE (WHEN (AND (> x 1) y) 1)) 1)"},
		{"GEO::LOOKUP(sourceip, 'city') = 'x'", "(= (call GEO::LOOKUP sourceip 'city') 'x')"},
		{"last = 1 AND start = 2 AND text = 3", "(AND (AND (= last 1) (= start 2)) (= text 3))"},
		{`"a b" = 'c'`, `(= "a b" 'c')`},
	}
	for _, tt := range tests {
		if got := whereTree(t, tt.cond); got != tt.want {
			t.Errorf("WHERE %s\n got: %s\nwant: %s", tt.cond, got, tt.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	deep := strings.Repeat("(", 2000) + "a" + strings.Repeat(")", 2000)
	deepNot := strings.Repeat("NOT ", 2000) + "a"
	deepNeg := strings.Repeat("-", 2000) + "a = 1"
	deepPow := strings.Repeat("a ^ ", 2000) + "a = 1"
	deepIn := strings.Repeat("x IN (SELECT x FROM events WHERE ", 1100) + "a" + strings.Repeat(")", 1100)

	tests := []struct{ src, want string }{
		{"", "1:1: expected SELECT, found end of query"},
		{"   \n  ", "2:3: expected SELECT, found end of query"},
		{"UPDATE events", "1:1: expected SELECT, found identifier UPDATE"},
		{"SELECT FROM events", "1:8: expected expression, found keyword FROM"},
		{"SELECT a FROM", "1:14: expected events or flows, found end of query"},
		{"SELECT a FROM logs", "1:15: unknown table logs: expected events, flows or simarc"},
		{"SELECT a b FROM events", "1:10: expected ',' or FROM after select item, found identifier b (an alias needs AS)"},
		{"SELECT a AS FROM events", "1:13: FROM is a reserved word: write it in double quotes"},
		{"SELECT a AS 'x' 'y' FROM events", "1:17: expected ',' or FROM, found string 'y'"},
		{"SELECT a AS '' FROM events", "1:13: empty alias"},
		{"SELECT * + 1 FROM events", "1:10: expected ',' or FROM, found '+'"},
		{"SELECT a FROM events WHERE", "1:27: expected expression, found end of query"},
		{"SELECT a FROM events WHERE select = 1", "1:28: expected expression, found keyword SELECT (reserved words must be double-quoted"},
		{"SELECT a FROM events WHERE a = 'x", "1:32: string literal not terminated"},
		{`SELECT "a FROM events`, "1:8: quoted identifier not terminated"},
		{"SELECT \"a\nb\" FROM events", "1:8: quoted identifier not terminated"},
		{"SELECT \"a\tb\" FROM events", "1:10: control character '\\t' in quoted identifier"},
		{`SELECT "" FROM events`, "1:8: empty quoted identifier"},
		{"SELECT a FROM events WHERE a = @", "1:32: invalid character U+0040 '@'"},
		{"SELECT a FROM events WHERE ação = 1", "1:29: invalid character U+00E7 'ç': names with non-ASCII characters must be double-quoted"},
		{"SELECT a FROM events WHERE a = '\xff' AND \xff", "1:40: invalid UTF-8 byte 0xff"},
		{"SELECT a FROM events WHERE a ! b", "1:30: unexpected \"!\" (did you mean \"!=\"?)"},
		{"SELECT GEO:LOOKUP(a) FROM events", "1:11: unexpected \":\" (did you mean \"::\"?)"},
		{"SELECT a FROM events WHERE x = 10abc", "1:32: invalid number \"10abc\": invalid character in number"},
		{"SELECT a FROM events WHERE x = 1.", "1:32: invalid number \"1.\": decimal point must be followed by digits"},
		{"SELECT a FROM events WHERE x = 0x", "1:32: invalid number \"0x\": hexadecimal literal has no digits"},
		{"SELECT a FROM events WHERE x = 1.2.3", "1:32: invalid number \"1.2.3\""},
		{"SELECT a\nFROM events\nWHERE a = #", "3:11: invalid character U+0023 '#'"},
		{"SELECT a FROM events;", "1:21: unexpected ';': an AQL query has no statement terminator"},
		{"SELECT a FROM events WHERE a = 1 LAST 5 MINUTES LIMIT 5", "1:49: LIMIT must come before the time clause"},
		{"SELECT a FROM events LAST 5 MINUTE", "1:29: time unit must be plural: MINUTES"},
		{"SELECT a FROM events LAST 1 day", "1:29: time unit must be plural: DAYS"},
		{"SELECT a FROM events LAST 5 WEEKS", "1:29: expected MINUTES, HOURS or DAYS, found identifier WEEKS"},
		{"SELECT a FROM events LAST five MINUTES", "1:27: expected integer after LAST, found identifier five"},
		{"SELECT a FROM events LIMIT 0x10", "1:28: LIMIT needs a decimal integer, found 0x10"},
		{"SELECT a FROM events LIMIT 99999999999999999999", "1:28: integer 99999999999999999999 after LIMIT is out of range"},
		{"SELECT a FROM events LIMIT 1.5", "1:28: expected integer after LIMIT, found number 1.5"},
		{"SELECT a FROM events START -5", "1:28: expected date string, epoch milliseconds or function call after START, found '-'"},
		{"SELECT a FROM events START 'x' STOP username", "1:37: expected date string, epoch milliseconds or function call after STOP"},
		{"SELECT a FROM events WHERE a = 1 WHERE b = 2", "1:34: unexpected WHERE: clauses must appear in the order"},
		{"SELECT a FROM events ORDER BY a WHERE b = 1", "1:33: unexpected WHERE: clauses must appear in the order"},
		{"SELECT a FROM events LAST 1 HOURS ORDER BY a", "1:35: unexpected ORDER: clauses must appear in the order"},
		{"SELECT a FROM events GROUP a", "1:28: expected BY after GROUP, found identifier a"},
		{"SELECT a FROM events ORDER a", "1:28: expected BY after ORDER, found identifier a"},
		{"SELECT a FROM events ORDER BY a COLLATE de", "1:41: expected language tag string after COLLATE"},
		{"SELECT a FROM events WHERE a = b = c", "1:34: unexpected '=': comparisons cannot be chained"},
		{"SELECT a FROM events WHERE a LIKE 'x' LIKE 'y'", "1:39: unexpected keyword LIKE: comparisons cannot be chained"},
		{"SELECT a FROM events WHERE a IS NULL IS NULL", "1:38: unexpected keyword IS: comparisons cannot be chained"},
		{"SELECT a FROM events WHERE a LIKE", "1:34: expected expression, found end of query"},
		{"SELECT a FROM events WHERE a IN ()", "1:34: empty IN list"},
		{"SELECT a FROM events WHERE a IN 1, 2", "1:33: expected '(' after IN, found number 1"},
		{"SELECT a FROM events WHERE a IN (1, 2", "1:38: expected ',' or ')' in IN list, found end of query"},
		{"SELECT a FROM events WHERE a IN (SELECT b FROM events LAST 5 MINUTES PARAMETERS x=1)", "1:70: expected ',' or ')' in IN list, found keyword PARAMETERS"},
		{"SELECT a FROM events WHERE a BETWEEN 1 OR 2", "1:40: expected AND in BETWEEN ... AND ..., found keyword OR"},
		{"SELECT a FROM events WHERE a IS 1", "1:33: expected NULL after IS, found number 1"},
		{"SELECT a FROM events WHERE x NOT y", "1:30: unexpected keyword NOT after end of query"},
		{"SELECT a FROM events WHERE (SELECT a FROM events)", "1:29: a sub-select is only allowed in IN (SELECT ...)"},
		{"SELECT a FROM events WHERE (a = 1", "1:34: expected ')', found end of query"},
		{"SELECT a FROM events WHERE a = 1)", "1:33: unexpected ')' after end of query"},
		{"SELECT COUNT(* FROM events", "1:16: expected ',' or ')' in argument list, found keyword FROM"},
		{"SELECT f(a,) FROM events", "1:12: expected expression, found ')'"},
		{"SELECT GEO::(a) FROM events", "1:13: expected function name after '::', found '('"},
		{"SELECT GEO::LOOKUP FROM events", "1:20: expected '(' after function name, found keyword FROM"},
		{"SELECT a FROM events WHERE IF a THEN b", "1:39: expected ELSE in IF ... THEN ... ELSE"},
		{"SELECT a FROM events WHERE IF a ELSE b", "1:33: expected THEN after IF condition, found keyword ELSE"},
		{"SELECT CASE WHEN a THEN b FROM events", "1:27: expected WHEN, ELSE or END in CASE, found keyword FROM"},
		{"SELECT CASE x END FROM events", "1:15: expected WHEN, found keyword END"},
		{"SELECT CASE WHEN a b END FROM events", "1:20: expected THEN, found identifier b"},
		{"SELECT a FROM events WHERE TEXT SEARCH a", "1:40: expected string after TEXT SEARCH, found identifier a"},
		{"SELECT a FROM events INTO 'c'", "1:27: expected cursor name, found string 'c'"},
		{"SELECT a FROM events PARAMETERS a", "1:34: expected '=' after parameter name, found end of query"},
		{"SELECT a FROM events PARAMETERS 1=2", "1:33: expected parameter name, found number 1"},
		{"SELECT a FROM events PARAMETERS a=(1)", "1:35: expected parameter value, found '('"},
		{"SELECT a FROM events WHERE " + deep, "1:1028: expression nested too deeply (maximum depth 1000)"},
		{"SELECT a FROM events WHERE " + deepNot, "1:4028: expression nested too deeply"},
		{"SELECT a FROM events WHERE " + deepNeg, "1:1028: expression nested too deeply"},
		{"SELECT a FROM events WHERE " + deepPow, "1:4028: expression nested too deeply"},
		{"SELECT a FROM events WHERE " + deepIn, "1:"},
	}
	for _, tt := range tests {
		expectError(t, tt.src, tt.want)
	}
}

// TestDepthLimitBoundary checks that nesting just below the limit parses.
func TestDepthLimitBoundary(t *testing.T) {
	ok := strings.Repeat("(", MaxDepth-1) + "a" + strings.Repeat(")", MaxDepth-1)
	q := mustParse(t, "SELECT * FROM events WHERE "+ok)
	expectRoundTrip(t, q)
	tooDeep := strings.Repeat("(", MaxDepth) + "a" + strings.Repeat(")", MaxDepth)
	if _, err := Parse("SELECT * FROM events WHERE " + tooDeep); err == nil {
		t.Errorf("nesting of %d parentheses: want error", MaxDepth)
	}
}

// TestLongChains checks that long flat chains (parsed iteratively, printed
// and checked recursively) work.
func TestLongChains(t *testing.T) {
	terms := make([]string, 5000)
	for i := range terms {
		terms[i] = "a = 1"
	}
	q := mustParse(t, "SELECT * FROM events WHERE "+strings.Join(terms, " OR ")+" LAST 1 HOURS")
	expectRoundTrip(t, q)
	if d := Check(q); len(d) != 0 {
		t.Errorf("Check: %v", d)
	}
}

func TestErrorList(t *testing.T) {
	l := ErrorList{
		{Pos: Pos{Offset: 9, Line: 2, Col: 3}, Msg: "b"},
		{Pos: Pos{Offset: 1, Line: 1, Col: 2}, Msg: "a"},
	}
	if got, want := l.Error(), "2:3: b (and 1 more error)"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	l = append(l, &Error{Pos: Pos{Offset: 20, Line: 3, Col: 1}, Msg: "c"})
	if got, want := l.Error(), "2:3: b (and 2 more errors)"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if ErrorList(nil).Err() != nil {
		t.Error("empty ErrorList.Err() != nil")
	}
	// Lexer errors found while the parser looked ahead are reported
	// together with the parse error, sorted by position.
	_, err := Parse("SELECT a FROM events WHERE TEXT # 'x'")
	list := err.(ErrorList)
	if len(list) == 0 || list[0].Pos.Col != 33 {
		t.Errorf("errors = %v", list)
	}
	for i := 1; i < len(list); i++ {
		if list[i].Pos.Offset < list[i-1].Pos.Offset {
			t.Errorf("errors not sorted: %v", list)
		}
	}
}

// TestPositions checks node positions on a multi-line query.
func TestPositions(t *testing.T) {
	src := "SELECT QIDNAME(qid) AS 'Event',\n  \"sourceIP\"\nFROM events\nWHERE a = 'x''y' AND b IN (1, 2)\nORDER BY a DESC\nLIMIT 5\nLAST 2 HOURS"
	q := mustParse(t, src)
	type np struct {
		what string
		pos  Pos
	}
	got := []np{
		{"select", q.Select},
		{"call", q.Items[0].Expr.Pos()},
		{"arg", q.Items[0].Expr.(*Call).Args[0].Pos()},
		{"as", q.Items[0].AsPos},
		{"alias", q.Items[0].Alias.Pos()},
		{"ident", q.Items[1].Expr.Pos()},
		{"from", q.From},
		{"table", q.TablePos},
		{"where", q.Where.Pos()},
		{"and", q.Where.(*Binary).OpPos},
		{"string", q.Where.(*Binary).X.(*Binary).Y.Pos()},
		{"in", q.Where.(*Binary).Y.(*In).OpPos},
		{"rparen", q.Where.(*Binary).Y.(*In).Rparen},
		{"desc", q.OrderBy[0].DirPos},
		{"limit", q.Limit.Pos()},
		{"limit n", q.Limit.NPos},
		{"last", q.Time.Pos()},
		{"unit", q.Time.(*LastClause).UnitPos},
	}
	want := []np{
		{"select", Pos{0, 1, 1}},
		{"call", Pos{7, 1, 8}},
		{"arg", Pos{15, 1, 16}},
		{"as", Pos{20, 1, 21}},
		{"alias", Pos{23, 1, 24}},
		{"ident", Pos{34, 2, 3}},
		{"from", Pos{45, 3, 1}},
		{"table", Pos{50, 3, 6}},
		{"where", Pos{63, 4, 7}},
		{"and", Pos{74, 4, 18}},
		{"string", Pos{67, 4, 11}},
		{"in", Pos{80, 4, 24}},
		{"rparen", Pos{88, 4, 32}},
		{"desc", Pos{101, 5, 12}},
		{"limit", Pos{106, 6, 1}},
		{"limit n", Pos{112, 6, 7}},
		{"last", Pos{114, 7, 1}},
		{"unit", Pos{121, 7, 8}},
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(np{})); diff != "" {
		t.Errorf("positions (-want +got):\n%s", diff)
	}
	checkPositions(t, src, q)
}

// checkPositions verifies that every node's Line/Col agree with its Offset.
func checkPositions(t testing.TB, src string, q *Query) {
	t.Helper()
	Inspect(q, func(n Node) bool {
		p := n.Pos()
		if !p.IsValid() {
			t.Errorf("%T has no position", n)
			return true
		}
		line := 1 + strings.Count(src[:p.Offset], "\n")
		col := p.Offset - (strings.LastIndex(src[:p.Offset], "\n") + 1) + 1
		if p.Line != line || p.Col != col {
			t.Errorf("%T at offset %d: pos %v, want %d:%d", n, p.Offset, p, line, col)
		}
		return true
	})
}

func TestParseAST(t *testing.T) {
	q := mustParse(t, `SELECT "a b" AS 'c', GEO::LOOKUP(x, 'city') FROM events WHERE s = 'it''s' LAST 3 DAYS`)
	want := &Query{
		Items: []*SelectItem{
			{Expr: &Ident{Name: "a b", Quoted: true}, Alias: &Name{Name: "c", Quote: SingleQuoted}},
			{Expr: &Call{Namespace: "GEO", Name: "LOOKUP", Args: []Expr{&Ident{Name: "x"}, &StringLit{Value: "city"}}}},
		},
		Table: "events",
		Where: &Binary{X: &Ident{Name: "s"}, Op: EQ, Y: &StringLit{Value: "it's"}},
		Time:  &LastClause{N: 3, Unit: Days},
	}
	if diff := cmp.Diff(want, q, ignorePos); diff != "" {
		t.Errorf("AST (-want +got):\n%s", diff)
	}
}

func TestLexer(t *testing.T) {
	lx := NewLexer("select \"a b\" 'it''s' 0xFF 6.5 <> <= >= == != :: ; last FOO_1")
	var got []string
	for {
		tok := lx.Next()
		if tok.Kind == EOF {
			break
		}
		got = append(got, tok.Kind.String()+":"+tok.Lit)
	}
	want := []string{"SELECT:select", "QIDENT:a b", "STRING:it's", "INT:0xFF", "FLOAT:6.5", "<>:<>", "<=:<=", ">=:>=", "==:==", "!=:!=", ":::::", ";:;", "LAST:last", "IDENT:FOO_1"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("tokens (-want +got):\n%s", diff)
	}
	if len(lx.Errors()) != 0 {
		t.Errorf("errors: %v", lx.Errors())
	}
	// EOF repeats.
	if k := lx.Next().Kind; k != EOF {
		t.Errorf("after EOF: %v", k)
	}
}

func TestKinds(t *testing.T) {
	if !SELECT.IsReserved() || SELECT.IsContextual() || !SELECT.IsKeyword() {
		t.Error("SELECT should be a reserved keyword")
	}
	if LAST.IsReserved() || !LAST.IsContextual() || !LAST.IsKeyword() {
		t.Error("LAST should be a contextual keyword")
	}
	if IDENT.IsKeyword() || !IDENT.IsLiteral() || !LTGT.IsOperator() {
		t.Error("kind classes")
	}
	if Lookup("parameters") != PARAMETERS || Lookup("parameterss") != IDENT || Lookup("Select") != SELECT {
		t.Error("Lookup")
	}
	if s := Kind(999).String(); s != "Kind(999)" {
		t.Errorf("Kind(999).String() = %q", s)
	}
	for k := keywordBeg + 1; k < keywordEnd; k++ {
		if k != reservedEnd && Lookup(k.String()) != k {
			t.Errorf("Lookup(%s) != %s", k, k)
		}
	}
}
