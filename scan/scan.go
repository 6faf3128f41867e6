// Package scan runs compiled rules over a log, one JSON record per line;
// each rule reads a record with the reader its log source's catalog
// names (package reader). Most lines of an audit log are reads and pod
// events that no rule's condition can select, so a line is first checked
// for the literal text every rule's condition needs and is only decoded
// when some rule could match it.
package scan

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/detgen/detgen/compile"
	"github.com/detgen/detgen/driver"
	"github.com/detgen/detgen/eval/reference"
	"github.com/detgen/detgen/ir"
	"github.com/detgen/detgen/mappings"
	"github.com/detgen/detgen/reader"
	"github.com/detgen/detgen/record"
	"github.com/detgen/detgen/record/prune"
	"github.com/detgen/detgen/testrun"
)

// Hit is one rule firing on one record.
type Hit struct {
	Line      int      `json:"line"`
	RuleID    string   `json:"rule_id"`
	Rule      string   `json:"rule"`
	Title     string   `json:"title"`
	Score     int      `json:"score"`
	Signals   []string `json:"signals"`
	Logsource string   `json:"logsource"`
	Form      string   `json:"form"`
	// Summary holds the values of the catalog's summary fields (the
	// first value of each), in catalog order.
	Summary []Field `json:"summary"`
}

// Field is one named value of a hit's record.
type Field struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Stats counts what a scan saw.
type Stats struct {
	Bytes       int64
	Lines       int
	Blank       int
	Prefiltered int // skipped by the literal pre-filter, never decoded
	Decoded     int
	NotAudit    int // valid JSON that is no record of any rule's log source
	Malformed   int // not JSON, or a broken wrapper
	// Records counts lines known to be audit records. Until the first is
	// found, lines the pre-filter skips are decoded too, so input in which
	// no line is a record (other JSON, junk) shows as Records == 0.
	Records int
	Hits    int
	// Untimed counts records an aggregation rule selected but could not
	// place in a window: they carry no time at the catalog's timestamp.
	Untimed int
	// Late counts records an aggregation or sequence rule selected that
	// arrived more than Tolerance after a newer record: too late to be
	// placed in time order, they are not counted.
	Late int
}

// Scanner holds the rules and their pre-filters.
type Scanner struct {
	rules []*ir.Rule
	evals []*reference.Evaluator
	// aggs holds, per aggregation rule, its running windows: state per
	// open group, dropped as events leave the window (bounded memory).
	aggs []*reference.Aggregator
	// seqs holds, per sequence rule, its running steps.
	seqs []*reference.Sequencer
	// targets, when set, judge each rule with a target's artifact (as
	// the SIEM would) instead of the spec; the pre-filter, derived from
	// the spec, is then off so a target's own verdicts are all seen.
	targets []*testrun.Evaluator
	filters []prefilter
	serial  *worker      // judges lines for a serial Scan, and ScanStream
	index   *needleIndex // every prefilter needle, found in one pass
	groups  []group      // rules by log source
	// tree holds the paths any group reads: a candidate line is decoded
	// along them only (package prune). nil: decode whole lines (a
	// keyword search reads all of a record's text; a target's evaluator
	// reads the record as the SIEM stores it).
	tree *prune.Tree
	// Tolerance is how far out of time order records may arrive for the
	// aggregation and sequence rules (DefaultTolerance unless changed
	// before the first Scan).
	Tolerance time.Duration
	reorder   reorderBuffer
}

// group is the rules of one log source and how to read its records.
type group struct {
	ls    *mappings.Logsource
	scope ir.Expr // the catalog's scope; nil: any record the reader reads
	read  reader.Func
	rules []int           // indexes into Scanner.rules
	paths reference.Paths // the catalog's fields, compiled
	// any is every catalog path: without a scope, a record belongs to
	// the log source when it has a value at one of them.
	any []record.Path
}

// NewTarget prepares a scanner that judges each rule with its artifact
// for target (qradar, chronicle or sigma; "reference" is New).
func NewTarget(rules []*ir.Rule, arts []driver.Artifact, target string) (*Scanner, error) {
	s, err := New(rules)
	if err != nil || target == "reference" {
		return s, err
	}
	for _, r := range rules {
		var data []byte
		for _, a := range arts {
			if a.Rule == r && a.Target.Name == target {
				data = a.Data
			}
		}
		if data == nil {
			return nil, fmt.Errorf("%s: no %s artifact", r.Name, target)
		}
		e, err := testrun.NewEvaluator(r, target, data)
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", r.Name, target, err)
		}
		s.targets = append(s.targets, e)
	}
	for i := range s.filters {
		s.filters[i] = nil
	}
	s.tree = nil
	s.index = newNeedleIndex(s.filters)
	return s, nil
}

// New prepares a scanner for rules.
func New(rules []*ir.Rule) (*Scanner, error) {
	s := &Scanner{rules: rules}
	for _, r := range rules {
		ev, err := reference.New(r)
		if err != nil {
			return nil, err
		}
		s.evals = append(s.evals, ev)
		var agg *reference.Aggregator
		if r.Aggregate != nil {
			agg = ev.NewAggregator()
		}
		s.aggs = append(s.aggs, agg)
		var seq *reference.Sequencer
		if r.Sequence != nil {
			seq = ev.NewSequencer()
		}
		s.seqs = append(s.seqs, seq)
		g, err := s.addToGroup(len(s.evals)-1, r.Logsource)
		if err != nil {
			return nil, err
		}
		s.filters = append(s.filters, newPrefilter(r, g.scope, reader.Constants(g.ls.Format)))
	}
	s.tree = s.projection()
	s.index = newNeedleIndex(s.filters)
	return s, nil
}

// projection is the tree of every path the groups' readers, scopes and
// rules can read: all catalog paths (rules, summaries and the
// ownership check read catalog fields only), the timestamps, and the keys
// each reader reads. nil when some rule or scope searches keywords.
func (s *Scanner) projection() *prune.Tree {
	keywords := false
	find := func(e ir.Expr) {
		if e != nil {
			ir.Walk(e, func(x ir.Expr) {
				if _, ok := x.(*ir.Keyword); ok {
					keywords = true
				}
			})
		}
	}
	for _, r := range s.rules {
		find(r.Condition)
		if r.Scoring != nil {
			for _, sig := range r.Scoring.Signals {
				find(sig.When)
			}
		}
		if r.Sequence != nil {
			for _, st := range r.Sequence.Steps {
				find(st.When)
			}
		}
	}
	t := prune.New()
	for _, g := range s.groups {
		find(g.scope)
		for _, f := range g.ls.Fields {
			for _, p := range f.Paths {
				t.Add(p)
			}
		}
		for _, p := range []string{g.ls.Timestamp, g.ls.RawTimestamp} {
			if p != "" {
				t.Add(p)
			}
		}
		for _, k := range reader.Keeps(g.ls.Format) {
			t.Add(k)
		}
	}
	if keywords {
		return nil
	}
	return t
}

// decode reads a candidate line: along the projection's paths, or whole.
func (s *Scanner) decode(line []byte) (map[string]any, error) {
	if s.tree != nil {
		return prune.Decode(line, s.tree)
	}
	var rec map[string]any
	err := json.Unmarshal(line, &rec)
	return rec, err
}

// addToGroup adds rule i to the group of its log source, made on first
// use, and returns the group.
func (s *Scanner) addToGroup(i int, logsource string) (*group, error) {
	for g := range s.groups {
		if s.groups[g].ls.Name == logsource {
			s.groups[g].rules = append(s.groups[g].rules, i)
			return &s.groups[g], nil
		}
	}
	ls, errs := mappings.LoadLogsource(logsource)
	if len(errs) > 0 {
		return nil, errs
	}
	format := ls.Format
	if format == "" {
		format = "json"
	}
	read, ok := reader.Lookup(format)
	if !ok {
		return nil, fmt.Errorf("logsource %s: unknown format %q", logsource, format)
	}
	scope, errs := compile.Catalog(ls)
	if len(errs) > 0 {
		return nil, errs
	}
	g := group{ls: ls, scope: scope, read: read, rules: []int{i}, paths: reference.CatalogPaths(ls)}
	for _, f := range ls.Fields {
		for _, p := range f.Paths {
			g.any = append(g.any, record.Compile(p))
		}
	}
	s.groups = append(s.groups, g)
	return &s.groups[len(s.groups)-1], nil
}

// MaxLine bounds one record; a longer line is reported as malformed.
const MaxLine = 16 << 20

var errTooLong = fmt.Errorf("line longer than %d bytes", MaxLine)

// readLine returns one line without its end of line and the number of
// bytes it took (0 at the end of the input). A line longer than MaxLine is
// consumed and reported as tooLong, without its text.
func readLine(br *bufio.Reader) (line []byte, n int, tooLong bool, err error) {
	line, err = br.ReadSlice('\n')
	n = len(line)
	if errors.Is(err, bufio.ErrBufferFull) {
		buf := append([]byte(nil), line...)
		for errors.Is(err, bufio.ErrBufferFull) {
			line, err = br.ReadSlice('\n')
			n += len(line)
			if len(buf) <= MaxLine {
				buf = append(buf, line...)
			}
		}
		line = buf
	}
	line = bytes.TrimRight(line, "\r\n")
	return line, n, len(line) > MaxLine, err
}

// worker is the state one goroutine judges lines with.
type worker struct {
	caches []*reference.Cache // per group: each field read once per record
	found  []uint64           // the needles a line holds (needleIndex)
	passed []bool             // per rule: its prefilter passes the line
}

func (s *Scanner) newWorker() *worker {
	w := &worker{found: make([]uint64, s.index.words), passed: make([]bool, len(s.rules))}
	for _, g := range s.groups {
		w.caches = append(w.caches, reference.NewCache(g.paths))
	}
	return w
}

// verdict is what one line yields, judged on its own by any worker; the
// scanner applies verdicts in line order (apply).
type verdict struct {
	blank, prefiltered, decoded bool
	isRecord                    bool // a prefiltered line that is a record (asked until one is found)
	record                      bool // a decoded line some group owns
	notAudit                    bool // a decoded line no group owns
	untimed                     int
	acts                        []act // in the order the sequential scan made them
}

// act is one effect of a line: a hit, a record held for an aggregation
// or sequence rule, or a complaint about the line.
type act struct {
	hit  *Hit
	pend *pending
	err  error
}

// judge reads one line and evaluates every rule on it without touching
// the scanner's state. askRecord says whether a prefiltered line must be
// decoded to learn if it is a record (until the first record is found).
func (s *Scanner) judge(w *worker, n int, line []byte, askRecord bool) verdict {
	var v verdict
	trimmed := bytes.TrimSpace(line)
	if len(trimmed) == 0 {
		v.blank = true
		return v
	}
	// A line that is not even JSON counts as malformed, candidate or not:
	// the cheap framing check reports a truncated record instead of
	// skipping it silently.
	if trimmed[0] != '{' || trimmed[len(trimmed)-1] != '}' {
		v.acts = append(v.acts, act{err: errors.New("not a JSON object (truncated or corrupt line?)")})
		return v
	}
	if !s.candidate(w, trimmed) {
		v.prefiltered = true
		v.isRecord = askRecord && s.isRecord(w, trimmed)
		return v
	}
	v.decoded = true
	rec, err := s.decode(trimmed)
	if err != nil {
		v.acts = append(v.acts, act{err: err})
		return v
	}
	foreign := true
	for gi, g := range s.groups {
		// Rules whose prefilter the line fails cannot select it: not
		// evaluated. A group none of whose rules pass is still read (a
		// reader's complaint is reported) and, until some group owns the
		// line, asked whether it owns it (Stats.Records).
		passing := false
		for _, i := range g.rules {
			passing = passing || w.passed[i]
		}
		ev, form, err := g.read(rec)
		if errors.Is(err, reader.ErrForeign) {
			continue
		}
		if err != nil {
			v.acts = append(v.acts, act{err: err})
			return v
		}
		if !passing && !foreign {
			continue
		}
		env := w.caches[gi].Reset(ev)
		if !g.owns(ev, env) {
			continue
		}
		v.record = v.record || foreign
		foreign = false
		for _, i := range g.rules {
			if !w.passed[i] {
				continue
			}
			if s.aggs[i] != nil || s.seqs[i] != nil {
				if !s.evals[i].EvaluateEnv(env).Selected || s.seqs[i] != nil && !anyStep(s.rules[i].Sequence, env) {
					continue
				}
				// A record without a readable time cannot be placed in a
				// window: counted (Stats.Untimed), not aggregated.
				at, ok := s.evals[i].Time(ev)
				if !ok {
					v.untimed++
					continue
				}
				v.acts = append(v.acts, act{pend: &pending{at: at, rule: i, line: n, ev: ev, form: form, logsource: g.ls.Name}})
				continue
			}
			res := s.evals[i].EvaluateEnv(env)
			if s.targets != nil {
				tv, err := s.targets[i].Eval(trimmed, ev, form)
				if err != nil {
					v.acts = append(v.acts, act{err: fmt.Errorf("%s: %w", s.rules[i].Name, err)})
					continue
				}
				res.Match, res.Score, res.Signals = tv.Match, tv.Score, tv.Signals
			}
			if !res.Match {
				continue
			}
			r := s.rules[i]
			h := &Hit{Line: n, RuleID: r.ID, Rule: r.Name, Title: r.Title, Score: res.Score, Signals: res.Signals, Logsource: g.ls.Name, Form: form}
			for _, name := range g.ls.Summary {
				if vs := env.Values(name); len(vs) > 0 {
					h.Summary = append(h.Summary, Field{Name: name, Value: vs[0]})
				}
			}
			v.acts = append(v.acts, act{hit: h})
		}
	}
	v.notAudit = foreign
	return v
}

// apply counts a judged line and carries out its acts, in line order.
func (s *Scanner) apply(n int, v verdict, st *Stats, hit func(Hit), bad func(int, error)) {
	switch {
	case v.blank:
		st.Blank++
	case v.prefiltered:
		st.Prefiltered++
		if st.Records == 0 && v.isRecord {
			st.Records++
		}
	case v.decoded:
		st.Decoded++
	}
	if v.record {
		st.Records++
	}
	if v.notAudit {
		st.NotAudit++
	}
	st.Untimed += v.untimed
	for _, a := range v.acts {
		switch {
		case a.err != nil:
			st.Malformed++
			bad(n, a.err)
		case a.hit != nil:
			st.Hits++
			hit(*a.hit)
		case a.pend != nil:
			s.hold(*a.pend, st, hit)
		}
	}
}

// line judges and applies one line in the calling goroutine.
func (s *Scanner) line(n int, line []byte, st *Stats, hit func(Hit), bad func(int, error)) {
	if s.serial == nil {
		s.serial = s.newWorker()
	}
	s.apply(n, s.judge(s.serial, n, line, st.Records == 0), st, hit, bad)
}

// anyStep reports whether some step of seq selects the record: one no
// step selects plays no part in a sequence (docs/spec.md), so it is not
// held for one either.
func anyStep(seq *ir.Sequence, env reference.Env) bool {
	for _, st := range seq.Steps {
		if env.Holds(st.When) {
			return true
		}
	}
	return false
}

// isRecord reports whether line decodes to a record of some rule's log
// source.
func (s *Scanner) isRecord(w *worker, line []byte) bool {
	rec, err := s.decode(line)
	if err != nil {
		return false
	}
	for gi, g := range s.groups {
		if ev, _, err := g.read(rec); err == nil && g.owns(ev, w.caches[gi].Reset(ev)) {
			return true
		}
	}
	return false
}

// owns reports whether a read record belongs to the group's log source:
// its catalog scope holds, or, without one, some catalog field has a
// value (the json reader accepts any object; {"hello":"world"} is no
// CloudTrail record).
func (g *group) owns(ev map[string]any, env reference.Env) bool {
	if g.scope != nil {
		return env.Holds(g.scope)
	}
	for _, p := range g.any {
		if p.Has(ev) {
			return true
		}
	}
	return false
}

// feed runs one held record (selected: timed checked) through its rule's
// aggregator or sequencer, in time order; a group crossing its threshold or completing its steps
// is a hit whose summary is the group (and the aggregate).
func (s *Scanner) feed(p pending, st *Stats, hit func(Hit)) {
	r := s.rules[p.rule]
	h := Hit{Line: p.line, RuleID: r.ID, Rule: r.Name, Title: r.Title, Logsource: p.logsource, Form: p.form}
	if a := s.aggs[p.rule]; a != nil {
		al, ok := a.AddSelected(p.ev, p.at)
		if !ok {
			return
		}
		for j, f := range r.Aggregate.GroupBy {
			h.Summary = append(h.Summary, Field{Name: f, Value: al.Group[j]})
		}
		h.Summary = append(h.Summary, Field{Name: string(r.Aggregate.Func), Value: strconv.FormatFloat(al.Value, 'f', -1, 64)})
	} else {
		al, ok := s.seqs[p.rule].AddSelected(p.ev, p.at)
		if !ok {
			return
		}
		for j, f := range r.Sequence.Join {
			h.Summary = append(h.Summary, Field{Name: f, Value: al.Group[j]})
		}
	}
	st.Hits++
	hit(h)
}
