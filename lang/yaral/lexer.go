package yaral

import (
	"unicode/utf8"
)

// Lexical grammar (see also research notes §1.1):
//
//	whitespace  = " " | "\t" | "\r" | "\n" | "\f" | "\v" .
//	comment     = "//" { any char except newline } | "/*" { any char } "*/" .
//	ident       = letter { letter | digit } .          // ASCII; letter includes "_"
//	keyword     = ident spelled like a keyword in any letter case .
//	var         = "$" ident .                          // event, placeholder or outcome variable
//	count       = "#" ident .
//	listref     = "%" ident [ "." ident ] .            // reference list or data table column
//	int         = digit { digit } .
//	float       = digit { digit } "." digit { digit } .
//	duration    = int ( "s" | "m" | "h" | "d" ) .        // Google documents m, h, d; Check bounds match windows
//	string      = `"` { char except `"`, "\", newline | "\" char except newline } `"` .
//	rawstring   = "`" { any char except "`" } "`" .
//	regex       = "/" { char except "/", "\", newline | "\" char except newline } "/" .
//
// Newlines are not tokens: every token instead records whether a line break
// preceded it (Item.NewlineBefore), which the parser uses to separate
// predicates in the events section.
//
// A "/" starts a regex literal only where a regex may appear: directly after
// "=", "!=", "(" or ",". Everywhere else it is the division operator (for
// example "($a - $b) / $b"). "//" and "/*" always start a comment, so a
// regex literal can neither be empty nor begin with "*" (RE2 rejects a
// leading "*" anyway; QuoteRegex never produces either form).

// Item is one token produced by the Lexer.
type Item struct {
	Tok Token
	Pos Pos
	// Lit is the source text of the token, including quotes, slashes and
	// sigils ("$e", "%list.col"); it is empty for EOF.
	Lit string
	// NewlineBefore reports whether at least one line break (possibly inside
	// a comment) separates this token from the previous one.
	NewlineBefore bool
}

// Lexer splits YARA-L source text into tokens. The zero value is not usable;
// call NewLexer.
type Lexer struct {
	src       string
	off       int // reading offset
	line      int // current line (1-based)
	lineStart int // offset of the first byte of the current line
	prev      Token
	err       func(pos Pos, msg string)
	nErrors   int
}

// NewLexer returns a lexer for src. Lexical errors are passed to errh (which
// may be nil); the lexer always continues with the next token.
func NewLexer(src string, errh func(pos Pos, msg string)) *Lexer {
	lx := &Lexer{src: src, line: 1, err: errh}
	if len(src) >= 3 && src[:3] == "\uFEFF" { // byte order mark
		lx.off = 3
		lx.lineStart = 3
	}
	return lx
}

// ErrorCount returns the number of lexical errors reported so far.
func (lx *Lexer) ErrorCount() int { return lx.nErrors }

func (lx *Lexer) pos(off int) Pos {
	return Pos{Line: lx.line, Col: off - lx.lineStart + 1}
}

func (lx *Lexer) error(pos Pos, msg string) {
	lx.nErrors++
	if lx.err != nil {
		lx.err(pos, msg)
	}
}

// newline records that the byte at offset off is a '\n'.
func (lx *Lexer) newline(off int) {
	lx.line++
	lx.lineStart = off + 1
}

// regexAllowed reports whether a "/" at the current point starts a regex.
func (lx *Lexer) regexAllowed() bool {
	switch lx.prev {
	case EQ, NEQ, LPAREN, COMMA:
		return true
	}
	return false
}

// skip skips white space and comments and reports whether a line break was
// crossed.
func (lx *Lexer) skip() (nl bool) {
	for lx.off < len(lx.src) {
		c := lx.src[lx.off]
		switch {
		case c == '\n':
			lx.newline(lx.off)
			lx.off++
			nl = true
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			lx.off++
		case c == '/' && lx.off+1 < len(lx.src) && lx.src[lx.off+1] == '/':
			for lx.off < len(lx.src) && lx.src[lx.off] != '\n' {
				lx.off++
			}
		case c == '/' && lx.off+1 < len(lx.src) && lx.src[lx.off+1] == '*':
			start := lx.pos(lx.off)
			lx.off += 2
			for {
				if lx.off >= len(lx.src) {
					lx.error(start, "comment not terminated")
					return nl
				}
				if lx.src[lx.off] == '*' && lx.off+1 < len(lx.src) && lx.src[lx.off+1] == '/' {
					lx.off += 2
					break
				}
				if lx.src[lx.off] == '\n' {
					lx.newline(lx.off)
					nl = true
				}
				lx.off++
			}
		default:
			return nl
		}
	}
	return nl
}

// Next returns the next token. At the end of the input it returns EOF (again
// and again).
func (lx *Lexer) Next() Item {
	nl := lx.skip()
	it := lx.scan()
	it.NewlineBefore = nl
	lx.prev = it.Tok
	return it
}

func (lx *Lexer) scan() Item {
	start := lx.off
	pos := lx.pos(start)
	if lx.off >= len(lx.src) {
		return Item{Tok: EOF, Pos: pos}
	}
	c := lx.src[lx.off]
	lit := func(tok Token, n int) Item {
		lx.off += n
		return Item{Tok: tok, Pos: pos, Lit: lx.src[start:lx.off]}
	}
	peek := func(i int) byte {
		if lx.off+i < len(lx.src) {
			return lx.src[lx.off+i]
		}
		return 0
	}
	switch {
	case isLetter(c):
		lx.identEnd()
		word := lx.src[start:lx.off]
		return Item{Tok: Lookup(word), Pos: pos, Lit: word}
	case isDigit(c):
		return lx.number(pos)
	}
	switch c {
	case '$', '#':
		tok := VAR
		if c == '#' {
			tok = COUNT
		}
		lx.off++
		if !isLetter(peek(0)) {
			lx.error(pos, errorf("expected a variable name after %q", c))
			return Item{Tok: ILLEGAL, Pos: pos, Lit: string(c)}
		}
		lx.identEnd()
		return Item{Tok: tok, Pos: pos, Lit: lx.src[start:lx.off]}
	case '%':
		if !isLetter(peek(1)) {
			return lit(REM, 1)
		}
		lx.off++
		lx.identEnd()
		if peek(0) == '.' && isLetter(peek(1)) {
			lx.off++
			lx.identEnd()
		}
		return Item{Tok: LISTREF, Pos: pos, Lit: lx.src[start:lx.off]}
	case '"':
		return lx.quoted(pos, '"', STRING, true, "string literal")
	case '`':
		return lx.raw(pos)
	case '/':
		if lx.regexAllowed() {
			return lx.quoted(pos, '/', REGEX, false, "regex literal")
		}
		return lit(QUO, 1)
	case '=':
		return lit(EQ, 1)
	case '!':
		if peek(1) == '=' {
			return lit(NEQ, 2)
		}
		return lit(BANG, 1)
	case '<':
		if peek(1) == '=' {
			return lit(LEQ, 2)
		}
		return lit(LSS, 1)
	case '>':
		if peek(1) == '=' {
			return lit(GEQ, 2)
		}
		return lit(GTR, 1)
	case '+':
		return lit(ADD, 1)
	case '-':
		return lit(SUB, 1)
	case '*':
		return lit(MUL, 1)
	case '(':
		return lit(LPAREN, 1)
	case ')':
		return lit(RPAREN, 1)
	case '{':
		return lit(LBRACE, 1)
	case '}':
		return lit(RBRACE, 1)
	case '[':
		return lit(LBRACK, 1)
	case ']':
		return lit(RBRACK, 1)
	case ',':
		return lit(COMMA, 1)
	case '.':
		return lit(PERIOD, 1)
	case ':':
		return lit(COLON, 1)
	}
	r, n := utf8.DecodeRuneInString(lx.src[lx.off:])
	if r == utf8.RuneError && n == 1 {
		lx.error(pos, "invalid UTF-8 encoding")
	} else {
		lx.error(pos, errorf("invalid character %#U", r))
	}
	return lit(ILLEGAL, n)
}

func (lx *Lexer) identEnd() {
	for lx.off < len(lx.src) && (isLetter(lx.src[lx.off]) || isDigit(lx.src[lx.off])) {
		lx.off++
	}
}

func (lx *Lexer) number(pos Pos) Item {
	start := lx.off
	for lx.off < len(lx.src) && isDigit(lx.src[lx.off]) {
		lx.off++
	}
	tok := INT
	if lx.off+1 < len(lx.src) && lx.src[lx.off] == '.' && isDigit(lx.src[lx.off+1]) {
		tok = FLOAT
		lx.off++
		for lx.off < len(lx.src) && isDigit(lx.src[lx.off]) {
			lx.off++
		}
	}
	if lx.off < len(lx.src) && isLetter(lx.src[lx.off]) {
		sufStart := lx.off
		lx.identEnd()
		suffix := lx.src[sufStart:lx.off]
		switch {
		case tok == INT && len(suffix) == 1 && (suffix == "s" || suffix == "m" || suffix == "h" || suffix == "d"):
			tok = DURATION
		default:
			lx.error(pos, errorf("invalid number %q (durations take one of the units s, m, h, d)", lx.src[start:lx.off]))
			tok = ILLEGAL
		}
	}
	return Item{Tok: tok, Pos: pos, Lit: lx.src[start:lx.off]}
}

// quoted scans a double-quoted string or a regex literal: the body runs to the
// next unescaped quote; a backslash escapes any following character except a
// line break. Raw line breaks end the literal with an error.
func (lx *Lexer) quoted(pos Pos, quote byte, tok Token, isString bool, what string) Item {
	start := lx.off
	lx.off++ // opening quote
	for {
		if lx.off >= len(lx.src) {
			lx.error(pos, what+" not terminated")
			return Item{Tok: tok, Pos: pos, Lit: lx.src[start:lx.off]}
		}
		c := lx.src[lx.off]
		switch {
		case c == quote:
			lx.off++
			return Item{Tok: tok, Pos: pos, Lit: lx.src[start:lx.off]}
		case c == '\n':
			if isString {
				lx.error(pos, "newline in string literal")
			} else {
				lx.error(pos, what+" not terminated")
			}
			// Do not consume the line break: resynchronise on the next line.
			return Item{Tok: tok, Pos: pos, Lit: lx.src[start:lx.off]}
		case c == '\\':
			if lx.off+1 < len(lx.src) && lx.src[lx.off+1] != '\n' {
				lx.off++
			}
			lx.checkChar(pos, what)
		case c == 0:
			lx.error(lx.pos(lx.off), "NUL character in "+what)
			lx.off++
		default:
			lx.checkChar(pos, what)
		}
	}
}

// checkChar consumes one (possibly multi-byte) character, reporting invalid
// UTF-8.
func (lx *Lexer) checkChar(pos Pos, what string) {
	c := lx.src[lx.off]
	if c < utf8.RuneSelf {
		lx.off++
		return
	}
	r, n := utf8.DecodeRuneInString(lx.src[lx.off:])
	if r == utf8.RuneError && n == 1 {
		lx.error(lx.pos(lx.off), "invalid UTF-8 encoding in "+what)
	}
	lx.off += n
}

// raw scans a back-quoted string: no escapes, may span lines, may not contain
// a back quote.
func (lx *Lexer) raw(pos Pos) Item {
	start := lx.off
	lx.off++
	for {
		if lx.off >= len(lx.src) {
			lx.error(pos, "raw string literal not terminated")
			return Item{Tok: RAWSTRING, Pos: pos, Lit: lx.src[start:lx.off]}
		}
		switch c := lx.src[lx.off]; c {
		case '`':
			lx.off++
			return Item{Tok: RAWSTRING, Pos: pos, Lit: lx.src[start:lx.off]}
		case '\n':
			lx.newline(lx.off)
			lx.off++
		case 0:
			lx.error(lx.pos(lx.off), "NUL character in raw string literal")
			lx.off++
		default:
			lx.checkChar(pos, "raw string literal")
		}
	}
}

// Tokenize returns all tokens of src up to and including EOF, and the lexical
// errors found.
func Tokenize(src string) ([]Item, error) {
	var errs ErrorList
	lx := NewLexer(src, errs.Add)
	var items []Item
	for {
		it := lx.Next()
		items = append(items, it)
		if it.Tok == EOF {
			break
		}
	}
	errs.Sort()
	return items, errs.Err()
}
