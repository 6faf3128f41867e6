package testrun

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/detgen/detgen/backends/chronicle"
	evalyaral "github.com/detgen/detgen/eval/yaral"
	"github.com/detgen/detgen/ir"
	"github.com/detgen/detgen/lang/yaral"
	"github.com/detgen/detgen/mappings"
	"github.com/detgen/detgen/record"
)

// chronicleRunner evaluates the generated YARA-L rule over each record
// mapped to UDM the way SecOps would: the log type's default parser for
// its own fields (research/yaral.md §4.2–4.3), and the parser extension the
// Chronicle profile prescribes for the pod-template labels.
type chronicleRunner struct {
	seq    *ir.Sequence
	agg    *ir.Aggregate
	scored bool
	rule   *yaral.Rule
	prof   *chronicle.Profile
	ls     *mappings.Logsource
}

func newChronicleRunner(r *ir.Rule, artifact []byte) (*chronicleRunner, error) {
	rule, err := yaral.Parse(string(artifact))
	if err != nil {
		return nil, fmt.Errorf("generated YARA-L does not parse: %w", err)
	}
	prof, err := chronicle.LoadProfile(r.Logsource)
	if err != nil {
		return nil, err
	}
	ls, errs := mappings.LoadLogsource(r.Logsource)
	if len(errs) > 0 {
		return nil, errs
	}
	return &chronicleRunner{seq: r.Sequence, agg: r.Aggregate, scored: r.Scoring != nil, rule: rule, prof: prof, ls: ls}, nil
}

// udm maps a record to a UDM event as the default parser of its log type
// and the parser extension the profile prescribes would.
func (c *chronicleRunner) udm(raw []byte, ev map[string]any, form string) evalyaral.Event {
	logType := c.prof.LogTypes[0].Name
	if c.prof.Forms != nil {
		logType = c.prof.Forms[form]
	}
	out := evalyaral.Event{"metadata.log_type": {logType}}
	var lt *chronicle.LogType
	for i := range c.prof.LogTypes {
		if c.prof.LogTypes[i].Name == logType {
			lt = &c.prof.LogTypes[i]
		}
	}
	if lt == nil {
		return out // a log type the rule does not select
	}
	if by := lt.EventTypeBy; by != nil {
		for _, v := range fieldValues(c.ls, ev, by.Field) {
			if t, ok := by.Values[v]; ok {
				out["metadata.event_type"] = []string{t}
			}
		}
	} else if len(lt.EventTypes) == 1 {
		out["metadata.event_type"] = lt.EventTypes
	}
	var rec map[string]any
	for _, pf := range lt.ParserFields {
		src := ev
		if pf.Raw {
			if rec == nil {
				json.Unmarshal(raw, &rec)
			}
			src = rec
		}
		if vs := record.Values(src, pf.Path); len(vs) > 0 {
			out[pf.UDM] = vs
		}
	}
	set := func(f chronicle.UDMField, extension string) {
		vs := fieldValues(c.ls, ev, f.Field)
		if f.Enum != nil {
			// The parser rewrites the value to an enum; a value it has no
			// rewrite for is modelled as not written.
			var mapped []string
			for _, v := range vs {
				if t, ok := f.Enum[v]; ok {
					mapped = append(mapped, t)
				}
			}
			vs = mapped
		}
		if f.Wrap != "" {
			return // the UDM path holds another value (product_event_type), set above
		}
		switch extension {
		case "":
			if len(vs) > 0 {
				out[f.UDM] = vs
			}
		case "first":
			if len(vs) > 0 {
				out[f.UDM] = vs[:1]
			}
		case "joined":
			if len(vs) > 0 {
				out[f.UDM] = []string{strings.Join(vs, " ")}
			}
		case "any_true":
			for _, v := range vs {
				if v == "true" {
					out[f.UDM] = []string{"true"}
				}
			}
		}
	}
	for _, f := range lt.Fields {
		set(f, "")
	}
	for _, f := range c.prof.Fields {
		set(f, f.Extension)
	}
	return out
}

func (c *chronicleRunner) run(raw []byte, ev map[string]any, form string) (Verdict, error) {
	res, err := evalyaral.Evaluate(c.rule, c.udm(raw, ev, form))
	if err != nil {
		return Verdict{}, err
	}
	v := Verdict{Match: res.Match, HasScore: c.scored}
	if res.Match && c.scored {
		score, ok := res.Outcomes["risk_score"].(int64)
		if !ok {
			return Verdict{}, fmt.Errorf("$risk_score is %v", res.Outcomes["risk_score"])
		}
		v.Score = int(score)
	}
	return v, nil
}

// alerts runs a multi-event (aggregation) rule over the events mapped to
// UDM: a group alerts when some detection carries its match key.
func (c *chronicleRunner) alerts(events []seqEvent) ([]ir.Alert, error) {
	timed := make([]evalyaral.TimedEvent, len(events))
	for i, e := range events {
		timed[i] = evalyaral.TimedEvent{Event: c.udm(e.raw, e.ev, e.form), Time: e.at}
	}
	dets, err := evalyaral.EvaluateAll(c.rule, timed)
	if err != nil {
		return nil, err
	}
	var names []string
	if c.agg != nil {
		for _, g := range c.agg.GroupBy {
			names = append(names, ir.GroupName(g))
		}
	}
	if c.seq != nil {
		for _, g := range c.seq.Join {
			names = append(names, ir.GroupName(g))
		}
	}
	seen := map[string]bool{}
	var out []ir.Alert
	for _, d := range dets {
		key := make([]string, len(names))
		for i, n := range names {
			key[i] = d.Key[n]
		}
		k := strings.Join(key, "\x00")
		if seen[k] {
			continue
		}
		seen[k] = true
		v := float64(len(d.Events))
		for _, o := range []string{"distinct_count", "total"} {
			if x, ok := d.Outcomes[o]; ok {
				if f, ok := toFloat(x); ok {
					v = f
				}
			}
		}
		out = append(out, ir.Alert{Group: key, Value: v})
	}
	return out, nil
}
