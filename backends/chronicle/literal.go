package chronicle

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
)

// quoteString writes s as a YARA-L double-quoted string: backslash and
// double quote are escaped, control characters written as escapes so no
// raw line break can end up inside the literal.
func quoteString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '\\' || r == '"':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case unicode.IsControl(r):
			// YARA-L documents no numeric escape; a space keeps the
			// literal closed and meta text readable.
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// regexLiteral writes an RE2 source as a /…/ literal: a slash is escaped
// as \/, the only escape the literal itself needs.
func regexLiteral(re string) string {
	var b strings.Builder
	b.WriteByte('/')
	prevBackslash := false
	for _, r := range re {
		if r == '/' && !prevBackslash {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
		prevBackslash = r == '\\' && !prevBackslash
	}
	b.WriteByte('/')
	return b.String()
}

// regexQuote is the RE2 source that matches s literally. On top of
// regexp.QuoteMeta, control characters become escapes (a raw newline would
// end the literal) and "/" is escaped for the /…/ literal.
func regexQuote(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '/':
			b.WriteString(`\/`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case unicode.IsControl(r):
			fmt.Fprintf(&b, `\x{%x}`, r)
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	return b.String()
}

// foldSpace turns runs of white space (including line breaks) into one
// space: meta values are one-line prose.
func foldSpace(s string) string { return strings.Join(strings.Fields(s), " ") }
