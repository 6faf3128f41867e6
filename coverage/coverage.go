// Package coverage reports which ATT&CK techniques the rules cover, per
// target, as MITRE ATT&CK Navigator layers (layer format 4.5) and as a
// table.
package coverage

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/detgen/detgen/attack"
	"github.com/detgen/detgen/internal/plural"
	"github.com/detgen/detgen/ir"
)

// Layer is an ATT&CK Navigator layer (format 4.5).
type Layer struct {
	Name                          string      `json:"name"`
	Versions                      Versions    `json:"versions"`
	Domain                        string      `json:"domain"`
	Description                   string      `json:"description"`
	Sorting                       int         `json:"sorting"`
	HideDisabled                  bool        `json:"hideDisabled"`
	Techniques                    []Technique `json:"techniques"`
	Gradient                      Gradient    `json:"gradient"`
	LegendItems                   []any       `json:"legendItems"`
	ShowTacticRowBackground       bool        `json:"showTacticRowBackground"`
	SelectTechniquesAcrossTactics bool        `json:"selectTechniquesAcrossTactics"`
	SelectSubtechniquesWithParent bool        `json:"selectSubtechniquesWithParent"`
}

// Versions pins the ATT&CK, Navigator and layer-format versions.
type Versions struct {
	Attack    string `json:"attack"`
	Navigator string `json:"navigator"`
	Layer     string `json:"layer"`
}

// Technique is one technique entry, per tactic. Score is absent on the
// parent entries that only expand a scored sub-technique.
type Technique struct {
	TechniqueID       string     `json:"techniqueID"`
	Tactic            string     `json:"tactic"`
	Score             *int       `json:"score,omitempty"`
	Comment           string     `json:"comment,omitempty"`
	Enabled           bool       `json:"enabled"`
	Metadata          []Metadata `json:"metadata,omitempty"`
	ShowSubtechniques bool       `json:"showSubtechniques"`
}

// Metadata is a name/value note on a technique.
type Metadata struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Gradient colours the scores.
type Gradient struct {
	Colors   []string `json:"colors"`
	MinValue int      `json:"minValue"`
	MaxValue int      `json:"maxValue"`
}

// Row is one line of the coverage table.
type Row struct {
	ID, Name string
	Tactics  []string            // tactic shortnames
	Rules    map[string][]string // target -> rule names
}

// Table groups the rules by the technique they cover (the sub-technique
// when there is one), for the given targets.
func Table(rules []*ir.Rule, targets []string) ([]Row, error) {
	rows := map[string]*Row{}
	for _, r := range rules {
		id := r.Technique.ID
		if r.Subtechnique.ID != "" {
			id = r.Subtechnique.ID
		}
		t, ok := attack.LookupTechnique(id)
		if !ok {
			return nil, fmt.Errorf("%s: technique %s is not in ATT&CK v%s", r.SourceFile, id, attack.Version)
		}
		row, ok := rows[id]
		if !ok {
			row = &Row{ID: id, Name: t.Name, Rules: map[string][]string{}}
			rows[id] = row
		}
		for _, tac := range r.Tactics {
			if tt, ok := attack.LookupTactic(tac.ID); ok && !slices.Contains(row.Tactics, tt.ShortName) {
				row.Tactics = append(row.Tactics, tt.ShortName)
			}
		}
		for _, target := range targets {
			row.Rules[target] = append(row.Rules[target], r.Name)
		}
	}
	var out []Row
	for _, r := range rows {
		for _, names := range r.Rules {
			sort.Strings(names)
		}
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// NavigatorLayer builds the layer of one target ("" for all combined):
// each covered technique scored by the number of rules covering it, once
// per tactic of the rules.
func NavigatorLayer(rows []Row, target string, targets []string) ([]byte, error) {
	name, desc := "detgen coverage: "+target, "Techniques covered by detgen rules compiled for "+target
	if target == "" {
		name, desc = "detgen coverage: all targets", "Techniques covered by detgen rules, all targets combined"
	}
	l := Layer{
		Name: name, Description: desc, Domain: "enterprise-attack",
		Versions:    Versions{Attack: strings.Split(attack.Version, ".")[0], Navigator: "5.1.0", Layer: "4.5"},
		LegendItems: []any{},
		Gradient:    Gradient{Colors: []string{"#ffffff", "#66b1ff"}, MinValue: 0, MaxValue: 1},
		Techniques:  []Technique{},
	}
	for _, row := range rows {
		var names []string
		if target == "" {
			seen := map[string]bool{}
			for _, t := range targets {
				for _, n := range row.Rules[t] {
					if !seen[n] {
						seen[n] = true
						names = append(names, n)
					}
				}
			}
			sort.Strings(names)
		} else {
			names = row.Rules[target]
		}
		if len(names) == 0 {
			continue
		}
		l.Gradient.MaxValue = max(l.Gradient.MaxValue, len(names))
		score := len(names)
		parent, _, isSub := strings.Cut(row.ID, ".")
		for _, tac := range row.Tactics {
			if isSub {
				// Navigator shows a sub-technique only under an expanded parent.
				l.Techniques = append(l.Techniques, Technique{TechniqueID: parent, Tactic: tac, Enabled: true, ShowSubtechniques: true})
			}
			l.Techniques = append(l.Techniques, Technique{
				TechniqueID: row.ID, Tactic: tac, Score: &score, Enabled: true,
				Comment:  "detgen rules: " + strings.Join(names, ", "),
				Metadata: []Metadata{{Name: "rules", Value: strings.Join(names, ", ")}},
			})
		}
	}
	data, err := json.MarshalIndent(l, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}

// Print writes the coverage table.
func Print(w io.Writer, rows []Row, targets []string) {
	fmt.Fprintf(w, "%-10s  %-34s  %-45s", "ATT&CK", "TECHNIQUE", "TACTICS")
	for _, t := range targets {
		fmt.Fprintf(w, "  %-9s", strings.ToUpper(t))
	}
	fmt.Fprintln(w)
	for _, r := range rows {
		fmt.Fprintf(w, "%-10s  %-34s  %-45s", r.ID, r.Name, strings.Join(r.Tactics, ","))
		for _, t := range targets {
			fmt.Fprintf(w, "  %-9d", len(r.Rules[t]))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "%s covered, ATT&CK Enterprise v%s\n", plural.N(len(rows), "technique"), attack.Version)
}
