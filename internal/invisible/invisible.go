// Package invisible names the characters no generated artifact holds raw:
// each is invisible in review or changes how the text around it reads
// ("Trojan Source"). Generators write them as escapes, and lint reports
// any left raw.
package invisible

import "unicode"

// Is reports whether r is such a character: a format character (Unicode
// Cf: bidi embeddings, overrides and isolates, zero-width characters, the
// byte-order mark), a line or paragraph separator, or a C1 control.
func Is(r rune) bool {
	return unicode.Is(unicode.Cf, r) || r == 0x2028 || r == 0x2029 || r >= 0x80 && r < 0xa0
}

// In reports whether s holds such a character.
func In(s string) bool {
	for _, r := range s {
		if Is(r) {
			return true
		}
	}
	return false
}
