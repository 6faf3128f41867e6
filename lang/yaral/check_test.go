package yaral

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// ruleText builds a rule from section bodies; empty optional sections are
// left out. Lines are predictable: the meta entry is on line 3 (a default
// entry when meta is empty) and the first events predicate on line 5.
func ruleText(meta, ev, match, outcome, cond string) string {
	var b strings.Builder
	b.WriteString("rule r {\n  meta:\n")
	if meta == "" {
		meta = `author = "t"`
	}
	b.WriteString("    " + meta + "\n")
	b.WriteString("  events:\n    " + ev + "\n")
	if match != "" {
		b.WriteString("  match:\n    " + match + "\n")
	}
	if outcome != "" {
		b.WriteString("  outcome:\n    " + outcome + "\n")
	}
	b.WriteString("  condition:\n    " + cond + "\n}\n")
	return b.String()
}

// checkCodes parses src and returns its diagnostics rendered with String.
func checkCodes(t *testing.T, src string) []string {
	t.Helper()
	var out []string
	for _, d := range Check(expectParse(t, src)) {
		out = append(out, d.String())
	}
	return out
}

func TestCheck(t *testing.T) {
	const ev = `$e.metadata.event_type = "USER_LOGIN"`
	tests := []struct {
		name string
		src  string
		want []string // diagnostics as "line:col: severity: msg [code]" prefixes; nil = none
	}{
		{"clean rule", ruleText(`author = "a"`, ev, "", "$risk_score = max(35)", "$e"), nil},

		{"meta int", ruleText(`version = 5`, ev, "", "", "$e"),
			[]string{`3:15: error: meta value of "version" must be a double-quoted string, found integer 5 [meta-not-string]`}},
		{"meta bool", ruleText(`enabled = true`, ev, "", "", "$e"),
			[]string{`3:15: error: meta value of "enabled" must be a double-quoted string, found boolean true [meta-not-string]`}},
		{"meta raw string", ruleText("a = `x`", ev, "", "", "$e"),
			[]string{"3:9: error: meta value of \"a\" must be a double-quoted string, found back-quoted string `x` [meta-not-string]"}},
		{"meta duplicate key", ruleText("a = \"x\"\n    a = \"y\"", ev, "", "", "$e"),
			[]string{`4:5: warning: duplicate meta key "a" [duplicate-meta-key]`}},

		{"unused event var", ruleText("", "$e1.principal.ip = $ip\n    $e2.target.ip = $ip", "$ip over 5m", "", "$e1"),
			[]string{"6:5: error: event variable $e2 is not used in the condition (directly or through a placeholder) [unused-event-var]"}},
		{"all event vars used", ruleText("", "$e1.principal.ip = $ip\n    $e2.target.ip = $ip", "$ip over 5m", "", "$e1 and $e2"), nil},
		{"event var used through placeholder count", ruleText("", "$e1.principal.ip = $ip\n    $e2.target.ip = $ip", "$ip over 5m", "", "#ip > 1"), nil},
		{"event var used through placeholder chain", ruleText("", "$ip = $e2.target.ip\n    $ip2 = $ip\n    $e1.x = 1\n    $e1.principal.ip = $ip", "$ip2 over 5m", "", "$e1 and #ip2 > 1"), nil},
		{"event var used through function placeholder", ruleText("", "$h = strings.to_lower($e2.target.hostname)\n    $e1.x = 1\n    $e1.y = $e2.y", "$h over 5m", "", "$e1 and #h > 0"), nil},
		{"non-existence counts as use", ruleText("", "$e1.principal.ip = $ip\n    $e2.target.ip = $ip", "$ip over 5m", "", "$e1 and !$e2"), nil},
		{"placeholder used in condition not bound to event", ruleText("", "$e1.x = $ip\n    $e2.y = $u\n    $e1.z = $e2.z", "$ip, $u over 5m", "", "#ip > 1"),
			[]string{"6:5: error: event variable $e2 is not used"}},

		{"too many outcomes", ruleText("", ev, "", outcomes(21), "$e"),
			[]string{"27:5: error: 21 outcome variables; at most 20 are allowed [too-many-outcomes]"}},
		{"twenty outcomes", ruleText("", ev, "", outcomes(20), "$e"), nil},
		{"duplicate outcome", ruleText("", ev, "", "$a = 1\n    $a = 2", "$e"),
			[]string{"8:5: error: outcome variable $a is defined more than once [duplicate-outcome]"}},

		{"risk score string", ruleText("", ev, "", `$risk_score = "high"`, "$e"),
			[]string{"7:19: error: $risk_score must be an integer or float, found a string value [risk-score-not-numeric]"}},
		{"risk score max string", ruleText("", ev, "", "$risk_score = max(`x`)", "$e"),
			[]string{"7:19: error: $risk_score must be an integer or float, found a string value"}},
		{"risk score if strings", ruleText("", ev, "", `$risk_score = if($e.x = 1, "a", "b")`, "$e"),
			[]string{"7:19: error: $risk_score must be an integer or float, found a string value"}},
		{"risk score list", ruleText("", ev, "", `$risk_score = array_distinct($e.x)`, "$e"),
			[]string{"7:19: error: $risk_score must be an integer or float, found a list value"}},
		{"risk score comparison", ruleText("", ev, "", `$risk_score = $e.x > 1`, "$e"),
			[]string{"7:19: error: $risk_score must be an integer or float, found a boolean value"}},
		{"risk score numeric", ruleText("", ev, "", "$risk_score = max(40 + if($e.x = 1, 20) + count($e.y) * 1.5)", "$e"), nil},
		{"risk score field", ruleText("", ev, "", "$risk_score = max($e.security_result.risk_score)", "$e"), nil},
		{"other outcome string", ruleText("", ev, "", `$severity = "high"`, "$e"), nil},

		{"unknown log type", ruleText("", `$e.metadata.log_type = "FOO_BAR"`, "", "", "$e"),
			[]string{`5:28: warning: unknown log type "FOO_BAR" [unknown-log-type]`}},
		{"invalid log type", ruleText("", `$e.metadata.log_type = "GKE_CONTROLPLANE"`, "", "", "$e"),
			[]string{`5:28: error: log type "GKE_CONTROLPLANE" does not exist in SecOps`}},
		{"invalid log type on the left", ruleText("", `"K8S_AUDIT" != $e.udm.metadata.log_type`, "", "", "$e"),
			[]string{`5:5: error: log type "K8S_AUDIT" does not exist in SecOps`}},
		{"log type case", ruleText("", `$e.metadata.log_type = "kubernetes_audit"`, "", "", "$e"),
			[]string{`5:28: error: log type "kubernetes_audit" never matches: log types are upper case ("KUBERNETES_AUDIT") [unknown-log-type]`}},
		{"log type case nocase", ruleText("", `$e.metadata.log_type = "kubernetes_audit" nocase`, "", "", "$e"), nil},
		{"known log types", ruleText("", "($e.metadata.log_type = \"KUBERNETES_AUDIT\" or $e.metadata.log_type = `KUBERNETES_AUDIT_AZURE` or\n"+
			"    $e.metadata.log_type = \"GCP_CLOUDAUDIT\" or $e.metadata.base_labels.log_types = \"KUBERNETES_NODE\" or\n"+
			"    $e.metadata.log_type = \"GCP_KUBERNETES_CONTEXT\" or $e.metadata.log_type = \"CS_EDR\" or $e.metadata.log_type = \"OFFICE_365\")", "", "", "$e"), nil},
		{"log type in outcome", ruleText("", ev, "", `$x = max(if($e.metadata.log_type = "K8S_AUDIT", 1, 0))`, "$e"),
			[]string{`7:40: error: log type "K8S_AUDIT" does not exist`}},
		{"log type regex is not checked", ruleText("", `$e.metadata.log_type = /K8S_AUDIT/`, "", "", "$e"), nil},
		{"other field is not checked", ruleText("", `$e.metadata.product_name = "K8S_AUDIT"`, "", "", "$e"), nil},

		{"unknown function", ruleText("", `strings.frobnicate($e.a) = "x"`, "", "", "$e"),
			[]string{"5:5: warning: unknown function strings.frobnicate [unknown-function]"}},
		{"unknown bare function", ruleText("", ev, "", "$x = avg($e.a)", "$e"),
			[]string{"7:10: warning: unknown function avg [unknown-function]"}},
		{"known functions", ruleText("", `re.regex(strings.to_lower(strings.concat($e.a, "x")), "y")`+"\n    "+
			`net.ip_in_range_cidr($e.ip, "10.0.0.0/8")`+"\n    $ip = $e.principal.ip", "", "$x = max(metrics.network_bytes_outbound(\n      period:1d, window:30d, metric:value_sum, agg:max, principal.asset.ip:$ip))", "$e"), nil},

		{"undefined condition variable", ruleText("", ev, "", "", "$e and $nope > 1"),
			[]string{"7:12: error: $nope used in condition is not defined in events or outcome [undefined-variable]"}},
		{"undefined count", ruleText("", ev, "", "", "$e and #nope > 1"),
			[]string{"7:12: error: #nope used in condition is not defined"}},
		{"undefined outcome field base", ruleText("", ev, "", "$x = max($f.a)", "$e"),
			[]string{"7:14: error: $f used in outcome is not defined"}},

		{"match event var", ruleText("", "$e.a = $u", "$e over 5m", "", "$e"),
			[]string{"7:5: error: match variable $e is an event variable; match takes placeholders ($ph = $e.field) [bad-match-var]"}},
		{"match undefined", ruleText("", "$e.a = $u", "$v over 5m", "", "$e"),
			[]string{"7:5: error: match variable $v is not a placeholder of the events section [bad-match-var]"}},
		{"match pivot", ruleText("", "$e.a = $u", "$u over 5m after $u", "", "$e"),
			[]string{"7:22: error: $u after after must be an event variable [bad-match-var]"}},
		{"match window too short", ruleText("", "$e.a = $u", "$u over 30s", "", "$e"),
			[]string{"7:13: error: match window 30s is outside the allowed range 1m..48h [bad-match-window]"}},
		{"match window too long", ruleText("", "$e.a = $u", "$u over 3d", "", "$e"),
			[]string{"7:13: error: match window 3d is outside the allowed range"}},
		{"match window limits", ruleText("", "$e.a = $u", "$u over 2d before $e", "", "$e"), nil},

		{"if without value", ruleText("", ev, "", "$x = max(if($e.a = 1))", "$e"),
			[]string{"7:14: error: if takes 2 or 3 arguments, found 1 [wrong-arg-count]"}},
		{"re.replace arity", ruleText("", `re.replace($e.a, "x") = "y"`, "", "", "$e"),
			[]string{"5:5: error: re.replace takes 3 arguments, found 2 [wrong-arg-count]"}},
		{"aggregation arity", ruleText("", ev, "", "$x = count()", "$e"),
			[]string{"7:10: error: count takes 1 argument, found 0 [wrong-arg-count]"}},
		{"right arities", ruleText("", `re.replace($e.a, "x", "y") = "z"`, "", "$x = max(if($e.a = 1, 1)) + min(if($e.a = 2, 1, 2)) + timestamp.get_hour($e.t)", "$e"), nil},
		{"invalid regex literal", ruleText("", `$e.a = /a(/`, "", "", "$e"),
			[]string{"5:12: error: invalid RE2 regex: error parsing regexp: missing closing ): `a(` [invalid-regex]"}},
		{"invalid regex argument", ruleText("", `re.regex($e.a, "x**")`, "", "", "$e"),
			[]string{"5:20: error: invalid RE2 regex"}},
		{"escaped regex argument", ruleText("", `re.regex($e.a, "\.exe$") and re.regex($e.b, "C:\\\\Windows")`, "", "", "$e"), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := checkCodes(t, tc.src)
			if len(got) != len(tc.want) {
				t.Fatalf("got %d diagnostics, want %d:\n%s\nsource:\n%s", len(got), len(tc.want), strings.Join(got, "\n"), tc.src)
			}
			for i := range got {
				if !strings.HasPrefix(got[i], tc.want[i]) {
					t.Errorf("diagnostic %d = %q, want prefix %q", i, got[i], tc.want[i])
				}
			}
		})
	}
}

func outcomes(n int) string {
	var s []string
	for i := 0; i < n; i++ {
		s = append(s, fmt.Sprintf("$o%d = %d", i, i))
	}
	return strings.Join(s, "\n    ")
}

// Trees built by code generators can break rules the parser enforces.
func TestCheckHandBuilt(t *testing.T) {
	codes := func(r *Rule) string {
		var s []string
		for _, d := range Check(r) {
			s = append(s, d.Severity.String()+" "+d.Code)
		}
		return strings.Join(s, ", ")
	}
	if got := codes(&Rule{Name: "bad-name"}); got != "error bad-rule-name, error missing-section, error missing-section, error missing-section" {
		t.Errorf("got %s", got)
	}
	if got := codes(&Rule{Name: "OR", Meta: &MetaSection{}, Events: &EventsSection{Predicates: []Expr{&Var{Name: "x"}}}, Condition: &ConditionSection{Expr: &Var{Name: "x"}}}); got != "error bad-rule-name, error unbound-placeholder" {
		t.Errorf("got %s", got)
	}
	if got := codes(&Rule{Name: "ok_1", Meta: &MetaSection{Entries: []*KeyValue{{Key: "k"}, nil}}, Events: &EventsSection{}, Condition: &ConditionSection{}}); got != "error meta-not-string, error missing-section, error missing-section" {
		t.Errorf("got %s", got)
	}
	if got := codes(nil); got != "error missing-section" {
		t.Errorf("got %s", got)
	}
	// Nil nodes anywhere must not crash the checker.
	r := &Rule{
		Name:      "x",
		Meta:      &MetaSection{},
		Events:    &EventsSection{Predicates: []Expr{nil, &BinaryExpr{Op: EQ}, &FieldExpr{}, &CallExpr{Name: "max"}, &InExpr{}}},
		Match:     &MatchSection{Vars: []*Var{nil}, Anchor: AFTER},
		Outcome:   &OutcomeSection{Assignments: []*Assignment{nil, {}, {Var: &Var{Name: "risk_score"}}}},
		Condition: &ConditionSection{Expr: &UnaryExpr{Op: BANG}},
	}
	_ = Check(r)
}

func TestCheckSeed(t *testing.T) {
	src, err := os.ReadFile("testdata/seed.yaral")
	if err != nil {
		t.Fatal(err)
	}
	r := expectParse(t, string(src))
	roundTrip(t, r)
	var got []string
	for _, d := range Check(r) {
		got = append(got, d.String())
	}
	want := []string{
		`13:29: error: log type "GKE_CONTROLPLANE" does not exist in SecOps: GKE control-plane audit logs arrive as GCP_CLOUDAUDIT [unknown-log-type]`,
		`14:29: error: log type "K8S_AUDIT" does not exist in SecOps: Kubernetes audit logs use KUBERNETES_AUDIT (or KUBERNETES_AUDIT_AZURE, GCP_CLOUDAUDIT for GKE) [unknown-log-type]`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Structure: five implicitly and-ed predicates, the last one negated.
	if n := len(r.Events.Predicates); n != 5 {
		t.Errorf("%d predicates", n)
	}
	if u, ok := r.Events.Predicates[4].(*UnaryExpr); !ok || u.Op != NOT {
		t.Errorf("last predicate %s", dump(r.Events.Predicates[4]))
	}
}

func TestKnownTables(t *testing.T) {
	for _, lt := range []string{"KUBERNETES_AUDIT", "KUBERNETES_AUDIT_AZURE", "GCP_CLOUDAUDIT", "KUBERNETES_NODE", "GCP_KUBERNETES_CONTEXT"} {
		if !IsKnownLogType(lt) {
			t.Errorf("%s not known", lt)
		}
	}
	for _, lt := range []string{"GKE_CONTROLPLANE", "K8S_AUDIT", "kubernetes_audit"} {
		if IsKnownLogType(lt) {
			t.Errorf("%s known", lt)
		}
	}
	for _, f := range []string{"re.regex", "max", "if", "count_distinct", "strings.to_lower", "timestamp.get_day_of_week", "metrics.x", "window.avg", "arrays.index_to_str"} {
		if !IsKnownFunction(f) {
			t.Errorf("%s not known", f)
		}
	}
	for _, f := range []string{"metrics.", "re.Regex", "foo", "strings.frob"} {
		if IsKnownFunction(f) {
			t.Errorf("%s known", f)
		}
	}
}

func TestInferType(t *testing.T) {
	for expr, want := range map[string]valueType{
		`count($e.a)`:                 typeNumber,
		`count_distinct($e.a) * 2`:    typeNumber,
		`strings.length($e.a)`:        typeNumber,
		`math.abs($e.a - $e.b)`:       typeNumber,
		`cast.as_int($e.a)`:           typeNumber,
		`1.5`:                         typeNumber,
		`if($e.a = 1, $e.b, 5)`:       typeNumber,
		`strings.to_lower($e.a)`:      typeString,
		`re.capture($e.a, "(x)")`:     typeString,
		`max("x")`:                    typeString,
		`re.regex($e.a, "y")`:         typeBool,
		`not $e.a = 1`:                typeBool,
		`$e.a in %l`:                  typeBool,
		`$e.a = 1 or $e.b = 2`:        typeBool,
		`true`:                        typeBool,
		`/x/`:                         typeRegex,
		`array($e.a)`:                 typeList,
		`strings.split($e.a)`:         typeUnknown,
		`max(1, 2)`:                   typeUnknown,
		`$e.a`:                        typeUnknown,
		`if($e.a = 1)`:                typeUnknown,
		`timestamp.current_seconds()`: typeUnknown,
	} {
		r := expectParse(t, ruleText("", "$e.a = 1", "", "$x = "+expr, "$e"))
		if got := inferType(r.Outcome.Assignments[0].Value); got != want {
			t.Errorf("inferType(%s) = %v, want %v", expr, got, want)
		}
	}
}
