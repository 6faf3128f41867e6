package yaral

import (
	"math/rand"
	"regexp/syntax"
	"strings"
	"testing"
)

// TestPlainRegexAgreesWithParser: whatever plainRegex accepts,
// regexp/syntax accepts too, on generated regexes built from the tokens
// that matter (metacharacters, escapes, groups, flags, repetitions,
// invalid UTF-8), and plainRegex accepts the shapes detgen writes.
func TestPlainRegexAgreesWithParser(t *testing.T) {
	tokens := []string{
		"a", "Z", "0", "_", " ", "é", "\x00", "\n", "\xff", "\xe2\x80",
		`\`, `\.`, `\\`, `\-`, `\_`, `\d`, `\w`, `\Q`, `\E`, `\b`, `\z`, `\/`, `\*`, `\(`, `\)`, "\\\n",
		".", "^", "$", "|", "*", "+", "?", "(", ")", "(?:", "(?i)", "(?i", "(?s)", "(?is)", "(?ii)", "(?)", "(?-s)", "(?U)", "(?P<n>", "(?",
		"[", "]", "{", "}", "{2}", "{1,3}", "[a-z]", "[^x]",
	}
	rnd := rand.New(rand.NewSource(1))
	accepted := 0
	const n = 300000
	for i := 0; i < n; i++ {
		var b strings.Builder
		for k := rnd.Intn(9); k >= 0; k-- {
			b.WriteString(tokens[rnd.Intn(len(tokens))])
		}
		re := b.String()
		if !plainRegex(re) {
			continue
		}
		accepted++
		if _, err := syntax.Parse(re, syntax.Perl); err != nil {
			t.Fatalf("plainRegex accepts %q, regexp/syntax rejects it: %v", re, err)
		}
	}
	// The generator must reach the fast path often, or the test proves
	// little about it.
	if accepted < n/20 {
		t.Fatalf("only %d of %d generated regexes took the fast path", accepted, n)
	}
	for _, re := range []string{
		``, `\\KrbRelayUp\.exe$`, `(?:\\powershell\.exe|\\pwsh\.exe)$`, `v|–v|—v|―v`,
		`^C:\\Windows\\.*\\svchost\.exe$`, `(?i)^a.b$`, `(?s)^.*\\Users\\.*$`, `(a)*?`, `.*\.ps1`,
	} {
		if !plainRegex(re) {
			t.Errorf("plainRegex(%q) = false, want the fast path", re)
		}
	}
	for _, re := range []string{`a**`, `*a`, `(?i)*`, `a(`, `a)`, `\`, "\xff", `a*??`, `[a`, `x{2}`} {
		if plainRegex(re) {
			t.Errorf("plainRegex(%q) = true, want the parser to decide", re)
		}
	}
}

// TestValidRegexReportsTheParsersError: a regex the fast path does not
// take is still checked, with the parser's message.
func TestValidRegexReportsTheParsersError(t *testing.T) {
	if err := validRegex(`a**`); err == nil || !strings.Contains(err.Error(), "invalid nested repetition operator") {
		t.Fatalf("validRegex(a**) = %v", err)
	}
	if err := validRegex(`[a-z]+\d`); err != nil {
		t.Fatalf("validRegex([a-z]+\\d) = %v", err)
	}
}

func FuzzPlainRegex(f *testing.F) {
	for _, s := range []string{`\\a\.b$`, `(?:a|b)*?`, `(?i)x`, "\xff", `a**`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, re string) {
		if !plainRegex(re) {
			return
		}
		if _, err := syntax.Parse(re, syntax.Perl); err != nil {
			t.Fatalf("plainRegex accepts %q, regexp/syntax rejects it: %v", re, err)
		}
	})
}
