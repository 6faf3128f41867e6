package testrun

import (
	"fmt"
	"time"

	"github.com/detgen/detgen/backends/qradar"
	evalaql "github.com/detgen/detgen/eval/aql"
	"github.com/detgen/detgen/ir"
	"github.com/detgen/detgen/k8saudit"
	"github.com/detgen/detgen/lang/aql"
	"github.com/detgen/detgen/mappings"
)

// qradarRunner executes the generated AQL over each event as the Kubernetes
// Auditing DSM would store it.
type qradarRunner struct {
	query *aql.Query
	prof  *qradar.Profile
	ls    *mappings.Logsource
}

// receivedAt stands in for the arrival time of records without a
// requestReceivedTimestamp.
var receivedAt = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// kubernetesAuditingDSM is the device type of IBM's Kubernetes Auditing DSM,
// which receives the kube-apiserver's Event JSON. GKE and AKS records reach
// QRadar through other DSMs (Google Cloud Pub/Sub, Azure Event Hubs), with
// other device types.
const kubernetesAuditingDSM = 446

func newQRadarRunner(r *ir.Rule, artifact []byte) (*qradarRunner, error) {
	q, err := aql.Parse(string(artifact))
	if err != nil {
		return nil, fmt.Errorf("generated AQL does not parse: %w", err)
	}
	prof, ls, err := qradar.LoadProfile(r.Logsource)
	if err != nil {
		return nil, err
	}
	return &qradarRunner{query: q, prof: prof, ls: ls}, nil
}

// event builds the stored form of a record: the payload is the record as
// received, custom properties and normalized columns come from the QRadar
// profile's field mappings.
func (q *qradarRunner) event(raw []byte, ev map[string]any, form k8saudit.Form) evalaql.Event {
	out := evalaql.Event{
		Columns:            map[string]any{"logsourceid": 1, "devicetype": 0, "starttime": receivedAt.UnixMilli()},
		Properties:         map[string]string{},
		Payload:            raw,
		LogSourceNames:     map[int]string{1: "kube-apiserver @ test cluster"},
		LogSourceTypeNames: map[int]string{kubernetesAuditingDSM: "Kubernetes Auditing"},
	}
	if form != k8saudit.FormEvent {
		return out
	}
	out.Columns["devicetype"] = kubernetesAuditingDSM
	for _, f := range q.prof.Fields {
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
			out.Columns[f.Column] = v
		}
	}
	if ts, ok := ev["requestReceivedTimestamp"].(string); ok {
		if t, err := time.Parse(time.RFC3339Nano, ts); err == nil {
			out.Columns["starttime"] = t.UnixMilli()
		}
	}
	return out
}

func (q *qradarRunner) run(raw []byte, ev map[string]any, form k8saudit.Form) (Verdict, error) {
	stored := q.event(raw, ev, form)
	// The search runs a minute after the event arrived.
	now := time.UnixMilli(stored.Columns["starttime"].(int64)).Add(time.Minute)
	match, row, err := evalaql.Execute(q.query, stored, evalaql.Options{Now: now})
	if err != nil {
		return Verdict{}, err
	}
	v := Verdict{Match: match, HasScore: true}
	if match {
		score, ok := row[q.prof.ScoreAlias].(float64)
		if !ok {
			return Verdict{}, fmt.Errorf("score column %s is %v", q.prof.ScoreAlias, row[q.prof.ScoreAlias])
		}
		v.Score = int(score)
	}
	return v, nil
}
