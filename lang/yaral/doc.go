// Package yaral implements a lexer, parser, printer and semantic checker for
// Google SecOps (Chronicle) YARA-L 2.0 detection rules.
//
// The package follows the split of the standard library's go/scanner,
// go/parser and go/printer:
//
//   - token.go   token kinds, keywords and source positions (Pos)
//   - errors.go  syntax errors (Error, ErrorList)
//   - lexer.go   the scanner (Lexer, Tokenize) and the lexical grammar
//   - ast.go     the syntax tree (Rule, sections, expression nodes, Inspect)
//   - parser.go  a recursive-descent parser (Parse) and the syntax grammar
//   - printer.go a canonical, deterministic printer (Print, PrintExpr)
//   - check.go   semantic checks (Check, Diagnostic and its codes)
//   - check_predicates.go  checks of single predicates: any/all, nocase,
//     literal operands, CIDR ranges
//   - check_multi.go  checks of multi-event rules: placeholder assignments,
//     joins between event variables, #counts
//   - quote.go   literal helpers for code generators (QuoteString,
//     QuoteRegex, RegexLiteralOf, ValidateString, Unquote)
//
// Google publishes no formal grammar for YARA-L 2.0. The grammar accepted
// here (documented in lexer.go and parser.go) was derived from Google's syntax
// reference and validated against the 891 rules of the
// chronicle/detection-rules repository: all but one are accepted (see
// testdata/corpus-rejects.txt) and every accepted rule survives a
// Parse/Print/Parse round trip.
//
// A typical generator builds a *Rule (or parses a template), fills literal
// values with QuoteString/QuoteRegex, renders it with Print and validates it
// with Parse and Check:
//
//	r, err := yaral.Parse(text)
//	if err != nil {
//		// err is a yaral.ErrorList; each entry prints as "line:col: msg"
//	}
//	for _, d := range yaral.Check(r) {
//		fmt.Println(d) // "13:29: error: log type ... [unknown-log-type]"
//	}
//	canonical := yaral.Print(r)
package yaral
