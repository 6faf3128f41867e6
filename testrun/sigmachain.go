package testrun

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/detgen/detgen/ir"
	"gopkg.in/yaml.v3"
)

// sigmaChain runs Sigma correlation chaining as a Sigma engine reads it:
// base rules by name, event_count correlations over them, and a temporal
// (or temporal_ordered) correlation over those, all read back from the
// artifact's documents.
type sigmaChain struct {
	bases map[string]*sigmaRunner
	corrs map[string]*sigmaCorrelation
	main  *sigmaCorrelation // the correlation no other one names
}

func newSigmaChain(r *ir.Rule, artifact []byte, docs []*yaml.Node) (*sigmaChain, error) {
	c := &sigmaChain{bases: map[string]*sigmaRunner{}, corrs: map[string]*sigmaCorrelation{}}
	used := map[string]bool{}
	var all []*sigmaCorrelation
	var names []string
	for _, d := range docs {
		root := d.Content[0]
		name := ""
		if n := mapValue(root, "name"); n != nil {
			name = n.Value
		}
		if mapValue(root, "correlation") != nil {
			var doc struct {
				Correlation sigmaCorrelation `yaml:"correlation"`
			}
			if err := d.Decode(&doc); err != nil {
				return nil, err
			}
			corr := doc.Correlation
			all = append(all, &corr)
			names = append(names, name)
			if name != "" {
				c.corrs[name] = &corr
			}
			for _, x := range corr.Rules {
				used[x] = true
			}
			continue
		}
		b, err := newSigmaDoc(r, artifact, d)
		if err != nil {
			return nil, err
		}
		c.bases[name] = b
	}
	for i, corr := range all {
		if !used[names[i]] || names[i] == "" {
			c.main = corr
		}
	}
	if c.main == nil {
		return nil, fmt.Errorf("the Sigma artifact has no outermost correlation")
	}
	return c, nil
}

// occurrence is a rule or correlation firing for a group at a time.
type occurrence struct {
	key string
	at  time.Time
}

// fire returns the firings of a named rule or correlation over events.
func (c *sigmaChain) fire(name string, groupBy []string, events []seqEvent) ([]occurrence, error) {
	if b, ok := c.bases[name]; ok {
		var out []occurrence
		for _, e := range events {
			v, err := b.run(e.ev)
			if err != nil {
				return nil, err
			}
			if k, ok := c.key(b, groupBy, e); v.Match && ok {
				out = append(out, occurrence{key: k, at: e.at})
			}
		}
		return out, nil
	}
	corr, ok := c.corrs[name]
	if !ok {
		return nil, fmt.Errorf("correlation names %q, which is not in the artifact", name)
	}
	if corr.Type != "event_count" || len(corr.Rules) != 1 {
		return nil, fmt.Errorf("chained correlation %s of type %s is not run here", name, corr.Type)
	}
	in, err := c.fire(corr.Rules[0], corr.GroupBy, events)
	if err != nil {
		return nil, err
	}
	span, err := spanOf(corr.Timespan)
	if err != nil {
		return nil, err
	}
	// Every event at which its group's window holds enough events is a
	// firing of the count correlation, at that event's time.
	var out []occurrence
	windows := map[string][]time.Time{}
	for _, o := range in {
		w := append(windows[o.key], o.at)
		for len(w) > 0 && w[0].Before(o.at.Add(-span)) {
			w = w[1:]
		}
		windows[o.key] = w
		n := float64(len(w))
		if corr.Condition.GTE != nil && n >= *corr.Condition.GTE || corr.Condition.GT != nil && n > *corr.Condition.GT {
			out = append(out, o)
		}
	}
	return out, nil
}

func (c *sigmaChain) key(b *sigmaRunner, groupBy []string, e seqEvent) (string, bool) {
	key, ok := sigmaGroup(groupBy, func(f string) []string { return b.values(e.ev, f) })
	return strings.Join(key, "\x00"), ok
}

// sigmaGroup is an event's group for a correlation's group-by: the first
// value of each field. The Sigma specification does not say what a
// missing value does; this runner follows detgen's meaning (an event
// without a value, or with an empty one, joins no group: false), written
// here on its own rather than borrowed from the reference evaluator.
func sigmaGroup(groupBy []string, values func(string) []string) ([]string, bool) {
	key := make([]string, len(groupBy))
	for i, g := range groupBy {
		vs := values(g)
		if len(vs) == 0 || vs[0] == "" {
			return nil, false
		}
		key[i] = vs[0]
	}
	return key, true
}

// alerts runs the outermost temporal correlation: a group alerts when
// each named rule fires for it within the timespan (in the listed order
// for temporal_ordered).
func (c *sigmaChain) alerts(events []seqEvent) ([]ir.Alert, error) {
	m := c.main
	span, err := spanOf(m.Timespan)
	if err != nil {
		return nil, err
	}
	firings := make([][]occurrence, len(m.Rules))
	for i, name := range m.Rules {
		if firings[i], err = c.fire(name, m.GroupBy, events); err != nil {
			return nil, err
		}
	}
	groups := map[string]bool{}
	for _, f := range firings {
		for _, o := range f {
			groups[o.key] = true
		}
	}
	var out []ir.Alert
	for k := range groups {
		if c.sequenceHolds(m, firings, k, span) {
			var key []string
			if len(m.GroupBy) > 0 {
				key = strings.Split(k, "\x00")
			}
			out = append(out, ir.Alert{Group: key})
		}
	}
	sort.Slice(out, func(i, j int) bool { return strings.Join(out[i].Group, "\x00") < strings.Join(out[j].Group, "\x00") })
	return out, nil
}

// sequenceHolds: some window of the timespan holds a firing of every
// rule for the group, in order when temporal_ordered.
func (c *sigmaChain) sequenceHolds(m *sigmaCorrelation, firings [][]occurrence, key string, span time.Duration) bool {
	var times [][]time.Time
	for _, f := range firings {
		var ts []time.Time
		for _, o := range f {
			if o.key == key {
				ts = append(ts, o.at)
			}
		}
		if len(ts) == 0 {
			return false
		}
		times = append(times, ts)
	}
	// Try every firing of the first rule (or any rule, unordered) as the
	// window's start.
	var starts []time.Time
	for _, ts := range times {
		starts = append(starts, ts...)
	}
	for _, start := range starts {
		end := start.Add(span)
		cur := start
		ok := true
		for i, ts := range times {
			found := false
			for _, t := range ts {
				if t.Before(start) || t.After(end) {
					continue
				}
				if m.Type == "temporal_ordered" && i > 0 && !t.After(cur) {
					continue
				}
				if m.Type == "temporal_ordered" {
					cur = t
				}
				found = true
				break
			}
			if !found {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func spanOf(s string) (time.Duration, error) {
	if strings.HasSuffix(s, "d") {
		d, err := time.ParseDuration(strings.TrimSuffix(s, "d") + "h")
		return 24 * d, err
	}
	return time.ParseDuration(s)
}
