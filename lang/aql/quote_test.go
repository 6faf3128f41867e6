package aql

import (
	"regexp"
	"testing"
)

func TestQuoteString(t *testing.T) {
	tests := map[string]string{
		"":             "''",
		"abc":          "'abc'",
		"O'Brien":      "'O''Brien'",
		"value'":       "'value'''",
		`C:\x\`:        `'C:\x\'`,
		"''":           "''''''",
		"line\nbreak":  "'line\nbreak'",
		`"double"`:     `'"double"'`,
		"%_wildcards%": "'%_wildcards%'",
	}
	for in, want := range tests {
		got := QuoteString(in)
		if got != want {
			t.Errorf("QuoteString(%q) = %q, want %q", in, got, want)
		}
		// The lexer reads it back as the same value.
		lx := NewLexer(got)
		if tok := lx.Next(); tok.Kind != STRING || tok.Lit != in {
			t.Errorf("lexing %s: %v %q", got, tok.Kind, tok.Lit)
		}
	}
}

func TestQuoteIdent(t *testing.T) {
	good := map[string]string{
		"sourceip":     `"sourceip"`,
		"Process Name": `"Process Name"`,
		"Aplicação":    `"Aplicação"`,
		"a'b":          `"a'b"`,
		"x-y (z)":      `"x-y (z)"`,
	}
	for in, want := range good {
		got, err := QuoteIdent(in)
		if err != nil || got != want {
			t.Errorf("QuoteIdent(%q) = %q, %v; want %q", in, got, err, want)
			continue
		}
		q := mustParse(t, "SELECT "+got+" FROM events")
		if id := q.Items[0].Expr.(*Ident); id.Name != in || !id.Quoted {
			t.Errorf("QuoteIdent(%q) parsed back as %+v", in, id)
		}
	}
	for _, bad := range []string{"", `a"b`, "a\nb", "tab\there", "del\x7f", "c1\u0085", "bad\xffutf8"} {
		if got, err := QuoteIdent(bad); err == nil {
			t.Errorf("QuoteIdent(%q) = %q, want error", bad, got)
		}
	}
}

func TestRegexQuote(t *testing.T) {
	tests := map[string]string{
		"abc":                    "abc",
		"a.b":                    `a\.b`,
		`C:\Windows\cmd.exe`:     `C:\\Windows\\cmd\.exe`,
		"[]{}()<>*+-=!?^$|":      `\[\]\{\}\(\)\<\>\*\+\-\=\!\?\^\$\|`,
		"tab\tnl\ncr\r":          `tab\tnl\ncr\r`,
		"nul\x00bell\x07del\x7f": `nul\x00bell\x07del\x7f`,
		"space and 'quote' and \"dq\" ünïcode #&~%_/": "space and 'quote' and \"dq\" ünïcode #&~%_/",
		// Invisible characters are written as escapes, visible ones as
		// they are.
		"invoice\u202efdp.exe":         `invoice\x{202E}fdp\.exe`,
		"\U0001F62E\u200D\U0001F4A8":   "\U0001F62E" + `\x{200D}` + "\U0001F4A8",
		"bom\ufeff sep\u2028 c1\u0085": `bom\x{FEFF} sep\x{2028} c1\x{85}`,
	}
	for in, want := range tests {
		got := RegexQuote(in)
		if got != want {
			t.Errorf("RegexQuote(%q) = %q, want %q", in, got, want)
		}
		// Go's RE2 accepts the same escapes; the quoted pattern must match
		// exactly the literal (full match, as MATCHES does).
		re, err := regexp.Compile("^(?:" + got + ")$")
		if err != nil {
			t.Errorf("RegexQuote(%q) = %q does not compile: %v", in, got, err)
			continue
		}
		if !re.MatchString(in) {
			t.Errorf("RegexQuote(%q) = %q does not match the literal", in, got)
		}
		if in != "" && re.MatchString(in+"x") {
			t.Errorf("RegexQuote(%q) matches more than the literal", in)
		}
	}
	// Every metacharacter is escaped.
	for _, c := range regexMeta {
		if got := RegexQuote(string(c)); got != `\`+string(c) {
			t.Errorf("RegexQuote(%q) = %q", c, got)
		}
	}
	// A quoted regex embedded with QuoteString parses as a MATCHES pattern.
	pat := ".*" + RegexQuote(`it's C:\a.b`) + ".*"
	q := mustParse(t, "SELECT * FROM events WHERE UTF8(payload) MATCHES "+QuoteString(pat))
	if got := q.Where.(*Like).Pattern.(*StringLit).Value; got != pat {
		t.Errorf("pattern = %q, want %q", got, pat)
	}
}

func TestHasLikeWildcard(t *testing.T) {
	for s, want := range map[string]bool{"": false, "abc": false, "a%": true, "a_b": true, `\`: false, "100%": true} {
		if got := HasLikeWildcard(s); got != want {
			t.Errorf("HasLikeWildcard(%q) = %v", s, got)
		}
	}
}
