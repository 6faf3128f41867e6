package aql

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/detgen/detgen/internal/invisible"
)

// QuoteString returns s as an AQL string literal: in single quotes, with
// every single quote doubled. Backslashes are left alone: AQL strings have no
// backslash escapes (a backslash matches a literal backslash).
func QuoteString(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('\'')
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' {
			b.WriteByte('\'')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('\'')
	return b.String()
}

// QuoteIdent returns name as a double-quoted AQL identifier, as needed for
// custom properties ("Process Name") and safe for any column. AQL documents no
// escape for a double quote inside a quoted identifier, so a name containing
// '"', a control character or invalid UTF-8, or an empty name, is an error.
func QuoteIdent(name string) (string, error) {
	if name == "" {
		return "", errors.New("aql: empty identifier")
	}
	if !utf8.ValidString(name) {
		return "", errors.New("aql: identifier " + strconv.Quote(name) + " is not valid UTF-8")
	}
	for _, r := range name {
		if r == '"' {
			return "", errors.New("aql: identifier " + strconv.Quote(name) + " contains a double quote, which AQL cannot escape")
		}
		if unicode.IsControl(r) {
			return "", errors.New("aql: identifier " + strconv.Quote(name) + " contains a control character")
		}
	}
	return `"` + name + `"`, nil
}

// regexMeta are the characters RegexQuote escapes with a backslash. Java's
// regex syntax allows a backslash before any non-alphabetic character, so
// over-escaping (e.g. '-', '=', '<') is harmless and future-proof.
const regexMeta = `\.[]{}()<>*+-=!?^$|`

// RegexQuote escapes s so that a Java regular expression (as used by AQL's
// MATCHES and IMATCHES) matches it literally: every metacharacter
// \.[]{}()<>*+-=!?^$| gets a backslash, newline, carriage return and tab
// become \n, \r and \t, and other control characters become \xHH. The result
// still has to be put into a string literal with QuoteString; since AQL does
// not interpret backslashes, the regex engine receives it unchanged.
func RegexQuote(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			// An invisible character is written as \x{H}: raw, it would
			// change how the query reads in review.
			r, n := utf8.DecodeRuneInString(s[i:])
			if invisible.Is(r) {
				fmt.Fprintf(&b, `\x{%X}`, r)
			} else {
				b.WriteString(s[i : i+n])
			}
			i += n - 1
			continue
		}
		switch {
		case strings.IndexByte(regexMeta, c) >= 0:
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		case c < 0x20 || c == 0x7f:
			const hex = "0123456789abcdef"
			b.WriteString(`\x`)
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&0xf])
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// HasLikeWildcard reports whether s contains a LIKE/ILIKE wildcard: % (any
// run of characters) or _ (one character). AQL documents no ESCAPE clause,
// so such characters cannot be matched literally with LIKE.
func HasLikeWildcard(s string) bool {
	return strings.ContainsAny(s, "%_")
}
