package yaral

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Literal helpers for code generators.
//
// Double-quoted strings. Google documents the escapes \" \\ and \t; this
// package also uses \n and \r. The lexer decodes exactly these five escapes;
// any other backslash sequence ("\." as written in many rules that pass
// regexes as double-quoted strings) is kept verbatim, backslash included.
// Because QuoteString escapes every backslash, its output always decodes to
// its input. YARA-L has no escape for other control characters (no \x or \u),
// so QuoteString rejects them (and invalid UTF-8) instead of guessing:
// ValidateString reports the problem and QuoteString panics. Back-quoted
// strings have no escapes at all.
//
// Regex literals /.../ contain RE2 source; "\/" stands for "/" and every other
// backslash sequence is passed to RE2 unchanged. QuoteRegex escapes "/" and
// writes control and other non-printing characters as \n, \t, \r or \x{H},
// which RE2 reads as the same characters, so the literal is always one line
// and the decoded regex is equivalent to the input (byte-identical when the
// input contains none of these characters and no "\/").

// ValidateString reports whether s can be written as a double-quoted YARA-L
// string by QuoteString: it must be valid UTF-8 and contain no control
// characters other than tab, newline and carriage return.
func ValidateString(s string) error {
	for i, r := range s {
		switch {
		case r == utf8.RuneError:
			if _, n := utf8.DecodeRuneInString(s[i:]); n == 1 {
				return fmt.Errorf("yaral: invalid UTF-8 at byte %d of string value", i)
			}
		case r == '\t' || r == '\n' || r == '\r':
		case unicode.IsControl(r):
			return fmt.Errorf("yaral: control character %U at byte %d cannot be written in a YARA-L string", r, i)
		}
	}
	return nil
}

// QuoteString returns s as a double-quoted YARA-L string literal, escaping
// \ " newline, carriage return and tab. It panics if ValidateString(s)
// reports an error; code generators handling untrusted values should call
// ValidateString first.
func QuoteString(s string) string {
	if err := ValidateString(s); err != nil {
		panic(err)
	}
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			b.WriteString(`\\`)
		case '"':
			b.WriteString(`\"`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// QuoteRegex returns a /.../ regex literal for the RE2 source re. Slashes
// are escaped as \/ (also inside \Q...\E quoting, which is closed and
// reopened around them); newline, tab and carriage return become \n, \t and
// \r, and other non-printing characters \x{H}. The empty regex becomes
// /(?:)/ because "//" would start a comment. The result never contains a
// line break. If re is not valid RE2 the result is still a well-formed
// literal, but its meaning is unspecified.
func QuoteRegex(re string) string {
	var b strings.Builder
	b.Grow(len(re) + 2)
	b.WriteByte('/')
	if re == "" {
		b.WriteString("(?:)")
	}
	inQ := false // inside \Q...\E, where backslashes are literal
	for i := 0; i < len(re); {
		if inQ {
			if strings.HasPrefix(re[i:], `\E`) {
				b.WriteString(`\E`)
				i += 2
				inQ = false
				continue
			}
			if re[i] == '\\' && i+1 == len(re) {
				// A quoted trailing backslash would escape the closing
				// slash: end the quoting and escape it.
				b.WriteString(`\E\\`)
				i++
				inQ = false
				continue
			}
			r, n := utf8.DecodeRuneInString(re[i:])
			if r == '/' || needsRegexEscape(r, n) {
				b.WriteString(`\E`)
				writeRegexRune(&b, r, n)
				b.WriteString(`\Q`)
			} else {
				b.WriteString(re[i : i+n])
			}
			i += n
			continue
		}
		c := re[i]
		switch {
		case c == '\\' && i+1 == len(re):
			// A trailing lone backslash (invalid RE2) would escape the
			// closing slash.
			b.WriteString(`\\`)
			i++
		case c == '\\' && re[i+1] == 'Q':
			b.WriteString(`\Q`)
			i += 2
			inQ = true
		case c == '\\':
			r, n := utf8.DecodeRuneInString(re[i+1:])
			if r == '/' || needsRegexEscape(r, n) {
				// RE2 reads a backslash before ASCII punctuation or
				// control characters as the character itself.
				writeRegexRune(&b, r, n)
			} else {
				b.WriteString(re[i : i+1+n])
			}
			i += 1 + n
		case c == '*' && i == 0:
			// "/*" would start a comment; a leading "*" is invalid RE2.
			b.WriteString(`\*`)
			i++
		default:
			if j := i + plainASCIIRun(re[i:]); j > i {
				b.WriteString(re[i:j])
				i = j
				continue
			}
			r, n := utf8.DecodeRuneInString(re[i:])
			if r == '/' || needsRegexEscape(r, n) {
				writeRegexRune(&b, r, n)
			} else {
				b.WriteString(re[i : i+n])
			}
			i += n
		}
	}
	b.WriteByte('/')
	return b.String()
}

// needsRegexEscape reports whether the rune r (of encoded length n) must not
// appear raw in a regex literal.
func needsRegexEscape(r rune, n int) bool {
	if r == utf8.RuneError && n <= 1 {
		return true // invalid UTF-8 (or end of input)
	}
	return r != ' ' && !unicode.IsPrint(r)
}

// writeRegexRune writes r in a form that is safe inside /.../ and means r to
// RE2. Invalid UTF-8 is written as \x{FFFD}.
func writeRegexRune(b *strings.Builder, r rune, n int) {
	switch {
	case r == '/':
		b.WriteString(`\/`)
	case r == '\n':
		b.WriteString(`\n`)
	case r == '\t':
		b.WriteString(`\t`)
	case r == '\r':
		b.WriteString(`\r`)
	case r == utf8.RuneError && n <= 1:
		b.WriteString(`\x{FFFD}`)
	default:
		fmt.Fprintf(b, `\x{%X}`, r)
	}
}

// regexMeta are the characters with a special meaning in RE2 outside
// character classes.
const regexMeta = `\.+*?()|[]{}^$`

// plainASCII marks the printable ASCII characters RegexLiteralOf and
// QuoteRegex copy as they are: not a metacharacter, "/" or "`".
var plainASCII = func() (t [utf8.RuneSelf]bool) {
	for c := ' '; c < 0x7f; c++ {
		t[c] = !strings.ContainsRune(regexMeta+"/`", c)
	}
	return t
}()

// plainASCIIRun returns the length of the run of plainASCII characters s
// starts with.
func plainASCIIRun(s string) int {
	i := 0
	for i < len(s) && s[i] < utf8.RuneSelf && plainASCII[s[i]] {
		i++
	}
	return i
}

// RegexLiteralOf returns RE2 source that matches exactly the text s (not
// anchored; wrap it as "^(?:...)$" for a whole-value match). Like
// regexp.QuoteMeta it escapes RE2 metacharacters; in addition "/" becomes
// \/ and "`" becomes \x{60}, and control and other non-printing characters
// are written as \n, \t, \r or \x{H}, so the result can be placed verbatim
// between slashes, between back quotes or passed to QuoteRegex or
// QuoteString. Invalid UTF-8 bytes become \x{FFFD}, which Go's regexp
// package matches against any invalid byte.
func RegexLiteralOf(s string) string {
	var b strings.Builder
	b.Grow(len(s) * 2)
	for i := 0; i < len(s); {
		// Runs of printable ASCII that is neither a metacharacter nor a
		// delimiter (most of every value) are copied at once.
		if j := i + plainASCIIRun(s[i:]); j > i {
			b.WriteString(s[i:j])
			i = j
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r < utf8.RuneSelf && strings.IndexByte(regexMeta, byte(r)) >= 0:
			b.WriteByte('\\')
			b.WriteByte(byte(r))
		case r == '`':
			b.WriteString(`\x{60}`)
		case r == '/' || needsRegexEscape(r, n):
			writeRegexRune(&b, r, n)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// Unquote decodes the source text of a string, raw string or regex literal
// (as found in BasicLit.Value) to its value:
//
//   - "..." : \\ \" \n \r \t are decoded, other backslash pairs are kept
//     verbatim;
//   - `...` : the text between the back quotes;
//   - /.../ : the RE2 source, with \/ decoded to "/" and other backslash
//     pairs kept verbatim.
func Unquote(lit string) (string, error) {
	if len(lit) < 2 {
		return "", errors.New("yaral: literal too short")
	}
	q := lit[0]
	if lit[len(lit)-1] != q || (q != '"' && q != '`' && q != '/') {
		return "", fmt.Errorf("yaral: %q is not a quoted literal", lit)
	}
	body := lit[1 : len(lit)-1]
	if !utf8.ValidString(body) {
		return "", errors.New("yaral: invalid UTF-8 in literal")
	}
	if q == '`' {
		if strings.IndexByte(body, '`') >= 0 {
			return "", errors.New("yaral: back quote inside raw string")
		}
		return body, nil
	}
	if strings.IndexByte(body, '\n') >= 0 {
		return "", errors.New("yaral: line break inside literal")
	}
	var b strings.Builder
	b.Grow(len(body))
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c == q {
			return "", fmt.Errorf("yaral: unescaped %c inside literal", q)
		}
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		if i+1 == len(body) {
			return "", errors.New("yaral: literal ends in a backslash")
		}
		i++
		e := body[i]
		switch {
		case q == '/' && e == '/':
			b.WriteByte('/')
		case q == '"' && e == '"':
			b.WriteByte('"')
		case q == '"' && e == '\\':
			b.WriteByte('\\')
		case q == '"' && e == 'n':
			b.WriteByte('\n')
		case q == '"' && e == 'r':
			b.WriteByte('\r')
		case q == '"' && e == 't':
			b.WriteByte('\t')
		default:
			b.WriteByte('\\')
			b.WriteByte(e)
		}
	}
	return b.String(), nil
}

// StringValue returns the decoded value of a STRING, RAWSTRING or REGEX
// literal (see Unquote).
func (x *BasicLit) StringValue() (string, error) {
	switch x.Kind {
	case STRING, RAWSTRING, REGEX:
		return Unquote(x.Value)
	}
	return "", fmt.Errorf("yaral: %s literal %s is not a string", x.Kind, x.Value)
}
