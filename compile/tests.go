package compile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/detgen/detgen/diag"
	"github.com/detgen/detgen/internal/fastyaml"
	"github.com/detgen/detgen/internal/input"
	"github.com/detgen/detgen/ir"
	"github.com/detgen/detgen/mappings"
	"github.com/detgen/detgen/spec"
	"gopkg.in/yaml.v3"
)

// Targets that a test may declare a divergence for.
var targets = []string{"qradar", "chronicle", "sigma"}

func (c *checker) tests(r *spec.Rule, out *ir.Rule) {
	names := map[string]bool{}
	for i := range r.Tests {
		t := &r.Tests[i]
		if names[t.Name] {
			c.add(t.Keys.At("name"), "test name %q is used twice", t.Name)
		}
		names[t.Name] = true
		it := ir.Test{Name: t.Name, Constructed: t.Constructed, Source: t.Source}
		if !t.Constructed && t.Source == "" {
			c.add(t.Pos, "test %q: a captured event needs a source (or mark it constructed: true)", t.Name)
		}
		switch {
		case len(t.Events) > 0:
			if t.Event.Kind != 0 || t.EventFile != "" {
				c.add(t.Pos, "test %q: give events, or one of event and event_file, not both", t.Name)
				break
			}
			if out.Aggregate == nil && out.Sequence == nil {
				c.add(t.Keys.At("events"), "test %q: an event sequence needs an aggregate or sequence rule; give event or event_file", t.Name)
				break
			}
			c.lazySequence(r, t, &it)
		case (t.Event.Kind == 0) == (t.EventFile == ""):
			c.add(t.Pos, "test %q: give exactly one of event and event_file", t.Name)
		case t.EventFile != "":
			c.eventFile(r, t, &it, out)
		default:
			data, err := nodeJSON(&t.Event)
			if err != nil {
				c.add(t.Keys.At("event"), "test %q: %v", t.Name, err)
			}
			it.Event = data
		}
		it.Expect = c.outcome(t.Expect.Keys, t.Name, t.Expect.Match, t.Expect.Score, t.Expect.Signals, out)
		if out.Aggregate != nil || out.Sequence != nil {
			group := 0
			if out.Aggregate != nil {
				group = len(out.Aggregate.GroupBy)
			} else {
				group = len(out.Sequence.Join)
			}
			it.Expect.Alerts = c.alerts(t.Name, t.Expect.Alerts, t.Expect.Match, t.Expect.Keys, group)
			if it.Sequence == nil && it.Event != nil {
				it.Sequence = []ir.TimedEvent{{Event: it.Event}}
				it.Event = nil
			}
		} else if len(t.Expect.Alerts) > 0 {
			c.add(t.Expect.Keys.At("alerts"), "test %q: alerts apply to aggregate rules only", t.Name)
		}
		for _, d := range t.Differs {
			if !slices.Contains(targets, d.Target) {
				c.add(d.Keys.At("target"), "test %q: unknown target %q", t.Name, d.Target)
				continue
			}
			if it.Differs == nil {
				it.Differs = map[string]ir.Divergence{}
			}
			if _, dup := it.Differs[d.Target]; dup {
				c.add(d.Keys.At("target"), "test %q: target %s differs twice", t.Name, d.Target)
			}
			dv := ir.Divergence{Outcome: ir.Outcome{Match: d.Match, Score: d.Score}, Reason: d.Reason}
			switch {
			case out.Aggregate != nil:
				dv.Alerts = c.alerts(t.Name, d.Alerts, d.Match, d.Keys, len(out.Aggregate.GroupBy))
			case out.Sequence != nil:
				dv.Alerts = c.alerts(t.Name, d.Alerts, d.Match, d.Keys, len(out.Sequence.Join))
			case len(d.Alerts) > 0:
				c.add(d.Keys.At("alerts"), "test %q: alerts apply to aggregate rules only", t.Name)
			}
			it.Differs[d.Target] = dv
		}
		out.Tests = append(out.Tests, it)
	}
}

// outcome checks an expected outcome against the scoring model: the
// signals exist, the score is the one they add up to, and a match reaches
// the threshold.
func (c *checker) outcome(keys diag.Keys, test string, match bool, score int, signals []string, r *ir.Rule) ir.Outcome {
	o := ir.Outcome{Match: match}
	if !match {
		if score != 0 || len(signals) > 0 {
			c.add(keys.At("score"), "test %q: score and signals are only checked for a match; leave them out", test)
		}
		return o
	}
	s := r.Scoring
	if s == nil && c.scoringWritten {
		return o // the scoring block has errors, reported already
	}
	if s == nil {
		if score != 0 || len(signals) > 0 {
			c.add(keys.At("score"), "test %q: the rule has no scoring; leave score and signals out", test)
		}
		return o
	}
	sum := s.Base
	for _, name := range signals {
		i := slices.IndexFunc(s.Signals, func(s ir.Signal) bool { return s.Name == name })
		if i < 0 {
			c.add(keys.At("signals"), "test %q: no signal named %q", test, name)
			continue
		}
		sum += s.Signals[i].Weight
	}
	if score != sum {
		c.add(keys.At("score"), "test %q: score %d is not base plus the weights of the listed signals (%d)", test, score, sum)
	}
	if score < s.Threshold {
		c.add(keys.At("score"), "test %q: a match needs a score of at least %d, the threshold", test, s.Threshold)
	}
	o.Score, o.Signals = score, signals
	return o
}

// nodeJSON converts an inline YAML event to JSON, keeping key order.
func nodeJSON(n *yaml.Node) ([]byte, error) {
	var b bytes.Buffer
	var walk func(n *yaml.Node) error
	walk = func(n *yaml.Node) error {
		switch n.Kind {
		case yaml.DocumentNode:
			return walk(n.Content[0])
		case yaml.MappingNode:
			b.WriteByte('{')
			for i := 0; i+1 < len(n.Content); i += 2 {
				if i > 0 {
					b.WriteByte(',')
				}
				k, _ := json.Marshal(n.Content[i].Value)
				b.Write(k)
				b.WriteByte(':')
				if err := walk(n.Content[i+1]); err != nil {
					return err
				}
			}
			b.WriteByte('}')
		case yaml.SequenceNode:
			b.WriteByte('[')
			for i, c := range n.Content {
				if i > 0 {
					b.WriteByte(',')
				}
				if err := walk(c); err != nil {
					return err
				}
			}
			b.WriteByte(']')
		case yaml.ScalarNode:
			if n.Tag == "!!timestamp" {
				// Keep audit timestamps as written, not re-formatted.
				data, _ := json.Marshal(n.Value)
				b.Write(data)
				return nil
			}
			var v any
			if err := n.Decode(&v); err != nil {
				return err
			}
			data, err := json.Marshal(v)
			if err != nil {
				return fmt.Errorf("line %d: %v", n.Line, err)
			}
			b.Write(data)
		default:
			return fmt.Errorf("line %d: aliases are not allowed in events", n.Line)
		}
		return nil
	}
	if err := walk(n); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// sequenceStart is when every test sequence starts: fixed, so the events
// and so the outputs are the same on every run.
var sequenceStart = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// sequence builds an aggregation test's events: each item's event (inline
// or a file), repeated, at its offsets, its timestamp field set to the
// sequence start plus the offset and Vary's value made distinct per copy.
func (c *checker) sequence(r *spec.Rule, t *spec.Test) []ir.TimedEvent {
	return buildSequence(r.Pos.File, c.ls, t, true, c.add, c.input)
}

// buildSequence is sequence for the spec file specFile, reporting through
// add and naming each file it reads to record (when not nil). With all
// false, it only checks what building needs, on the first copy of each
// item (every copy differs only in the values it sets), and returns
// nothing.
func buildSequence(specFile string, ls *mappings.Logsource, t *spec.Test, all bool, add func(diag.Pos, string, ...any), record func(string)) []ir.TimedEvent {
	tsPath := ls.RawTimestamp
	if tsPath == "" {
		tsPath = ls.Timestamp
	}
	if tsPath == "" {
		add(t.Keys.At("events"), "test %q: logsource %s names no timestamp field, so events cannot be placed in time", t.Name, ls.Name)
		return nil
	}
	var out []ir.TimedEvent
	for i := range t.Events {
		item := &t.Events[i]
		var node yaml.Node
		switch {
		case (item.Event.Kind == 0) == (item.EventFile == ""):
			add(item.Pos, "test %q: events[%d]: give exactly one of event and event_file", t.Name, i)
			continue
		case item.EventFile != "":
			path := filepath.Join(filepath.Dir(specFile), item.EventFile)
			if record != nil {
				record(path)
			}
			if !all {
				// A check only: many rules and items share event files, so
				// the outcome for an unchanged file and the same fields is
				// remembered rather than parsed again.
				key := placementKey{path, tsPath, strings.Join(ls.RawTimestampAlternatives, "\x00"), item.Vary, item.Repeat > 1}
				fi, statErr := os.Stat(path)
				if v, ok := placements.Load(key); ok && statErr == nil {
					if p := v.(*placement); p.size == fi.Size() && p.mod.Equal(fi.ModTime()) {
						p.report(t, i, item, tsPath, ls, add)
						continue
					}
				}
				p := checkPlacement(path, tsPath, ls, item)
				p.report(t, i, item, tsPath, ls, add)
				if statErr == nil && fi.Mode().IsRegular() && time.Since(fi.ModTime()) > recent {
					p.size, p.mod = fi.Size(), fi.ModTime()
					placements.Store(key, p)
				}
				continue
			}
			var err error
			if node, err = readEventNode(path); err != nil {
				(&placement{err: err}).report(t, i, item, tsPath, ls, add)
				continue
			}
		default:
			node = item.Event
		}
		at, every := time.Duration(0), time.Duration(0)
		var err error
		if item.At != "" {
			if at, err = duration(item.At); err != nil {
				add(item.Keys.At("at"), "test %q: at: %v", t.Name, err)
			}
		}
		if item.Every != "" {
			if every, err = duration(item.Every); err != nil {
				add(item.Keys.At("every"), "test %q: every: %v", t.Name, err)
			}
		}
		n := item.Repeat
		if n == 0 {
			n = 1
		}
		copies := n
		if !all {
			copies = 1
		}
		for k := 0; k < copies; k++ {
			when := at + time.Duration(k)*every
			data, failed := placeCopy(&node, tsPath, ls, item, k, sequenceStart.Add(when).Format(time.RFC3339Nano))
			if failed != nil {
				failed.report(t, i, item, tsPath, ls, add)
				break
			}
			if all {
				out = append(out, ir.TimedEvent{At: when, Event: data})
			}
		}
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].At < out[b].At })
	return out
}

// placementKey names the check of one event file for a sequence item: the
// file, where the time goes and the field that varies per copy.
type placementKey struct {
	path, ts, alternatives, vary string
	varies                       bool
}

// placement is what checking an event file for a sequence item found.
type placement struct {
	size     int64
	mod      time.Time
	err      error // the file cannot be read or parsed
	noTime   bool  // no timestamp field to set
	noVary   bool  // no string at vary
	jsonFail error // the placed event does not encode as JSON
}

// placements remembers checks of unchanged event files (as eventFiles).
var placements sync.Map // placementKey -> *placement

// checkPlacement reads the event file at path and checks that the first
// copy of item can be placed in time and varied, as buildSequence would.
func checkPlacement(path, tsPath string, ls *mappings.Logsource, item *spec.SeqItem) *placement {
	node, err := readEventNode(path)
	if err != nil {
		return &placement{err: err}
	}
	if _, failed := placeCopy(&node, tsPath, ls, item, 0, sequenceStart.Format(time.RFC3339Nano)); failed != nil {
		return failed
	}
	return &placement{}
}

// readEventNode reads an event file as a YAML node tree (JSON is YAML;
// key order is kept).
func readEventNode(path string) (yaml.Node, error) {
	data, err := input.Read(path, "an event file", input.MaxEvent)
	if err != nil {
		return yaml.Node{}, err
	}
	doc, err := fastyaml.Unmarshal(data)
	if err != nil {
		return yaml.Node{}, err
	}
	return *doc, nil
}

// placeCopy makes copy k of an item's event: a copy of node with the time
// stamp at the log source's timestamp field (or its first alternative
// present) and, for a repeated item, the vary field made distinct,
// encoded as JSON. What fails is returned as a placement (nil: nothing).
func placeCopy(node *yaml.Node, tsPath string, ls *mappings.Logsource, item *spec.SeqItem, k int, stamp string) ([]byte, *placement) {
	ev := deepCopy(node)
	placed := setPath(ev, tsPath, stamp, false)
	for _, alt := range ls.RawTimestampAlternatives {
		if placed {
			break
		}
		placed = setPath(ev, alt, stamp, false)
	}
	if !placed {
		return nil, &placement{noTime: true}
	}
	if item.Vary != "" && item.Repeat > 1 && !setPath(ev, item.Vary, fmt.Sprintf("-%d", k+1), true) {
		return nil, &placement{noVary: true}
	}
	data, err := nodeJSON(ev)
	if err != nil {
		return nil, &placement{jsonFail: err}
	}
	return data, nil
}

// report adds what p found, worded as buildSequence words it.
func (p *placement) report(t *spec.Test, i int, item *spec.SeqItem, tsPath string, ls *mappings.Logsource, add func(diag.Pos, string, ...any)) {
	switch {
	case p.err != nil:
		add(item.Keys.At("event_file"), "test %q: %s: %v", t.Name, item.EventFile, p.err)
	case p.noTime:
		add(item.Pos, "test %q: events[%d] has no %s to set the time in", t.Name, i, strings.Join(append([]string{tsPath}, ls.RawTimestampAlternatives...), " or "))
	case p.noVary:
		add(item.Keys.At("vary"), "test %q: events[%d] has no string at %s to vary", t.Name, i, item.Vary)
	case p.jsonFail != nil:
		add(item.Pos, "test %q: %v", t.Name, p.jsonFail)
	}
}

func deepCopy(n *yaml.Node) *yaml.Node {
	cp := *n
	cp.Content = make([]*yaml.Node, len(n.Content))
	for i, c := range n.Content {
		cp.Content[i] = deepCopy(c)
	}
	return &cp
}

// setPath sets (or with suffix, appends to) the string at a dotted path of
// a YAML/JSON mapping; it reports whether the path exists.
func setPath(n *yaml.Node, path string, value string, suffix bool) bool {
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	for _, seg := range strings.Split(path, ".") {
		if n.Kind != yaml.MappingNode {
			return false
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == seg {
				next = n.Content[i+1]
			}
		}
		if next == nil {
			return false
		}
		n = next
	}
	if n.Kind != yaml.ScalarNode {
		return false
	}
	if suffix {
		n.Value += value
	} else {
		n.Value = value
	}
	n.Tag, n.Style = "!!str", 0
	return true
}

// alerts checks the alerts an aggregation test expects (or a target is
// declared to give instead, keys being that declaration's).
func (c *checker) alerts(test string, list []spec.AlertSpec, match bool, keys diag.Keys, fields int) []ir.Alert {
	var out []ir.Alert
	for _, a := range list {
		if len(a.Group) != fields {
			c.add(a.Keys.At("group"), "test %q: an alert's group has %d values; the rule groups by %d fields", test, len(a.Group), fields)
		}
		al := ir.Alert{Group: a.Group, Value: -1}
		if a.Value != 0 {
			al.Value = float64(a.Value)
		}
		out = append(out, al)
	}
	if match != (len(out) > 0) {
		c.add(keys.At("match"), "test %q: match: %v, but %d alerts are listed (list the groups that fire when match is true)", test, match, len(out))
	}
	return out
}
