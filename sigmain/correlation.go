package sigmain

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/detgen/detgen/ir"
	"github.com/detgen/detgen/lang/yaral"
	"gopkg.in/yaml.v3"
)

// Sigma correlation rules (sigma-correlation-rules-specification.md) are
// read in two steps: document reads the correlation section on its own
// (type, condition, timespan, group-by as written), and finish resolves
// the rules it names among every document read, then builds an ir.Rule
// with an Aggregate (event_count, value_count, value_sum, value_avg) or a
// Sequence (temporal, temporal_ordered). docs/sigma.md ("Correlation
// rules") records the mapping and the refusals.

// corrDoc is a correlation document as written.
type corrDoc struct {
	rd   *reader
	d    *doc
	rule *ir.Rule // metadata; completed by resolve
	body *yaml.Node

	typ      string
	typeNode *yaml.Node
	refs     []*yaml.Node // rules, by id or name
	groupBy  []*yaml.Node
	groupKey *yaml.Node // the group-by value, for messages
	window   time.Duration
	// threshold is the lower bound of condition (aggregates, and the
	// count of rules of a temporal correlation when written).
	threshold *ir.Bound
	condNode  *yaml.Node
	field     *yaml.Node // condition.field
	aliases   map[string]map[string]*yaml.Node
	aliasNode *yaml.Node
	generate  bool

	state int // 0 unresolved, 1 resolving, 2 done
}

var corrTypes = map[string]bool{
	"event_count": true, "value_count": true, "value_sum": true, "value_avg": true,
	"temporal": true, "temporal_ordered": true,
}

var aggFuncs = map[string]ir.AggFunc{
	"event_count": ir.Count, "value_count": ir.DistinctCount, "value_sum": ir.Sum, "value_avg": ir.Avg,
}

var timespanRE = regexp.MustCompile(`^([0-9]+)([smhd])$`)

// maxTimespan is the longest window detgen compiles (compile's maxWindow:
// YARA-L match windows stop at 48 hours).
const maxTimespan = 48 * time.Hour

// correlation reads a correlation document's own content; the rules it
// names are resolved by finish (correlate).
func (rd *reader) correlation(d *doc) {
	res := d.res
	res.Kind = KindCorrelation
	body := d.get("correlation")
	if body.Kind != yaml.MappingNode {
		res.refuse(d.pos(body), "correlation must be a mapping of type, rules, group-by, timespan and condition")
		return
	}
	r := &ir.Rule{SourceFile: res.Pos.File, ID: res.ID, Name: deriveName(res.key), Title: res.Title, Version: 1}
	rd.metadata(d, r)
	c := &corrDoc{rd: rd, d: d, rule: r, body: body}
	res.corr = c
	if g := d.get("generate"); g != nil {
		switch {
		case g.Kind == yaml.ScalarNode && g.Tag == "!!bool":
			c.generate = g.Value == "true"
		default:
			res.refuse(d.pos(g), "generate must be true or false")
			return
		}
	}

	// rules
	rules := mapGet(body, "rules")
	switch {
	case rules == nil:
		res.refuse(d.pos(body), "correlation needs rules: the ids or names of the rules it correlates")
		return
	case rules.Kind == yaml.ScalarNode && rules.Tag != "!!null":
		c.refs = []*yaml.Node{rules}
	case rules.Kind == yaml.SequenceNode:
		for _, n := range rules.Content {
			if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
				res.refuse(d.pos(n), "correlation rules: an item must be a rule id or name")
				return
			}
			c.refs = append(c.refs, n)
		}
	}
	if len(c.refs) == 0 {
		res.refuse(d.pos(rules), "correlation rules must list rule ids or names")
		return
	}
	if n := d.get("id"); n != nil && (n.Kind != yaml.ScalarNode || !uuidRE.MatchString(n.Value)) {
		res.refuse(d.pos(n), "id %q is not a UUID (it names the output files)", n.Value)
		return
	}
	if n := d.get("title"); n == nil || res.Title == "" {
		res.refuse(res.Pos, "a correlation rule needs a title")
		return
	}
	if n := d.get("taxonomy"); n != nil && n.Value != "sigma" {
		res.refuse(d.pos(n), "taxonomy %q is not supported: detgen reads Sigma's default taxonomy", n.Value)
		return
	}
	// type
	c.typeNode = mapGet(body, "type")
	switch {
	case c.typeNode == nil:
		res.refuse(d.pos(body), "correlation needs a type")
		return
	case c.typeNode.Value == "value_percentile":
		res.refuse(d.pos(c.typeNode), "correlation type value_percentile is not supported: detgen aggregates count, distinct_count, sum and avg, not percentiles")
		return
	case !corrTypes[c.typeNode.Value]:
		res.refuse(d.pos(c.typeNode), "correlation type %q is not one of event_count, value_count, value_sum, value_avg, temporal, temporal_ordered", c.typeNode.Value)
		return
	}
	c.typ = c.typeNode.Value
	temporal := c.typ == "temporal" || c.typ == "temporal_ordered"

	if temporal && len(c.refs) < 2 {
		res.refuse(d.pos(rules), "a %s correlation needs two or more rules", c.typ)
		return
	}

	// group-by: required by the specification's schema for every type.
	c.groupKey = mapGet(body, "group-by")
	switch {
	case c.groupKey == nil:
		res.refuse(d.pos(body), "correlation needs group-by (the Sigma correlation schema requires it for %s)", c.typ)
		return
	case c.groupKey.Kind == yaml.ScalarNode && c.groupKey.Tag != "!!null":
		c.groupBy = []*yaml.Node{c.groupKey}
	case c.groupKey.Kind == yaml.SequenceNode:
		for _, n := range c.groupKey.Content {
			if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
				res.refuse(d.pos(n), "group-by: an item must be a field name")
				return
			}
			c.groupBy = append(c.groupBy, n)
		}
	default:
		res.refuse(d.pos(c.groupKey), "group-by must be a list of field names")
		return
	}

	// timespan
	ts := mapGet(body, "timespan")
	if ts == nil {
		res.refuse(d.pos(body), "correlation needs a timespan")
		return
	}
	m := timespanRE.FindStringSubmatch(ts.Value)
	if ts.Kind != yaml.ScalarNode || m == nil {
		res.refuse(d.pos(ts), "timespan %q is not a number and s, m, h or d", ts.Value)
		return
	}
	n, _ := strconv.Atoi(m[1])
	c.window = time.Duration(n) * map[string]time.Duration{"s": time.Second, "m": time.Minute, "h": time.Hour, "d": 24 * time.Hour}[m[2]]
	if c.window < time.Minute || c.window > maxTimespan {
		res.refuse(d.pos(ts), "timespan %s must be between 1m and 48h: detgen windows are whole minutes (AQL LAST) and at most 48 hours (YARA-L match windows)", ts.Value)
		return
	}

	// condition
	if !rd.corrCondition(c, temporal) {
		return
	}

	// aliases
	if a := mapGet(body, "aliases"); a != nil {
		c.aliasNode = a
		if a.Kind != yaml.MappingNode {
			res.refuse(d.pos(a), "aliases must map alias names to a mapping of rule names to fields")
			return
		}
		c.aliases = map[string]map[string]*yaml.Node{}
		for i := 0; i+1 < len(a.Content); i += 2 {
			k, v := a.Content[i], a.Content[i+1]
			if v.Kind != yaml.MappingNode {
				res.refuse(d.pos(v), "alias %s must map rule names to field names", k.Value)
				return
			}
			per := map[string]*yaml.Node{}
			for j := 0; j+1 < len(v.Content); j += 2 {
				per[v.Content[j].Value] = v.Content[j+1]
			}
			c.aliases[k.Value] = per
		}
	}
	for i := 0; i+1 < len(body.Content); i += 2 {
		switch k := body.Content[i]; k.Value {
		case "type", "rules", "group-by", "timespan", "condition", "aliases", "generate":
		default:
			d.warn(k, "correlation key %q is not in the specification; ignored", k.Value)
		}
	}
}

// corrCondition reads the condition: a lower bound (gt or gte), and for
// value_* the field. Upper bounds and equality are refused: detgen
// thresholds are lower bounds over a sliding window.
func (rd *reader) corrCondition(c *corrDoc, temporal bool) bool {
	d, res := c.d, c.d.res
	cond := mapGet(c.body, "condition")
	c.condNode = cond
	if cond == nil {
		if !temporal {
			res.refuse(d.pos(c.body), "a %s correlation needs a condition", c.typ)
			return false
		}
		return true
	}
	if cond.Kind != yaml.MappingNode {
		res.refuse(d.pos(cond), "condition must be a mapping such as {gte: 10}")
		return false
	}
	for i := 0; i+1 < len(cond.Content); i += 2 {
		k, v := cond.Content[i], cond.Content[i+1]
		switch k.Value {
		case "field":
			if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
				res.refuse(d.pos(v), "condition field must be one field name (detgen aggregates one field)")
				return false
			}
			c.field = v
		case "gt", "gte":
			f, err := strconv.ParseFloat(v.Value, 64)
			if v.Kind != yaml.ScalarNode || err != nil {
				res.refuse(d.pos(v), "condition %s must be a number", k.Value)
				return false
			}
			if c.threshold != nil {
				res.refuse(d.pos(k), "condition %s: a range is not supported: detgen thresholds are lower bounds (gt or gte), one per correlation", k.Value)
				return false
			}
			op := ir.GTE
			if k.Value == "gt" {
				op = ir.GT
			}
			c.threshold = &ir.Bound{Op: op, Value: f}
		case "lt", "lte", "eq", "neq":
			res.refuse(d.pos(k), "condition %s is not supported: detgen thresholds are lower bounds (gt, gte): on a sliding window a smaller window always holds fewer events, so an upper bound or equality has no stable meaning", k.Value)
			return false
		default:
			res.refuse(d.pos(k), "condition key %q is not one of gt, gte, lt, lte, eq, neq, field", k.Value)
			return false
		}
	}
	if c.threshold == nil {
		res.refuse(d.pos(cond), "condition needs a lower bound: gt or gte")
		return false
	}
	switch {
	case temporal:
		if c.field != nil {
			res.refuse(d.pos(c.field), "a %s correlation takes no condition field", c.typ)
			return false
		}
		// The count of distinct rules that match: detgen sequences need
		// every step, so only "all of the rules" is expressible.
		if all := float64(len(c.refs)); !(c.threshold.Op == ir.GTE && c.threshold.Value == all || c.threshold.Op == ir.GT && c.threshold.Value == all-1) {
			res.refuse(d.pos(cond), "condition %s: a %s correlation converts only when every rule must match (gte %d): detgen sequences need each step", c.threshold, c.typ, len(c.refs))
			return false
		}
	case c.typ == "event_count":
		if c.field != nil {
			res.refuse(d.pos(c.field), "an event_count correlation takes no condition field (value_count, value_sum and value_avg do)")
			return false
		}
	default:
		if c.field == nil {
			res.refuse(d.pos(cond), "a %s correlation needs condition field", c.typ)
			return false
		}
	}
	if (c.typ == "event_count" || c.typ == "value_count") && c.threshold.Value < 0 {
		res.refuse(d.pos(cond), "condition is below zero")
		return false
	}
	return true
}

// correlate resolves every correlation among all the results, and
// returns the results to emit: a rule used only by correlations (without
// generate: true) is part of them, not a query of its own.
func correlate(all []*Result) []*Result {
	byRef := map[string]*Result{}
	for _, r := range all {
		if r.Kind != KindRule && r.Kind != KindCorrelation {
			continue
		}
		for _, k := range []string{r.ID, r.SigmaName} {
			if _, dup := byRef[k]; k != "" && !dup {
				byRef[k] = r
			}
		}
	}
	lookup := func(ref string) *Result {
		if r := byRef[ref]; r != nil {
			return r
		}
		return byRef[strings.ToLower(ref)]
	}
	hidden := map[*Result]bool{}
	for _, r := range all {
		if r.Kind != KindCorrelation {
			continue
		}
		if r.corr != nil {
			r.corr.resolve(lookup)
		}
		if r.corr != nil && r.corr.generate {
			continue
		}
		// The rules of a correlation are not generated on their own
		// (the specification's default, generate: false).
		var hide func(c *Result)
		hide = func(c *Result) {
			if c.corr == nil {
				return
			}
			for _, ref := range c.corr.refs {
				if b := lookup(ref.Value); b != nil && b != c && !hidden[b] {
					hidden[b] = true
					hide(b)
				}
			}
		}
		hide(r)
	}
	var out []*Result
	for _, r := range all {
		if hidden[r] {
			continue
		}
		for _, ref := range partsOf(r, lookup) {
			if hidden[ref] {
				r.Parts = append(r.Parts, ref)
			}
		}
		out = append(out, r)
	}
	return out
}

func partsOf(r *Result, lookup func(string) *Result) []*Result {
	if r.corr == nil {
		return nil
	}
	var out []*Result
	for _, ref := range r.corr.refs {
		if b := lookup(ref.Value); b != nil && b != r {
			out = append(out, b)
		}
	}
	return out
}

// resolve builds the correlation's rule from the rules it names.
func (c *corrDoc) resolve(lookup func(string) *Result) {
	res := c.d.res
	if c.state == 2 {
		return
	}
	if c.state == 1 {
		res.refuse(res.Pos, "correlation %s refers to itself through the rules it names", res.Title)
		return
	}
	c.state = 1
	defer func() { c.state = 2 }()
	if res.Rule == nil && len(res.Refused) > 0 {
		return
	}
	d := c.d
	var bases []*Result
	for _, ref := range c.refs {
		b := lookup(ref.Value)
		if b == nil {
			res.refuse(d.pos(ref), "correlation rules: %s names no rule or correlation among the inputs", ref.Value)
			return
		}
		if b.corr != nil {
			b.corr.resolve(lookup)
		}
		if b.Rule == nil {
			why := "it is refused"
			if len(b.Refused) > 0 {
				why = b.Refused[0].Error()
			}
			res.refuse(d.pos(ref), "correlation rules: %s (%s) cannot be converted: %s", ref.Value, b.Pos, why)
			return
		}
		bases = append(bases, b)
	}
	ls := bases[0].Logsource
	for i, b := range bases[1:] {
		if b.Logsource != ls {
			res.refuse(d.pos(c.refs[i+1]), "correlation rules: %s reads log source %s and %s reads %s: detgen correlates the rules of one log source", c.refs[0].Value, ls, c.refs[i+1].Value, b.Logsource)
			return
		}
	}
	src := c.rd.sourceNamed(ls)
	if src == nil {
		res.refuse(res.Pos, "log source %s has no Sigma profile", ls)
		return
	}
	// group-by, through the aliases
	var group []string
	seen := map[string]bool{}
	for _, g := range c.groupBy {
		name, ok := c.groupField(g, bases, src)
		if !ok {
			return
		}
		if seen[ir.GroupName(name)] {
			res.refuse(d.pos(g), "group-by field %s is listed twice (or under a name that differs only in punctuation)", g.Value)
			return
		}
		seen[ir.GroupName(name)] = true
		group = append(group, name)
	}
	r := c.rule
	r.Logsource = ls
	res.Logsource = ls
	res.SigmaLogsource = bases[0].SigmaLogsource
	for _, b := range bases {
		for _, ds := range b.Rule.DataSources {
			if !contains(r.DataSources, ds) {
				r.DataSources = append(r.DataSources, ds)
			}
		}
	}
	if fn, ok := aggFuncs[c.typ]; ok {
		c.aggregate(fn, bases, group, src)
		return
	}
	c.sequence(bases, group)
}

// aggregate builds an event_count or value_* correlation: the OR of the
// rules' conditions, aggregated.
func (c *corrDoc) aggregate(fn ir.AggFunc, bases []*Result, group []string, src *source) {
	res, d, r := c.d.res, c.d, c.rule
	var conds []ir.Expr
	for i, b := range bases {
		if b.Rule.Aggregate != nil || b.Rule.Sequence != nil {
			res.refuse(d.pos(c.refs[i]), "correlation rules: %s is itself a correlation: only a temporal correlation chains one (an event_count, as a step), not a %s", c.refs[i].Value, c.typ)
			return
		}
		conds = append(conds, cloneExpr(b.Rule.Condition))
	}
	agg := &ir.Aggregate{Pos: d.pos(c.typeNode), Func: fn, GroupBy: group, Window: c.window, Threshold: *c.threshold}
	if c.field != nil {
		name, ok := src.lookup(c.field.Value)
		f, resolved := src.resolve(c.field.Value)
		switch {
		case !ok || !resolved:
			res.refuse(d.pos(c.field), "condition field %s is not in the Sigma profile of %s", c.field.Value, src.name)
			return
		case (fn == ir.Sum || fn == ir.Avg) && f.Type != ir.Int:
			res.refuse(d.pos(c.field), "%s needs an integer field; %s (%s) is a %s", c.typ, name, f.Name, f.Type)
			return
		}
		agg.Field = f.Name
	}
	r.Condition = orOf(conds)
	r.Aggregate = agg
	res.Rule = r
}

// sequence builds a temporal or temporal_ordered correlation: one step
// per rule; an event_count correlation named as a rule is a step with a
// minimum.
func (c *corrDoc) sequence(bases []*Result, group []string) {
	res, d, r := c.d.res, c.d, c.rule
	seq := &ir.Sequence{Pos: d.pos(c.typeNode), Ordered: c.typ == "temporal_ordered", Join: group, Window: c.window}
	names := map[string]bool{}
	var conds []ir.Expr
	for i, b := range bases {
		ref := c.refs[i]
		step := ir.Step{Name: stepName(b, i, names), When: cloneExpr(b.Rule.Condition), Min: 1}
		switch {
		case b.Rule.Sequence != nil:
			res.refuse(d.pos(ref), "correlation rules: %s is a temporal correlation: a sequence of sequences is not supported", ref.Value)
			return
		case b.Rule.Aggregate != nil:
			a := b.Rule.Aggregate
			if a.Func != ir.Count {
				res.refuse(d.pos(ref), "correlation rules: %s is a %s correlation: only an event_count correlation can be a step of a %s", ref.Value, b.corr.typ, c.typ)
				return
			}
			if !sameFields(a.GroupBy, group) {
				res.refuse(d.pos(ref), "correlation rules: %s groups by %s, this correlation by %s: a chained event_count converts only with the same group-by", ref.Value, fieldList(a.GroupBy), fieldList(group))
				return
			}
			if a.Window != c.window {
				res.refuse(d.pos(ref), "correlation rules: %s has timespan %s, this correlation %s: a chained event_count converts only with the same timespan (a detgen sequence has one window)", ref.Value, a.Window, c.window)
				return
			}
			min := int(a.Threshold.Value)
			if float64(min) != a.Threshold.Value {
				res.refuse(d.pos(ref), "correlation rules: %s has a threshold that is not a whole number", ref.Value)
				return
			}
			if a.Threshold.Op == ir.GT {
				min++
			}
			if min < 1 || min > 10000 {
				res.refuse(d.pos(ref), "correlation rules: %s needs %d events: a step's minimum must be between 1 and 10000", ref.Value, min)
				return
			}
			step.Min = min
		}
		conds = append(conds, cloneExpr(step.When))
		seq.Steps = append(seq.Steps, step)
	}
	r.Condition = orOf(conds)
	r.Sequence = seq
	res.Rule = r
}

// groupField resolves a group-by name: an alias (the same field in every
// rule) or a field of the log source's Sigma profile.
func (c *corrDoc) groupField(g *yaml.Node, bases []*Result, src *source) (string, bool) {
	res, d := c.d.res, c.d
	written := g.Value
	if per, isAlias := c.aliases[written]; isAlias {
		field := ""
		for i, b := range bases {
			n := per[b.SigmaName]
			if n == nil {
				n = per[c.refs[i].Value]
			}
			if n == nil {
				res.refuse(d.pos(g), "alias %s names no field for rule %s", written, c.refs[i].Value)
				return "", false
			}
			f, ok := src.resolve(n.Value)
			if !ok {
				res.refuse(d.pos(n), "alias %s: field %s is not in the Sigma profile of %s", written, n.Value, src.name)
				return "", false
			}
			if field != "" && f.Name != field {
				res.refuse(d.pos(g), "alias %s maps to %s in one rule and %s in another: detgen groups on one field of the log source, so only an alias naming the same field in every rule is supported", written, field, f.Name)
				return "", false
			}
			field = f.Name
		}
		return field, true
	}
	f, ok := src.resolve(written)
	if !ok {
		res.refuse(d.pos(g), "group-by field %s is not in the Sigma profile of %s", written, src.name)
		return "", false
	}
	return f.Name, true
}

var stepRE = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// stepName is a step's name: the rule's Sigma name made an identifier, or
// step_<n>; unique within the sequence.
func stepName(b *Result, i int, used map[string]bool) string {
	name := strings.Trim(nonName.ReplaceAllString(strings.ToLower(b.SigmaName), "_"), "_")
	// A step names a YARA-L event variable: no keyword, and no g_ prefix
	// (the group placeholders').
	if !stepRE.MatchString(name) || len(name) > 64 || yaral.IsKeyword(name) || strings.HasPrefix(name, "g_") {
		name = "step_" + itoa(i+1)
	}
	base := name
	for n := 2; used[name]; n++ {
		name = base + "_" + itoa(n)
	}
	used[name] = true
	return name
}

func (rd *reader) sourceNamed(name string) *source {
	for _, s := range rd.sources {
		if s.name == name {
			return s
		}
	}
	return nil
}

func sameFields(a, b []string) bool {
	x, y := append([]string(nil), a...), append([]string(nil), b...)
	sort.Strings(x)
	sort.Strings(y)
	return strings.Join(x, "\x00") == strings.Join(y, "\x00")
}

func fieldList(fs []string) string {
	if len(fs) == 0 {
		return "nothing"
	}
	return strings.Join(fs, ", ")
}

func orOf(args []ir.Expr) ir.Expr {
	if len(args) == 1 {
		return args[0]
	}
	return &ir.Or{Args: args}
}

// cloneExpr copies an expression, so that no two rules share nodes.
func cloneExpr(e ir.Expr) ir.Expr {
	switch n := e.(type) {
	case *ir.And:
		c := *n
		c.Args = cloneArgs(n.Args)
		return &c
	case *ir.Or:
		c := *n
		c.Args = cloneArgs(n.Args)
		return &c
	case *ir.Not:
		return &ir.Not{Arg: cloneExpr(n.Arg)}
	case *ir.AtLeast:
		c := *n
		c.Args = cloneArgs(n.Args)
		return &c
	case *ir.Match:
		c := *n
		c.Values = append([]string(nil), n.Values...)
		return &c
	case *ir.Keyword:
		c := *n
		c.Values = append([]string(nil), n.Values...)
		return &c
	}
	return e
}

func cloneArgs(args []ir.Expr) []ir.Expr {
	out := make([]ir.Expr, len(args))
	for i, a := range args {
		out[i] = cloneExpr(a)
	}
	return out
}
