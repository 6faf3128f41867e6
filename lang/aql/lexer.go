package aql

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Lexer splits AQL source text into tokens.
//
// Lexical rules (research note §1.2, §7):
//   - Whitespace is ASCII space, tab, newline, carriage return, form feed and
//     vertical tab. AQL documents no comment syntax, so there is none.
//   - Bare identifiers are [A-Za-z_][A-Za-z0-9_]*; keywords are bare words
//     matched case-insensitively. Anything else (spaces, non-ASCII letters,
//     hyphens) must be double-quoted.
//   - 'single quotes' delimit string literals; a quote inside is doubled
//     (”). Backslash is NOT an escape character. Strings may span lines.
//   - "double quotes" delimit identifiers. AQL documents no escape for a
//     double quote inside, so none is supported; control characters and empty
//     names are rejected.
//   - Numbers are decimal integers, decimals (6.5) and hexadecimal (0xff).
//     A leading minus is the unary operator, not part of the literal.
type Lexer struct {
	src  string
	off  int // current byte offset
	line int // current line (1-based)
	lcol int // offset of the first byte of the current line

	errs ErrorList
}

// NewLexer returns a lexer for src.
func NewLexer(src string) *Lexer {
	return &Lexer{src: src, line: 1}
}

// Errors returns the lexical errors reported so far.
func (lx *Lexer) Errors() ErrorList { return lx.errs }

func (lx *Lexer) pos(off int) Pos {
	// off is always on the current line or later within the token being
	// scanned; tokens that span lines (strings) compute their start position
	// before advancing.
	return Pos{Offset: off, Line: lx.line, Col: off - lx.lcol + 1}
}

func (lx *Lexer) errorf(p Pos, format string, args ...any) {
	lx.errs = append(lx.errs, &Error{Pos: p, Msg: fmt.Sprintf(format, args...)})
}

func isLetter(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_'
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isHex(c byte) bool {
	return isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// Next returns the next token. At the end of input it returns EOF forever.
// Invalid input yields an ILLEGAL token and records an error.
func (lx *Lexer) Next() Token {
	lx.skipSpace()
	start := lx.off
	p := lx.pos(start)
	if lx.off >= len(lx.src) {
		return Token{Kind: EOF, Pos: p}
	}
	c := lx.src[lx.off]
	switch {
	case isLetter(c):
		for lx.off < len(lx.src) && (isLetter(lx.src[lx.off]) || isDigit(lx.src[lx.off])) {
			lx.off++
		}
		word := lx.src[start:lx.off]
		return Token{Kind: Lookup(word), Pos: p, Lit: word}
	case isDigit(c):
		return lx.number(p)
	case c == '\'':
		return lx.stringLit(p)
	case c == '"':
		return lx.quotedIdent(p)
	}
	lx.off++
	kind := ILLEGAL
	two := func(next byte, k2, k1 Kind) Kind {
		if lx.off < len(lx.src) && lx.src[lx.off] == next {
			lx.off++
			return k2
		}
		return k1
	}
	switch c {
	case '(':
		kind = LPAREN
	case ')':
		kind = RPAREN
	case ',':
		kind = COMMA
	case '*':
		kind = STAR
	case '+':
		kind = PLUS
	case '-':
		kind = MINUS
	case '/':
		kind = SLASH
	case '%':
		kind = PERCENT
	case '^':
		kind = CARET
	case '&':
		kind = AMP
	case ';':
		kind = SEMI
	case '=':
		kind = two('=', EQEQ, EQ)
	case '!':
		kind = two('=', NEQ, ILLEGAL)
	case '<':
		if lx.off < len(lx.src) && lx.src[lx.off] == '>' {
			lx.off++
			kind = LTGT
		} else {
			kind = two('=', LE, LT)
		}
	case '>':
		kind = two('=', GE, GT)
	case ':':
		kind = two(':', DCOLON, ILLEGAL)
	}
	if kind == ILLEGAL {
		lx.off = start
		r, size := utf8.DecodeRuneInString(lx.src[start:])
		lx.off += size
		switch {
		case c == '!' || c == ':':
			lx.errorf(p, "unexpected %q (did you mean %q?)", string(c), map[byte]string{'!': "!=", ':': "::"}[c])
		case r == utf8.RuneError && size == 1:
			lx.errorf(p, "invalid UTF-8 byte 0x%02x", c)
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			lx.errorf(p, "invalid character %U %q: names with non-ASCII characters must be double-quoted", r, r)
		default:
			lx.errorf(p, "invalid character %U %q", r, r)
		}
	}
	return Token{Kind: kind, Pos: p, Lit: lx.src[start:lx.off]}
}

func (lx *Lexer) skipSpace() {
	for lx.off < len(lx.src) {
		switch lx.src[lx.off] {
		case ' ', '\t', '\r', '\f', '\v':
			lx.off++
		case '\n':
			lx.off++
			lx.line++
			lx.lcol = lx.off
		default:
			return
		}
	}
}

// number scans 123, 12.5 or 0x1F. A number immediately followed by a letter,
// digit or '.' (e.g. 10abc, 1.2.3, 1.) is an error.
func (lx *Lexer) number(p Pos) Token {
	start := lx.off
	kind := INT
	if lx.src[lx.off] == '0' && lx.off+1 < len(lx.src) && (lx.src[lx.off+1] == 'x' || lx.src[lx.off+1] == 'X') {
		lx.off += 2
		digits := lx.off
		for lx.off < len(lx.src) && isHex(lx.src[lx.off]) {
			lx.off++
		}
		if lx.off == digits {
			return lx.badNumber(p, start, "hexadecimal literal has no digits")
		}
	} else {
		for lx.off < len(lx.src) && isDigit(lx.src[lx.off]) {
			lx.off++
		}
		if lx.off < len(lx.src) && lx.src[lx.off] == '.' {
			lx.off++
			digits := lx.off
			for lx.off < len(lx.src) && isDigit(lx.src[lx.off]) {
				lx.off++
			}
			if lx.off == digits {
				return lx.badNumber(p, start, "decimal point must be followed by digits")
			}
			kind = FLOAT
		}
	}
	if lx.off < len(lx.src) && (isLetter(lx.src[lx.off]) || isDigit(lx.src[lx.off]) || lx.src[lx.off] == '.') {
		return lx.badNumber(p, start, "invalid character in number")
	}
	return Token{Kind: kind, Pos: p, Lit: lx.src[start:lx.off]}
}

func (lx *Lexer) badNumber(p Pos, start int, msg string) Token {
	for lx.off < len(lx.src) && (isLetter(lx.src[lx.off]) || isDigit(lx.src[lx.off]) || lx.src[lx.off] == '.') {
		lx.off++
	}
	lit := lx.src[start:lx.off]
	lx.errorf(p, "invalid number %q: %s", lit, msg)
	return Token{Kind: ILLEGAL, Pos: p, Lit: lit}
}

// stringLit scans a single-quoted string; ” inside stands for one quote.
func (lx *Lexer) stringLit(p Pos) Token {
	lx.off++ // opening quote
	var b strings.Builder
	seg := lx.off
	for {
		if lx.off >= len(lx.src) {
			lx.errorf(p, "string literal not terminated")
			return Token{Kind: ILLEGAL, Pos: p, Lit: lx.src[p.Offset:]}
		}
		c := lx.src[lx.off]
		if c == '\'' {
			if lx.off+1 < len(lx.src) && lx.src[lx.off+1] == '\'' {
				b.WriteString(lx.src[seg : lx.off+1])
				lx.off += 2
				seg = lx.off
				continue
			}
			break
		}
		if c == '\n' {
			lx.line++
			lx.lcol = lx.off + 1
		}
		lx.off++
	}
	var val string
	if b.Len() == 0 {
		val = lx.src[seg:lx.off]
	} else {
		b.WriteString(lx.src[seg:lx.off])
		val = b.String()
	}
	lx.off++ // closing quote
	return Token{Kind: STRING, Pos: p, Lit: val}
}

// quotedIdent scans a double-quoted identifier.
func (lx *Lexer) quotedIdent(p Pos) Token {
	lx.off++
	start := lx.off
	for {
		if lx.off >= len(lx.src) || lx.src[lx.off] == '\n' {
			lx.errorf(p, "quoted identifier not terminated")
			return Token{Kind: ILLEGAL, Pos: p, Lit: lx.src[p.Offset:lx.off]}
		}
		c := lx.src[lx.off]
		if c == '"' {
			break
		}
		if c < 0x20 || c == 0x7f {
			lx.errorf(lx.pos(lx.off), "control character %q in quoted identifier", rune(c))
			// Skip to the closing quote (or line end) to resynchronise.
			for lx.off < len(lx.src) && lx.src[lx.off] != '"' && lx.src[lx.off] != '\n' {
				lx.off++
			}
			if lx.off < len(lx.src) && lx.src[lx.off] == '"' {
				lx.off++
			}
			return Token{Kind: ILLEGAL, Pos: p, Lit: lx.src[p.Offset:lx.off]}
		}
		lx.off++
	}
	name := lx.src[start:lx.off]
	lx.off++
	if name == "" {
		lx.errorf(p, "empty quoted identifier")
		return Token{Kind: ILLEGAL, Pos: p, Lit: `""`}
	}
	return Token{Kind: QIDENT, Pos: p, Lit: name}
}
