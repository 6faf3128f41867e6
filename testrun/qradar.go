package testrun

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/detgen/detgen/backends/qradar"
	"github.com/detgen/detgen/driver"
	evalaql "github.com/detgen/detgen/eval/aql"
	"github.com/detgen/detgen/ir"
	"github.com/detgen/detgen/lang/aql"
	"github.com/detgen/detgen/mappings"
	"github.com/detgen/detgen/record"
	"strconv"
)

// qradarRunner executes the generated AQL over each event as the Kubernetes
// Auditing DSM would store it.
type qradarRunner struct {
	scored bool // the rule has a scoring model
	query  *aql.Query
	prof   *qradar.Profile
	ls     *mappings.Logsource
	// shipped are the custom properties the build ships with the rule (its
	// prerequisite artifact, under their console names), by logical
	// field: their values come from evaluating the JSON expression over
	// the payload, as the console would, not from the field tables the
	// generator reads.
	shipped map[string]driver.QRadarProperty
	// unparsed: the shipped properties are defined but hold nothing (a
	// console where their JSON expressions do not parse the event), so
	// only the payload fallbacks can see those fields.
	unparsed bool
}

// receivedAt stands in for the arrival time of records without a
// requestReceivedTimestamp.
var receivedAt = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func newQRadarRunner(r *ir.Rule, artifact []byte) (*qradarRunner, error) {
	q, err := aql.Parse(string(artifact))
	if err != nil {
		return nil, fmt.Errorf("generated AQL does not parse: %w", err)
	}
	prof, ls, err := qradar.LoadProfile(r.Logsource)
	if err != nil {
		return nil, err
	}
	props, err := driver.QRadarProperties(r)
	if err != nil {
		return nil, err
	}
	shipped := map[string]driver.QRadarProperty{}
	for _, p := range props {
		shipped[p.Field] = p
	}
	return &qradarRunner{scored: r.Scoring != nil, query: q, prof: prof, ls: ls, shipped: shipped}, nil
}

// event builds the stored form of a record: the payload is the record as
// received, custom properties and normalized columns come from the QRadar
// profile's field mappings.
// qradarEventColumns are the normalized columns of QRadar's events table
// that a DSM may leave empty (IBM's AQL fields reference).
var qradarEventColumns = []string{
	"sourceip", "destinationip", "sourceport", "destinationport", "sourcemac", "destinationmac",
	"username", "protocolid", "category", "highlevelcategory", "qid", "eventdirection",
	"identityip", "identityhostname", "hostname", "postnatsourceip", "postnatdestinationip",
	"sourcev6", "destinationv6", "domainid", "magnitude", "severity", "credibility", "relevance",
}

func (q *qradarRunner) event(raw []byte, ev map[string]any, form string) evalaql.Event {
	out := evalaql.Event{
		Columns:            map[string]any{"logsourceid": 1, "devicetype": 0, "starttime": receivedAt.UnixMilli()},
		Properties:         map[string]string{},
		Payload:            raw,
		LogSourceNames:     map[int]string{1: "test log source"},
		LogSourceTypeNames: map[int]string{},
	}
	if ts := q.ls.Timestamp; ts != "" {
		if vs := record.Values(ev, ts); len(vs) > 0 {
			if t, err := time.Parse(time.RFC3339Nano, vs[0]); err == nil {
				out.Columns["starttime"] = t.UnixMilli()
			}
		}
	}
	dt := q.prof.DeviceTypes[0]
	if q.prof.Forms != nil {
		d, ok := q.prof.Forms[form]
		if !ok {
			return out // parsed by another DSM
		}
		dt = d
	}
	out.Columns["devicetype"] = dt
	// Every event has QRadar's normalized columns; one the DSM does not
	// fill is NULL, not unknown. The list is QRadar's (events table), not
	// the profile's, so a search selecting a column no field maps (the
	// auditd search's username) still runs.
	for _, c := range qradarEventColumns {
		out.Columns[c] = nil
	}
	// The console defines the DSM's properties under IBM's names and those
	// shipped with the rule under their console names, nothing else: an
	// AQL reading a name the build does not ship (misspelt, or without
	// its namespace) fails as on the console.
	out.Defined = map[string]bool{}
	for _, f := range q.prof.Fields {
		if f.Column != "" {
			out.Columns[strings.ToLower(f.Column)] = nil
		}
		if f.Property != "" && f.Builtin {
			out.Defined[f.Property] = true
		}
	}
	for _, p := range q.shipped {
		out.Defined[p.Name] = true
	}
	var payload any
	for _, f := range q.prof.Fields {
		if p, ok := q.shipped[f.Field]; ok {
			// A shipped property exists for its log source type only and
			// reads the payload through its JSON expression.
			if p.LogSourceTypeID != dt {
				continue
			}
			if q.unparsed {
				continue
			}
			if payload == nil {
				if err := json.Unmarshal(raw, &payload); err != nil {
					payload = false
				}
			}
			if v, ok := jsonExpression(payload, p.JSONExpression); ok {
				out.Properties[p.Name] = v
			}
			continue
		}
		if f.Property != "" && !f.Builtin {
			continue // detgen's, not shipped for this rule: not on the console
		}
		vs := fieldValues(q.ls, ev, f.Field)
		if len(vs) == 0 {
			continue
		}
		// A property or column holds one value: the first.
		v := vs[0]
		switch {
		case f.Property != "":
			out.Properties[f.Property] = v
		case f.Column != "":
			out.Columns[strings.ToLower(f.Column)] = columnValue(v)
		}
	}
	return out
}

// columnValue stores a number as a number: QRadar's numeric columns
// (qidEventId, ports) compare numerically.
func columnValue(v string) any {
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return n
	}
	return v
}

func (q *qradarRunner) run(raw []byte, ev map[string]any, form string) (Verdict, error) {
	stored := q.event(raw, ev, form)
	// The search runs a minute after the event arrived.
	now := time.UnixMilli(stored.Columns["starttime"].(int64)).Add(time.Minute)
	match, row, err := evalaql.Execute(q.query, stored, evalaql.Options{Now: now})
	if err != nil {
		return Verdict{}, err
	}
	v := Verdict{Match: match, HasScore: q.scored}
	if match && q.scored {
		score, ok := row[q.prof.ScoreAlias].(float64)
		if !ok {
			return Verdict{}, fmt.Errorf("score column %s is %v", q.prof.ScoreAlias, row[q.prof.ScoreAlias])
		}
		v.Score = int(score)
	}
	return v, nil
}

// alerts runs an aggregation search as a rule or a search repeated after
// each event would: at each event's time the search covers the window up
// to then, and a group that appears among its rows for the first time
// alerts, with the aggregate of that row.
func (q *qradarRunner) alerts(events []seqEvent) ([]ir.Alert, error) {
	stored := make([]evalaql.Event, len(events))
	for i, e := range events {
		stored[i] = q.event(e.raw, e.ev, e.form)
	}
	var group, value []string
	for _, c := range q.query.Items {
		if c.Alias == nil {
			continue
		}
		switch a := c.Alias.Name; {
		case strings.HasPrefix(a, "g_"):
			group = append(group, a)
		case a == "distinct_count" || a == "total" || a == "average":
			value = []string{a}
		}
	}
	if value == nil {
		value = []string{"event_count"}
	}
	fired := map[string]bool{}
	var out []ir.Alert
	for i := range events {
		now := time.UnixMilli(stored[i].Columns["starttime"].(int64))
		rows, err := evalaql.ExecuteAll(q.query, stored[:i+1], evalaql.Options{Now: now})
		if err != nil {
			return nil, err
		}
		for _, row := range rows {
			key := make([]string, len(group))
			for j, g := range group {
				if row[g] != nil {
					key[j] = fmt.Sprint(row[g])
				}
			}
			k := strings.Join(key, "\x00")
			if fired[k] {
				continue
			}
			fired[k] = true
			v, _ := toFloat(row[value[0]])
			out = append(out, ir.Alert{Group: key, Value: v})
		}
	}
	return out, nil
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int64:
		return float64(x), true
	case int:
		return float64(x), true
	}
	return 0, false
}

// jsonExpression evaluates a QRadar JSON expression of the form
// /"a"/"b" over a decoded JSON payload: the scalar at that path, as text.
// A key may hold a slash or a dot; a quote in it is escaped with \.
func jsonExpression(doc any, expr string) (string, bool) {
	v := doc
	for expr != "" {
		if !strings.HasPrefix(expr, `/"`) {
			return "", false
		}
		end := 2
		for end < len(expr) && expr[end] != '"' {
			if expr[end] == '\\' {
				end++
			}
			end++
		}
		if end >= len(expr) {
			return "", false
		}
		key, err := strconv.Unquote(expr[1 : end+1])
		if err != nil {
			return "", false
		}
		expr = expr[end+1:]
		m, ok := v.(map[string]any)
		if !ok {
			return "", false
		}
		if v, ok = m[key]; !ok {
			return "", false
		}
	}
	return record.Scalar(v)
}
