package aql

import (
	"fmt"
	"sort"
	"strings"
)

// Severity is the severity of a Diagnostic.
type Severity int

const (
	// SeverityError marks a query that QRadar rejects or that cannot do what
	// it appears to do (e.g. it silently matches nothing).
	SeverityError Severity = iota
	// SeverityWarning marks a query that is valid but probably wrong, slow or
	// fragile.
	SeverityWarning
)

// String returns "error" or "warning".
func (s Severity) String() string {
	if s == SeverityError {
		return "error"
	}
	return "warning"
}

// Diagnostic is a finding of Check.
type Diagnostic struct {
	Pos      Pos
	Severity Severity
	Code     string // stable identifier, one of the Code* constants
	Msg      string
}

// String returns "line:col: severity: msg [code]".
func (d Diagnostic) String() string {
	return fmt.Sprintf("%s: %s: %s [%s]", d.Pos, d.Severity, d.Msg, d.Code)
}

// Diagnostic codes. They are stable: tools may filter or suppress by code.
const (
	// CodeBarePayload (error): the binary payload column (payload, or a
	// flow's sourcepayload/destinationpayload) used in a string comparison
	// (LIKE, ILIKE, MATCHES, IMATCHES, =, ==, !=, <> or IN against strings)
	// without being decoded by UTF8() or BASE64(). IBM's examples and
	// generators always compare UTF8(payload); QRadar refuses or never
	// matches a bare payload (research note §0.2, §1.8).
	CodeBarePayload = "bare-payload"

	// CodeQuotedNameAsField (error): a single-quoted string on the left of
	// a comparison, LIKE, IN or BETWEEN whose other side is a string too,
	// e.g. 'field name' = 'value'. Single quotes make a string constant, so
	// two constants are compared and the condition is constant (usually
	// never true). Field names with spaces need double quotes (§1.2).
	CodeQuotedNameAsField = "quoted-name-as-field"

	// CodeUnknownFunction: a function that is not in the table of documented
	// QRadar functions (functions.go, from research note §1.6). Error for
	// plain and GEO:: functions; a warning for other namespaces (ns::name),
	// which content extensions can define as custom AQL functions.
	CodeUnknownFunction = "unknown-function"

	// CodeDistinct (error): SELECT DISTINCT is not part of AQL (§1.1); use
	// GROUP BY or UNIQUECOUNT()/DISTINCTCOUNT().
	CodeDistinct = "distinct"

	// CodeNoTimeClause (warning): the query has neither LAST nor START.
	// QRadar then scans only a default window (5 minutes in the UI, 60
	// seconds via the REST API), which is rarely intended (§0.1, §1.7).
	CodeNoTimeClause = "no-time-clause"

	// CodeOrderByNotSelected (warning): an ORDER BY expression that is
	// neither a selected column/expression nor an alias, or a string or
	// number constant (ORDER BY 'Count' sorts by a constant: refer to an
	// alias with double quotes). IBM requires ORDER BY columns to be in the
	// SELECT list (§1.9).
	CodeOrderByNotSelected = "order-by-not-selected"

	// CodeMixedAndOr (warning): AND and OR combined at the same level
	// without parentheses (a OR b AND c). AQL's precedence is undocumented;
	// we parse it SQL-style (AND binds tighter), but the grouping should be
	// explicit, as both IBM generators make it (§1.4).
	CodeMixedAndOr = "mixed-and-or"

	// CodeStarttimeInWhere (warning): starttime/endtime compared in WHERE
	// while the query has no time clause. The predicate only filters inside
	// the default window; it does not set the window (§0.1, §1.7).
	CodeStarttimeInWhere = "starttime-in-where-without-time-clause"

	// CodeLogSourceTypeNameLike (warning): LOGSOURCETYPENAME(...) matched
	// with LIKE/ILIKE/MATCHES/IMATCHES. The function is evaluated for every
	// event and a pattern can match more log source types than intended;
	// filter on devicetype = <id> or devicetype IN (...) instead (§1.8).
	CodeLogSourceTypeNameLike = "logsourcetypename-ilike"

	// CodeLikeWithoutWildcard (warning): a LIKE/ILIKE pattern without % or
	// _ matches the whole value exactly, which is usually a mistaken
	// "contains" test (research note §7; the community corpus has several).
	CodeLikeWithoutWildcard = "like-without-wildcard"

	// CodeBadArgument (error): a call QRadar rejects or that cannot work:
	// the wrong number of arguments for a function with a fixed signature
	// (FuncArity), an INCIDR whose first argument is a string that is not an
	// IPv4/IPv6 CIDR or address, INCIDR with its arguments swapped
	// (INCIDR(sourceip, '10.0.0.0/8')), or a REFERENCESETCONTAINS whose first
	// argument is not the set name as a string literal (IBM: INCIDR('cidr',
	// ip), REFERENCESETCONTAINS('set name', value)).
	CodeBadArgument = "bad-argument"

	// CodeUngroupedColumn (warning): an aggregating query (one with GROUP
	// BY or HAVING, or with an aggregate function in SELECT or ORDER BY)
	// selects, or tests in HAVING, a column that is neither grouped nor
	// inside an aggregate function. QRadar does not reject this: it returns
	// the value of the group's first event, named FIRST_<column> (IBM "AQL
	// data aggregation functions", GROUP BY: "Only one sourceip is returned
	// per username, even if another sourceip exists"), so for a group of
	// several events the value is an arbitrary one of them. Group by the
	// column or aggregate it explicitly (FIRST, MIN, MAX, UNIQUECOUNT ...).
	// An expression is grouped when it is a GROUP BY expression, names a
	// select alias used in GROUP BY, or only uses grouped columns
	// (LOWER(username) under GROUP BY username).
	CodeUngroupedColumn = "ungrouped-column"

	// CodeHavingWithoutGroupBy (warning): HAVING in a query without GROUP
	// BY. IBM documents HAVING only as a filter on grouped results ("The
	// HAVING clause follows the GROUP BY clause", IBM "HAVING clause"); what
	// QRadar does without GROUP BY is not documented. detgen's executor
	// treats the whole result as one group, as SQL does.
	CodeHavingWithoutGroupBy = "having-without-group-by"

	// CodeMisplacedAggregate (error): an aggregate function where only
	// per-event values exist: in WHERE (which filters events before they
	// are grouped; test aggregates in HAVING), in GROUP BY, or nested in
	// another aggregate (SUM(COUNT(*))).
	CodeMisplacedAggregate = "misplaced-aggregate"

	// CodeAggregateOfConditional (warning): an aggregate over IF or CASE,
	// such as SUM(IF x THEN 1 ELSE 0). IBM documents IF/CASE in the SELECT
	// list and aggregates over columns and arithmetic (LONG(SUM(sourcebytes
	// + destinationbytes))), but no IBM example or corpus query aggregates a
	// conditional, so QRadar's acceptance is unconfirmed: validate it on a
	// console (POST /api/ariel/validators/aql) or move the condition into
	// WHERE of a separate query.
	CodeAggregateOfConditional = "aggregate-of-conditional"
)

// Check reports semantic problems in q that the grammar cannot catch: AQL
// pitfalls that make QRadar reject the query, make it match nothing, or make
// it slow or misleading. See the Code* constants for each check. Diagnostics
// are sorted by position.
func Check(q *Query) []Diagnostic {
	c := &checker{reported: map[Node]bool{}}
	if q != nil {
		c.query(q, true)
	}
	sort.SliceStable(c.diags, func(i, j int) bool {
		a, b := c.diags[i], c.diags[j]
		if a.Pos.Offset != b.Pos.Offset {
			return a.Pos.Offset < b.Pos.Offset
		}
		return a.Code < b.Code
	})
	return c.diags
}

type checker struct {
	diags    []Diagnostic
	reported map[Node]bool // nodes already reported for a code-specific reason
}

func (c *checker) report(pos Pos, sev Severity, code, format string, args ...any) {
	c.diags = append(c.diags, Diagnostic{Pos: pos, Severity: sev, Code: code, Msg: fmt.Sprintf(format, args...)})
}

// scope is what one SELECT defines for name resolution.
type scope struct {
	star    bool
	aliases map[string]bool // lower-case alias names
	columns map[string]bool // lower-case names of selected plain columns
	exprs   map[string]bool // exprKey of selected expressions
	// payloadAlias is set for payload column names that a select alias
	// redefines (e.g. BASE64(payload) AS payload): in WHERE such a name may
	// refer to the alias, so it is not reported as a bare payload.
	payloadAlias map[string]bool
}

func newScope(q *Query) *scope {
	s := &scope{aliases: map[string]bool{}, columns: map[string]bool{}, exprs: map[string]bool{}, payloadAlias: map[string]bool{}}
	for _, it := range q.Items {
		e := Unparen(it.Expr)
		if _, ok := e.(*Star); ok {
			s.star = true
			continue
		}
		s.exprs[exprKey(e)] = true
		if id, ok := e.(*Ident); ok {
			s.columns[strings.ToLower(id.Name)] = true
		}
		if it.Alias != nil {
			name := strings.ToLower(it.Alias.Name)
			s.aliases[name] = true
			if payloadColumns[name] && !isPayloadIdent(e) {
				s.payloadAlias[name] = true
			}
		}
	}
	return s
}

// exprKey returns a comparison key for e that ignores positions, identifier
// quoting and case, and function-name case.
func exprKey(e Expr) string {
	p := printer{norm: true}
	p.expr(Unparen(e), 0, false)
	return p.String()
}

var payloadColumns = map[string]bool{"payload": true, "sourcepayload": true, "destinationpayload": true}

func isPayloadIdent(e Expr) bool {
	id, ok := Unparen(e).(*Ident)
	return ok && payloadColumns[strings.ToLower(id.Name)]
}

func (c *checker) query(q *Query, top bool) {
	sc := newScope(q)
	if q.HasDistinct() {
		c.report(q.Distinct, SeverityError, CodeDistinct,
			"SELECT DISTINCT is not supported by AQL; use GROUP BY or UNIQUECOUNT()")
	}

	// Expression checks over the whole query; sub-selects get their own scope.
	Inspect(q, func(n Node) bool {
		if sub, ok := n.(*Query); ok && sub != q {
			c.query(sub, false)
			return false
		}
		c.node(n, sc)
		return true
	})

	c.orderBy(q, sc)
	c.aggregation(q, sc)

	if top && q.Time == nil {
		c.report(q.Select, SeverityWarning, CodeNoTimeClause,
			"no time clause: QRadar searches only its default window (5 minutes in the UI, 60 seconds via the REST API); end the query with LAST n MINUTES|HOURS|DAYS or START ... STOP ...")
		if q.Where != nil {
			c.starttimeInWhere(q.Where)
		}
	}
}

func (c *checker) node(n Node, sc *scope) {
	switch n := n.(type) {
	case *Call:
		c.call(n)
		c.args(n)
	case *Binary:
		switch {
		case n.Op == OR:
			c.mixedAndOr(n)
		case isComparison(n.Op):
			c.quotedName(n.X, n.Y)
			if n.Op == EQ || n.Op == EQEQ || n.Op == NEQ || n.Op == LTGT {
				if isString(n.Y) {
					c.barePayload(n.X, sc)
				}
				if isString(n.X) {
					c.barePayload(n.Y, sc)
				}
			}
		}
	case *Like:
		c.quotedName(n.X, n.Pattern)
		c.barePayload(n.X, sc)
		c.barePayload(n.Pattern, sc)
		if containsCall(n.X, "LOGSOURCETYPENAME") {
			c.report(n.X.Pos(), SeverityWarning, CodeLogSourceTypeNameLike,
				"LOGSOURCETYPENAME(...) %s is evaluated for every event and may match unintended log source types; filter on devicetype = <id> or devicetype IN (...) instead", n.Op)
		}
		if (n.Op == LIKE || n.Op == ILIKE) && isString(n.Pattern) {
			pat := Unparen(n.Pattern).(*StringLit)
			if !HasLikeWildcard(pat.Value) {
				c.report(pat.Pos(), SeverityWarning, CodeLikeWithoutWildcard,
					"%s pattern %s has no %% or _ wildcard, so it matches the whole value exactly; use = for equality or add %% for a substring match", n.Op, QuoteString(truncate(pat.Value, 40)))
			}
		}
	case *In:
		anyString := false
		for _, e := range n.List {
			if isString(e) {
				anyString = true
			}
		}
		if anyString {
			c.quotedNameIn(n)
			c.barePayload(n.X, sc)
		}
	case *Between:
		if isString(n.Lo) || isString(n.Hi) {
			c.quotedName(n.X, n.Lo)
		}
	}
}

func isString(e Expr) bool {
	_, ok := Unparen(e).(*StringLit)
	return ok
}

// call checks the function name against the documented functions.
func (c *checker) call(n *Call) {
	if _, ok := LookupFunc(n.Namespace, n.Name); ok {
		return
	}
	switch {
	case n.Namespace == "":
		c.report(n.Pos(), SeverityError, CodeUnknownFunction,
			"unknown function %s: not a documented QRadar AQL function", n.Name)
	case strings.EqualFold(n.Namespace, "GEO"):
		c.report(n.Pos(), SeverityError, CodeUnknownFunction,
			"unknown function %s: the GEO namespace has LOOKUP and DISTANCE (plus _BY_DOMAIN and _TEXT variants)", n.FullName())
	default:
		c.report(n.Pos(), SeverityWarning, CodeUnknownFunction,
			"custom function %s: only available if a content extension on the console defines it", n.FullName())
	}
}

// args checks the arguments of functions with a known signature.
func (c *checker) args(n *Call) {
	if n.Namespace != "" {
		return
	}
	name := strings.ToUpper(n.Name)
	if want, ok := FuncArity(name); ok && len(n.Args) != want {
		c.report(n.Pos(), SeverityError, CodeBadArgument,
			"%s takes %d argument(s), found %d", name, want, len(n.Args))
		return
	}
	switch name {
	case "INCIDR":
		c.incidrArgs(n)
	case "REFERENCESETCONTAINS":
		if !isString(n.Args[0]) {
			c.report(n.Args[0].Pos(), SeverityError, CodeBadArgument,
				"the first argument of REFERENCESETCONTAINS is the reference set name in single quotes: REFERENCESETCONTAINS('set name', %s)", PrintExpr(n.Args[1]))
		}
	}
}

// incidrArgs checks INCIDR('cidr', ip): a literal CIDR must parse, and a
// CIDR written second means the arguments are swapped.
func (c *checker) incidrArgs(n *Call) {
	if lit, ok := Unparen(n.Args[0]).(*StringLit); ok {
		if _, err := ParseCIDR(lit.Value); err != nil {
			c.report(lit.Pos(), SeverityError, CodeBadArgument, "INCIDR: %v", err)
		}
		return
	}
	if lit, ok := Unparen(n.Args[1]).(*StringLit); ok {
		if _, err := ParseCIDR(lit.Value); err == nil {
			c.report(n.Pos(), SeverityError, CodeBadArgument,
				"INCIDR arguments are swapped: the CIDR comes first, INCIDR(%s, %s)", QuoteString(lit.Value), PrintExpr(n.Args[0]))
		}
	}
}

// quotedName reports 'name' op 'value'.
func (c *checker) quotedName(left, right Expr) {
	l, ok := Unparen(left).(*StringLit)
	if !ok || !isString(right) || c.reported[l] {
		return
	}
	c.reported[l] = true
	c.report(l.Pos(), SeverityError, CodeQuotedNameAsField,
		"%s is a string constant, not a field, so this compares two constants; write a field name in double quotes: %s",
		QuoteString(truncate(l.Value, 40)), `"`+truncate(l.Value, 40)+`"`)
}

func (c *checker) quotedNameIn(n *In) {
	for _, e := range n.List {
		if isString(e) {
			c.quotedName(n.X, e)
			return
		}
	}
}

// barePayload reports payload columns in e that are not inside UTF8() or
// BASE64().
func (c *checker) barePayload(e Expr, sc *scope) {
	Inspect(e, func(n Node) bool {
		switch n := n.(type) {
		case *Call:
			if n.Namespace == "" && (strings.EqualFold(n.Name, "UTF8") || strings.EqualFold(n.Name, "BASE64")) {
				return false
			}
		case *Query:
			return false
		case *Ident:
			name := strings.ToLower(n.Name)
			if payloadColumns[name] && !sc.payloadAlias[name] && !c.reported[n] {
				c.reported[n] = true
				c.report(n.Pos(), SeverityError, CodeBarePayload,
					"%s is binary: compare UTF8(%s) (or LOWER(UTF8(%s))) instead", n.Name, n.Name, n.Name)
			}
		}
		return true
	})
}

// containsCall reports whether e calls the plain function name (upper-case).
func containsCall(e Expr, name string) bool {
	found := false
	Inspect(e, func(n Node) bool {
		if found {
			return false
		}
		if call, ok := n.(*Call); ok && call.Namespace == "" && strings.EqualFold(call.Name, name) {
			found = true
		}
		_, isQuery := n.(*Query)
		return !isQuery
	})
	return found
}

// mixedAndOr is called for every OR node; it handles a whole chain of
// unparenthesised ORs at its top node and reports once per chain.
func (c *checker) mixedAndOr(n *Binary) {
	if c.reported[n] {
		return
	}
	var operands []Expr
	var flatten func(e Expr)
	flatten = func(e Expr) {
		if b, ok := e.(*Binary); ok && b.Op == OR {
			c.reported[b] = true
			flatten(b.X)
			flatten(b.Y)
			return
		}
		operands = append(operands, e)
	}
	flatten(n)
	for _, e := range operands {
		if b, ok := e.(*Binary); ok && b.Op == AND {
			c.report(b.OpPos, SeverityWarning, CodeMixedAndOr,
				"AND and OR mixed without parentheses: AND binds tighter (a OR b AND c means a OR (b AND c)); add parentheses to make the grouping explicit")
			return
		}
	}
}

// orderBy checks that ORDER BY refers to selected columns or aliases.
func (c *checker) orderBy(q *Query, sc *scope) {
	for _, o := range q.OrderBy {
		e := Unparen(o.Expr)
		switch e := e.(type) {
		case *StringLit:
			if sc.aliases[strings.ToLower(e.Value)] {
				c.report(e.Pos(), SeverityWarning, CodeOrderByNotSelected,
					"ORDER BY %s sorts by a string constant; refer to the alias in double quotes: %s", QuoteString(e.Value), `"`+e.Value+`"`)
			} else {
				c.report(e.Pos(), SeverityWarning, CodeOrderByNotSelected,
					"ORDER BY %s sorts by a string constant", QuoteString(truncate(e.Value, 40)))
			}
			continue
		case *NumberLit, *BoolLit, *NullLit:
			c.report(e.Pos(), SeverityWarning, CodeOrderByNotSelected,
				"ORDER BY a constant has no effect (AQL has no positional ORDER BY)")
			continue
		}
		if sc.exprs[exprKey(e)] {
			continue
		}
		Inspect(e, func(n Node) bool {
			switch n := n.(type) {
			case *Query:
				return false
			case *Ident:
				name := strings.ToLower(n.Name)
				if !sc.star && !sc.aliases[name] && !sc.columns[name] && !sc.exprs[exprKey(n)] {
					c.report(n.Pos(), SeverityWarning, CodeOrderByNotSelected,
						"ORDER BY %s: %s is neither selected nor a select alias; QRadar requires ORDER BY columns to be in the SELECT list",
						PrintExpr(o.Expr), PrintExpr(n))
					return false
				}
			}
			return true
		})
	}
}

var timeColumns = map[string]bool{"starttime": true, "endtime": true}

// starttimeInWhere reports the first starttime/endtime comparison in where.
func (c *checker) starttimeInWhere(where Expr) {
	var found *Ident
	Inspect(where, func(n Node) bool {
		if found != nil {
			return false
		}
		var operands []Expr
		switch n := n.(type) {
		case *Query:
			return false
		case *Binary:
			if isComparison(n.Op) {
				operands = []Expr{n.X, n.Y}
			}
		case *Between:
			operands = []Expr{n.X}
		case *In:
			operands = []Expr{n.X}
		}
		for _, e := range operands {
			Inspect(e, func(m Node) bool {
				if id, ok := m.(*Ident); ok && found == nil && timeColumns[strings.ToLower(id.Name)] {
					found = id
				}
				return found == nil
			})
		}
		return true
	})
	if found != nil {
		c.report(found.Pos(), SeverityWarning, CodeStarttimeInWhere,
			"%s in WHERE does not set the search window: without a time clause QRadar only scans its default window; use LAST n MINUTES|HOURS|DAYS or START ... STOP ... instead", found.Name)
	}
}
