package aql

import "strings"

// IsAggregateCall reports whether n calls a documented aggregate function
// (COUNT, SUM, UNIQUECOUNT, FIRST, LAST, ...). Namespaced custom functions
// are never aggregates.
func IsAggregateCall(n *Call) bool {
	if n.Namespace != "" {
		return false
	}
	k, ok := LookupFunc("", n.Name)
	return ok && k == AggregateFunc
}

// ContainsAggregate reports whether e calls an aggregate function outside
// any sub-select.
func ContainsAggregate(e Expr) bool {
	found := false
	if e == nil {
		return false
	}
	Inspect(e, func(n Node) bool {
		if found {
			return false
		}
		switch n := n.(type) {
		case *Query:
			return false
		case *Call:
			if IsAggregateCall(n) {
				found = true
				return false
			}
		}
		return true
	})
	return found
}

// IsAggregating reports whether q aggregates events into groups: it has
// GROUP BY or HAVING, or an aggregate function in SELECT or ORDER BY.
// Without GROUP BY the whole result is one group.
func IsAggregating(q *Query) bool {
	if len(q.GroupBy) > 0 || q.Having != nil {
		return true
	}
	for _, it := range q.Items {
		if ContainsAggregate(it.Expr) {
			return true
		}
	}
	for _, o := range q.OrderBy {
		if ContainsAggregate(o.Expr) {
			return true
		}
	}
	return false
}

// grouping describes what a GROUP BY clause makes constant per group.
type grouping struct {
	keys  map[string]bool // exprKey of grouped expressions
	names map[string]bool // lower-case names of grouped columns and aliases
}

func newGrouping(q *Query) *grouping {
	g := &grouping{keys: map[string]bool{}, names: map[string]bool{}}
	for _, e := range q.GroupBy {
		e = Unparen(e)
		g.keys[exprKey(e)] = true
		id, ok := e.(*Ident)
		if !ok {
			continue
		}
		name := strings.ToLower(id.Name)
		g.names[name] = true
		// GROUP BY alias (IBM: SELECT LONG(sourceip) AS long_ip ... GROUP BY
		// long_ip) groups by the aliased expression.
		for _, it := range q.Items {
			if it.Alias != nil && strings.ToLower(it.Alias.Name) == name {
				g.keys[exprKey(it.Expr)] = true
			}
		}
	}
	return g
}

// ungrouped returns the first column reference in e that is neither inside
// an aggregate nor part of a grouped expression, or nil. skip reports
// names that are acceptable anyway (select aliases in HAVING).
func (g *grouping) ungrouped(e Expr, skip func(name string) bool) *Ident {
	var found *Ident
	Inspect(e, func(n Node) bool {
		if found != nil {
			return false
		}
		switch n := n.(type) {
		case *Query:
			return false
		case *Call:
			if IsAggregateCall(n) {
				return false
			}
		}
		if x, ok := n.(Expr); ok && g.keys[exprKey(x)] {
			return false
		}
		if id, ok := n.(*Ident); ok {
			name := strings.ToLower(id.Name)
			if !g.names[name] && (skip == nil || !skip(name)) {
				found = id
			}
		}
		return true
	})
	return found
}

// aggregation runs the GROUP BY / HAVING / aggregate checks on one query.
func (c *checker) aggregation(q *Query, sc *scope) {
	if q.Where != nil {
		c.aggregatesIn(q.Where, "WHERE filters events before they are grouped; test aggregates in HAVING")
	}
	for _, e := range q.GroupBy {
		c.aggregatesIn(e, "GROUP BY needs a per-event value")
	}
	c.aggregateArgs(q)
	if q.Having != nil && len(q.GroupBy) == 0 {
		c.report(q.Having.Pos(), SeverityWarning, CodeHavingWithoutGroupBy,
			"HAVING without GROUP BY: IBM documents HAVING only after GROUP BY; QRadar's behaviour without it is undocumented (detgen treats the whole result as one group)")
	}
	if !IsAggregating(q) {
		return
	}
	g := newGrouping(q)
	for _, it := range q.Items {
		if _, ok := Unparen(it.Expr).(*Star); ok {
			continue
		}
		if id := g.ungrouped(it.Expr, nil); id != nil {
			c.report(id.Pos(), SeverityWarning, CodeUngroupedColumn,
				"%s is neither in GROUP BY nor inside an aggregate: QRadar returns the value of the group's first event (FIRST_%s), an arbitrary one; group by it or aggregate it (FIRST, MIN, MAX, UNIQUECOUNT ...)",
				PrintExpr(id), id.Name)
		}
	}
	if q.Having != nil {
		selected := func(name string) bool { return sc.aliases[name] || sc.columns[name] || sc.star }
		if id := g.ungrouped(q.Having, selected); id != nil {
			c.report(id.Pos(), SeverityWarning, CodeUngroupedColumn,
				"HAVING tests %s, which is neither grouped, aggregated nor a select alias: QRadar would test the group's first event only; aggregate it or add it to GROUP BY",
				PrintExpr(id))
		}
	}
}

// aggregatesIn reports every aggregate call in e (a per-event context).
func (c *checker) aggregatesIn(e Expr, why string) {
	Inspect(e, func(n Node) bool {
		switch n := n.(type) {
		case *Query:
			return false
		case *Call:
			if IsAggregateCall(n) {
				c.report(n.Pos(), SeverityError, CodeMisplacedAggregate,
					"aggregate %s is not allowed here: %s", strings.ToUpper(n.Name), why)
				return false
			}
		}
		return true
	})
}

// aggregateArgs checks the arguments of every aggregate call of q (outside
// sub-selects): no nested aggregate, and a warning for IF/CASE.
func (c *checker) aggregateArgs(q *Query) {
	Inspect(q, func(n Node) bool {
		switch n := n.(type) {
		case *Query:
			return n == q
		case *Call:
			if !IsAggregateCall(n) {
				return true
			}
			for _, a := range n.Args {
				c.aggregatesIn(a, "aggregates cannot be nested")
			}
			for _, a := range n.Args {
				if cond := findConditional(a); cond != nil {
					c.report(cond.Pos(), SeverityWarning, CodeAggregateOfConditional,
						"%s over an IF/CASE expression is not documented for QRadar; verify it on a console (POST /api/ariel/validators/aql) or move the condition into WHERE", strings.ToUpper(n.Name))
					break
				}
			}
			return false
		}
		return true
	})
}

func findConditional(e Expr) Expr {
	var found Expr
	Inspect(e, func(n Node) bool {
		if found != nil {
			return false
		}
		switch n := n.(type) {
		case *Query:
			return false
		case *If:
			found = n
		case *Case:
			found = n
		}
		return found == nil
	})
	return found
}
