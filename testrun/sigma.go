package testrun

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/detgen/detgen/backends/sigma"
	"github.com/detgen/detgen/compile"
	"github.com/detgen/detgen/detection"
	"github.com/detgen/detgen/diag"
	"github.com/detgen/detgen/eval/reference"
	"github.com/detgen/detgen/ir"
	"github.com/detgen/detgen/mappings"
	"github.com/detgen/detgen/record"
	"gopkg.in/yaml.v3"
)

// sigmaRunner evaluates the generated Sigma rule as a Sigma engine reads
// it: the text is parsed again (Sigma dialect: wildcards, escapes,
// modifiers, condition), and each Sigma field name reads the event at the
// dotted path it names. Only the field types come from the Sigma profile.
type sigmaRunner struct {
	chain   *sigmaChain       // a sequence's base rules and correlations
	corr    *sigmaCorrelation // the artifact's correlation document, if any
	scoring *sigmaScoring     // the artifact's detgen_scoring, if any
	cond    ir.Expr
	scope   ir.Expr // the logsource's records; nil: all
	byField bool    // a Sigma name is a catalog field, not an event path
	ls      *mappings.Logsource
}

func newSigmaRunner(r *ir.Rule, artifact []byte) (*sigmaRunner, error) {
	var docs []*yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(artifact))
	for {
		var doc yaml.Node
		if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, fmt.Errorf("generated Sigma is not YAML: %w", err)
		}
		docs = append(docs, &doc)
	}
	if len(docs) == 0 {
		return nil, fmt.Errorf("generated Sigma is empty")
	}
	first, err := newSigmaDoc(r, artifact, docs[0])
	if err != nil {
		return nil, err
	}
	if r.Sequence != nil {
		first.chain, err = newSigmaChain(r, artifact, docs)
		if err != nil {
			return nil, err
		}
	}
	return first, nil
}

// newSigmaDoc reads one detection document of a Sigma artifact.
func newSigmaDoc(r *ir.Rule, artifact []byte, doc *yaml.Node) (*sigmaRunner, error) {
	det := mapValue(doc.Content[0], "detection")
	if det == nil {
		return nil, fmt.Errorf("generated Sigma has no detection")
	}
	types, byField, err := sigma.FieldTypes(r.Logsource)
	if err != nil {
		return nil, err
	}
	ls, errs := mappings.LoadLogsource(r.Logsource)
	if len(errs) > 0 {
		return nil, errs
	}
	opt := detection.Options{
		File:      "sigma",
		Wildcards: true,
		// The artifact writes them escaped; a Sigma engine reads the
		// characters themselves.
		Invisible: true,
		Resolve: func(name string) (detection.Field, bool) {
			t, ok := types[name]
			return detection.Field{Name: name, Type: t}, ok
		},
	}
	sels, errs := detection.ReadSelections(det, opt, "condition")
	if len(errs) > 0 {
		return nil, errs
	}
	condNode := mapValue(det, "condition")
	if condNode == nil {
		return nil, fmt.Errorf("generated Sigma has no condition")
	}
	cond, errs := detection.Condition(condNode.Value, diag.Pos{File: opt.File, Line: condNode.Line, Col: condNode.Column}, sels)
	if len(errs) > 0 {
		return nil, errs
	}
	// A Sigma engine applies the rule's logsource: for a category such as
	// process_creation its pipeline selects the category's events (the
	// catalog's scope: Sysmon 1 or Security 4688).
	scope, errs := compile.Catalog(ls)
	if len(errs) > 0 {
		return nil, errs
	}
	corr, err := readCorrelation(artifact)
	if err != nil {
		return nil, fmt.Errorf("generated Sigma correlation: %w", err)
	}
	sc, err := readScoring(doc.Content[0], sels, opt.File)
	if err != nil {
		return nil, err
	}
	return &sigmaRunner{corr: corr, cond: cond, scoring: sc, scope: scope, byField: byField, ls: ls}, nil
}

func mapValue(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func (s *sigmaRunner) run(ev map[string]any) (Verdict, error) {
	env := reference.Env{
		Values: func(field string) []string { return s.values(ev, field) },
		Text:   func() []string { return record.Strings(ev) },
	}
	catalog := reference.Env{
		Values: func(field string) []string { return fieldValues(s.ls, ev, field) },
		Text:   env.Text,
	}
	in := s.scope == nil || catalog.Holds(s.scope)
	v := Verdict{Match: in && env.Holds(s.cond)}
	if sc := s.scoring; sc != nil && v.Match {
		// The score the Sigma rule itself carries: its signals'
		// conditions over its own selections.
		v.HasScore, v.Score = true, sc.base
		for _, sig := range sc.signals {
			if env.Holds(sig.cond) {
				v.Score += sig.weight
			}
		}
	}
	return v, nil
}

type sigmaScoring struct {
	base    int
	signals []struct {
		weight int
		cond   ir.Expr
	}
}

// readScoring reads the detgen_scoring custom attribute of a Sigma rule:
// each signal's condition over the rule's own selections.
func readScoring(root *yaml.Node, sels *detection.Selections, file string) (*sigmaScoring, error) {
	n := mapValue(root, "detgen_scoring")
	if n == nil {
		return nil, nil
	}
	var raw struct {
		Base    int `yaml:"base"`
		Signals []struct {
			Weight    int    `yaml:"weight"`
			Condition string `yaml:"condition"`
		} `yaml:"signals"`
	}
	if err := n.Decode(&raw); err != nil {
		return nil, fmt.Errorf("detgen_scoring: %w", err)
	}
	sc := &sigmaScoring{base: raw.Base}
	for _, sig := range raw.Signals {
		cond, errs := detection.Condition(sig.Condition, diag.Pos{File: file}, sels)
		if len(errs) > 0 {
			return nil, errs
		}
		sc.signals = append(sc.signals, struct {
			weight int
			cond   ir.Expr
		}{sig.Weight, cond})
	}
	return sc, nil
}

// sigmaCorrelation is the correlation document of a Sigma artifact, read
// back from its text.
type sigmaCorrelation struct {
	Type      string   `yaml:"type"`
	Rules     []string `yaml:"rules"`
	GroupBy   []string `yaml:"group-by"`
	Timespan  string   `yaml:"timespan"`
	Condition struct {
		GT    *float64 `yaml:"gt"`
		GTE   *float64 `yaml:"gte"`
		Field string   `yaml:"field"`
	} `yaml:"condition"`
}

// readCorrelation returns the artifact's correlation document, if any.
func readCorrelation(artifact []byte) (*sigmaCorrelation, error) {
	dec := yaml.NewDecoder(bytes.NewReader(artifact))
	for {
		var doc struct {
			Correlation *sigmaCorrelation `yaml:"correlation"`
		}
		if err := dec.Decode(&doc); err != nil {
			if errors.Is(err, io.EOF) {
				return nil, nil
			}
			return nil, err
		}
		if doc.Correlation != nil {
			return doc.Correlation, nil
		}
	}
}

// alerts runs a Sigma correlation as a Sigma engine would: the base rule
// on each event, then per group (the group-by fields' values) a sliding
// window of the timespan, the count, distinct count or sum compared with
// the condition; a group alerts once, when its window first passes.
func (a sigmaAdapter) alerts(events []seqEvent) ([]ir.Alert, error) {
	s := a.s
	if s.chain != nil {
		return s.chain.alerts(events)
	}
	c := s.corr
	if c == nil {
		return nil, fmt.Errorf("the Sigma artifact has no correlation rule")
	}
	span, err := time.ParseDuration(strings.Replace(c.Timespan, "d", "h", 1))
	if err != nil {
		return nil, fmt.Errorf("timespan %q: %v", c.Timespan, err)
	}
	if strings.HasSuffix(c.Timespan, "d") {
		span *= 24
	}
	type hit struct {
		at    time.Time
		value string
	}
	windows := map[string][]hit{}
	fired := map[string]bool{}
	var out []ir.Alert
	for _, e := range events {
		v, err := s.run(e.ev)
		if err != nil {
			return nil, err
		}
		if !v.Match {
			continue
		}
		key, ok := sigmaGroup(c.GroupBy, func(f string) []string { return s.values(e.ev, f) })
		if !ok {
			continue
		}
		k := strings.Join(key, "\x00")
		val := ""
		if c.Condition.Field != "" {
			if vs := s.values(e.ev, c.Condition.Field); len(vs) > 0 {
				val = vs[0]
			}
		}
		w := append(windows[k], hit{at: e.at, value: val})
		for len(w) > 0 && w[0].at.Before(e.at.Add(-span)) {
			w = w[1:]
		}
		windows[k] = w
		if fired[k] {
			continue
		}
		var n float64
		switch c.Type {
		case "event_count":
			n = float64(len(w))
		case "value_count":
			distinct := map[string]bool{}
			for _, h := range w {
				distinct[h.value] = true
			}
			n = float64(len(distinct))
		case "value_sum":
			for _, h := range w {
				f, _ := strconv.ParseFloat(h.value, 64)
				n += f
			}
		case "value_avg":
			// The mean over the events that have a number in the field.
			var sum float64
			numbers := 0
			for _, h := range w {
				if f, err := strconv.ParseFloat(h.value, 64); err == nil {
					sum, numbers = sum+f, numbers+1
				}
			}
			if numbers > 0 {
				n = sum / float64(numbers)
			}
		default:
			return nil, fmt.Errorf("correlation type %s is not run here", c.Type)
		}
		pass := c.Condition.GT != nil && n > *c.Condition.GT || c.Condition.GTE != nil && n >= *c.Condition.GTE
		if pass {
			fired[k] = true
			out = append(out, ir.Alert{Group: key, Value: n})
		}
	}
	return out, nil
}

// values reads a Sigma field name in an event.
func (s *sigmaRunner) values(ev map[string]any, field string) []string {
	if s.byField {
		return fieldValues(s.ls, ev, field)
	}
	return record.Dotted(ev, field)
}
