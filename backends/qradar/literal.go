package qradar

import (
	"fmt"
	"strings"
	"unicode"
)

// quoteString writes s as an AQL string literal. AQL doubles a single quote
// and has no backslash escapes (research/aql.md §1.2).
func quoteString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// quoteIdent writes a custom property name as a double-quoted identifier.
// AQL documents no escape inside "…", so a name that needs one is refused.
func quoteIdent(name string) (string, error) {
	if name == "" {
		return "", fmt.Errorf("empty property name")
	}
	for _, r := range name {
		if r == '"' || unicode.IsControl(r) {
			return "", fmt.Errorf("property name %q holds a character AQL cannot quote", name)
		}
	}
	return `"` + name + `"`, nil
}

// hasLikeWildcard reports whether s holds a LIKE wildcard. AQL's LIKE has
// no ESCAPE clause, so such a value cannot be matched literally with LIKE.
func hasLikeWildcard(s string) bool { return strings.ContainsAny(s, "%_") }

// regexQuote escapes s for a Java regular expression (MATCHES/IMATCHES):
// every metacharacter gets a backslash, control characters an escape.
func regexQuote(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case strings.ContainsRune(`\.[]{}()<>*+-=!?^$|`, r):
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case unicode.IsControl(r):
			fmt.Fprintf(&b, `\x{%x}`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
