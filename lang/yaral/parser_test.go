package yaral

import (
	"fmt"
	"strings"
	"testing"
)

// expectParse parses src and fails the test on error.
func expectParse(t *testing.T, src string) *Rule {
	t.Helper()
	r, err := Parse(src)
	if err != nil {
		t.Fatalf("Parse failed: %v\nsource:\n%s", err, src)
	}
	return r
}

// expectError parses src and requires that the first error starts with want
// ("line:col: message prefix").
func expectError(t *testing.T, src, want string) {
	t.Helper()
	_, err := Parse(src)
	if err == nil {
		t.Fatalf("Parse succeeded, want error %q\nsource:\n%s", want, src)
	}
	list, ok := err.(ErrorList)
	if !ok || len(list) == 0 {
		t.Fatalf("error %T %v is not a non-empty ErrorList", err, err)
	}
	if got := list[0].Error(); !strings.HasPrefix(got, want) {
		t.Fatalf("first error = %q, want prefix %q\nall errors:\n%v\nsource:\n%s", got, want, err, src)
	}
}

// events wraps predicates in a minimal rule; the predicates start on line 4,
// column 5.
func events(preds string) string {
	return "rule r {\n  meta:\n  events:\n    " + preds + "\n  condition:\n    $e\n}\n"
}

// dump renders an expression fully parenthesised, as an S-expression, so
// that tests can check grouping.
func dump(x Expr) string {
	switch x := x.(type) {
	case nil:
		return "nil"
	case *Var:
		return "$" + x.Name
	case *CountVar:
		return "#" + x.Name
	case *Ident:
		return x.Name
	case *BasicLit:
		return x.Value
	case *FieldExpr:
		s := PrintExpr(x)
		return s
	case *CallExpr:
		var args []string
		for _, a := range x.Args {
			args = append(args, dump(a))
		}
		s := x.FuncName() + "(" + strings.Join(args, " ") + ")"
		if x.Nocase {
			s = "(nocase " + s + ")"
		}
		return s
	case *BinaryExpr:
		s := "(" + x.Op.String() + " " + dump(x.X) + " " + dump(x.Y) + ")"
		if x.Nocase {
			s = "(nocase " + s + ")"
		}
		return s
	case *UnaryExpr:
		return "(" + x.Op.String() + " " + dump(x.X) + ")"
	case *NamedArg:
		return x.Name + ":" + dump(x.Value)
	case *InExpr:
		s := "(in " + dump(x.X) + " "
		if x.Kind != ILLEGAL {
			s += x.Kind.String() + " "
		}
		s += "%" + x.List.Name
		if x.List.Column != "" {
			s += "." + x.List.Column
		}
		s += ")"
		if x.Nocase {
			s = "(nocase " + s + ")"
		}
		return s
	}
	return fmt.Sprintf("%T", x)
}

func dumpPreds(r *Rule) string {
	var s []string
	for _, p := range r.Events.Predicates {
		s = append(s, dump(p))
	}
	return strings.Join(s, "\n")
}

func TestParseEvents(t *testing.T) {
	tests := []struct {
		name, preds, want string
	}{
		{"equality", `$e.metadata.event_type = "PROCESS_LAUNCH"`, `(= $e.metadata.event_type "PROCESS_LAUNCH")`},
		{"literal on the left", `01 = timestamp.get_day_of_week($ts, "UTC")`, `(= 01 timestamp.get_day_of_week($ts "UTC"))`},
		{"placeholder", "$ph = $e.principal.hostname\n$e.target.ip = $ip", "(= $ph $e.principal.hostname)\n(= $e.target.ip $ip)"},
		{"implicit and", "$e.a = 1\n$e.b = 2\n$e.c = 3", "(= $e.a 1)\n(= $e.b 2)\n(= $e.c 3)"},
		{"or chain quirk", "$e.a = 1\n or $e.b = 2\n $e.c = 3", "(or (= $e.a 1) (= $e.b 2))\n(= $e.c 3)"},
		{"trailing or", "$e.a = 1 or\n$e.b = 2\n$e.c = 3", "(or (= $e.a 1) (= $e.b 2))\n(= $e.c 3)"},
		{"and continuation", "$e.a = 1\nand $e.b = 2", "(and (= $e.a 1) (= $e.b 2))"},
		{"precedence", "$e.a = 1 or $e.b = 2 and not $e.c = 3", "(or (= $e.a 1) (and (= $e.b 2) (not (= $e.c 3))))"},
		{"parens", "($e.a = 1 or $e.b = 2) and $e.c = 3", "(and (or (= $e.a 1) (= $e.b 2)) (= $e.c 3))"},
		{"parens over lines", "(\n  $e.a = 1 or\n  $e.b = 2\n)\n$e.c = 3", "(or (= $e.a 1) (= $e.b 2))\n(= $e.c 3)"},
		{"upper-case keywords", `$e.a = "x" NOCASE OR NOT $e.b IN %list AND $e.c = 1`, `(or (nocase (= $e.a "x")) (and (not (in $e.b %list)) (= $e.c 1)))`},
		{"regex literal", `$e.target.url = /\/(cron)?jobs\// nocase`, `(nocase (= $e.target.url /\/(cron)?jobs\//))`},
		{"regex not-equal", `$e.x != /a"b/`, `(!= $e.x /a"b/)`},
		{"regex argument", `re.capture($e.cmd, /Bearer [^\ |^\"]*/) = "x"`, `(= re.capture($e.cmd /Bearer [^\ |^\"]*/) "x")`},
		{"regex second argument", `re.regex($e.cmd, /a/)`, `re.regex($e.cmd /a/)`},
		{"raw string regex", "re.regex($e.target.url, `/(cronjobs|jobs)(/|$)`) nocase", "(nocase re.regex($e.target.url `/(cronjobs|jobs)(/|$)`))"},
		{"division", `$x = ($e.a - $e.b) / $e.b * 100`, `(= $x (* (/ (- $e.a $e.b) $e.b) 100))`},
		{"division after call", `$x = count($e.a) / 2`, `(= $x (/ count($e.a) 2))`},
		{"arithmetic precedence", `$x = 1 + 2 * 3 - 4 % 5`, `(= $x (- (+ 1 (* 2 3)) (% 4 5)))`},
		{"map access", `$e.target.resource.attribute.labels["App Id"] = "x"`, `(= $e.target.resource.attribute.labels["App Id"] "x")`},
		{"udm prefix", `$e.udm.additional.fields["k"] = "v"`, `(= $e.udm.additional.fields["k"] "v")`},
		{"array index", `$traceIdValue = $k8.about[0].labels[0].value`, `(= $traceIdValue $k8.about[0].labels[0].value)`},
		{"field continued on next line", "$x = $p.principal.process.parent_process\n    .product_specific_process_id", `(= $x $p.principal.process.parent_process.product_specific_process_id)`},
		{"keyword field names", `$e.a.count.regex.in = 1`, `(= $e.a.count.regex.in 1)`},
		{"any modifier", `any $e.principal.ip = "10.0.0.1"`, `(= any $e.principal.ip "10.0.0.1")`},
		{"all modifier in call", `re.regex(all $e.about.hostname, ` + "`x`" + `)`, "re.regex(all $e.about.hostname `x`)"},
		{"in regex list nocase", `$e.hostname in regex %hosts nocase`, `(nocase (in $e.hostname regex %hosts))`},
		{"in cidr", `not $e.principal.ip in cidr %nets`, `(not (in $e.principal.ip cidr %nets))`},
		{"data table", `$e.user in %table.column`, `(in $e.user %table.column)`},
		{"not call", `not re.regex($e.x, "a") nocase`, `(not (nocase re.regex($e.x "a")))`},
		{"nested calls", `$h = strings.to_lower(strings.concat($e.a, "x", $e.b))`, `(= $h strings.to_lower(strings.concat($e.a "x" $e.b)))`},
		{"comparisons", "$e.a < 1\n$e.b <= 2.5\n$e.c > 3\n$e.d >= 4", "(< $e.a 1)\n(<= $e.b 2.5)\n(> $e.c 3)\n(>= $e.d 4)"},
		{"booleans", `$e.x = TRUE`, `(= $e.x true)`},
		{"window bound before paren line", "$x = window_end\n($e.a = 1 or $e.b = 2)", "(= $x window_end)\n(or (= $e.a 1) (= $e.b 2))"},
		{"bare function", `$x = period_start_for_max($e.a)`, `(= $x period_start_for_max($e.a))`},
		{"metrics named args", "$x = metrics.auth_attempts_success(\n period:1d, window:30d, agg:MAX, principal.asset.ip:$ip, flag:true, s:\"v\")", `(= $x metrics.auth_attempts_success(period:1d window:30d agg:MAX principal.asset.ip:$ip flag:true s:"v"))`},
		{"comments", "$e.a = 1 // c1\n/* c2 */ $e.b = 2 /* c3\n */ or /* c4 */ $e.c = 3", "(= $e.a 1)\n(or (= $e.b 2) (= $e.c 3))"},
		{"comment in or list", "(\n $e.a = 1 or //x\n $e.b = 2 //y\n)", "(or (= $e.a 1) (= $e.b 2))"},
		{"url in string", `$e.url = "http://x//y/*z*/"`, `(= $e.url "http://x//y/*z*/")`},
		{"escapes", `$e.a = "a\"b\\c\td"`, `(= $e.a "a\"b\\c\td")`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := expectParse(t, events(tc.preds))
			if got := dumpPreds(r); got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

func TestParseSections(t *testing.T) {
	src := `// leading comment
  RULE My_Rule_01
{
  META:
    author = "a"
    count_like = 3
    flag = true
  events:
    $e1.principal.hostname = $host
    $e2.target.hostname = $host
    $e1.metadata.event_timestamp.seconds < $e2.metadata.event_timestamp.seconds
  match:
    $host, $x over 10m after $e1
  outcome:
    $risk_score = max(if($e1.x = "a" nocase, 20, 0) + 5)
    $ips = array_distinct($e1.principal.ip)
    $n = count_distinct($e2.metadata.id)
    $start = window_start
  condition:
    $e1 and !$e2 and #host > 2 and $n >= 1 or not $risk_score > 10
  options:
    allow_zero_values = true
    suppression_window = 5m
}`
	r := expectParse(t, src)
	if r.Name != "My_Rule_01" || r.NamePos != (Pos{2, 8}) || r.Rule != (Pos{2, 3}) {
		t.Errorf("name %q at %v, rule at %v", r.Name, r.NamePos, r.Rule)
	}
	if n := len(r.Meta.Entries); n != 3 {
		t.Fatalf("%d meta entries", n)
	}
	if kv := r.Meta.Entries[1]; kv.Key != "count_like" || kv.Value.Kind != INT || kv.KeyPos != (Pos{6, 5}) {
		t.Errorf("meta entry %+v", kv)
	}
	if kv := r.Meta.Entries[2]; kv.Value.Kind != BOOL || kv.Value.Value != "true" {
		t.Errorf("meta entry %+v", kv.Value)
	}
	m := r.Match
	if len(m.Vars) != 2 || m.Vars[1].Name != "x" || m.Kind != Over || m.Window.Value != "10m" || m.Anchor != AFTER || m.AnchorVar.Name != "e1" {
		t.Errorf("match %+v", m)
	}
	if n := len(r.Outcome.Assignments); n != 4 {
		t.Fatalf("%d outcomes", n)
	}
	if got := dump(r.Outcome.Assignments[0].Value); got != `max((+ if((nocase (= $e1.x "a")) 20 0) 5))` {
		t.Errorf("risk score = %s", got)
	}
	if got := dump(r.Outcome.Assignments[3].Value); got != "window_start" {
		t.Errorf("start = %s", got)
	}
	want := "(or (and (and (and $e1 (! $e2)) (> #host 2)) (>= $n 1)) (not (> $risk_score 10)))"
	if got := dump(r.Condition.Expr); got != want {
		t.Errorf("condition = %s, want %s", got, want)
	}
	if o := r.Options.Entries; len(o) != 2 || o[1].Value.Kind != DURATION || o[0].Value.Kind != BOOL {
		t.Errorf("options %+v", o)
	}
}

func TestParseMatchForms(t *testing.T) {
	tests := []struct{ match, want string }{
		{"$u over 5m", "$u over 5m"},
		{"$u, $h over 1h", "$u, $h over 1h"},
		{"$u over 1d before $e", "$u over 1d before $e"},
		{"$u BY 30m", "$u by 30m"},
		{"$a,\n    $b over 24h", "$a, $b over 24h"},
	}
	for _, tc := range tests {
		src := "rule r {\nmeta:\nevents:\n$e.x = $u\nmatch:\n" + tc.match + "\ncondition:\n$e\n}"
		r := expectParse(t, src)
		out := Print(r)
		if !strings.Contains(out, "    "+tc.want+"\n") {
			t.Errorf("match %q printed as\n%s", tc.match, out)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"empty", "", "1:1: expected 'rule', found end of input"},
		{"no name", "rule {", "1:6: expected rule name"},
		{"keyword name", "rule events {", `1:6: rule name "events" is a reserved keyword`},
		{"missing brace", "rule r\nmeta:", "2:1: expected '{'"},
		{"missing events", "rule r {\n meta:\n condition:\n  $e\n}", "5:1: missing events section"},
		{"missing meta", "rule r {\n events:\n  $e.a = 1\n condition:\n  $e\n}", "6:1: missing meta section"},
		{"missing condition", "rule r {\n meta:\n events:\n  $e.a = 1\n}", "5:1: missing condition section"},
		{"out of order", "rule r {\n meta:\n events:\n  $e.a = 1\n condition:\n  $e\n outcome:\n  $x = 1\n}", "7:2: outcome section out of order"},
		{"duplicate", "rule r {\n meta:\n meta:\n events:\n  $e.a = 1\n condition:\n  $e\n}", "3:2: duplicate meta section"},
		{"missing colon", "rule r {\n meta\n}", "3:1: expected ':'"},
		{"empty events", "rule r {\n meta:\n events:\n condition:\n  $e\n}", "4:2: expected event predicate"},
		{"two predicates on a line", events(`$e.a = 1 $e.b = 2`), "4:14: expected a line break, and or or before $e"},
		{"line break inside parens", events("($e.a = 1\n $e.b = 2)"), "5:2: expected ')' (a line break inside parentheses"},
		{"newline in string", events("$e.a = \"abc\n\""), "4:12: newline in string literal"},
		{"unterminated string", "rule r {\n meta:\n  a = \"abc", "3:7: string literal not terminated"},
		{"unterminated raw string", events("$e.a = `abc"), "4:12: raw string literal not terminated"},
		{"unterminated regex", events("$e.a = /abc"), "4:12: regex literal not terminated"},
		{"unterminated comment", "rule r { /* x", "1:10: comment not terminated"},
		{"keyword variable", events(`$outcome.a = 1`), "4:5: variable name $outcome is a reserved keyword"},
		{"keyword placeholder", events(`$AND = $e.a`), "4:5: variable name $AND is a reserved keyword"},
		{"duration in events", events(`$e.a = 5m`), "4:12: duration 5m is only allowed in the match and options sections"},
		{"bad number suffix", events(`$e.a = 5x`), `4:12: invalid number "5x"`},
		{"bang outside condition", events(`!$e.a`), "4:5: ! (non-existence of an event) is only allowed in the condition section"},
		{"comparison chain", events(`$e.a = 1 = 2`), "4:14: comparison operators do not chain"},
		{"nocase on a field", events(`$e.a nocase`), "4:10: nocase must follow a comparison"},
		{"double nocase", events(`re.regex($e.a, "x") nocase nocase`), "4:32: nocase must follow"},
		{"in without list", events(`$e.a in $b`), "4:13: expected reference list (%name) after in"},
		{"any without field", events(`any $e = 1`), "4:12: any must be followed by an event field"},
		{"any without var", events(`any "x" = 1`), "4:9: expected event field after any"},
		{"bare identifier", events(`$e.a = foo`), "4:12: unexpected identifier foo"},
		{"function without parens", events(`strings.concat = 1`), "4:20: expected '(' after function name strings.concat"},
		{"metrics positional", events(`$x = metrics.f($ip)`), "4:20: expected parameter name"},
		{"metrics without colon", events(`$x = metrics.f(period)`), "4:26: expected ':'"},
		{"trailing comma", events(`strings.concat($e.a,)`), "4:25: expected expression"},
		{"bad index", events(`$e.a[1.5] = 1`), "4:10: expected array index or map key"},
		{"regex after operator", events(`$e.a < /x/`), "4:12: expected expression, found '/'"},
		{"invalid character", events(`$e.a = 1 @`), "4:14: invalid character U+0040 '@'"},
		{"dollar alone", events(`$ = 1`), `4:5: expected a variable name after '$'`},
		{"match without window", "rule r {\n meta:\n events:\n  $e.a = $u\n match:\n  $u\n condition:\n  $e\n}", "7:2: expected ',', over or by"},
		{"match without unit", "rule r {\n meta:\n events:\n  $e.a = $u\n match:\n  $u over 5\n condition:\n  $e\n}", "6:11: window 5 needs a unit"},
		{"unquoted meta value", "rule r {\n meta:\n  reference = https://x\n}", "3:15: expected literal value"},
		{"meta on one line", "rule r {\n meta:\n  a = \"x\" b = \"y\"\n}", "3:11: expected a line break before b"},
		{"outcome without var", "rule r {\n meta:\n events:\n  $e.a = 1\n outcome:\n  risk = 1\n condition:\n  $e\n}", "6:3: expected outcome variable ($name)"},
		{"condition on two lines", "rule r {\n meta:\n events:\n  $e.a = 1\n condition:\n  $e\n  $f\n}", "7:3: unexpected $f in condition (the condition is a single expression"},
		{"empty options", "rule r {\n meta:\n events:\n  $e.a = 1\n condition:\n  $e\n options:\n}", "8:1: expected option name"},
		{"text after rule", "rule r {\n meta:\n events:\n  $e.a = 1\n condition:\n  $e\n}\nrule s {", "8:1: unexpected keyword rule after the end of the rule (one rule per text)"},
		{"unknown section", "rule r {\n meta:\n strings:\n}", "3:2: unknown section strings"},
		{"too deep", events(strings.Repeat("(", 300) + "$e.a = 1" + strings.Repeat(")", 300)), "4:"},
		{"too deep not", events(strings.Repeat("not ", 300) + "$e.a = 1"), "4:"},
		{"invalid utf8 in string", events("$e.a = \"\xff\""), "4:13: invalid UTF-8 encoding in string literal"},
		{"NUL in string", events("$e.a = \"\x00\""), "4:13: NUL character in string literal"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			expectError(t, tc.src, tc.want)
		})
	}
}

func TestParseTooDeepMessage(t *testing.T) {
	_, err := Parse(events(strings.Repeat("(", 300) + "$e.a = 1" + strings.Repeat(")", 300)))
	if err == nil || !strings.Contains(err.Error(), "expression nested too deeply") {
		t.Fatalf("err = %v", err)
	}
	// Nesting up to the limit is fine.
	expectParse(t, events(strings.Repeat("(", 150)+"$e.a = 1"+strings.Repeat(")", 150)))
}

func TestParseErrorRecovery(t *testing.T) {
	// Errors in two sections are both reported, in order.
	src := "rule r {\n meta:\n  a = \n events:\n  $e.a = = 1\n condition:\n  $e\n}"
	_, err := Parse(src)
	list, ok := err.(ErrorList)
	if !ok || len(list) != 2 {
		t.Fatalf("errors: %v", err)
	}
	if list[0].Pos != (Pos{4, 2}) || list[1].Pos != (Pos{5, 10}) {
		t.Errorf("errors at %v and %v:\n%v", list[0].Pos, list[1].Pos, err)
	}
	if got := list.Error(); !strings.Contains(got, "\n") {
		t.Errorf("ErrorList.Error() = %q, want one line per error", got)
	}
	// A broken section does not also yield a "missing section" error.
	_, err = Parse("rule r {\n meta:\n events:\n  $e.a = (\n condition:\n  $e\n}")
	if err == nil || strings.Contains(err.Error(), "missing") {
		t.Errorf("err = %v", err)
	}
}

func TestErrorFormatting(t *testing.T) {
	e := &Error{Pos: Pos{3, 7}, Msg: "boom"}
	if e.Error() != "3:7: boom" {
		t.Errorf("Error() = %q", e.Error())
	}
	var l ErrorList
	if l.Err() != nil {
		t.Error("empty list is not nil error")
	}
	l.Add(Pos{2, 1}, "b")
	l.Add(Pos{1, 5}, "a")
	l.Sort()
	if l.Error() != "1:5: a\n2:1: b" {
		t.Errorf("list = %q", l.Error())
	}
}

func TestParseCRLFAndBOM(t *testing.T) {
	src := "\uFEFFrule r {\r\n  meta:\r\n    a = \"x\"\r\n  events:\r\n    $e.a = 1\r\n    $e.b = /x/\r\n  condition:\r\n    $e\r\n}\r\n"
	r := expectParse(t, src)
	if got := r.Events.Predicates[1].Pos(); got != (Pos{6, 5}) {
		t.Errorf("pos = %v", got)
	}
	if r.Rule != (Pos{1, 1}) {
		t.Errorf("rule at %v", r.Rule)
	}
}

func TestPositions(t *testing.T) {
	r := expectParse(t, events(`re.regex($e.a, "x") nocase and $e.b in %l`))
	b := r.Events.Predicates[0].(*BinaryExpr)
	call := b.X.(*CallExpr)
	in := b.Y.(*InExpr)
	for _, c := range []struct {
		name      string
		got, want Pos
	}{
		{"call", call.NamePos, Pos{4, 5}},
		{"lparen", call.Lparen, Pos{4, 13}},
		{"rparen", call.Rparen, Pos{4, 23}},
		{"nocase", call.NocasePos, Pos{4, 25}},
		{"and", b.OpPos, Pos{4, 32}},
		{"in", in.InPos, Pos{4, 41}},
		{"list", in.List.NamePos, Pos{4, 44}},
		{"binary", b.Pos(), Pos{4, 5}},
	} {
		if c.got != c.want {
			t.Errorf("%s at %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestTokenize(t *testing.T) {
	items, err := Tokenize("$a = /x\\/y/ / 2 // c\n#b %l.c %l % 3 !$e != 1.5 5d `r` \"s\" and AND")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range items {
		s := it.Tok.String()
		if it.NewlineBefore {
			s = "NL " + s
		}
		got = append(got, s)
	}
	want := "VAR = REGEX / INT NL COUNT LISTREF LISTREF % INT ! VAR != FLOAT DURATION RAWSTRING STRING and and EOF"
	if strings.Join(got, " ") != want {
		t.Errorf("got  %s\nwant %s", strings.Join(got, " "), want)
	}
}

func TestKeywordHelpers(t *testing.T) {
	for _, s := range []string{"and", "OR", "Nocase", "count_distinct", "regex", "by"} {
		if !IsKeyword(s) {
			t.Errorf("IsKeyword(%q) = false", s)
		}
	}
	for _, s := range []string{"re", "strings", "true", "author", "window_start"} {
		if IsKeyword(s) {
			t.Errorf("IsKeyword(%q) = true", s)
		}
	}
	for s, want := range map[string]bool{"r": true, "_x1": true, "1x": false, "a-b": false, "": false, "rule": false, "é": false} {
		if IsIdentifier(s) != want {
			t.Errorf("IsIdentifier(%q) = %v", s, !want)
		}
	}
}
