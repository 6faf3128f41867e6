package aql

// Node is any node of the syntax tree.
type Node interface {
	// Pos returns the position of the first token of the node.
	Pos() Pos
}

// Expr is an expression. AQL conditions are boolean expressions, so WHERE and
// HAVING clauses are Exprs too.
type Expr interface {
	Node
	exprNode()
}

// TimeClause is the query's time window: *LastClause or *StartClause.
type TimeClause interface {
	Node
	timeNode()
}

// Query is a SELECT statement:
//
//	SELECT [DISTINCT] item {, item} FROM table [INTO cursor] [WHERE cond]
//	[GROUP BY expr {, expr}] [HAVING cond] [ORDER BY oitem {, oitem}]
//	[LIMIT n] [time clause] [PARAMETERS name=value {, name=value}]
type Query struct {
	Select   Pos // position of SELECT
	Distinct Pos // position of DISTINCT; invalid if absent (AQL has no DISTINCT: see Check)
	Items    []*SelectItem

	From     Pos    // position of FROM
	TablePos Pos    // position of the table name
	Table    string // "events", "flows" or "simarc" (always lower-case)

	Into *Name // INTO cursor; nil if absent

	Where   Expr // nil if absent
	GroupBy []Expr
	Having  Expr // nil if absent
	OrderBy []*OrderItem
	Limit   *Limit     // nil if absent
	Time    TimeClause // nil if absent
	Params  []*Param   // PARAMETERS; nil if absent
}

// Pos returns the position of SELECT.
func (q *Query) Pos() Pos { return q.Select }

// HasDistinct reports whether the query was written SELECT DISTINCT.
func (q *Query) HasDistinct() bool { return q.Distinct.IsValid() }

// QuoteKind records how a name was written.
type QuoteKind int

const (
	Bare         QuoteKind = iota // name
	DoubleQuoted                  // "name"
	SingleQuoted                  // 'name' (only for aliases)
)

// Name is an alias (AS name) or cursor name (INTO name).
type Name struct {
	NamePos Pos
	Name    string
	Quote   QuoteKind
}

// Pos returns the position of the name.
func (n *Name) Pos() Pos { return n.NamePos }

// SelectItem is one entry of the SELECT list.
type SelectItem struct {
	Expr  Expr  // *Star for SELECT *
	AsPos Pos   // position of AS; invalid if there is no alias
	Alias *Name // nil if absent
}

// Pos returns the position of the expression.
func (s *SelectItem) Pos() Pos { return s.Expr.Pos() }

// Direction is an ORDER BY direction.
type Direction int

const (
	NoDirection Direction = iota
	Asc
	Desc
)

// OrderItem is one ORDER BY entry: expr [ASC|DESC] [COLLATE 'tag'].
type OrderItem struct {
	Expr    Expr
	Dir     Direction
	DirPos  Pos
	Collate *StringLit // nil if absent
}

// Pos returns the position of the expression.
func (o *OrderItem) Pos() Pos { return o.Expr.Pos() }

// Limit is LIMIT n.
type Limit struct {
	LimitPos Pos
	NPos     Pos
	N        int64
}

// Pos returns the position of LIMIT.
func (l *Limit) Pos() Pos { return l.LimitPos }

// TimeUnit is the unit of a LAST clause.
type TimeUnit int

const (
	Minutes TimeUnit = iota
	Hours
	Days
)

// String returns MINUTES, HOURS or DAYS.
func (u TimeUnit) String() string {
	switch u {
	case Minutes:
		return "MINUTES"
	case Hours:
		return "HOURS"
	case Days:
		return "DAYS"
	}
	return "TimeUnit(?)"
}

// LastClause is LAST n MINUTES|HOURS|DAYS.
type LastClause struct {
	LastPos Pos
	NPos    Pos
	N       int64
	Unit    TimeUnit
	UnitPos Pos
}

// StartClause is START t [STOP t]; t is a string ('2014-04-25 15:51'), an
// integer (epoch milliseconds) or a function call (PARSEDATETIME('1 day ago')).
type StartClause struct {
	StartPos Pos
	Start    Expr
	StopPos  Pos  // invalid if there is no STOP
	Stop     Expr // nil if absent (STOP defaults to now)
}

func (c *LastClause) Pos() Pos  { return c.LastPos }
func (c *StartClause) Pos() Pos { return c.StartPos }
func (*LastClause) timeNode()   {}
func (*StartClause) timeNode()  {}

// Param is one PARAMETERS entry: name=value.
type Param struct {
	NamePos Pos
	Name    string
	Value   Expr // literal: *StringLit, *NumberLit, *BoolLit or *Ident
}

// Pos returns the position of the name.
func (p *Param) Pos() Pos { return p.NamePos }

// ---------------------------------------------------------------------------
// Expressions

type (
	// Ident is a column, custom property or alias reference: sourceip or
	// "Process Name".
	Ident struct {
		NamePos Pos
		Name    string
		Quoted  bool // written in double quotes
	}

	// StringLit is a single-quoted string; Value is unescaped ('' → ').
	StringLit struct {
		ValuePos Pos
		Value    string
	}

	// NumberLit is an integer, decimal or hexadecimal number; Raw is the
	// source text (10000, 6.5, 0xff000000).
	NumberLit struct {
		ValuePos Pos
		Raw      string
		Float    bool // has a decimal point
	}

	// BoolLit is TRUE or FALSE.
	BoolLit struct {
		ValuePos Pos
		Value    bool
	}

	// NullLit is NULL.
	NullLit struct {
		NullPos Pos
	}

	// Star is * in SELECT * or COUNT(*).
	Star struct {
		StarPos Pos
	}

	// Paren is a parenthesised expression. It is kept in the tree so that
	// the printer reproduces the source grouping and checks can tell whether
	// the author grouped AND/OR explicitly.
	Paren struct {
		Lparen Pos
		X      Expr
		Rparen Pos
	}

	// Call is a function call, optionally namespaced: COUNT(*),
	// GEO::LOOKUP(sourceip, 'city'). Name and Namespace are as written.
	Call struct {
		NsPos     Pos    // position of the namespace; invalid if none
		Namespace string // "" if none
		NamePos   Pos
		Name      string
		Lparen    Pos
		Args      []Expr
		Rparen    Pos
	}

	// Unary is NOT x or -x.
	Unary struct {
		OpPos Pos
		Op    Kind // NOT or MINUS
		X     Expr
	}

	// Binary is x op y for arithmetic (+ - * / % ^ &), comparison
	// (= == != <> < <= > >=) and logic (AND, OR).
	Binary struct {
		X     Expr
		OpPos Pos
		Op    Kind
		Y     Expr
	}

	// Like is x [NOT] LIKE|ILIKE|MATCHES|IMATCHES pattern.
	Like struct {
		X       Expr
		Not     bool
		OpPos   Pos // position of NOT, or of the operator
		Op      Kind
		Pattern Expr
	}

	// In is x [NOT] IN (list) or x [NOT] IN (SELECT ...).
	In struct {
		X      Expr
		Not    bool
		OpPos  Pos // position of NOT, or of IN
		Lparen Pos
		List   []Expr // nil for a sub-select
		Select *Query // nil for a list
		Rparen Pos
	}

	// Between is x [NOT] BETWEEN lo AND hi.
	Between struct {
		X     Expr
		Not   bool
		OpPos Pos
		Lo    Expr
		Hi    Expr
	}

	// IsNull is x IS [NOT] NULL.
	IsNull struct {
		X     Expr
		IsPos Pos
		Not   bool
	}

	// TextSearch is TEXT SEARCH 'full-text expression'.
	TextSearch struct {
		TextPos Pos
		Query   *StringLit
	}

	// Case is a simple CASE (Operand != nil: CASE x WHEN v THEN r ... END) or a
	// searched CASE (Operand == nil: CASE WHEN cond THEN r ... END).
	Case struct {
		CasePos Pos
		Operand Expr
		Whens   []*When
		ElsePos Pos
		Else    Expr // nil if absent
		EndPos  Pos
	}

	// If is IF cond THEN x ELSE y. There is no END: the ELSE branch extends
	// as far to the right as possible, so IF as a left operand must be
	// parenthesised.
	If struct {
		IfPos   Pos
		Cond    Expr
		ThenPos Pos
		Then    Expr
		ElsePos Pos
		Else    Expr
	}
)

// When is one WHEN ... THEN ... arm of a CASE.
type When struct {
	WhenPos Pos
	Cond    Expr // the value (simple CASE) or condition (searched CASE)
	ThenPos Pos
	Result  Expr
}

// Pos returns the position of WHEN.
func (w *When) Pos() Pos { return w.WhenPos }

func (x *Ident) Pos() Pos      { return x.NamePos }
func (x *StringLit) Pos() Pos  { return x.ValuePos }
func (x *NumberLit) Pos() Pos  { return x.ValuePos }
func (x *BoolLit) Pos() Pos    { return x.ValuePos }
func (x *NullLit) Pos() Pos    { return x.NullPos }
func (x *Star) Pos() Pos       { return x.StarPos }
func (x *Paren) Pos() Pos      { return x.Lparen }
func (x *Unary) Pos() Pos      { return x.OpPos }
func (x *Binary) Pos() Pos     { return x.X.Pos() }
func (x *Like) Pos() Pos       { return x.X.Pos() }
func (x *In) Pos() Pos         { return x.X.Pos() }
func (x *Between) Pos() Pos    { return x.X.Pos() }
func (x *IsNull) Pos() Pos     { return x.X.Pos() }
func (x *TextSearch) Pos() Pos { return x.TextPos }
func (x *Case) Pos() Pos       { return x.CasePos }
func (x *If) Pos() Pos         { return x.IfPos }
func (x *Call) Pos() Pos {
	if x.NsPos.IsValid() {
		return x.NsPos
	}
	return x.NamePos
}

func (*Ident) exprNode()      {}
func (*StringLit) exprNode()  {}
func (*NumberLit) exprNode()  {}
func (*BoolLit) exprNode()    {}
func (*NullLit) exprNode()    {}
func (*Star) exprNode()       {}
func (*Paren) exprNode()      {}
func (*Call) exprNode()       {}
func (*Unary) exprNode()      {}
func (*Binary) exprNode()     {}
func (*Like) exprNode()       {}
func (*In) exprNode()         {}
func (*Between) exprNode()    {}
func (*IsNull) exprNode()     {}
func (*TextSearch) exprNode() {}
func (*Case) exprNode()       {}
func (*If) exprNode()         {}

// FullName returns "ns::name" for a namespaced call, else the name.
func (x *Call) FullName() string {
	if x.Namespace != "" {
		return x.Namespace + "::" + x.Name
	}
	return x.Name
}

// Unparen strips any number of enclosing parentheses.
func Unparen(e Expr) Expr {
	for {
		p, ok := e.(*Paren)
		if !ok {
			return e
		}
		e = p.X
	}
}
