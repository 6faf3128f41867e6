package sigmain

import (
	"strings"

	"github.com/detgen/detgen/detection"
	"github.com/detgen/detgen/diag"
	"github.com/detgen/detgen/ir"
	"gopkg.in/yaml.v3"
)

// unsupportedModifiers are modifiers of the specification detgen does not
// implement; package detection reports names that are no modifier.
var unsupportedModifiers = map[string]string{
	"minute": timeModifiers,
	"hour":   timeModifiers,
	"day":    timeModifiers,
	"week":   timeModifiers,
	"month":  timeModifiers,
	"year":   timeModifiers,
}

// timeModifiers says why the time modifiers are refused.
const timeModifiers = "time modifiers are not supported: the log source catalogs type no field as a date, " +
	"and the specification leaves the time zone open (QRadar's DATEFORMAT would read the console's)"

// detection reads a detection block (selections and condition) through
// the binding's Sigma profile; nil when the document is refused.
func (rd *reader) detection(d *doc, b *binding, det *yaml.Node) ir.Expr {
	res := d.res
	if det == nil || det.Kind != yaml.MappingNode {
		res.refuse(res.Pos, "detection must be a mapping of selections and a condition")
		return nil
	}
	if n := mapGet(det, "timeframe"); n != nil {
		res.refuse(d.pos(n), "timeframe: aggregation over time is a correlation rule in Sigma 2 (write an event_count correlation)")
		return nil
	}
	condNode := mapGet(det, "condition")
	if condNode == nil {
		res.refuse(d.pos(det), "detection needs a condition")
		return nil
	}
	sels := rd.selections(d, b.src, det, "condition")
	if sels == nil {
		return nil
	}
	cond := conditions(d, condNode, sels)
	if cond == nil {
		return nil
	}
	if b.where != nil {
		where := rd.where(d, b)
		if where == nil {
			return nil
		}
		cond = &ir.And{Args: []ir.Expr{where, cond}}
	}
	return cond
}

// selections checks field names and modifiers first, so a refusal names
// the field or modifier plainly, then lowers the selections (Sigma values:
// wildcards and escapes).
func (rd *reader) selections(d *doc, src *source, m *yaml.Node, skip ...string) *detection.Selections {
	res := d.res
	before := len(res.Refused)
	for i := 0; i+1 < len(m.Content); i += 2 {
		if k, v := m.Content[i], m.Content[i+1]; !contains(skip, k.Value) {
			rd.scanSelection(d, src, v)
		}
	}
	if len(res.Refused) > before {
		res.Rule = nil
		return nil
	}
	opt := detection.Options{
		File:         res.Pos.File,
		Resolve:      src.resolve,
		Known:        func() []string { return src.names },
		Wildcards:    true,
		Placeholders: rd.placeholders,
		// A Sigma rule may look for them (a right-to-left override in a
		// file name); every target writes them escaped.
		Invisible: true,
	}
	sels, errs := detection.ReadSelections(m, opt, skip...)
	if len(errs) > 0 {
		res.Refused.Append(errs)
		res.Rule = nil
		return nil
	}
	casedEncodings(d, m, sels)
	return sels
}

// casedEncodings makes the tests of base64 and base64offset values
// case-sensitive: Base64 text that differs in case encodes other bytes, so
// matching it case-insensitively (Sigma's default for strings, and what
// pySigma's QRadar and SecOps backends do) fires on other content
// (docs/sigma.md, "Values, modifiers and conditions").
func casedEncodings(d *doc, m *yaml.Node, sels *detection.Selections) {
	encoded := map[diag.Pos]bool{}
	var scan func(n *yaml.Node)
	scan = func(n *yaml.Node) {
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k := n.Content[i]
				for _, mod := range strings.Split(k.Value, "|")[1:] {
					if mod == "base64" || mod == "base64offset" {
						encoded[d.pos(k)] = true
					}
				}
			}
		case yaml.SequenceNode:
			for _, item := range n.Content {
				scan(item)
			}
		}
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		scan(m.Content[i+1])
	}
	if len(encoded) == 0 {
		return
	}
	for _, e := range sels.Exprs {
		ir.Walk(e, func(x ir.Expr) {
			if mt, ok := x.(*ir.Match); ok && encoded[mt.Pos] {
				mt.Cased = true
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// scanSelection checks the keys of a selection: a map, or a list of maps
// (a list of plain values is a keyword search, which names no field).
func (rd *reader) scanSelection(d *doc, src *source, n *yaml.Node) {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			rd.scanKey(d, src, n.Content[i])
			scanValues(d, n.Content[i], n.Content[i+1])
		}
	case yaml.SequenceNode:
		for _, item := range n.Content {
			if item.Kind == yaml.MappingNode {
				rd.scanSelection(d, src, item)
			}
		}
	}
}

func (rd *reader) scanKey(d *doc, src *source, k *yaml.Node) {
	parts := strings.Split(k.Value, "|")
	for _, m := range parts[1:] {
		if why, ok := unsupportedModifiers[m]; ok {
			d.res.refuse(d.pos(k), "%s: %s", k.Value, why)
			return
		}
		if m == "expand" && rd.placeholders == nil {
			// The specification: a tool that cannot resolve placeholders
			// must reject the rule.
			d.res.refuse(d.pos(k), "%s: placeholders (expand) need their values: give a placeholder file (--placeholders)", k.Value)
			return
		}
	}
	field := parts[0]
	if field == "" {
		return // '|all': keywords
	}
	name, ok := src.lookup(field)
	switch {
	case !ok:
		d.res.refuse(d.pos(k), "field %s is not in the Sigma profile of %s (%s)", field, src.name, src.file)
	case src.partial[name] != "":
		d.res.refuse(d.pos(k), "field %s is one of several event paths detgen reads as the logical field %s of %s; reading it as that field would also match the others", field, src.partial[name], src.name)
	case name != field:
		d.warn(k, "field %s is read as %s (the profile's spelling; Sigma field names are matched case-insensitively when no name matches exactly)", field, name)
	}
}

// scanValues applies the specification's rule that null is a value of its
// own: it "cannot be part of a list of field values" (write it as its own
// selection). Package detection would read it as one more alternative.
func scanValues(d *doc, k, v *yaml.Node) {
	if v.Kind != yaml.SequenceNode || len(v.Content) < 2 {
		return
	}
	for _, x := range v.Content {
		if x.Kind == yaml.ScalarNode && x.Tag == "!!null" {
			d.res.refuse(d.pos(x), "%s: null cannot be part of a list of values (Sigma specification, special field values): test it in a selection of its own", k.Value)
			return
		}
	}
}

// conditions reads the condition: a string, or a list of strings that are
// OR-ed (the specification: "each of them generates a query").
func conditions(d *doc, n *yaml.Node, sels *detection.Selections) ir.Expr {
	items, _ := listOf(n)
	if len(items) == 0 {
		d.res.refuse(d.pos(n), "condition must be a string or a list of strings")
		return nil
	}
	var args []ir.Expr
	for _, c := range items {
		if c.Kind != yaml.ScalarNode || c.Tag == "!!null" {
			d.res.refuse(d.pos(c), "a condition must be a string")
			return nil
		}
		if strings.Contains(c.Value, "|") {
			d.res.refuse(d.pos(c), "condition: aggregations (| count() ...) are not part of Sigma 2 (write a correlation rule)")
			return nil
		}
		e, errs := detection.Condition(c.Value, condPos(d, c), sels)
		if len(errs) > 0 {
			d.res.Refused.Append(errs)
			d.res.Rule = nil
			return nil
		}
		args = append(args, e)
	}
	if len(args) == 1 {
		return args[0]
	}
	return &ir.Or{Args: args}
}

// condPos is where the condition's text starts, so an error points at
// the token: one column in for a quoted string.
func condPos(d *doc, n *yaml.Node) diag.Pos {
	p := d.pos(n)
	switch n.Style {
	case yaml.SingleQuotedStyle, yaml.DoubleQuotedStyle:
		p.Col++
	case yaml.LiteralStyle, yaml.FoldedStyle:
		p.Line, p.Col = p.Line+1, 1 // the block's indentation is not tracked
	}
	return p
}

// where lowers an alias's narrowing selection through the same profile.
func (rd *reader) where(d *doc, b *binding) ir.Expr {
	m := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{{Kind: yaml.ScalarNode, Value: "logsource"}, b.where}}
	opt := detection.Options{File: aliasFile, Resolve: b.src.resolve, Wildcards: true}
	sels, errs := detection.ReadSelections(m, opt)
	if len(errs) > 0 {
		d.res.Refused.Append(errs)
		d.res.Rule = nil
		return nil
	}
	return sels.Exprs["logsource"]
}
