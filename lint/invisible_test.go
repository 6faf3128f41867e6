package lint

import (
	"strings"
	"testing"
)

// TestInvisibleCharactersAreErrors: a raw bidi control or zero-width
// character in any artifact is an error at its line and column, whatever
// the language; escaped, it is not.
func TestInvisibleCharactersAreErrors(t *testing.T) {
	for _, c := range []struct {
		lang Language
		src  string
	}{
		{AQL, "SELECT * FROM events\nWHERE \"Command\" ILIKE '%\u202E%'\nLAST 1 HOURS"},
		{YARAL, "rule r {\n  events:\n    $e.x = \"a\u200Db\"\n  condition:\n    $e\n}\n"},
		{Sigma, "title: t\ndetection:\n  sel:\n    x: 'a\u2066b'\n  condition: sel\n"},
	} {
		var found []Finding
		for _, f := range Check(c.lang, []byte(c.src)) {
			if f.Code == "invisible-character" {
				found = append(found, f)
			}
		}
		if len(found) != 1 || found[0].Severity != Error || found[0].Line < 2 || !strings.Contains(found[0].Msg, "U+") {
			t.Errorf("%s: findings %v, want one invisible-character error on its line", c.lang, found)
		}
		escaped := strings.NewReplacer("\u202E", `\x{202E}`, "\u200D", `\x{200D}`, "\u2066", `\u2066`).Replace(c.src)
		for _, f := range Check(c.lang, []byte(escaped)) {
			if f.Code == "invisible-character" {
				t.Errorf("%s: escaped text still reported: %v", c.lang, f)
			}
		}
	}
}
