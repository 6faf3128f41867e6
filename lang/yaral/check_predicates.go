package yaral

import (
	"fmt"
	"net/netip"
	"strings"
)

// Checks of single predicates: comparisons, boolean function calls and the
// any/all and nocase modifiers. The rules come from Google's YARA-L
// reference (pages "Expressions, operators and other constructs" and
// "Repeated fields"); each diagnostic names what the reference forbids.

// enumFields are UDM fields of enumerated type (below "udm." and any noun),
// on which nocase is a compilation error. The list is not exhaustive: it
// holds Google's two examples and enums whose names generators compare.
var enumFields = map[string]bool{
	"metadata.event_type":          true, // Google's example
	"network.ip_protocol":          true, // Google's example
	"network.direction":            true,
	"network.application_protocol": true,
	"security_result.action":       true,
	"security_result.severity":     true,
	"security_result.category":     true,
	"extensions.auth.type":         true,
	"extensions.auth.mechanism":    true,
}

// nouns are the UDM nouns whose "platform" field is an enum.
var nouns = map[string]bool{
	"principal": true, "target": true, "src": true, "observer": true, "intermediary": true, "about": true,
}

// isEnumField reports whether f is a known enumerated UDM field.
func isEnumField(f *FieldExpr) bool {
	names, ok := plainPath(f)
	if !ok {
		return false
	}
	if len(names) > 0 && names[0] == "udm" {
		names = names[1:]
	}
	if len(names) == 2 && nouns[names[0]] && names[1] == "platform" {
		return true
	}
	return enumFields[strings.Join(names, ".")]
}

// plainPath returns the field names of f, or false when f has an index or
// map key step.
func plainPath(f *FieldExpr) ([]string, bool) {
	var names []string
	for _, e := range f.Path {
		if e == nil || e.Index != nil {
			return nil, false
		}
		names = append(names, e.Name)
	}
	return names, true
}

// checkComparison checks nocase, literal operands and any/all of one
// comparison.
func (c *checker) checkComparison(b *BinaryExpr) {
	if isLiteral(b.X) && isLiteral(b.Y) {
		c.add(b.OpPos, SeverityError, CodeLiteralComparison,
			fmt.Sprintf("both sides of %s are literals", b.Op))
	}
	if b.Nocase {
		c.checkNocase(b)
	}
	c.checkModifierCount(b)
	for _, sides := range [][2]Expr{{b.X, b.Y}, {b.Y, b.X}} {
		if f := modified(sides[0]); f != nil && joinsOther(f, sides[1]) {
			c.add(f.ModPos, SeverityError, CodeBadModifier,
				fmt.Sprintf("%s cannot be used in a placeholder assignment or a join", f.Modifier))
			return
		}
	}
}

func isLiteral(x Expr) bool {
	lit, ok := x.(*BasicLit)
	return ok && lit != nil
}

// checkNocase reports nocase on a comparison it does not apply to.
func (c *checker) checkNocase(b *BinaryExpr) {
	bad := ""
	switch {
	case b.Op != EQ && b.Op != NEQ:
		bad = "nocase applies to = and != only, not to " + b.Op.String()
	case isNonString(b.X) || isNonString(b.Y):
		bad = "nocase applies to string and regex comparisons, not to numbers or booleans"
	default:
		for _, side := range []Expr{b.X, b.Y} {
			if f, ok := side.(*FieldExpr); ok && f != nil && isEnumField(f) {
				bad = fmt.Sprintf("nocase cannot be used with the enumerated field %s", f.FieldPath())
			}
		}
	}
	if bad != "" {
		c.add(b.NocasePos, SeverityError, CodeBadNocase, bad)
	}
}

// isNonString reports whether x is a number or boolean literal.
func isNonString(x Expr) bool {
	lit, ok := x.(*BasicLit)
	return ok && lit != nil && (lit.Kind == INT || lit.Kind == FLOAT || lit.Kind == BOOL)
}

// modified returns x when it is a field with an any/all modifier.
func modified(x Expr) *FieldExpr {
	if f, ok := x.(*FieldExpr); ok && f != nil && f.Modifier != ILLEGAL {
		return f
	}
	return nil
}

// joinsOther reports whether x is a placeholder or a field of another event
// variable than f's: comparing a modified field with it is an assignment or
// a join.
func joinsOther(f *FieldExpr, x Expr) bool {
	switch x := x.(type) {
	case *Var:
		return x != nil
	case *FieldExpr:
		return x != nil && x.Var != nil && f.Var != nil && x.Var.Name != f.Var.Name
	}
	return false
}

// modifiedFields returns the any/all fields below x.
func modifiedFields(x Expr) []*FieldExpr {
	var out []*FieldExpr
	Inspect(x, func(e Expr) bool {
		if f := modified(e); f != nil {
			out = append(out, f)
		}
		return true
	})
	return out
}

// checkModifierCount reports a second any/all in one predicate. Calls
// inside a comparison are part of its predicate, so a comparison reports
// for them and a call reports only when its own arguments hold two.
func (c *checker) checkModifierCount(x Expr) {
	if fs := modifiedFields(x); len(fs) > 1 {
		f := fs[1]
		if c.reportedMods == nil {
			c.reportedMods = map[*FieldExpr]bool{}
		}
		if c.reportedMods[f] {
			return
		}
		c.reportedMods[f] = true
		c.add(f.ModPos, SeverityError, CodeBadModifier,
			"only one any/all per predicate: any and all cannot join two repeated fields")
	}
}

// checkModifierPath reports any/all on a map access or an indexed field.
func (c *checker) checkModifierPath(f *FieldExpr) {
	if f == nil || f.Modifier == ILLEGAL {
		return
	}
	for _, e := range f.Path {
		if e == nil || e.Index == nil {
			continue
		}
		what := "map access"
		if e.Index.Kind == INT {
			what = "array indexing"
		}
		c.add(f.ModPos, SeverityError, CodeBadModifier,
			fmt.Sprintf("%s cannot be combined with %s", f.Modifier, what))
		return
	}
}

// checkIn reports any/all in a reference-list test.
func (c *checker) checkIn(x *InExpr) {
	if x == nil {
		return
	}
	if f := modified(x.X); f != nil {
		c.add(f.ModPos, SeverityError, CodeBadModifier,
			fmt.Sprintf("%s is not supported with reference lists", f.Modifier))
	}
}

// checkPredicateCall checks nocase, the CIDR range and empty affixes of a
// call, and counts its any/all arguments.
func (c *checker) checkPredicateCall(x *CallExpr) {
	name := x.FuncName()
	if x.Nocase && name != "re.regex" {
		c.add(x.NocasePos, SeverityError, CodeBadNocase,
			fmt.Sprintf("nocase applies to re.regex, not to %s", name))
	}
	c.checkModifierCount(x)
	if len(x.Args) != 2 {
		return
	}
	lit, ok := x.Args[1].(*BasicLit)
	if !ok || lit == nil || (lit.Kind != STRING && lit.Kind != RAWSTRING) {
		return
	}
	v, err := lit.StringValue()
	if err != nil {
		return
	}
	switch name {
	case "net.ip_in_range_cidr":
		if _, err := netip.ParsePrefix(v); err != nil {
			c.add(lit.ValuePos, SeverityError, CodeInvalidCIDR,
				fmt.Sprintf("%q is not a CIDR range such as \"10.0.0.0/8\" or \"2001:db8::/32\"", v))
		}
	case "strings.starts_with", "strings.ends_with":
		if v == "" {
			c.add(lit.ValuePos, SeverityWarning, CodeNeverTrue,
				fmt.Sprintf("%s with an empty string is always false", name))
		}
	}
}
