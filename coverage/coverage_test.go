package coverage

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/detgen/detgen/ir"
)

func TestLayer(t *testing.T) {
	rules := []*ir.Rule{{
		Name: "k8s_cronjob", SourceFile: "r.yaml",
		Technique: ir.Ref{ID: "T1053"}, Subtechnique: ir.Ref{ID: "T1053.007"},
		Tactics: []ir.Ref{{ID: "TA0002"}, {ID: "TA0003"}},
	}, {
		Name: "other", SourceFile: "o.yaml", Technique: ir.Ref{ID: "T1053"}, Subtechnique: ir.Ref{ID: "T1053.007"},
		Tactics: []ir.Ref{{ID: "TA0002"}},
	}}
	targets := []string{"qradar", "chronicle"}
	rows, err := Table(rules, targets)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].Name != "Container Orchestration Job" || len(rows[0].Rules["qradar"]) != 2 {
		t.Fatalf("rows = %+v", rows)
	}
	data, err := NavigatorLayer(rows, "qradar", targets)
	if err != nil {
		t.Fatal(err)
	}
	// The fields Navigator requires of a layer and of each technique.
	var l map[string]any
	if err := json.Unmarshal(data, &l); err != nil {
		t.Fatal(err)
	}
	v := l["versions"].(map[string]any)
	if l["domain"] != "enterprise-attack" || v["layer"] != "4.5" || v["attack"] != "18" || l["name"] == "" {
		t.Errorf("layer header %v", l)
	}
	var scored int
	for _, raw := range l["techniques"].([]any) {
		tech := raw.(map[string]any)
		if tech["techniqueID"] == nil || tech["tactic"] == nil {
			t.Errorf("technique without id or tactic: %v", tech)
		}
		if s, ok := tech["score"]; ok {
			scored++
			if s.(float64) != 2 || tech["techniqueID"] != "T1053.007" {
				t.Errorf("scored technique %v", tech)
			}
		} else if tech["techniqueID"] != "T1053" || tech["showSubtechniques"] != true {
			t.Errorf("unscored entry must be the expanded parent: %v", tech)
		}
	}
	if scored != 2 { // execution and persistence
		t.Errorf("%d scored entries, want 2", scored)
	}
	again, _ := NavigatorLayer(rows, "qradar", targets)
	if !bytes.Equal(data, again) {
		t.Error("layer is not deterministic")
	}
	var b strings.Builder
	Print(&b, rows, targets)
	if !strings.Contains(b.String(), "T1053.007   Container Orchestration Job") {
		t.Errorf("table:\n%s", b.String())
	}
	if _, err := Table([]*ir.Rule{{Technique: ir.Ref{ID: "T9999"}}}, targets); err == nil {
		t.Error("unknown technique accepted")
	}
}
