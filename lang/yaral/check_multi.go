package yaral

import (
	"fmt"
	"sort"
)

// Checks of multi-event rules: placeholder assignments, joins between event
// variables, and "#" counts. The rules come from Google's YARA-L reference
// (pages "Events section syntax", "Match section syntax" and "Condition
// section syntax").

// placeholderBindings records which placeholders are assigned event fields.
// Placeholders equated to each other ($a = $b) or computed from each other
// ($a = strings.concat($b, "x")) form classes; a class is bound when one
// of its members is assigned an expression over event fields.
type placeholderBindings struct {
	parent map[string]string
	direct map[string]map[string]bool // placeholder -> event variables of its assigned fields
}

func (b *placeholderBindings) find(x string) string {
	for {
		p, ok := b.parent[x]
		if !ok || p == x {
			return x
		}
		if gp, ok := b.parent[p]; ok {
			b.parent[x] = gp
		}
		x = p
	}
}

func (b *placeholderBindings) union(x, y string) {
	if rx, ry := b.find(x), b.find(y); rx != ry {
		b.parent[rx] = ry
	}
}

// eventVarsOf returns the event variables bound to the class of ph.
func (b *placeholderBindings) eventVarsOf(ph string) map[string]bool {
	out := map[string]bool{}
	if b == nil {
		return out
	}
	root := b.find(ph)
	for name, evs := range b.direct {
		if b.find(name) == root {
			for ev := range evs {
				out[ev] = true
			}
		}
	}
	return out
}

// bound reports whether the class of ph is assigned an event field.
func (b *placeholderBindings) bound(ph string) bool { return len(b.eventVarsOf(ph)) > 0 }

// bindPlaceholders analyses the equalities of the events section.
func bindPlaceholders(preds []Expr, placeholders map[string]Pos) *placeholderBindings {
	b := &placeholderBindings{parent: map[string]string{}, direct: map[string]map[string]bool{}}
	for _, pr := range preds {
		Inspect(pr, func(e Expr) bool {
			x, ok := e.(*BinaryExpr)
			if !ok || x == nil || x.Op != EQ {
				return true
			}
			for _, side := range [][2]Expr{{x.X, x.Y}, {x.Y, x.X}} {
				ph, ok := side[0].(*Var)
				if !ok || ph == nil {
					continue
				}
				if evs := fieldVars(side[1]); len(evs) > 0 {
					if b.direct[ph.Name] == nil {
						b.direct[ph.Name] = map[string]bool{}
					}
					for _, ev := range evs {
						b.direct[ph.Name][ev] = true
					}
					continue
				}
				for _, other := range bareVars(side[1]) {
					if _, isPh := placeholders[other]; isPh {
						b.union(ph.Name, other)
					}
				}
			}
			return true
		})
	}
	return b
}

// bareVars returns the names of the variables of x that are not the base of
// a field path.
func bareVars(x Expr) []string {
	var out []string
	Inspect(x, func(e Expr) bool {
		switch e := e.(type) {
		case *FieldExpr:
			return false
		case *Var:
			out = append(out, e.Name)
		}
		return true
	})
	return out
}

// checkPlaceholdersBound reports placeholders that no predicate assigns an
// event field. Match variables are reported by checkMatch.
func (c *checker) checkPlaceholdersBound() {
	inMatch := map[string]bool{}
	if m := c.rule.Match; m != nil {
		for _, v := range m.Vars {
			if v != nil {
				inMatch[v.Name] = true
			}
		}
	}
	var names []string
	for name := range c.placeholders {
		if _, isEvent := c.eventVars[name]; !isEvent && !inMatch[name] && !c.bindings.bound(name) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		c.add(c.placeholders[name], SeverityError, CodeUnboundPlaceholder,
			fmt.Sprintf("placeholder $%s is never assigned an event field ($%s = $e.field)", name, name))
	}
}

// checkJoins requires a rule with several event variables to have a match
// section and to join every event variable to the others, by an equality
// between their fields or through a shared placeholder.
func (c *checker) checkJoins() {
	if len(c.eventOrder) < 2 {
		return
	}
	if c.rule.Match == nil {
		pos := c.rule.Rule
		if c.rule.Events != nil {
			pos = c.rule.Events.Events
		}
		c.add(pos, SeverityError, CodeMissingMatch,
			fmt.Sprintf("%d event variables ($%s, $%s ...) need a match section: multi-event rules correlate events in a match window",
				len(c.eventOrder), c.eventOrder[0], c.eventOrder[1]))
	}
	joins := &placeholderBindings{parent: map[string]string{}}
	link := func(vars map[string]bool) {
		first := ""
		for v := range vars {
			if first == "" {
				first = v
				continue
			}
			joins.union(first, v)
		}
	}
	for _, pr := range c.eventsPredicates() {
		Inspect(pr, func(e Expr) bool {
			x, ok := e.(*BinaryExpr)
			if !ok || x == nil || x.Op != EQ {
				return true
			}
			if xs, ys := fieldVars(x.X), fieldVars(x.Y); len(xs) > 0 && len(ys) > 0 {
				vars := map[string]bool{}
				for _, v := range append(xs, ys...) {
					vars[v] = true
				}
				link(vars)
			}
			return true
		})
	}
	for ph := range c.placeholders {
		link(c.bindings.eventVarsOf(ph))
	}
	first := c.eventOrder[0]
	reported := map[string]bool{joins.find(first): true}
	for _, ev := range c.eventOrder[1:] {
		root := joins.find(ev)
		if reported[root] {
			continue
		}
		reported[root] = true
		c.add(c.eventVars[ev], SeverityError, CodeUnjoinedEventVars,
			fmt.Sprintf("event variable $%s is not joined to $%s: equate one of their fields, or assign both to a shared placeholder", ev, first))
	}
}

// checkCounts reports "#name" outside the condition and on outcome
// variables. Undefined names are reported by checkUndefined.
func (c *checker) checkCounts() {
	outside := func(x Expr, where string) {
		Inspect(x, func(e Expr) bool {
			if n, ok := e.(*CountVar); ok && n != nil {
				c.add(n.NamePos, SeverityError, CodeBadCount,
					fmt.Sprintf("#%s in %s: counts (#name) are only allowed in the condition section", n.Name, where))
			}
			return true
		})
	}
	for _, pr := range c.eventsPredicates() {
		outside(pr, "events")
	}
	if c.rule.Outcome != nil {
		for _, a := range c.rule.Outcome.Assignments {
			if a != nil {
				outside(a.Value, "outcome")
			}
		}
	}
	if c.rule.Condition == nil {
		return
	}
	Inspect(c.rule.Condition.Expr, func(e Expr) bool {
		n, ok := e.(*CountVar)
		if !ok || n == nil {
			return true
		}
		_, ev := c.eventVars[n.Name]
		_, ph := c.placeholders[n.Name]
		if _, out := c.outcomes[n.Name]; out && !ev && !ph {
			c.add(n.NamePos, SeverityError, CodeBadCount,
				fmt.Sprintf("#%s: $%s is an outcome variable; # counts the events of an event variable or the values of a placeholder (compare $%s itself)", n.Name, n.Name, n.Name))
		}
		return true
	})
}
