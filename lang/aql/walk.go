package aql

// Inspect traverses the tree rooted at n in depth-first order, calling f for
// each node (including *Query, *SelectItem, *OrderItem, *When, *Name, *Limit,
// *Param and time clauses). If f returns false, the children of that node are
// skipped. Sub-selects (x IN (SELECT ...)) are traversed as *Query nodes.
func Inspect(n Node, f func(Node) bool) {
	if n == nil || !f(n) {
		return
	}
	switch n := n.(type) {
	case *Query:
		for _, it := range n.Items {
			Inspect(it, f)
		}
		if n.Into != nil {
			Inspect(n.Into, f)
		}
		inspectExpr(n.Where, f)
		for _, e := range n.GroupBy {
			Inspect(e, f)
		}
		inspectExpr(n.Having, f)
		for _, o := range n.OrderBy {
			Inspect(o, f)
		}
		if n.Limit != nil {
			Inspect(n.Limit, f)
		}
		if n.Time != nil {
			Inspect(n.Time, f)
		}
		for _, p := range n.Params {
			Inspect(p, f)
		}
	case *SelectItem:
		Inspect(n.Expr, f)
		if n.Alias != nil {
			Inspect(n.Alias, f)
		}
	case *OrderItem:
		Inspect(n.Expr, f)
		if n.Collate != nil {
			Inspect(n.Collate, f)
		}
	case *StartClause:
		inspectExpr(n.Start, f)
		inspectExpr(n.Stop, f)
	case *Param:
		inspectExpr(n.Value, f)
	case *Paren:
		Inspect(n.X, f)
	case *Call:
		for _, a := range n.Args {
			Inspect(a, f)
		}
	case *Unary:
		Inspect(n.X, f)
	case *Binary:
		Inspect(n.X, f)
		Inspect(n.Y, f)
	case *Like:
		Inspect(n.X, f)
		Inspect(n.Pattern, f)
	case *In:
		Inspect(n.X, f)
		for _, e := range n.List {
			Inspect(e, f)
		}
		if n.Select != nil {
			Inspect(n.Select, f)
		}
	case *Between:
		Inspect(n.X, f)
		Inspect(n.Lo, f)
		Inspect(n.Hi, f)
	case *IsNull:
		Inspect(n.X, f)
	case *TextSearch:
		if n.Query != nil {
			Inspect(n.Query, f)
		}
	case *Case:
		inspectExpr(n.Operand, f)
		for _, w := range n.Whens {
			Inspect(w, f)
		}
		inspectExpr(n.Else, f)
	case *When:
		Inspect(n.Cond, f)
		Inspect(n.Result, f)
	case *If:
		Inspect(n.Cond, f)
		Inspect(n.Then, f)
		Inspect(n.Else, f)
	}
}

// inspectExpr avoids passing a typed nil Expr to Inspect as a non-nil Node.
func inspectExpr(e Expr, f func(Node) bool) {
	if e != nil {
		Inspect(e, f)
	}
}
