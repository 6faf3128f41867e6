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
	// One pass, as strings.Fields over strings.Map would give: a run of
	// white space and unusable characters is one space, none at the ends.
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) || r == unicode.ReplacementChar {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return yaral.QuoteString(b.String())
}

// quoteValue writes a value compared exactly as a double-quoted string;
// a value YARA-L cannot quote is an error, never a silently changed value.
func quoteValue(s string) (string, error) {
	if err := yaral.ValidateString(s); err != nil {
		return "", err
	}
	return yaral.QuoteString(s), nil
}
