package aql

import (
	"fmt"
	"strconv"
)

// Pos is a position in the source text. Offset is the byte offset (0-based);
// Line and Col are 1-based, Col counting bytes like go/scanner does. The zero
// Pos is "no position" (see IsValid).
type Pos struct {
	Offset int
	Line   int
	Col    int
}

// IsValid reports whether p is a real source position.
func (p Pos) IsValid() bool { return p.Line > 0 }

// String returns "line:col", or "-" for an invalid position.
func (p Pos) String() string {
	if !p.IsValid() {
		return "-"
	}
	return strconv.Itoa(p.Line) + ":" + strconv.Itoa(p.Col)
}

// Kind is the kind of a lexical token.
type Kind int

// Token kinds.
const (
	ILLEGAL Kind = iota
	EOF

	literalBeg
	IDENT  // sourceip
	QIDENT // "Process Name" (double-quoted identifier; Lit holds the name)
	STRING // 'text' (Lit holds the unescaped value)
	INT    // 42, 0xff
	FLOAT  // 6.5
	literalEnd

	operatorBeg
	LPAREN // (
	RPAREN // )
	COMMA  // ,
	STAR   // *
	PLUS   // +
	MINUS  // -
	SLASH  // /
	PERCENT
	CARET  // ^
	AMP    // &
	EQ     // =
	EQEQ   // ==
	NEQ    // !=
	LTGT   // <>
	LT     // <
	LE     // <=
	GT     // >
	GE     // >=
	DCOLON // ::
	SEMI   // ; (never valid, lexed for a good error message)
	operatorEnd

	keywordBeg
	// Reserved keywords: never accepted as bare identifiers.
	SELECT
	DISTINCT
	FROM
	INTO
	WHERE
	GROUP
	BY
	HAVING
	ORDER
	LIMIT
	AND
	OR
	NOT
	IN
	LIKE
	ILIKE
	MATCHES
	IMATCHES
	BETWEEN
	IS
	NULL
	AS
	CASE
	WHEN
	THEN
	ELSE
	END
	IF
	TRUE
	FALSE
	reservedEnd

	// Contextual keywords: keywords only where the grammar expects them,
	// otherwise usable as bare identifiers (e.g. a column named "text", the
	// aggregate LAST(x), a column named "start").
	ASC
	DESC
	COLLATE
	LAST
	START
	STOP
	MINUTES
	HOURS
	DAYS
	TEXT
	SEARCH
	PARAMETERS
	keywordEnd
)

var kindNames = [...]string{
	ILLEGAL: "ILLEGAL",
	EOF:     "EOF",

	IDENT:  "IDENT",
	QIDENT: "QIDENT",
	STRING: "STRING",
	INT:    "INT",
	FLOAT:  "FLOAT",

	LPAREN:  "(",
	RPAREN:  ")",
	COMMA:   ",",
	STAR:    "*",
	PLUS:    "+",
	MINUS:   "-",
	SLASH:   "/",
	PERCENT: "%",
	CARET:   "^",
	AMP:     "&",
	EQ:      "=",
	EQEQ:    "==",
	NEQ:     "!=",
	LTGT:    "<>",
	LT:      "<",
	LE:      "<=",
	GT:      ">",
	GE:      ">=",
	DCOLON:  "::",
	SEMI:    ";",

	SELECT:   "SELECT",
	DISTINCT: "DISTINCT",
	FROM:     "FROM",
	INTO:     "INTO",
	WHERE:    "WHERE",
	GROUP:    "GROUP",
	BY:       "BY",
	HAVING:   "HAVING",
	ORDER:    "ORDER",
	LIMIT:    "LIMIT",
	AND:      "AND",
	OR:       "OR",
	NOT:      "NOT",
	IN:       "IN",
	LIKE:     "LIKE",
	ILIKE:    "ILIKE",
	MATCHES:  "MATCHES",
	IMATCHES: "IMATCHES",
	BETWEEN:  "BETWEEN",
	IS:       "IS",
	NULL:     "NULL",
	AS:       "AS",
	CASE:     "CASE",
	WHEN:     "WHEN",
	THEN:     "THEN",
	ELSE:     "ELSE",
	END:      "END",
	IF:       "IF",
	TRUE:     "TRUE",
	FALSE:    "FALSE",

	ASC:        "ASC",
	DESC:       "DESC",
	COLLATE:    "COLLATE",
	LAST:       "LAST",
	START:      "START",
	STOP:       "STOP",
	MINUTES:    "MINUTES",
	HOURS:      "HOURS",
	DAYS:       "DAYS",
	TEXT:       "TEXT",
	SEARCH:     "SEARCH",
	PARAMETERS: "PARAMETERS",
}

// String returns the operator text, the upper-case keyword, or the kind name.
func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// IsLiteral reports whether k is an identifier or literal kind.
func (k Kind) IsLiteral() bool { return literalBeg < k && k < literalEnd }

// IsOperator reports whether k is an operator or delimiter.
func (k Kind) IsOperator() bool { return operatorBeg < k && k < operatorEnd }

// IsKeyword reports whether k is a keyword (reserved or contextual).
func (k Kind) IsKeyword() bool { return keywordBeg < k && k < keywordEnd && k != reservedEnd }

// IsReserved reports whether k is a reserved keyword, i.e. one that can never
// be used as a bare identifier (it has to be double-quoted).
func (k Kind) IsReserved() bool { return keywordBeg < k && k < reservedEnd }

// IsContextual reports whether k is a contextual keyword, which is accepted as
// a bare identifier wherever the grammar does not expect the keyword.
func (k Kind) IsContextual() bool { return reservedEnd < k && k < keywordEnd }

var keywords map[string]Kind

func init() {
	keywords = make(map[string]Kind, keywordEnd-keywordBeg)
	for k := keywordBeg + 1; k < keywordEnd; k++ {
		if k != reservedEnd {
			keywords[kindNames[k]] = k
		}
	}
}

// maxKeywordLen is the length of the longest keyword (PARAMETERS).
const maxKeywordLen = 10

// Lookup maps a bare word to its keyword kind (case-insensitively) or IDENT.
func Lookup(word string) Kind {
	if len(word) > maxKeywordLen {
		return IDENT
	}
	var buf [maxKeywordLen]byte
	for i := 0; i < len(word); i++ {
		c := word[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		buf[i] = c
	}
	if k, ok := keywords[string(buf[:len(word)])]; ok {
		return k
	}
	return IDENT
}

// Token is a lexical token.
type Token struct {
	Kind Kind
	Pos  Pos
	// Lit is the token text. For IDENT, keywords and numbers it is the source
	// text as written; for STRING the unescaped value ('' becomes '); for QIDENT the
	// name between the double quotes.
	Lit string
}

// describe renders a token for error messages.
func (t Token) describe() string {
	switch t.Kind {
	case EOF:
		return "end of query"
	case IDENT:
		return "identifier " + t.Lit
	case QIDENT:
		return "identifier \"" + t.Lit + "\""
	case STRING:
		return "string " + QuoteString(truncate(t.Lit, 40))
	case INT, FLOAT:
		return "number " + t.Lit
	case ILLEGAL:
		return "illegal token " + strconv.Quote(t.Lit)
	}
	if t.Kind.IsKeyword() {
		return "keyword " + t.Kind.String()
	}
	return "'" + t.Kind.String() + "'"
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// Error is a syntax error at a source position.
type Error struct {
	Pos Pos
	Msg string
}

// Error returns "line:col: msg".
func (e *Error) Error() string {
	return e.Pos.String() + ": " + e.Msg
}

// ErrorList is a list of syntax errors, sorted by position.
type ErrorList []*Error

// Error returns the first error, plus a count of the others.
func (l ErrorList) Error() string {
	switch len(l) {
	case 0:
		return "no errors"
	case 1:
		return l[0].Error()
	case 2:
		return l[0].Error() + " (and 1 more error)"
	}
	return fmt.Sprintf("%s (and %d more errors)", l[0].Error(), len(l)-1)
}

// Err returns l as an error, or nil if l is empty.
func (l ErrorList) Err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}

// Len, Less and Swap implement sort.Interface (by offset, then message).
func (l ErrorList) Len() int      { return len(l) }
func (l ErrorList) Swap(i, j int) { l[i], l[j] = l[j], l[i] }
func (l ErrorList) Less(i, j int) bool {
	if l[i].Pos.Offset != l[j].Pos.Offset {
		return l[i].Pos.Offset < l[j].Pos.Offset
	}
	return l[i].Msg < l[j].Msg
}
