package chronicle

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/detgen/detgen/internal/invisible"
	"github.com/detgen/detgen/lang/yaral"
)

// quoteText writes prose (meta values) as a double-quoted string. White
// space runs, line breaks included, fold to one space, and characters
// YARA-L strings cannot carry or that a reviewer cannot see (controls,
// invisible characters) become spaces: meta values are one line. One pass,
// with the quoting: meta text is most of a rule's bytes.
func quoteText(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	space, wrote := false, false // a space is pending; something was written
	put := func() {
		if space {
			b.WriteByte(' ')
			space = false
		}
		wrote = true
	}
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			i++
			if c <= ' ' || c == 0x7f {
				space = wrote
				continue
			}
			put()
			if c == '"' || c == '\\' {
				b.WriteByte('\\')
			}
			b.WriteByte(c)
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		if unicode.IsSpace(r) || unicode.IsControl(r) || r == utf8.RuneError || invisible.Is(r) {
			space = wrote
			continue
		}
		put()
		b.WriteString(s[i-n : i])
	}
	b.WriteByte('"')
	return b.String()
}

// quoteValue writes a value compared exactly as a double-quoted string;
// a value YARA-L cannot quote is an error, never a silently changed value.
func quoteValue(s string) (string, error) {
	if err := yaral.ValidateString(s); err != nil {
		return "", err
	}
	return yaral.QuoteString(s), nil
}
