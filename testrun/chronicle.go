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
)

// chronicleRunner evaluates the generated YARA-L rule over each record
// mapped to UDM the way SecOps would: the log type's default parser as
// testrun/udm/<LOG_TYPE>.yaml states it (independent of the profile the
// generator reads), and the parser extension shipped with the rule (its
// requirements artifact) for the labels no default parser writes.
type chronicleRunner struct {
	seq    *ir.Sequence
	agg    *ir.Aggregate
	scored bool
	rule   *yaral.Rule
	prof   *chronicle.Profile
	ls     *mappings.Logsource
	ext    []extensionLabel
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
	ext, err := shippedExtension(r, artifact)
	if err != nil {
		return nil, err
	}
	return &chronicleRunner{seq: r.Sequence, agg: r.Aggregate, scored: r.Scoring != nil, rule: rule, prof: prof, ls: ls, ext: ext}, nil
}

// udm maps a record to a UDM event. The profile is read only for the log
// type a record form is ingested as (the feed, not the parser).
func (c *chronicleRunner) udm(raw []byte, ev map[string]any, form string) (evalyaral.Event, error) {
	logType := c.prof.LogTypes[0].Name
	if c.prof.Forms != nil {
		logType = c.prof.Forms[form]
	}
	if logType == "" {
		// A form the log source's feeds do not carry (a Security record
		// of a System-channel source): no rule of the log source sees it.
		return evalyaral.Event{"metadata.log_type": {""}}, nil
	}
	o, err := LoadOracle(logType)
	if err != nil {
		return nil, err
	}
	var rec map[string]any
	if err := json.Unmarshal(raw, &rec); err != nil {
		return nil, fmt.Errorf("record is not a JSON object: %w", err)
	}
	if _, nested := rec["Event"]; !nested && c.ls.Format == "windows_event" {
		// A record already flat (Sigma names at the top, as the reader
		// also accepts): its System and EventData names share one level.
		rec = map[string]any{"Event": map[string]any{"System": rec, "EventData": rec}}
	}
	out := evalyaral.Event(o.View(rec))
	for _, l := range c.ext {
		if l.LogType == logType {
			extend(out, l.UDM, l.Extension, fieldValues(c.ls, ev, l.Field))
		}
	}
	return out, nil
}

func (c *chronicleRunner) run(raw []byte, ev map[string]any, form string) (Verdict, error) {
	u, err := c.udm(raw, ev, form)
	if err != nil {
		return Verdict{}, err
	}
	res, err := evalyaral.Evaluate(c.rule, u)
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
		u, err := c.udm(e.raw, e.ev, e.form)
		if err != nil {
			return nil, err
		}
		timed[i] = evalyaral.TimedEvent{Event: u, Time: e.at}
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
