package yaral

// The syntax tree. Positions are informational: the printer ignores them and
// two trees that differ only in positions describe the same rule.
//
// Parentheses are not represented: the parser drops them after using them for
// grouping, and the printer inserts the parentheses that the tree structure
// requires. A code generator can therefore build expression trees without
// caring about precedence.
//
// Names are stored without sigils ("$e" is Var{Name: "e"}). Keyword spellings
// are normalised to lower case (function "MAX(" is CallExpr{Name: "max"});
// identifiers keep their spelling.

// Node is implemented by every syntax tree node.
type Node interface {
	Pos() Pos // position of the first character of the node
}

// Expr is implemented by every expression node.
type Expr interface {
	Node
	exprNode()
}

// Rule is one YARA-L rule:
//
//	rule NAME { meta: ... events: ... [match: ...] [outcome: ...] condition: ... [options: ...] }
type Rule struct {
	Rule    Pos // position of "rule"
	Name    string
	NamePos Pos

	Meta      *MetaSection      // required (may have no entries)
	Events    *EventsSection    // required
	Match     *MatchSection     // optional
	Outcome   *OutcomeSection   // optional
	Condition *ConditionSection // required
	Options   *OptionsSection   // optional
}

// Pos returns the position of the "rule" keyword.
func (r *Rule) Pos() Pos { return r.Rule }

// MetaSection holds "key = value" lines.
type MetaSection struct {
	Meta    Pos // position of "meta"
	Entries []*KeyValue
}

// Pos returns the position of the "meta" keyword.
func (s *MetaSection) Pos() Pos { return s.Meta }

// KeyValue is a "key = literal" line of the meta or options section.
type KeyValue struct {
	KeyPos Pos
	Key    string
	Value  *BasicLit
}

// Pos returns the position of the key.
func (kv *KeyValue) Pos() Pos { return kv.KeyPos }

// EventsSection holds the predicates of the events section. They are
// implicitly and-ed.
type EventsSection struct {
	Events     Pos // position of "events"
	Predicates []Expr
}

// Pos returns the position of the "events" keyword.
func (s *EventsSection) Pos() Pos { return s.Events }

// WindowKind is the kind of a match window.
type WindowKind int

const (
	// Over is a hop window ("over 5m"), or a sliding window when the
	// MatchSection has an Anchor.
	Over WindowKind = iota
	// By is a tumbling window ("by 30m").
	By
)

// String returns "over" or "by".
func (k WindowKind) String() string {
	if k == By {
		return "by"
	}
	return "over"
}

// MatchSection is "$a, $b over 5m [before|after $e]" or "$a by 30m".
type MatchSection struct {
	Match     Pos // position of "match"
	Vars      []*Var
	Kind      WindowKind
	KindPos   Pos
	Window    *BasicLit // DURATION literal
	Anchor    Token     // BEFORE, AFTER, or ILLEGAL (none); only with Over
	AnchorPos Pos
	AnchorVar *Var // the pivot event variable when Anchor != ILLEGAL
}

// Pos returns the position of the "match" keyword.
func (s *MatchSection) Pos() Pos { return s.Match }

// OutcomeSection holds "$name = expr" lines.
type OutcomeSection struct {
	Outcome     Pos // position of "outcome"
	Assignments []*Assignment
}

// Pos returns the position of the "outcome" keyword.
func (s *OutcomeSection) Pos() Pos { return s.Outcome }

// Assignment is one outcome variable definition "$name = expr".
type Assignment struct {
	Var    *Var
	Assign Pos // position of "="
	Value  Expr
}

// Pos returns the position of the variable.
func (a *Assignment) Pos() Pos { return a.Var.Pos() }

// ConditionSection holds the boolean condition.
type ConditionSection struct {
	Condition Pos // position of "condition"
	Expr      Expr
}

// Pos returns the position of the "condition" keyword.
func (s *ConditionSection) Pos() Pos { return s.Condition }

// OptionsSection holds "key = literal" lines.
type OptionsSection struct {
	Options Pos // position of "options"
	Entries []*KeyValue
}

// Pos returns the position of the "options" keyword.
func (s *OptionsSection) Pos() Pos { return s.Options }

// ----------------------------------------------------------------------------
// Expressions

type (
	// Var is an event, placeholder or outcome variable: $name.
	Var struct {
		NamePos Pos
		Name    string // without "$"
	}

	// CountVar is a count of an event or placeholder variable: #name.
	CountVar struct {
		NamePos Pos
		Name    string // without "#"
	}

	// Ident is a bare identifier used as a value: the window bounds
	// window_start and window_end, or a bare-word value of a NamedArg.
	Ident struct {
		NamePos Pos
		Name    string
	}

	// BasicLit is a literal. Value is the source text: quotes and escapes
	// included for STRING, RAWSTRING and REGEX (decode it with Unquote),
	// digits for INT and FLOAT ("01" stays "01"), "5m" for DURATION and
	// "true"/"false" for BOOL.
	BasicLit struct {
		ValuePos Pos
		Kind     Token // INT, FLOAT, DURATION, STRING, RAWSTRING, REGEX or BOOL
		Value    string
	}

	// FieldExpr is an event field path such as $e.principal.ip[0] or
	// any $e.target.labels["k"], optionally prefixed with any or all.
	FieldExpr struct {
		Modifier Token // ANY, ALL or ILLEGAL (none)
		ModPos   Pos
		Var      *Var
		Path     []*PathElem // at least one element
	}

	// CallExpr is a function or aggregation call: re.regex(x, y),
	// max(x), if(c, a, b). Nocase records a trailing "nocase" as in
	// re.regex($e.f, `x`) nocase.
	CallExpr struct {
		Namespace string // "re", "strings", ...; empty for max, if, ...
		Name      string
		NamePos   Pos // position of the namespace, or of the name without one
		Lparen    Pos
		Args      []Expr
		Rparen    Pos
		Nocase    bool
		NocasePos Pos
	}

	// BinaryExpr is X Op Y for Op in or, and, = != < <= > >=, + - * / %.
	// Nocase is only meaningful for comparisons ("$e.f = "x" nocase").
	BinaryExpr struct {
		X         Expr
		OpPos     Pos
		Op        Token
		Y         Expr
		Nocase    bool
		NocasePos Pos
	}

	// UnaryExpr is "not X" (Op NOT) or the non-existence test "!$e"
	// (Op BANG; X is a *Var).
	UnaryExpr struct {
		OpPos Pos
		Op    Token
		X     Expr
	}

	// NamedArg is a named argument "name:value" of a metrics function,
	// e.g. period:1d, agg:max, principal.asset.ip:$ip. Name may be dotted.
	// Bare-word values (value_sum, max, today) are Idents; durations are
	// DURATION literals.
	NamedArg struct {
		NamePos Pos
		Name    string
		Colon   Pos
		Value   Expr
	}

	// InExpr is "X in [regex|cidr] %list[.column] [nocase]".
	InExpr struct {
		X         Expr
		InPos     Pos
		Kind      Token // ILLEGAL (plain list), REGEXKW or CIDR
		List      *ListRef
		Nocase    bool
		NocasePos Pos
	}
)

// PathElem is one step of a field path: ".name", "[0]" or "["key"]".
// Exactly one of Name and Index is set.
type PathElem struct {
	ElemPos Pos    // position of "." or "["
	Name    string // field name for ".name"
	Index   *BasicLit
}

// Pos returns the position of the "." or "[".
func (e *PathElem) Pos() Pos { return e.ElemPos }

// ListRef is a reference list "%name" or a data table column "%table.column".
type ListRef struct {
	NamePos Pos
	Name    string // without "%"
	Column  string // empty for reference lists
}

// Pos returns the position of "%".
func (l *ListRef) Pos() Pos { return l.NamePos }

// Pos returns the position of "$".
func (x *Var) Pos() Pos {
	if x == nil {
		return Pos{}
	}
	return x.NamePos
}

// Pos returns the position of "#".
func (x *CountVar) Pos() Pos {
	if x == nil {
		return Pos{}
	}
	return x.NamePos
}

// Pos returns the position of the identifier.
func (x *Ident) Pos() Pos {
	if x == nil {
		return Pos{}
	}
	return x.NamePos
}

// Pos returns the position of the literal.
func (x *BasicLit) Pos() Pos {
	if x == nil {
		return Pos{}
	}
	return x.ValuePos
}

// Pos returns the position of the modifier or of the variable.
func (x *FieldExpr) Pos() Pos {
	if x == nil {
		return Pos{}
	}
	if x.Modifier != ILLEGAL && x.ModPos.IsValid() {
		return x.ModPos
	}
	if x.Var != nil {
		return x.Var.Pos()
	}
	return Pos{}
}

// Pos returns the position of the function name.
func (x *CallExpr) Pos() Pos {
	if x == nil {
		return Pos{}
	}
	return x.NamePos
}

// Pos returns the position of X.
func (x *BinaryExpr) Pos() Pos {
	if x == nil {
		return Pos{}
	}
	return posOf(x.X)
}

// Pos returns the position of the operator.
func (x *UnaryExpr) Pos() Pos {
	if x == nil {
		return Pos{}
	}
	return x.OpPos
}

// Pos returns the position of the name.
func (x *NamedArg) Pos() Pos {
	if x == nil {
		return Pos{}
	}
	return x.NamePos
}

// Pos returns the position of X.
func (x *InExpr) Pos() Pos {
	if x == nil {
		return Pos{}
	}
	return posOf(x.X)
}

func (*Var) exprNode()        {}
func (*CountVar) exprNode()   {}
func (*Ident) exprNode()      {}
func (*BasicLit) exprNode()   {}
func (*FieldExpr) exprNode()  {}
func (*CallExpr) exprNode()   {}
func (*BinaryExpr) exprNode() {}
func (*UnaryExpr) exprNode()  {}
func (*InExpr) exprNode()     {}
func (*NamedArg) exprNode()   {}

func posOf(n Node) Pos {
	if n == nil {
		return Pos{}
	}
	return n.Pos()
}

// FuncName returns the qualified name of the call ("re.regex", "max").
func (x *CallExpr) FuncName() string {
	if x.Namespace == "" {
		return x.Name
	}
	return x.Namespace + "." + x.Name
}

// FieldPath returns the dotted path of a field without its variable, with
// "[...]" steps in source form: "principal.ip[0]", "additional.fields["k"]".
func (x *FieldExpr) FieldPath() string {
	var b []byte
	for i, e := range x.Path {
		switch {
		case e.Index != nil:
			b = append(b, '[')
			b = append(b, e.Index.Value...)
			b = append(b, ']')
		default:
			if i > 0 {
				b = append(b, '.')
			}
			b = append(b, e.Name...)
		}
	}
	return string(b)
}

// Inspect traverses the expression tree rooted at e in depth-first order,
// calling f for each node; if f returns false the children of that node are
// skipped. Nil expressions are not visited.
func Inspect(e Expr, f func(Expr) bool) {
	if e == nil || !f(e) {
		return
	}
	switch e := e.(type) {
	case *FieldExpr:
		if e.Var != nil {
			Inspect(e.Var, f)
		}
	case *CallExpr:
		for _, a := range e.Args {
			Inspect(a, f)
		}
	case *BinaryExpr:
		Inspect(e.X, f)
		Inspect(e.Y, f)
	case *UnaryExpr:
		Inspect(e.X, f)
	case *InExpr:
		Inspect(e.X, f)
	case *NamedArg:
		Inspect(e.Value, f)
	}
}
