package chronicle

import (
	"math/rand"
	"strings"
	"testing"
	"unicode"

	"github.com/detgen/detgen/internal/invisible"
	"github.com/detgen/detgen/lang/yaral"
)

// TestQuoteTextFoldsAsFields: quoteText's one pass gives what mapping
// unusable characters to spaces then joining strings.Fields gives, on
// random text of spaces, controls, invalid UTF-8 and ordinary characters.
func TestQuoteTextFoldsAsFields(t *testing.T) {
	reference := func(s string) string {
		s = strings.Map(func(r rune) rune {
			if unicode.IsControl(r) || r == unicode.ReplacementChar || invisible.Is(r) {
				return ' '
			}
			return r
		}, s)
		return yaral.QuoteString(strings.Join(strings.Fields(s), " "))
	}
	parts := []string{"a", "Zé", " ", "  ", "\t", "\n", "\r\n", "\x00", "\x7f", "\x85", "\u00a0", "\u2028", "\u3000", "\xff", "\ufffd", `"`, `\`, "日本", "\u202e", "\u200d", "\ufeff"}
	rnd := rand.New(rand.NewSource(1))
	for i := 0; i < 100000; i++ {
		var b strings.Builder
		for k := rnd.Intn(8); k >= 0; k-- {
			b.WriteString(parts[rnd.Intn(len(parts))])
		}
		if got, want := quoteText(b.String()), reference(b.String()); got != want {
			t.Fatalf("quoteText(%q) = %s, want %s", b.String(), got, want)
		}
	}
}
