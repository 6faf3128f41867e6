// Package hostile builds rules whose every spec-supplied value tries to
// break out of its literal in some target language. Backend tests compile
// them and check that each value comes back unchanged from inside one
// literal of the artifact.
package hostile

import "github.com/detgen/detgen/ir"

// Values are the hostile strings: quote characters of every target, LIKE
// and Sigma wildcards, regex metacharacters, comment openers, backslashes
// (including a trailing one), template delimiters and line breaks.
var Values = []string{
	`it's`,
	`say "hi"`,
	"back`tick",
	`50%_off`,
	`a*b?c`,
	`C:\Windows\`,
	`\`,
	`*/ or 1=1 /*`,
	`// comment`,
	`/re/ nocase`,
	`') OR ('1'='1`,
	`" or $e.x = "`,
	`{{.Rule}}`,
	`(?i).*[a-z]+$|^x`,
	"line1\nline2",
	"tab\there\r",
	`ünïcødé ✓`,
}

// Rule returns a rule with the hostile values in every literal position a
// spec controls: metadata text, scope, exclusions and signals, with
// equals, startswith and contains, case-sensitive and not.
func Rule() *ir.Rule {
	v := Values
	return &ir.Rule{
		SourceFile: "hostile.yaml",
		ID:         "00000000-0000-4000-8000-000000000000",
		Name:       "hostile_values",
		Title:      "Hostile " + v[0] + v[1] + v[2] + v[9],
		Version:    1, Status: "experimental",
		Description: "Description with " + v[1] + " and " + v[7] + " and " + v[14],
		Author:      v[5] + v[11],
		Date:        "2026-11-23", Modified: "2026-11-23",
		Severity: "high", Confidence: "medium",
		Tactics:        []ir.Ref{{ID: "TA0002", Name: "Execution"}},
		Technique:      ir.Ref{ID: "T1053", Name: "Scheduled Task/Job"},
		Subtechnique:   ir.Ref{ID: "T1053.007", Name: "Container Orchestration Job"},
		AttackURL:      "https://attack.mitre.org/techniques/T1053/007/",
		References:     []string{"https://example.com/?q=" + v[0] + v[3]},
		FalsePositives: []string{v[10], v[13]},
		DataSources:    []string{"k8s"},
		Logsource:      "kubernetes_audit",
		Condition: &ir.And{Args: []ir.Expr{
			&ir.Match{Label: "scope_resource", Field: "resource", Type: ir.String, Op: ir.Equals, Values: v, Cased: true},
			&ir.Match{Label: "scope_verb", Field: "verb", Type: ir.String, Op: ir.Equals, Values: []string{"create"}, Cased: true},
			&ir.Not{Arg: &ir.Or{Label: "exclusion_username", Args: []ir.Expr{
				&ir.Match{Field: "username", Type: ir.String, Op: ir.StartsWith, Values: v, Cased: true},
				&ir.Match{Field: "username", Type: ir.String, Op: ir.Equals, Values: v, Cased: true},
			}}},
		}},
		Scoring: &ir.Scoring{
			Threshold: 10,
			Signals: []ir.Signal{
				{Name: "image_nocase", Weight: 10, When: &ir.Match{Label: "signal_image_nocase", Field: "image", Type: ir.String, Op: ir.Contains, Values: v}},
				{Name: "command_cased", Weight: 10, When: &ir.Match{Label: "signal_command_cased", Field: "command", Type: ir.String, Op: ir.Contains, Values: v, Cased: true}},
				{Name: "host_path", Weight: 10, When: &ir.Or{Label: "signal_host_path", Args: []ir.Expr{
					&ir.Match{Field: "host_path", Type: ir.String, Op: ir.StartsWith, Values: v, Cased: true},
					&ir.Match{Field: "host_path", Type: ir.String, Op: ir.Equals, Values: v, Cased: true},
				}}},
			},
		},
	}
}
