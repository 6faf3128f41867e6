// Package aql implements a lexer, recursive-descent parser, canonical printer
// and semantic checks for IBM QRadar's Ariel Query Language (AQL).
//
// The package is organised like Go's own go/scanner, go/parser and go/printer:
//
//   - token.go: token kinds, keywords, source positions and syntax errors
//   - lexer.go: turns source text into tokens
//   - ast.go, walk.go: the syntax tree and a generic traversal
//   - parser.go: Parse, a recursive-descent parser producing a *Query
//   - printer.go: Print, a canonical deterministic printer
//   - check.go, functions.go: Check, semantic diagnostics (QRadar pitfalls),
//     and the table of documented functions and fixed arities
//   - check_aggregate.go: the GROUP BY / HAVING / aggregate checks and the
//     helpers IsAggregateCall, ContainsAggregate and IsAggregating (shared
//     with the executor in eval/aql)
//   - cidr.go: ParseCIDR, the INCIDR argument syntax (shared with the
//     executor in eval/aql)
//   - quote.go: literal helpers for code generators (QuoteString,
//     QuoteIdent, RegexQuote, HasLikeWildcard)
//
// There is no published grammar for QRadar AQL. The grammar implemented here
// follows IBM's documentation as summarised in shared/research/aql.md and is
// validated against the real-world corpus in shared/corpora/aql.
//
// Typical use:
//
//	q, err := aql.Parse(src) // err is an aql.ErrorList ("line:col: msg")
//	if err != nil { ... }
//	for _, d := range aql.Check(q) { fmt.Println(d) }
//	canonical := aql.Print(q)
//
// Grammar decisions that the documentation leaves open are recorded on
// Parse; each check is documented on its Code* constant.
package aql
