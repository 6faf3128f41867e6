package yaral

import (
	"fmt"
	"strings"
)

// Pos is a position in the rule text. Line and Col are 1-based; Col counts
// bytes from the start of the line (like go/token). The zero Pos is "no
// position".
type Pos struct {
	Line int
	Col  int
}

// IsValid reports whether p holds a real position.
func (p Pos) IsValid() bool { return p.Line > 0 }

// String formats p as "line:col", or "-" for the zero Pos.
func (p Pos) String() string {
	if !p.IsValid() {
		return "-"
	}
	return fmt.Sprintf("%d:%d", p.Line, p.Col)
}

// Before reports whether p comes strictly before q.
func (p Pos) Before(q Pos) bool {
	return p.Line < q.Line || p.Line == q.Line && p.Col < q.Col
}

// Token is the kind of a lexical token.
type Token int

// The token kinds. Keywords are case-insensitive in YARA-L; the scanner maps
// every spelling to the same Token.
const (
	ILLEGAL Token = iota
	EOF

	literalBeg
	IDENT     // author, re, regex (after "."), true
	VAR       // $e
	COUNT     // #e
	LISTREF   // %list or %table.column
	INT       // 42, 01
	FLOAT     // 3.14
	DURATION  // 5m, 1h, 1d, 30s
	STRING    // "double quoted"
	RAWSTRING // `back quoted`
	REGEX     // /regex/
	BOOL      // true, false (only as BasicLit.Kind; the scanner returns IDENT)
	literalEnd

	operatorBeg
	EQ   // =
	NEQ  // !=
	LSS  // <
	LEQ  // <=
	GTR  // >
	GEQ  // >=
	ADD  // +
	SUB  // -
	MUL  // *
	QUO  // /
	REM  // %
	BANG // !

	LPAREN // (
	RPAREN // )
	LBRACE // {
	RBRACE // }
	LBRACK // [
	RBRACK // ]
	COMMA  // ,
	PERIOD // .
	COLON  // :
	operatorEnd

	keywordBeg
	RULE
	META
	EVENTS
	MATCH
	OUTCOME
	CONDITION
	OPTIONS
	OVER
	BY
	BEFORE
	AFTER
	AND
	OR
	NOT
	NOCASE
	IN
	REGEXKW // the keyword "regex" (as in "in regex %list")
	CIDR
	ALL
	ANY
	IF
	MAX
	MIN
	SUM
	ARRAY
	ARRAY_DISTINCT
	COUNTKW // the keyword "count"
	COUNT_DISTINCT
	IS
	NULL
	keywordEnd
)

var tokenNames = [...]string{
	ILLEGAL: "ILLEGAL",
	EOF:     "EOF",

	IDENT:     "IDENT",
	VAR:       "VAR",
	COUNT:     "COUNT",
	LISTREF:   "LISTREF",
	INT:       "INT",
	FLOAT:     "FLOAT",
	DURATION:  "DURATION",
	STRING:    "STRING",
	RAWSTRING: "RAWSTRING",
	REGEX:     "REGEX",
	BOOL:      "BOOL",

	EQ:   "=",
	NEQ:  "!=",
	LSS:  "<",
	LEQ:  "<=",
	GTR:  ">",
	GEQ:  ">=",
	ADD:  "+",
	SUB:  "-",
	MUL:  "*",
	QUO:  "/",
	REM:  "%",
	BANG: "!",

	LPAREN: "(",
	RPAREN: ")",
	LBRACE: "{",
	RBRACE: "}",
	LBRACK: "[",
	RBRACK: "]",
	COMMA:  ",",
	PERIOD: ".",
	COLON:  ":",

	RULE:           "rule",
	META:           "meta",
	EVENTS:         "events",
	MATCH:          "match",
	OUTCOME:        "outcome",
	CONDITION:      "condition",
	OPTIONS:        "options",
	OVER:           "over",
	BY:             "by",
	BEFORE:         "before",
	AFTER:          "after",
	AND:            "and",
	OR:             "or",
	NOT:            "not",
	NOCASE:         "nocase",
	IN:             "in",
	REGEXKW:        "regex",
	CIDR:           "cidr",
	ALL:            "all",
	ANY:            "any",
	IF:             "if",
	MAX:            "max",
	MIN:            "min",
	SUM:            "sum",
	ARRAY:          "array",
	ARRAY_DISTINCT: "array_distinct",
	COUNTKW:        "count",
	COUNT_DISTINCT: "count_distinct",
	IS:             "is",
	NULL:           "null",
}

// String returns the source spelling of operators and keywords (keywords in
// lower case) and the upper-case name of the other kinds.
func (t Token) String() string {
	if t >= 0 && int(t) < len(tokenNames) && tokenNames[t] != "" {
		return tokenNames[t]
	}
	return fmt.Sprintf("Token(%d)", int(t))
}

// IsLiteral reports whether t is a literal or name kind.
func (t Token) IsLiteral() bool { return literalBeg < t && t < literalEnd }

// IsOperator reports whether t is an operator or punctuation.
func (t Token) IsOperator() bool { return operatorBeg < t && t < operatorEnd }

// IsKeyword reports whether t is a keyword.
func (t Token) IsKeyword() bool { return keywordBeg < t && t < keywordEnd }

// isSection reports whether t starts a rule section.
func (t Token) isSection() bool { return t >= META && t <= OPTIONS }

// isComparison reports whether t is a comparison operator.
func (t Token) isComparison() bool { return t >= EQ && t <= GEQ }

var keywords map[string]Token

func init() {
	keywords = make(map[string]Token, keywordEnd-keywordBeg)
	for t := keywordBeg + 1; t < keywordEnd; t++ {
		keywords[tokenNames[t]] = t
	}
}

// Lookup maps an identifier to its keyword token (case-insensitively), or
// IDENT when it is not a keyword.
func Lookup(ident string) Token {
	if t, ok := keywords[strings.ToLower(ident)]; ok {
		return t
	}
	return IDENT
}

// IsKeyword reports whether name is a YARA-L keyword in any letter case.
// Keywords may not be used as rule names or variable names.
func IsKeyword(name string) bool { return Lookup(name) != IDENT }

// IsIdentifier reports whether name is a syntactically valid identifier
// ([A-Za-z_][A-Za-z0-9_]*) that is not a keyword.
func IsIdentifier(name string) bool {
	if name == "" || IsKeyword(name) {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !isLetter(c) && !(i > 0 && isDigit(c)) {
			return false
		}
	}
	return true
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' }
func isDigit(c byte) bool  { return '0' <= c && c <= '9' }
