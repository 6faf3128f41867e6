package chronicle

import (
	"strings"
	"unicode"

	"github.com/detgen/detgen/lang/yaral"
)

// quoteText writes prose (meta values) as a double-quoted string. White
// space runs, line breaks included, fold to one space, and characters
// YARA-L strings cannot carry become spaces: meta values are one line.
func quoteText(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == unicode.ReplacementChar {
			return ' '
		}
		return r
	}, s)
	return yaral.QuoteString(strings.Join(strings.Fields(s), " "))
}

// quoteValue writes a value compared exactly as a double-quoted string;
// a value YARA-L cannot quote is an error, never a silently changed value.
func quoteValue(s string) (string, error) {
	if err := yaral.ValidateString(s); err != nil {
		return "", err
	}
	return yaral.QuoteString(s), nil
}
