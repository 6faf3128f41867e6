package yaral

import (
	"regexp/syntax"
	"unicode/utf8"
)

// validRegex reports whether re is an RE2 regex, as regexp/syntax.Parse
// with Perl flags decides, and the parser's error when it is not.
//
// Most regexes detgen writes are escaped literals with anchors,
// alternations and `.*` (a Sigma value's wildcards): plainRegex decides
// those in one pass without building the syntax tree, which is most of a
// YARA-L check's time. Anything else goes to the parser.
func validRegex(re string) error {
	if plainRegex(re) {
		return nil
	}
	_, err := syntax.Parse(re, syntax.Perl)
	return err
}

// plainRegexMax bounds what plainRegex decides, far below the parser's
// own limits on size and nesting (regexp/syntax maxHeight, maxRunes).
const (
	plainRegexMax      = 1 << 16
	plainRegexMaxDepth = 100
)

// plainRegex reports true only for regexes regexp/syntax accepts: valid
// UTF-8 made of literal characters, backslash-escaped ASCII punctuation,
// `.`, `^`, `$`, `|`, groups `(…)` and `(?:…)`, flag groups such as `(?i)`
// and `(?s)`, and
// one `*`, `+` or `?` (optionally made lazy by a `?`) after a literal,
// an escape, `.` or a group. It returns false for everything else,
// valid or not: brackets, braces, other escapes and flags, nested
// repetition, a repetition with nothing to repeat, unbalanced groups.
// TestPlainRegexAgreesWithParser holds it to the parser.
func plainRegex(re string) bool {
	if len(re) > plainRegexMax {
		return false
	}
	depth := 0
	// repeatable: the previous token is an atom a repetition may follow;
	// repeated: it was a repetition, which only a lazy `?` may follow.
	repeatable, repeated, lazy := false, false, false
	for i := 0; i < len(re); {
		c := re[i]
		switch c {
		case '\\':
			if i+1 >= len(re) {
				return false
			}
			e := re[i+1]
			if e >= utf8.RuneSelf || isWordByte(e) || e < ' ' || e == 0x7f {
				return false
			}
			i += 2
			repeatable, repeated = true, false
		case '.':
			i++
			repeatable, repeated = true, false
		case '^', '$', '|':
			i++
			repeatable, repeated = false, false
		case '*', '+', '?':
			switch {
			case repeatable:
				repeatable, repeated, lazy = false, true, false
			case repeated && c == '?' && !lazy:
				lazy = true
			default:
				return false
			}
			i++
			continue
		case '(':
			switch {
			case flagGroup(re[i:]) > 0:
				i += flagGroup(re[i:])
				repeatable, repeated = false, false
				continue
			case len(re) >= i+3 && re[i+1:i+3] == "?:":
				i += 3
			case i+1 < len(re) && re[i+1] == '?':
				return false // other flags and named groups
			default:
				i++
			}
			depth++
			if depth > plainRegexMaxDepth {
				return false
			}
			repeatable, repeated = false, false
		case ')':
			if depth == 0 {
				return false
			}
			depth--
			i++
			repeatable, repeated = true, false
		case '[', ']', '{', '}':
			return false
		default:
			if c < utf8.RuneSelf {
				i++
			} else {
				r, n := utf8.DecodeRuneInString(re[i:])
				if r == utf8.RuneError && n <= 1 {
					return false
				}
				i += n
			}
			repeatable, repeated = true, false
		}
		lazy = false
	}
	return depth == 0
}

// flagGroup is the length of the flag group s starts with, `(?` one or
// more of the flags i, m and s, then `)`, or 0.
func flagGroup(s string) int {
	if len(s) < 4 || s[0] != '(' || s[1] != '?' {
		return 0
	}
	for i := 2; i < len(s); i++ {
		switch s[i] {
		case 'i', 'm', 's':
		case ')':
			if i == 2 {
				return 0
			}
			return i + 1
		default:
			return 0
		}
	}
	return 0
}

func isWordByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_'
}
