package yaral

// Multi-event rules: EvaluateAll runs a rule over a sequence of timed
// events, joins the event variables through their placeholders, groups the
// joined rows by the match variables, cuts each group into windows and
// evaluates the outcome and condition sections per window.
//
// Semantics (Google's YARA-L reference, pages "Events section syntax",
// "Match section syntax", "Windowing logic", "Outcome section syntax",
// "Condition section syntax", "Known issues"):
//
//   - Each event variable ranges over the events that satisfy its own
//     predicates (those that mention only that variable), with the
//     repeated-field unnesting of Evaluate: a placeholder assigned a
//     repeated field takes each of its values.
//   - A row binds one event to every event variable. All variables that
//     assign the same placeholder must agree on its value (a transitive
//     join); predicates that mention several event variables (joins,
//     ordering such as $e1.metadata.event_timestamp.seconds <
//     $e2.metadata.event_timestamp.seconds) or placeholders must hold on
//     the row. One event may be bound to two variables if it satisfies
//     both (nothing in YARA-L forbids it).
//   - Match placeholders drop rows whose value is the zero value ""
//     (Google: match placeholders implicitly exclude zero values) unless
//     options allow_zero_values = true or the placeholder is assigned a
//     function call. Numeric or boolean zeros cannot be told from text
//     values in an Event and are kept.
//   - Rows are grouped by the values of the match placeholders.
//   - Windows ("over W"). Google calls them hop windows: "fixed, overlapping
//     time intervals; the system defines the overlap and alignment"; the
//     hop and the alignment are not published. detgen evaluates the limit
//     of a hop that tends to zero: the events of a detection must fit in
//     one window of length W, i.e. a row's events span at most W seconds
//     (max-min <= W, both ends inclusive). For each group, windows
//     [s, s+W] are tried at every event time s, earliest first; a window
//     holds the rows whose events all lie in it. Any set of events that
//     fits in some window of length W fits in the window starting at its
//     earliest event, so a threshold such as #e > 20 fires exactly when
//     some W-long interval holds more than 20 events. Real hop windows
//     with a coarser hop can miss bursts that straddle their boundaries;
//     detgen does not model that loss.
//     Sliding windows ("over W after $p" / "before $p") are anchored at
//     each event bound to the pivot $p: [t, t+W] or [t-W, t].
//     Tumbling windows ("by W") are not evaluated: their alignment is not
//     documented.
//   - Deduplication: a window that fires consumes its events; later windows
//     of the same group only use rows none of whose events were consumed.
//     So each event is reported at most once per group and overlapping
//     windows do not repeat a detection.
//   - Outcome aggregates run over the rows of the window, unnested: a
//     repeated field contributes each element (Google's "Known issues":
//     count($e.target.ip) over an event with two IPs yields 2), and an
//     event joined to several rows is counted once per row (the documented
//     Cartesian-product inflation, hence count_distinct($e.metadata.id) in
//     real rules). count counts values, count_distinct distinct values
//     (zero values included), sum/max/min are numeric, window.avg their
//     mean (zero values included), array and
//     array_distinct keep at most 25 elements (Google truncates rule
//     arrays to 25 "random" elements; detgen keeps the first 25 in row
//     order). Outside aggregates an outcome may use earlier outcomes,
//     literals and match placeholders; an event field there is an error.
//   - Condition: #v is the number of distinct events bound to the event
//     variable v in the window's rows, #ph the number of distinct values of
//     the placeholder ph; $v and $ph mean #v > 0; $o is the outcome value.
//     Non-existence (!$e) is not evaluated.

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/detgen/detgen/lang/yaral"
)

// TimestampField is the UDM field that holds an event's time in seconds.
const TimestampField = "metadata.event_timestamp.seconds"

// TimedEvent is one event of a sequence given to EvaluateAll. Its time is
// the integer in Event[TimestampField] when present, else Time (then
// written into the event as TimestampField, so rules can compare it).
type TimedEvent struct {
	Event Event
	Time  time.Time
}

// Detection is one firing of a rule.
type Detection struct {
	// Key holds the values of the match placeholders (names without "$");
	// empty for a rule without a match section.
	Key map[string]string
	// WindowStart and WindowEnd bound the window that fired (both
	// inclusive, second precision). A rule without match section reports
	// the event's time for both.
	WindowStart, WindowEnd time.Time
	// Outcomes holds the outcome variables (names without "$").
	Outcomes map[string]any
	// Events lists the indexes (into the events given to EvaluateAll) of
	// the events of the detection, ascending and distinct.
	Events []int
	// Vars lists, per event variable, the indexes bound to it.
	Vars map[string][]int
}

// maxRows bounds the joined rows, so that a join of large event sets
// cannot make evaluation explode.
const maxRows = 1 << 20

// maxArray is the number of elements kept by array and array_distinct.
const maxArray = 25

type mode int

const (
	modeSingle mode = iota // Evaluate: one event, no match section
	modeRow                // one joined row: fields of several events, placeholder values
	modeGroup              // outcome/condition over the rows of a window
)

// EvaluateAll runs r over events. A rule with a match section is evaluated
// as a multi-event rule (see the package notes above); a rule without one
// keeps single-event semantics: one detection per matching event, as
// Evaluate decides. Detections are ordered by window start, then key.
func EvaluateAll(r *yaral.Rule, events []TimedEvent) (dets []Detection, err error) {
	defer func() {
		if p := recover(); p != nil {
			if e, ok := p.(evalError); ok {
				dets, err = nil, e
				return
			}
			panic(p)
		}
	}()
	if r == nil || r.Events == nil || r.Condition == nil {
		return nil, fmt.Errorf("incomplete rule")
	}
	evs := make([]Event, len(events))
	ts := make([]int64, len(events))
	for i, te := range events {
		evs[i], ts[i] = timed(i, te)
	}
	if r.Match == nil {
		return single(r, evs, ts)
	}
	p := analyze(r)
	rows := p.join(evs, ts)
	return p.detect(rows, evs, ts), nil
}

// timed returns the event with its timestamp field set, and the time.
func timed(i int, te TimedEvent) (Event, int64) {
	if vals := te.Event[TimestampField]; len(vals) > 0 {
		t, err := strconv.ParseInt(vals[0], 10, 64)
		if err != nil {
			panic(evalError{fmt.Sprintf("event %d: %s = %q is not an integer", i, TimestampField, vals[0])})
		}
		return te.Event, t
	}
	if te.Time.IsZero() {
		panic(evalError{fmt.Sprintf("event %d has neither %s nor a Time", i, TimestampField)})
	}
	t := te.Time.Unix()
	ev := make(Event, len(te.Event)+1)
	for k, v := range te.Event {
		ev[k] = v
	}
	ev[TimestampField] = []string{strconv.FormatInt(t, 10)}
	return ev, t
}

// single evaluates a rule without match section event by event.
func single(r *yaral.Rule, evs []Event, ts []int64) ([]Detection, error) {
	vars := eventVars(r.Events.Predicates)
	if len(vars) > 1 {
		return nil, fmt.Errorf("%d event variables without a match section: multi-event rules need match", len(vars))
	}
	var dets []Detection
	for i, ev := range evs {
		res, err := Evaluate(r, ev)
		if err != nil {
			return nil, fmt.Errorf("event %d: %w", i, err)
		}
		if !res.Match {
			continue
		}
		t := time.Unix(ts[i], 0).UTC()
		d := Detection{Key: map[string]string{}, WindowStart: t, WindowEnd: t, Outcomes: res.Outcomes, Events: []int{i}, Vars: map[string][]int{}}
		for _, v := range vars {
			d.Vars[v] = []int{i}
		}
		dets = append(dets, d)
	}
	return dets, nil
}

// ----------------------------------------------------------------------------
// Rule analysis

type assignment struct {
	ph   string
	expr yaral.Expr
	call bool // assigned a function result: zero values are kept in match
}

// tuplePred is an events predicate evaluated on joined rows, as soon as the
// variables it needs are bound (level is the index in plan.vars).
type tuplePred struct {
	expr  yaral.Expr
	level int
}

type plan struct {
	r        *yaral.Rule
	vars     []string // event variables, in order of first use
	varIdx   map[string]int
	filters  map[string][]yaral.Expr // predicates on one event variable
	assigns  map[string][]assignment // placeholder assignments per event variable
	assigned map[string][]string     // placeholder -> event variables that assign it
	tuple    []tuplePred
	match    []string // match placeholders
	isMatch  map[string]bool
	keepZero map[string]bool // match placeholders whose zero value is kept
	window   int64           // seconds
	anchor   yaral.Token     // ILLEGAL (hop), BEFORE or AFTER
	pivot    string
	outcomes []*yaral.Assignment
}

// conjuncts flattens top-level "and" chains.
func conjuncts(x yaral.Expr, out []yaral.Expr) []yaral.Expr {
	if b, ok := x.(*yaral.BinaryExpr); ok && b.Op == yaral.AND {
		return conjuncts(b.Y, conjuncts(b.X, out))
	}
	return append(out, x)
}

// refs returns the event variables (bases of field paths) and the bare
// variables (placeholders) of x, each in order of first use.
func refs(x yaral.Expr) (evs, phs []string) {
	seenE, seenP := map[string]bool{}, map[string]bool{}
	yaral.Inspect(x, func(e yaral.Expr) bool {
		switch e := e.(type) {
		case *yaral.FieldExpr:
			if e.Var != nil && !seenE[e.Var.Name] {
				seenE[e.Var.Name] = true
				evs = append(evs, e.Var.Name)
			}
			return false
		case *yaral.Var:
			if !seenP[e.Name] {
				seenP[e.Name] = true
				phs = append(phs, e.Name)
			}
		case *yaral.CountVar:
			panic(fail(e, "#%s in events: counts are only allowed in the condition", e.Name))
		}
		return true
	})
	return evs, phs
}

func eventVars(preds []yaral.Expr) []string {
	var vars []string
	seen := map[string]bool{}
	for _, p := range preds {
		evs, _ := refs(p)
		for _, v := range evs {
			if !seen[v] {
				seen[v] = true
				vars = append(vars, v)
			}
		}
	}
	return vars
}

func analyze(r *yaral.Rule) *plan {
	m := r.Match
	p := &plan{
		r: r, varIdx: map[string]int{}, filters: map[string][]yaral.Expr{},
		assigns: map[string][]assignment{}, assigned: map[string][]string{},
		isMatch: map[string]bool{}, keepZero: map[string]bool{}, anchor: m.Anchor,
	}
	if m.Kind == yaral.By {
		panic(fail(m, "tumbling windows (by) are not supported by the evaluator: their alignment is not documented"))
	}
	if m.Window == nil {
		panic(fail(m, "match section without a window"))
	}
	w, ok := yaral.DurationSeconds(m.Window.Value)
	if !ok || w <= 0 {
		panic(fail(m.Window, "bad match window %s", m.Window.Value))
	}
	p.window = w
	var preds []yaral.Expr
	for _, pr := range r.Events.Predicates {
		preds = conjuncts(pr, preds)
	}
	p.vars = eventVars(preds)
	if len(p.vars) == 0 {
		panic(fail(r.Events, "no event variable in the events section"))
	}
	for i, v := range p.vars {
		p.varIdx[v] = i
	}
	var pending []yaral.Expr
	for _, pr := range preds {
		if a, v, ok := asAssignment(pr); ok {
			p.assigns[v] = append(p.assigns[v], a)
			if !contains(p.assigned[a.ph], v) {
				p.assigned[a.ph] = append(p.assigned[a.ph], v)
			}
			continue
		}
		evs, phs := refs(pr)
		if len(evs) == 1 && len(phs) == 0 {
			p.filters[evs[0]] = append(p.filters[evs[0]], pr)
			continue
		}
		pending = append(pending, pr)
	}
	for _, pr := range pending {
		evs, phs := refs(pr)
		level := 0
		for _, v := range evs {
			level = max(level, p.varIdx[v])
		}
		for _, ph := range phs {
			level = max(level, p.phLevel(pr, ph))
		}
		p.tuple = append(p.tuple, tuplePred{expr: pr, level: level})
	}
	allowZero := false
	if r.Options != nil {
		for _, kv := range r.Options.Entries {
			if kv != nil && kv.Key == "allow_zero_values" && kv.Value != nil && kv.Value.Value == "true" {
				allowZero = true
			}
		}
	}
	for _, v := range m.Vars {
		if v == nil {
			panic(evalError{"incomplete match section"})
		}
		p.phLevel(v, v.Name)
		p.match = append(p.match, v.Name)
		p.isMatch[v.Name] = true
		p.keepZero[v.Name] = allowZero
		for _, as := range p.assigns {
			for _, a := range as {
				if a.ph == v.Name && a.call {
					p.keepZero[v.Name] = true
				}
			}
		}
	}
	if p.anchor == yaral.BEFORE || p.anchor == yaral.AFTER {
		if m.AnchorVar == nil {
			panic(fail(m, "sliding window without a pivot event variable"))
		}
		if _, ok := p.varIdx[m.AnchorVar.Name]; !ok {
			panic(fail(m.AnchorVar, "pivot $%s is not an event variable", m.AnchorVar.Name))
		}
		p.pivot = m.AnchorVar.Name
	}
	yaral.Inspect(r.Condition.Expr, func(e yaral.Expr) bool {
		if u, ok := e.(*yaral.UnaryExpr); ok && u.Op == yaral.BANG {
			panic(fail(u, "non-existence (!$var) is not supported by the evaluator"))
		}
		return true
	})
	if r.Outcome != nil {
		p.outcomes = r.Outcome.Assignments
	}
	return p
}

// phLevel returns the index of the first event variable that assigns ph.
func (p *plan) phLevel(n yaral.Node, ph string) int {
	vs := p.assigned[ph]
	if len(vs) == 0 {
		panic(fail(n, "placeholder $%s is not assigned an event field ($%s = $e.field) in the events section", ph, ph))
	}
	level := len(p.vars)
	for _, v := range vs {
		level = min(level, p.varIdx[v])
	}
	return level
}

// asAssignment recognises "$ph = expr" or "expr = $ph" where expr uses the
// fields of exactly one event variable and no placeholder.
func asAssignment(pr yaral.Expr) (assignment, string, bool) {
	b, ok := pr.(*yaral.BinaryExpr)
	if !ok || b.Op != yaral.EQ || b.Nocase {
		return assignment{}, "", false
	}
	for _, sides := range [][2]yaral.Expr{{b.X, b.Y}, {b.Y, b.X}} {
		ph, ok := sides[0].(*yaral.Var)
		if !ok {
			continue
		}
		evs, phs := refs(sides[1])
		if len(evs) != 1 || len(phs) != 0 {
			continue
		}
		if f, ok := sides[1].(*yaral.FieldExpr); ok && f.Modifier != yaral.ILLEGAL {
			panic(fail(f, "%s cannot be used in a placeholder assignment", f.Modifier))
		}
		_, isCall := sides[1].(*yaral.CallExpr)
		return assignment{ph: ph.Name, expr: sides[1], call: isCall}, evs[0], true
	}
	return assignment{}, "", false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// ----------------------------------------------------------------------------
// Candidates and join

// candidate is one way an event can be bound to an event variable: the
// event and the values of the placeholders the variable assigns.
type candidate struct {
	idx int
	phs map[string]string
}

// candidates returns the bindings of variable v to event ev (index i).
func (p *plan) candidates(v string, i int, ev Event) []candidate {
	x := &evaluator{ev: ev, outcomes: map[string]any{}, elem: map[*yaral.FieldExpr]string{}}
	preds := p.filters[v]
	assigns := p.assigns[v]
	all := append([]yaral.Expr{}, preds...)
	for _, a := range assigns {
		all = append(all, a.expr)
	}
	dims := x.unnested(all)
	n := 1
	for _, d := range dims {
		if n *= len(ev[d]); n > maxCopies {
			panic(evalError{fmt.Sprintf("event %d: more than %d event copies: too many repeated field values", i, maxCopies)})
		}
	}
	x.copy = map[string]string{}
	var out []candidate
	seen := map[string]bool{}
	x.eachCopy(dims, func() {
		for _, pr := range preds {
			if !x.truth(pr) {
				return
			}
		}
		vals := make([][]string, len(assigns))
		for j, a := range assigns {
			vals[j] = texts(a.expr, x.eval(a.expr))
		}
		combine(assigns, vals, map[string]string{}, func(phs map[string]string) {
			for ph, val := range phs {
				if p.isMatch[ph] && !p.keepZero[ph] && val == "" {
					return
				}
			}
			key := phKey(phs)
			if seen[key] {
				return
			}
			seen[key] = true
			cp := make(map[string]string, len(phs))
			for k, v := range phs {
				cp[k] = v
			}
			out = append(out, candidate{idx: i, phs: cp})
		})
	})
	return out
}

// eachCopy calls f once per event copy (one element of each dim).
func (x *evaluator) eachCopy(dims []string, f func()) {
	if len(dims) == 0 {
		f()
		return
	}
	for _, v := range x.ev[dims[0]] {
		x.copy[dims[0]] = v
		x.eachCopy(dims[1:], f)
	}
	delete(x.copy, dims[0])
}

// combine enumerates one value per assignment; two assignments of the same
// placeholder must agree.
func combine(as []assignment, vals [][]string, cur map[string]string, f func(map[string]string)) {
	if len(as) == 0 {
		f(cur)
		return
	}
	a := as[0]
	for _, v := range vals[0] {
		if old, ok := cur[a.ph]; ok {
			if old == v {
				combine(as[1:], vals[1:], cur, f)
			}
			continue
		}
		cur[a.ph] = v
		combine(as[1:], vals[1:], cur, f)
		delete(cur, a.ph)
	}
}

// texts returns a value as a list of texts (a list gives its elements, a
// missing field the zero value).
func texts(n yaral.Node, v any) []string {
	if list, ok := v.([]string); ok {
		if len(list) == 0 {
			return []string{""}
		}
		return list
	}
	return []string{text(n, v)}
}

func phKey(phs map[string]string) string {
	keys := make([]string, 0, len(phs))
	for k := range phs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k)
		b.WriteByte(0)
		b.WriteString(phs[k])
		b.WriteByte(0)
	}
	return b.String()
}

// row is one joined binding of every event variable.
type row struct {
	idx        []int // event index per variable (plan.vars order)
	phs        map[string]string
	tmin, tmax int64
}

// join enumerates the rows: one candidate per event variable, agreeing on
// shared placeholders, spanning at most the window, satisfying the
// predicates that mention several variables or placeholders.
func (p *plan) join(evs []Event, ts []int64) []row {
	k := len(p.vars)
	cands := make([][]candidate, k)
	for vi, v := range p.vars {
		for i, ev := range evs {
			cands[vi] = append(cands[vi], p.candidates(v, i, ev)...)
		}
	}
	// Placeholders a variable shares with earlier variables index its
	// candidates (a hash join).
	shared := make([][]string, k)
	index := make([]map[string][]candidate, k)
	for vi, v := range p.vars {
		for _, a := range p.assigns[v] {
			if p.phLevel(a.expr, a.ph) < vi && !contains(shared[vi], a.ph) {
				shared[vi] = append(shared[vi], a.ph)
			}
		}
		sort.Strings(shared[vi])
		if len(shared[vi]) > 0 {
			index[vi] = map[string][]candidate{}
			for _, c := range cands[vi] {
				key := sharedKey(shared[vi], c.phs)
				index[vi][key] = append(index[vi][key], c)
			}
		}
	}
	predsAt := make([][]yaral.Expr, k)
	for _, tp := range p.tuple {
		predsAt[tp.level] = append(predsAt[tp.level], tp.expr)
	}
	var rows []row
	idx := make([]int, k)
	phs := map[string]string{}
	rowEvs := map[string]Event{}
	var rec func(vi int, tmin, tmax int64)
	rec = func(vi int, tmin, tmax int64) {
		if vi == k {
			if len(rows) >= maxRows {
				panic(evalError{fmt.Sprintf("more than %d joined rows: the join is too large", maxRows)})
			}
			cp := make(map[string]string, len(phs))
			for a, b := range phs {
				cp[a] = b
			}
			rows = append(rows, row{idx: append([]int(nil), idx...), phs: cp, tmin: tmin, tmax: tmax})
			return
		}
		list := cands[vi]
		if index[vi] != nil {
			list = index[vi][sharedKey(shared[vi], phs)]
		}
		v := p.vars[vi]
		for _, c := range list {
			t := ts[c.idx]
			lo, hi := t, t
			if vi > 0 {
				lo, hi = min(tmin, t), max(tmax, t)
			}
			if hi-lo > p.window {
				continue
			}
			var added []string
			ok := true
			for ph, val := range c.phs {
				if old, bound := phs[ph]; bound {
					if old != val {
						ok = false
						break
					}
					continue
				}
				phs[ph] = val
				added = append(added, ph)
			}
			if ok {
				idx[vi] = c.idx
				rowEvs[v] = evs[c.idx]
				rx := &evaluator{mode: modeRow, evs: rowEvs, phs: phs, outcomes: map[string]any{}, elem: map[*yaral.FieldExpr]string{}}
				for _, pr := range predsAt[vi] {
					if !rx.truth(pr) {
						ok = false
						break
					}
				}
				if ok {
					rec(vi+1, lo, hi)
				}
				delete(rowEvs, v)
			}
			for _, ph := range added {
				delete(phs, ph)
			}
		}
	}
	rec(0, 0, 0)
	return rows
}

func sharedKey(names []string, phs map[string]string) string {
	var b strings.Builder
	for _, n := range names {
		b.WriteString(phs[n])
		b.WriteByte(0)
	}
	return b.String()
}

// ----------------------------------------------------------------------------
// Groups and windows

// group is the set of rows of one window of one match key.
type group struct {
	p    *plan
	key  map[string]string
	rows []row
	evs  []Event
}

func (p *plan) detect(rows []row, evs []Event, ts []int64) []Detection {
	groups := map[string][]row{}
	var keys []string
	for _, r := range rows {
		k := sharedKey(p.match, r.phs)
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], r)
	}
	sort.Strings(keys)
	var dets []Detection
	for _, k := range keys {
		dets = append(dets, p.windows(groups[k], evs, ts)...)
	}
	sort.SliceStable(dets, func(i, j int) bool {
		if !dets[i].WindowStart.Equal(dets[j].WindowStart) {
			return dets[i].WindowStart.Before(dets[j].WindowStart)
		}
		return sharedKey(p.match, dets[i].Key) < sharedKey(p.match, dets[j].Key)
	})
	return dets
}

// windows tries the windows of one group, earliest first, and returns the
// detections; a detection consumes its events.
func (p *plan) windows(rows []row, evs []Event, ts []int64) []Detection {
	var anchors []int64
	seen := map[int64]bool{}
	for _, r := range rows {
		for vi, i := range r.idx {
			if p.pivot != "" && p.vars[vi] != p.pivot {
				continue
			}
			if t := ts[i]; !seen[t] {
				seen[t] = true
				anchors = append(anchors, t)
			}
		}
	}
	sort.Slice(anchors, func(i, j int) bool { return anchors[i] < anchors[j] })
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].tmin < rows[j].tmin })
	key := map[string]string{}
	for _, ph := range p.match {
		key[ph] = rows[0].phs[ph]
	}
	consumed := map[int]bool{}
	var dets []Detection
	for _, s := range anchors {
		lo, hi := s, s+p.window
		if p.anchor == yaral.BEFORE {
			lo, hi = s-p.window, s
		}
		var sel []row
		first := sort.Search(len(rows), func(i int) bool { return rows[i].tmin >= lo })
	rows:
		for _, r := range rows[first:] {
			if r.tmin > hi {
				break
			}
			if r.tmax > hi {
				continue
			}
			for _, i := range r.idx {
				if consumed[i] {
					continue rows
				}
			}
			sel = append(sel, r)
		}
		if len(sel) == 0 {
			continue
		}
		g := &group{p: p, key: key, rows: sel, evs: evs}
		outcomes := g.outcomes()
		cx := &evaluator{mode: modeGroup, group: g, outcomes: outcomes, inCondition: true, elem: map[*yaral.FieldExpr]string{}}
		if !cx.truth(p.r.Condition.Expr) {
			continue
		}
		d := Detection{
			Key: map[string]string{}, Outcomes: outcomes, Vars: map[string][]int{},
			WindowStart: time.Unix(lo, 0).UTC(), WindowEnd: time.Unix(hi, 0).UTC(),
		}
		for k, v := range key {
			d.Key[k] = v
		}
		all := map[int]bool{}
		for vi, v := range p.vars {
			set := map[int]bool{}
			for _, r := range sel {
				set[r.idx[vi]] = true
				all[r.idx[vi]] = true
			}
			d.Vars[v] = sortedInts(set)
		}
		d.Events = sortedInts(all)
		for i := range all {
			consumed[i] = true
		}
		dets = append(dets, d)
	}
	return dets
}

func sortedInts(set map[int]bool) []int {
	out := make([]int, 0, len(set))
	for i := range set {
		out = append(out, i)
	}
	sort.Ints(out)
	return out
}

// outcomes evaluates the outcome section over the rows of the group.
func (g *group) outcomes() map[string]any {
	out := map[string]any{}
	for _, a := range g.p.outcomes {
		if a == nil || a.Var == nil {
			panic(evalError{"incomplete outcome assignment"})
		}
		x := &evaluator{mode: modeGroup, group: g, outcomes: out, elem: map[*yaral.FieldExpr]string{}}
		out[a.Var.Name] = x.eval(a.Value)
	}
	return out
}

// rowEvaluator returns an evaluator over one row of the group.
func (g *group) rowEvaluator(r row) *evaluator {
	evs := make(map[string]Event, len(r.idx))
	for vi, v := range g.p.vars {
		evs[v] = g.evs[r.idx[vi]]
	}
	return &evaluator{mode: modeRow, evs: evs, phs: r.phs, outcomes: map[string]any{}, elem: map[*yaral.FieldExpr]string{}}
}

// ----------------------------------------------------------------------------
// Evaluator hooks for multi-event rules

// event returns the event whose field f reads.
func (x *evaluator) event(f *yaral.FieldExpr) Event {
	if x.mode == modeSingle {
		return x.ev
	}
	if f.Var == nil {
		panic(fail(f, "field without event variable"))
	}
	ev, ok := x.evs[f.Var.Name]
	if !ok {
		panic(fail(f, "event variable $%s is not bound here", f.Var.Name))
	}
	return ev
}

// multiVariable resolves $name in a row (a placeholder) or in a group (a
// match placeholder in the outcome, or an event variable or placeholder in
// the condition, meaning #name > 0).
func (x *evaluator) multiVariable(n *yaral.Var) any {
	switch x.mode {
	case modeRow:
		if v, ok := x.phs[n.Name]; ok {
			return v
		}
		panic(fail(n, "$%s is not a placeholder bound in this row (outcome variables cannot be aggregated again)", n.Name))
	case modeGroup:
		if x.inCondition {
			if c, ok := x.group.count(n.Name); ok {
				return c > 0
			}
			panic(fail(n, "$%s is not an event variable, placeholder or outcome variable", n.Name))
		}
		if v, ok := x.group.key[n.Name]; ok {
			return v
		}
		panic(fail(n, "placeholder $%s outside an aggregation: only match variables may be used unaggregated in the outcome", n.Name))
	}
	panic(fail(n, "unexpected variable $%s", n.Name))
}

// count evaluates #name in the condition of a multi-event rule.
func (x *evaluator) count(n *yaral.CountVar) any {
	if x.mode == modeGroup && x.inCondition {
		if c, ok := x.group.count(n.Name); ok {
			return c
		}
		panic(fail(n, "#%s: %s is not an event variable or placeholder", n.Name, n.Name))
	}
	panic(fail(n, "#%s is only supported in the condition of a rule with a match section", n.Name))
}

// count returns the number of distinct events bound to the event variable
// name, or of distinct values of the placeholder name, in the group.
func (g *group) count(name string) (int64, bool) {
	if vi, ok := g.p.varIdx[name]; ok {
		set := map[int]bool{}
		for _, r := range g.rows {
			set[r.idx[vi]] = true
		}
		return int64(len(set)), true
	}
	if _, ok := g.p.assigned[name]; ok {
		set := map[string]bool{}
		for _, r := range g.rows {
			set[r.phs[name]] = true
		}
		return int64(len(set)), true
	}
	return 0, false
}

// aggregate computes an outcome aggregation over the rows of the group.
func (x *evaluator) aggregate(n *yaral.CallExpr) any {
	name := callName(n)
	if x.mode != modeGroup || x.inCondition {
		panic(fail(n, "%s: aggregations are only allowed at the top of an outcome expression, not nested", name))
	}
	if len(n.Args) != 1 {
		panic(fail(n, "%s takes one argument", name))
	}
	var vals []any
	for _, r := range x.group.rows {
		v := x.group.rowEvaluator(r).eval(n.Args[0])
		if list, ok := v.([]string); ok {
			// Unnesting: each element of a repeated field is a value.
			for _, s := range list {
				vals = append(vals, s)
			}
			continue
		}
		vals = append(vals, v)
	}
	switch name {
	case "count":
		return int64(len(vals))
	case "count_distinct":
		set := map[string]bool{}
		for _, v := range vals {
			set[text(n, v)] = true
		}
		return int64(len(set))
	case "array", "array_distinct":
		out := []string{}
		set := map[string]bool{}
		for _, v := range vals {
			s := text(n, v)
			if name == "array_distinct" {
				if set[s] {
					continue
				}
				set[s] = true
			}
			if len(out) < maxArray {
				out = append(out, s)
			}
		}
		return out
	case "window.avg":
		// The mean of the values (a missing field's zero value
		// included, as UDM has no absent number), as a float.
		if len(vals) == 0 {
			return float64(0)
		}
		var sum float64
		for _, v := range vals {
			_, f, _ := number(n, v)
			sum += f
		}
		return sum / float64(len(vals))
	case "sum":
		var si int64
		var sf float64
		isInt := true
		for _, v := range vals {
			i, f, ok := number(n, v)
			isInt = isInt && ok
			si += i
			sf += f
		}
		if isInt {
			return si
		}
		return sf
	}
	// max, min
	if len(vals) == 0 {
		return int64(0)
	}
	bi, bf, bInt := number(n, vals[0])
	for _, v := range vals[1:] {
		i, f, isInt := number(n, v)
		better := f > bf
		if isInt && bInt {
			better = i > bi
		}
		if name == "min" {
			better = f < bf
			if isInt && bInt {
				better = i < bi
			}
		}
		if better {
			bi, bf, bInt = i, f, isInt
		}
	}
	if bInt {
		return bi
	}
	return bf
}
