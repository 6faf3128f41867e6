package yaral

import (
	"regexp"
	"regexp/syntax"
	"strings"
	"testing"
	"unicode/utf8"
)

var hostileStrings = []string{
	"",
	"plain",
	`a"b`,
	"a`b",
	`a\b`,
	`\`,
	`\\`,
	`\"`,
	`"\`,
	`\n`, // backslash and n, not a newline
	`\.exe`,
	"line1\nline2",
	"cr\r\nlf",
	"tab\there",
	"*/",
	"/*",
	"//",
	"/",
	"*",
	"a/b/c",
	`$e.x = "injected" or true`,
	"}\nrule x {",
	"héllo ✓ 日本",
	"\u2028\u200b\ufeff",
	" leading and trailing ",
	`C:\Windows\System32\cmd.exe`,
	"/(cronjobs|jobs)(/|$)",
	"`/*\"\\\n\t//*/",
}

// embed places a literal after "=" in an events predicate and in a meta
// value and returns the decoded values found by the parser.
func embed(t *testing.T, lit string) (events, meta string) {
	t.Helper()
	src := "rule r {\n  meta:\n    k = " + lit + "\n  events:\n    $e.f = " + lit + "\n    re.regex($e.g, " + lit + ")\n  condition:\n    $e\n}\n"
	r, err := Parse(src)
	if err != nil {
		t.Fatalf("literal %s does not parse: %v\n%s", lit, err, src)
	}
	roundTrip(t, r)
	ev := r.Events.Predicates[0].(*BinaryExpr).Y.(*BasicLit)
	arg := r.Events.Predicates[1].(*CallExpr).Args[1].(*BasicLit)
	if ev.Value != lit || arg.Value != lit || r.Meta.Entries[0].Value.Value != lit {
		t.Fatalf("literal %s lexed as %s / %s", lit, ev.Value, arg.Value)
	}
	events, err = ev.StringValue()
	if err != nil {
		t.Fatal(err)
	}
	meta, err = r.Meta.Entries[0].Value.StringValue()
	if err != nil {
		t.Fatal(err)
	}
	return events, meta
}

func TestQuoteStringRoundTrip(t *testing.T) {
	for _, s := range hostileStrings {
		q := QuoteString(s)
		if strings.ContainsAny(q, "\n\r\t") {
			t.Errorf("QuoteString(%q) = %s contains a raw control character", s, q)
		}
		if got, err := Unquote(q); err != nil || got != s {
			t.Errorf("Unquote(QuoteString(%q)) = %q, %v", s, got, err)
		}
		ev, meta := embed(t, q)
		if ev != s || meta != s {
			t.Errorf("value %q came back as %q / %q", s, ev, meta)
		}
	}
	if got := QuoteString("a\"b\\c\nd\re\tf"); got != `"a\"b\\c\nd\re\tf"` {
		t.Errorf("QuoteString = %s", got)
	}
}

func TestQuoteStringRejects(t *testing.T) {
	for _, s := range []string{"\x00", "a\x1bb", "\x7f", "\u0085", "\xff", "ok\xc3"} {
		if err := ValidateString(s); err == nil {
			t.Errorf("ValidateString(%q) = nil", s)
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("QuoteString(%q) did not panic", s)
				}
			}()
			QuoteString(s)
		}()
	}
	for _, s := range hostileStrings {
		if err := ValidateString(s); err != nil {
			t.Errorf("ValidateString(%q) = %v", s, err)
		}
	}
}

var hostileRegexes = []string{
	"",
	"a/b",
	"^/api/v1/namespaces/[^/]+/(cronjobs|jobs)(/|\\?|$)",
	`\/already\/escaped`,
	`a\\/b`,
	`a\\\/b`,
	"//",
	"/*",
	"(?i)x*/",
	`[/]`,
	`[^/"]+`,
	"a{2}/",
	"line\nbreak",
	"tab\there",
	"nul\x00byte",
	"esc\x1b[0m",
	"\u2028\u0085",
	`\Qa/b*c\E/d`,
	"\\Qa/b",     // \Q up to the end
	"\\Qx\ny\\E", // newline inside \Q...\E
	"\\\n",       // escaped newline
	"\\\t",       // escaped tab
	"a`b\"c",     // quotes
	`\x{2F}\d+\.exe$`,
	"é/✓",
}

// equivalentRE reports whether two regexes parse to the same RE2 tree.
func equivalentRE(t *testing.T, a, b string) bool {
	t.Helper()
	ra, errA := syntax.Parse(a, syntax.Perl)
	rb, errB := syntax.Parse(b, syntax.Perl)
	if errA != nil || errB != nil {
		return errA != nil && errB != nil
	}
	// Simplify is avoided: it expands counted repetitions, which the
	// fuzzer nests to blow up the tree.
	return ra.Equal(rb) || ra.String() == rb.String()
}

func TestEquivalentRE(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"a/b", `a\/b`, true},
		{"a\nb", "a\nb", true},
		{`\Qa/b\E`, `\Qa\E/\Qb\E`, true},
		{"a", "b", false},
		{"a*", "a+", false},
		{"(", "a", false},
		{"(", ")", true},
	} {
		if got := equivalentRE(t, c.a, c.b); got != c.want {
			t.Errorf("equivalentRE(%q, %q) = %v", c.a, c.b, got)
		}
	}
}

func TestQuoteRegexRoundTrip(t *testing.T) {
	for _, re := range hostileRegexes {
		q := QuoteRegex(re)
		if strings.ContainsAny(q, "\n\r") || !strings.HasPrefix(q, "/") || !strings.HasSuffix(q, "/") {
			t.Errorf("QuoteRegex(%q) = %s is not a one-line literal", re, q)
		}
		got, err := Unquote(q)
		if err != nil {
			t.Errorf("Unquote(QuoteRegex(%q)): %v", re, err)
			continue
		}
		ev, _ := embed(t, q)
		if ev != got {
			t.Errorf("parser decoded %s as %q, Unquote as %q", q, ev, got)
		}
		if !equivalentRE(t, re, got) {
			t.Errorf("QuoteRegex(%q) = %s decodes to %q, which is not the same regex", re, q, got)
		}
		if _, err := syntax.Parse(re, syntax.Perl); err == nil && !strings.ContainsAny(re, "\n\t\r\x00\x1b\u2028\u0085") && !strings.Contains(re, `\/`) && !strings.Contains(re, `\Q`) && re != "" {
			if got != re {
				t.Errorf("QuoteRegex(%q) = %s decodes to %q, want the identical text", re, q, got)
			}
		}
	}
	for re, want := range map[string]string{
		"":         `/(?:)/`,
		"a/b":      `/a\/b/`,
		"a\nb":     `/a\nb/`,
		"a\x01b":   `/a\x{1}b/`,
		`\Qa/b\E`:  `/\Qa\E\/\Qb\E/`,
		`\Qab\`:    `/\Qab\E\\/`,
		`\/`:       `/\//`,
		"*x":       `/\*x/`,
		`trail\`:   `/trail\\/`,
		"\\\n":     `/\n/`,
		"a\xffb":   `/a\x{FFFD}b/`,
		"\u00a0":   `/\x{A0}/`,
		"é✓":       "/é✓/",
		"(?i)^ab$": "/(?i)^ab$/",
	} {
		if got := QuoteRegex(re); got != want {
			t.Errorf("QuoteRegex(%q) = %s, want %s", re, got, want)
		}
	}
}

func TestRegexLiteralOf(t *testing.T) {
	for _, s := range append(hostileStrings, "a.b*c+d?(e)[f]{g}|h^i$j\\k", "\x00\x01\x7f", "dot.", "`") {
		lit := RegexLiteralOf(s)
		if strings.ContainsAny(lit, "`\n\r\t") {
			t.Errorf("RegexLiteralOf(%q) = %q contains an unsafe character", s, lit)
		}
		for i := 0; i < len(lit); i++ {
			if lit[i] == '\\' {
				i++
			} else if lit[i] == '/' {
				t.Errorf("RegexLiteralOf(%q) = %q contains an unescaped /", s, lit)
			}
		}
		re := regexp.MustCompile("^(?:" + lit + ")$")
		if !re.MatchString(s) {
			t.Errorf("RegexLiteralOf(%q) = %q does not match the text", s, lit)
		}
		if re.MatchString(s+"x") || (s != "" && re.MatchString(s[:len(s)-1])) {
			t.Errorf("RegexLiteralOf(%q) = %q matches other text", s, lit)
		}
		// The literal can be used verbatim between slashes or back quotes.
		for _, q := range []string{"/" + lit + "/", "`" + lit + "`", QuoteRegex(lit), QuoteString(lit)} {
			if lit == "" && q == "//" {
				continue
			}
			got, _ := embed(t, q)
			if got != lit && !equivalentRE(t, got, lit) {
				t.Errorf("literal %s decoded to %q, want %q", q, got, lit)
			}
		}
	}
	if got := RegexLiteralOf("a.b/c`d\ne"); got != "a\\.b\\/c\\x{60}d\\ne" {
		t.Errorf("RegexLiteralOf = %q", got)
	}
	if got := RegexLiteralOf("\xff"); got != `\x{FFFD}` || !regexp.MustCompile(got).MatchString("\xff") {
		t.Errorf("RegexLiteralOf(invalid) = %q", got)
	}
}

func TestUnquote(t *testing.T) {
	good := map[string]string{
		`"a\.b"`:   `a\.b`,
		`"\T\L"`:   `\T\L`,
		`"\\\""`:   `\"`,
		"`a\\b`":   `a\b`,
		"`a\nb`":   "a\nb",
		`/a\/b\./`: `a/b\.`,
		`/\\/`:     `\\`,
		`""`:       "",
	}
	for lit, want := range good {
		if got, err := Unquote(lit); err != nil || got != want {
			t.Errorf("Unquote(%s) = %q, %v; want %q", lit, got, err, want)
		}
	}
	for _, lit := range []string{``, `"`, `"a`, `'a'`, `"a"b"`, `"a\"`, "`a`b`", "/a/b/", "\"a\nb\"", "/a\nb/", "\"\xff\"", `x"`} {
		if got, err := Unquote(lit); err == nil {
			t.Errorf("Unquote(%q) = %q, want error", lit, got)
		}
	}
	lit := &BasicLit{Kind: INT, Value: "1"}
	if _, err := lit.StringValue(); err == nil {
		t.Error("StringValue of INT succeeded")
	}
}

func FuzzQuote(f *testing.F) {
	for _, s := range hostileStrings {
		f.Add(s)
	}
	for _, s := range hostileRegexes {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		// Strings: exact round trip, or a documented rejection.
		if ValidateString(s) == nil {
			q := QuoteString(s)
			if got, err := Unquote(q); err != nil || got != s {
				t.Fatalf("Unquote(QuoteString(%q)) = %q, %v", s, got, err)
			}
			if ev, _ := embed(t, q); ev != s {
				t.Fatalf("embedded %s decoded to %q", q, ev)
			}
		} else {
			func() {
				defer func() {
					if recover() == nil {
						t.Fatalf("QuoteString(%q) did not panic", s)
					}
				}()
				QuoteString(s)
			}()
		}
		// Regexes: always a one-line literal that parses; equivalent when
		// the input is valid RE2.
		q := QuoteRegex(s)
		if strings.ContainsAny(q, "\n\r") {
			t.Fatalf("QuoteRegex(%q) = %q spans lines", s, q)
		}
		got, err := Unquote(q)
		if err != nil {
			t.Fatalf("Unquote(QuoteRegex(%q)): %v", s, err)
		}
		if ev, _ := embed(t, q); ev != got {
			t.Fatalf("embedded %s decoded to %q, Unquote gives %q", q, ev, got)
		}
		if utf8.ValidString(s) {
			if _, err := syntax.Parse(s, syntax.Perl); err == nil && !equivalentRE(t, s, got) {
				t.Fatalf("QuoteRegex(%q) = %s decodes to %q: different regex", s, q, got)
			}
			// Literal text matcher.
			lit := RegexLiteralOf(s)
			re, err := regexp.Compile("^(?:" + lit + ")$")
			if err != nil || !re.MatchString(s) {
				t.Fatalf("RegexLiteralOf(%q) = %q: %v", s, lit, err)
			}
		}
	})
}
