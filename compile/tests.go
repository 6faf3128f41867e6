package compile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"

	"github.com/detgen/detgen/diag"
	"github.com/detgen/detgen/internal/input"
	"github.com/detgen/detgen/ir"
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
		case (t.Event.Kind == 0) == (t.EventFile == ""):
			c.add(t.Pos, "test %q: give exactly one of event and event_file", t.Name)
		case t.EventFile != "":
			path := filepath.Join(filepath.Dir(r.Pos.File), t.EventFile)
			data, err := input.Read(path, "an event file", input.MaxEvent)
			if err != nil {
				c.add(t.Keys.At("event_file"), "test %q: %s: %v", t.Name, t.EventFile, err)
				break
			}
			var compact bytes.Buffer
			if err := json.Compact(&compact, data); err != nil {
				c.add(t.Keys.At("event_file"), "test %q: %s is not one JSON document: %v", t.Name, t.EventFile, err)
				break
			}
			it.Event = compact.Bytes()
		default:
			data, err := nodeJSON(&t.Event)
			if err != nil {
				c.add(t.Keys.At("event"), "test %q: %v", t.Name, err)
			}
			it.Event = data
		}
		it.Expect = c.outcome(t.Expect.Keys, t.Name, t.Expect.Match, t.Expect.Score, t.Expect.Signals, out)
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
			it.Differs[d.Target] = ir.Divergence{Outcome: ir.Outcome{Match: d.Match, Score: d.Score}, Reason: d.Reason}
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
