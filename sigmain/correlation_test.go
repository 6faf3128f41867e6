package sigmain

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/detgen/detgen/driver"
	"github.com/detgen/detgen/eval/reference"
	"github.com/detgen/detgen/ir"
	"github.com/detgen/detgen/lint"
)

// The examples of sigma-correlation-rules-specification.md that detgen can
// express, with the base rules they name (the specification shows most
// correlations without them). Adjustments, where the example's fields or
// log source are not in a detgen catalog, are noted per example.

// Base rules on the Windows Security log.
const failedLogin = `title: Single failed login
id: 5638f7c0-ac70-491d-8465-2a65075e0d86
name: failed_login
logsource:
    product: windows
    service: security
detection:
    selection:
        EventID:
            - 529
            - 4625
    condition: selection
`

const successfulLogin = `title: Successful login
id: 4d0a2c83-c62c-4ed4-b475-c7e23a9269b8
name: successful_login
logsource:
    product: windows
    service: security
detection:
    selection:
        EventID:
            - 528
            - 4624
    condition: selection
`

// "Event Count": ComputerName is Computer in detgen's Windows Security
// profile.
const specEventCount = `title: Many failed logins
id: 0e95725d-7320-415d-80f7-004da920fc11
correlation:
    type: event_count
    rules:
        - 5638f7c0-ac70-491d-8465-2a65075e0d86
    group-by:
        - Computer
    timespan: 1h
    condition:
        gte: 100
---
` + failedLogin

// "Value Count": ComputerName is Computer, User is TargetUserName, and
// WorkstationName is IpAddress (the client's address): detgen's Windows
// Security catalog has WorkstationName, but neither a QRadar property nor
// a plain UDM path for it, so both targets refuse to group by it.
const specValueCount = `title: Failed login
id: 0e95725d-7320-415d-80f7-004da920fc12
correlation:
    type: value_count
    rules:
        - 5638f7c0-ac70-491d-8465-2a65075e0d86
    group-by:
        - Computer
        - IpAddress
    timespan: 1d
    condition:
        field: TargetUserName
        gte: 100
---
` + failedLogin

// "Temporal Proximity": the example as written (ComputerName is Computer);
// the three recon rules are Windows process creation rules.
const specTemporal = `title: Recon commands
correlation:
    type: temporal
    rules:
        - recon_cmd_a
        - recon_cmd_b
        - recon_cmd_c
    group-by:
        - Computer
        - User
    timespan: 5m
---
title: whoami
name: recon_cmd_a
logsource: {product: windows, category: process_creation}
detection:
    selection:
        Image|endswith: '\whoami.exe'
    condition: selection
---
title: net user
name: recon_cmd_b
logsource: {product: windows, category: process_creation}
detection:
    selection:
        Image|endswith: '\net.exe'
        CommandLine|contains: ' user'
    condition: selection
---
title: ipconfig
name: recon_cmd_c
logsource: {product: windows, category: process_creation}
detection:
    selection:
        Image|endswith: '\ipconfig.exe'
    condition: selection
`

// "Ordered Temporal Proximity": User is TargetUserName; many_failed_logins
// ("as defined above") groups by TargetUserName over 1h here, since a
// chained event_count converts only with the outer group-by and timespan.
const specTemporalOrdered = `title: Failed logins then success
correlation:
    type: temporal_ordered
    rules:
        - many_failed_logins
        - successful_login
    group-by:
        - TargetUserName
    timespan: 1h
---
title: Many failed logins
name: many_failed_logins
correlation:
    type: event_count
    rules:
        - failed_login
    group-by:
        - TargetUserName
    timespan: 1h
    condition:
        gte: 100
---
` + failedLogin + "---\n" + successfulLogin

// "Value Sum" and "Value Average": no detgen catalog has a byte count, so
// website_access is a Windows network connection rule and the summed
// field the integer DestinationPort; SourceIP is SourceIp. The threshold
// of a million is also a regression test: backends once printed it as
// 1e+06, which neither AQL nor YARA-L reads.
const websiteAccess = `title: Web access
name: website_access
id: 7a1f0e4e-52f6-4a59-9a41-0c7a0b1d2e31
logsource: {product: windows, category: network_connection}
detection:
    selection:
        Initiated: 'true'
    condition: selection
`

const specValueSum = `title: Possible Exfiltration to Website
correlation:
    type: value_sum
    rules:
        - website_access
    group-by:
        - SourceIp
        - User
    timespan: 1h
    condition:
        field: DestinationPort
        gt: 1000000
---
` + websiteAccess

const specValueAvg = `title: Suspicious average network traffic
correlation:
    type: value_avg
    rules:
        - 7a1f0e4e-52f6-4a59-9a41-0c7a0b1d2e31
    group-by:
        - SourceIp
        - User
    timespan: 24h
    condition:
        field: DestinationPort
        gt: 500
---
` + websiteAccess

// "Failed Logins Followed by Successful Login", the specification's
// complete example: User is TargetUserName.
const specFullExample = `title: Correlation - Multiple Failed Logins Followed by Successful Login
id: b180ead8-d58f-40b2-ae54-c8940995b9b6
status: experimental
description: Detects multiple failed logins by a single user followed by a successful login of that user
references:
    - https://reference.com
author: Florian Roth (Nextron Systems)
date: 2023-06-16
correlation:
    type: temporal_ordered
    rules:
        - multiple_failed_login
        - successful_login
    group-by:
        - TargetUserName
    timespan: 10m
falsepositives:
    - Unlikely
level: high
---
title: Multiple failed logons
id: a8418a5a-5fc4-46b5-b23b-6c73beb19d41
description: Detects multiple failed logins within a certain amount of time
name: multiple_failed_login
correlation:
    type: event_count
    rules:
        - failed_login
    group-by:
        - TargetUserName
    timespan: 10m
    condition:
        gte: 10
---
title: Single failed login
id: 53ba33fd-3a50-4468-a5ef-c583635cfa92
name: failed_login
logsource:
    product: windows
    service: security
detection:
    selection:
        EventID:
            - 529
            - 4625
    condition: selection
---
title: Successful login
id: 4d0a2c83-c62c-4ed4-b475-c7e23a9269b8
description: Detects a successful login
name: successful_login
logsource:
    product: windows
    service: security
detection:
    selection:
        EventID:
            - 528
            - 4624
    condition: selection
`

// parseCorrelation reads a file whose first document is a correlation
// and checks that it is the only result (its rules are not generated on
// their own).
func parseCorrelation(t *testing.T, src string) *Result {
	t.Helper()
	res, errs := Parse("mr_test.yml", "mr_test.yml", []byte(src))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if len(res) != 1 || res[0].Kind != KindCorrelation {
		for _, r := range res {
			t.Logf("%s %s %v", r.Kind, r.Title, r.Refused)
		}
		t.Fatalf("%d results, want the correlation alone", len(res))
	}
	return res[0]
}

func TestCorrelationSpecExamples(t *testing.T) {
	tests := []struct {
		name, src string
		check     func(t *testing.T, r *ir.Rule)
		// refused per target, with the reason's start (the backend's, not
		// the reader's)
		refused map[string]string
	}{
		{"event_count", specEventCount, func(t *testing.T, r *ir.Rule) {
			a := r.Aggregate
			if a == nil || a.Func != ir.Count || strings.Join(a.GroupBy, ",") != "Computer" || a.Window != time.Hour || a.Threshold != (ir.Bound{Op: ir.GTE, Value: 100}) {
				t.Errorf("aggregate %+v", a)
			}
			if r.Logsource != "windows_security" || r.Title != "Many failed logins" || r.ID != "0e95725d-7320-415d-80f7-004da920fc11" {
				t.Errorf("rule %s %q %s", r.Logsource, r.Title, r.ID)
			}
		}, nil},
		{"value_count", specValueCount, func(t *testing.T, r *ir.Rule) {
			a := r.Aggregate
			if a == nil || a.Func != ir.DistinctCount || a.Field != "TargetUserName" || strings.Join(a.GroupBy, ",") != "Computer,IpAddress" || a.Window != 24*time.Hour {
				t.Errorf("aggregate %+v", a)
			}
		}, nil},
		{"temporal", specTemporal, func(t *testing.T, r *ir.Rule) {
			s := r.Sequence
			if s == nil || s.Ordered || len(s.Steps) != 3 || s.Steps[0].Name != "recon_cmd_a" || s.Steps[2].Min != 1 || strings.Join(s.Join, ",") != "Computer,User" || s.Window != 5*time.Minute {
				t.Fatalf("sequence %+v", s)
			}
			if or, ok := r.Condition.(*ir.Or); !ok || len(or.Args) != 3 {
				t.Errorf("condition %s, want the or of the steps", ir.Format(r.Condition))
			}
		}, nil},
		{"temporal_ordered", specTemporalOrdered, func(t *testing.T, r *ir.Rule) {
			s := r.Sequence
			if s == nil || !s.Ordered || len(s.Steps) != 2 || s.Steps[0].Min != 100 || s.Steps[1].Min != 1 || s.Steps[0].Name != "many_failed_logins" {
				t.Errorf("sequence %+v", s)
			}
		}, map[string]string{"qradar": "ordered sequence of 2 steps with minimums 100/1"}},
		{"value_sum", specValueSum, func(t *testing.T, r *ir.Rule) {
			a := r.Aggregate
			if a == nil || a.Func != ir.Sum || a.Field != "DestinationPort" || a.Threshold != (ir.Bound{Op: ir.GT, Value: 1000000}) {
				t.Errorf("aggregate %+v", a)
			}
		}, nil},
		{"value_avg", specValueAvg, func(t *testing.T, r *ir.Rule) {
			if a := r.Aggregate; a == nil || a.Func != ir.Avg || a.Field != "DestinationPort" {
				t.Errorf("aggregate %+v", a)
			}
		}, nil},
		{"full example", specFullExample, func(t *testing.T, r *ir.Rule) {
			s := r.Sequence
			if s == nil || !s.Ordered || s.Steps[0].Min != 10 || s.Window != 10*time.Minute || r.Severity != "high" || r.Author != "Florian Roth (Nextron Systems)" {
				t.Errorf("rule %+v sequence %+v", r, s)
			}
		}, map[string]string{"qradar": "ordered sequence of 2 steps with minimums 10/1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := parseCorrelation(t, tc.src)
			if res.Rule == nil {
				t.Fatalf("refused: %v", res.Refused)
			}
			tc.check(t, res.Rule)
			for _, o := range Convert([]*Result{res}, driver.Targets) {
				want, refuse := tc.refused[o.Target.Name]
				if !o.Converted() {
					if !refuse || !strings.Contains(Reason(o.Refused[0]), want) {
						t.Errorf("%s refused: %v", o.Target.Name, o.Refused)
					}
					continue
				}
				if refuse {
					t.Errorf("%s converted; want a refusal about %s", o.Target.Name, want)
				}
				for _, f := range lint.Check(o.Target.Lang, o.Artifact.Data) {
					if f.Severity == lint.Error {
						t.Errorf("%s artifact fails its check: %s\n%s", o.Target.Name, f, o.Artifact.Data)
					}
				}
			}
			// driver.Generate, as detgen build and convert run it, on
			// the targets that convert.
			for _, tg := range driver.Targets {
				if _, refuse := tc.refused[tg.Name]; refuse {
					continue
				}
				if _, errs, _ := driver.Generate([]*ir.Rule{res.Rule}, []driver.Target{tg}); len(errs) > 0 {
					t.Errorf("driver.Generate %s: %v", tg.Name, errs)
				}
			}
		})
	}
}

// generate: true also emits the rules the correlation names.
func TestCorrelationGenerate(t *testing.T) {
	res, errs := Parse("mr.yml", "mr.yml", []byte(strings.Replace(specEventCount, "correlation:", "generate: true\ncorrelation:", 1)))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if len(res) != 2 || res[0].Rule == nil || res[1].Rule == nil || res[1].Title != "Single failed login" {
		t.Fatalf("results %+v", res)
	}
	// The rules do not share expression nodes.
	if ir.Matches(res[0].Rule.Condition)[0] == ir.Matches(res[1].Rule.Condition)[0] {
		t.Error("the correlation shares its condition with the base rule")
	}
	if res, _ := Parse("mr.yml", "mr.yml", []byte(specEventCount)); len(res[0].Parts) != 1 || res[0].Parts[0].Title != "Single failed login" {
		t.Errorf("parts of the correlation: %+v", res[0].Parts)
	}
}

// Rules and correlations in separate files find each other through Load.
func TestCorrelationAcrossFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("mr_failed.yml", strings.SplitN(specEventCount, "---\n", 2)[0])
	write("failed_login.yml", failedLogin)
	write("successful_login.yml", successfulLogin)
	res, errs := Load([]string{dir})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if len(res) != 2 || res[0].Kind != KindCorrelation || res[0].Rule == nil || res[1].Title != "Successful login" {
		for _, r := range res {
			t.Logf("%s %s %v", r.Kind, r.Title, r.Refused)
		}
		t.Fatalf("%d results", len(res))
	}
}

// secEvent is a Windows Security record in the catalog's form.
func secEvent(t *testing.T, eventID int, user, computer string) map[string]any {
	t.Helper()
	var ev map[string]any
	src, _ := json.Marshal(map[string]any{"Channel": "Security", "EventID": eventID, "TargetUserName": user, "Computer": computer})
	if err := json.Unmarshal(src, &ev); err != nil {
		t.Fatal(err)
	}
	return ev
}

type timed struct {
	at time.Duration
	ev map[string]any
}

// run feeds the events to the reference evaluator and returns the alerts.
func run(t *testing.T, r *ir.Rule, evs []timed) []ir.Alert {
	t.Helper()
	e, err := reference.New(r)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var alerts []ir.Alert
	var add func(map[string]any, time.Time) (ir.Alert, bool)
	if r.Sequence != nil {
		add = e.NewSequencer().Add
	} else {
		add = e.NewAggregator().Add
	}
	for _, x := range evs {
		if a, ok := add(x.ev, start.Add(x.at)); ok {
			alerts = append(alerts, a)
		}
	}
	return alerts
}

func TestCorrelationEventCountEvaluates(t *testing.T) {
	src := strings.Replace(specEventCount, "gte: 100", "gte: 3", 1)
	r := parseCorrelation(t, src).Rule
	fail := func(at time.Duration, host string) timed { return timed{at, secEvent(t, 4625, "bob", host)} }
	tests := []struct {
		name  string
		evs   []timed
		alert bool
	}{
		{"three in the window", []timed{fail(0, "h1"), fail(time.Minute, "h1"), fail(59*time.Minute, "h1")}, true},
		{"one short", []timed{fail(0, "h1"), fail(time.Minute, "h1")}, false},
		{"outside the window", []timed{fail(0, "h1"), fail(time.Minute, "h1"), fail(62*time.Minute, "h1")}, false},
		{"other host", []timed{fail(0, "h1"), fail(time.Minute, "h1"), fail(2*time.Minute, "h2")}, false},
		{"other event", []timed{fail(0, "h1"), fail(time.Minute, "h1"), {2 * time.Minute, secEvent(t, 4624, "bob", "h1")}}, false},
	}
	for _, tc := range tests {
		alerts := run(t, r, tc.evs)
		if (len(alerts) > 0) != tc.alert {
			t.Errorf("%s: alerts %v, want alert %v", tc.name, alerts, tc.alert)
		}
		if tc.alert && (len(alerts) != 1 || strings.Join(alerts[0].Group, ",") != "h1") {
			t.Errorf("%s: alerts %v, want one for h1", tc.name, alerts)
		}
	}
}

func TestCorrelationTemporalOrderedEvaluates(t *testing.T) {
	src := strings.Replace(specFullExample, "gte: 10", "gte: 2", 1)
	r := parseCorrelation(t, src).Rule
	fail := func(at time.Duration, user string) timed { return timed{at, secEvent(t, 4625, user, "h1")} }
	ok := func(at time.Duration, user string) timed { return timed{at, secEvent(t, 4624, user, "h1")} }
	tests := []struct {
		name  string
		evs   []timed
		alert bool
	}{
		{"failures then success", []timed{fail(0, "bob"), fail(time.Minute, "bob"), ok(2*time.Minute, "bob")}, true},
		{"one failure short", []timed{fail(0, "bob"), ok(2*time.Minute, "bob")}, false},
		{"outside the window", []timed{fail(0, "bob"), fail(time.Minute, "bob"), ok(12*time.Minute, "bob")}, false},
		{"another user", []timed{fail(0, "bob"), fail(time.Minute, "bob"), ok(2*time.Minute, "eve")}, false},
		{"wrong order", []timed{ok(0, "bob"), fail(time.Minute, "bob"), fail(2*time.Minute, "bob")}, false},
	}
	for _, tc := range tests {
		alerts := run(t, r, tc.evs)
		if (len(alerts) > 0) != tc.alert {
			t.Errorf("%s: alerts %v, want alert %v", tc.name, alerts, tc.alert)
		}
	}
	// Unordered, the same events in the other order alert.
	r = parseCorrelation(t, strings.Replace(src, "type: temporal_ordered", "type: temporal", 1)).Rule
	if alerts := run(t, r, tests[4].evs); len(alerts) != 1 {
		t.Errorf("temporal, success first: alerts %v, want one", alerts)
	}
}

// Every refusal names the correlation file's line and column and says why.
func TestCorrelationRefusals(t *testing.T) {
	tests := []struct {
		name, src, old, new, want string
	}{
		{"lt", specEventCount, "gte: 100", "lt: 100", "11:9: condition lt is not supported: detgen thresholds are lower bounds (gt, gte)"},
		{"lte", specEventCount, "gte: 100", "lte: 100", "11:9: condition lte is not supported: detgen thresholds are lower bounds"},
		{"eq", specEventCount, "gte: 100", "eq: 100", "11:9: condition eq is not supported"},
		{"neq", specEventCount, "gte: 100", "neq: 100", "11:9: condition neq is not supported"},
		{"range", specEventCount, "gte: 100", "gt: 100\n        lte: 200", "12:9: condition lte is not supported"},
		{"two lower bounds", specEventCount, "gte: 100", "gt: 100\n        gte: 200", "12:9: condition gte: a range is not supported"},
		{"value_percentile", specValueCount, "type: value_count", "type: value_percentile", "4:11: correlation type value_percentile is not supported"},
		{"unknown type", specValueCount, "type: value_count", "type: value_median", `4:11: correlation type "value_median" is not one of`},
		{"unknown rule", specTemporal, "- recon_cmd_b", "- recon_cmd_x", "6:11: correlation rules: recon_cmd_x names no rule or correlation among the inputs"},
		{"different log sources", specTemporal, "name: recon_cmd_c\nlogsource: {product: windows, category: process_creation}", "name: recon_cmd_c\nlogsource: {product: windows, category: file_event}", "7:11: correlation rules: recon_cmd_a reads log source windows_process_creation and recon_cmd_c reads windows_file_event"},
		{"short timespan", specEventCount, "timespan: 1h", "timespan: 30s", "9:15: timespan 30s must be between 1m and 48h"},
		{"long timespan", specEventCount, "timespan: 1h", "timespan: 3d", "9:15: timespan 3d must be between 1m and 48h"},
		{"bad timespan", specEventCount, "timespan: 1h", "timespan: 1 hour", `9:15: timespan "1 hour" is not a number and s, m, h or d`},
		{"group-by not in the catalog", specEventCount, "- Computer", "- ComputerName", "8:11: group-by field ComputerName is not in the Sigma profile of windows_security"},
		{"no group-by", specEventCount, "    group-by:\n        - Computer\n", "", "4:5: correlation needs group-by"},
		{"sum of a string", specValueSum, "field: DestinationPort", "field: Image", "11:16: value_sum needs an integer field; Image (Image) is a string"},
		{"field not in the catalog", specValueSum, "field: DestinationPort", "field: bytes_sent", "11:16: condition field bytes_sent is not in the Sigma profile of windows_network_connection"},
		{"value_count without field", specValueCount, "        field: TargetUserName\n", "", "12:9: a value_count correlation needs condition field"},
		{"temporal with one rule", specTemporal, "        - recon_cmd_b\n        - recon_cmd_c\n", "", "5:9: a temporal correlation needs two or more rules"},
		{"temporal of some rules", specTemporal, "timespan: 5m", "timespan: 5m\n    condition: {gte: 2}", "12:16: condition >= 2: a temporal correlation converts only when every rule must match (gte 3)"},
		{"chained group-by differs", specTemporalOrdered, "        - TargetUserName\n    timespan: 1h\n    condition", "        - Computer\n    timespan: 1h\n    condition", "5:11: correlation rules: many_failed_logins groups by Computer, this correlation by TargetUserName"},
		{"chained timespan differs", specTemporalOrdered, "timespan: 1h\n    condition", "timespan: 2h\n    condition", "5:11: correlation rules: many_failed_logins has timespan 2h0m0s, this correlation 1h0m0s"},
		{"chained upper bound", specTemporalOrdered, "gte: 100", "lte: 100", "5:11: correlation rules: many_failed_logins (mr_test.yml:11:1) cannot be converted: mr_test.yml:21:9: condition lte is not supported"},
		{"generate not a boolean", specEventCount, "correlation:", "generate: yes please\ncorrelation:", "3:11: generate must be true or false"},
		{"not a UUID", specEventCount, "id: 0e95725d-7320-415d-80f7-004da920fc11", "id: brute-force", `2:5: id "brute-force" is not a UUID`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(tc.src, tc.old) {
				t.Fatalf("test setup: %q not in the rule", tc.old)
			}
			// Rules a refused correlation does not reach stay results
			// of their own; the correlation is the first.
			all, errs := Parse("mr_test.yml", "mr_test.yml", []byte(strings.Replace(tc.src, tc.old, tc.new, 1)))
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			res := all[0]
			if res.Kind != KindCorrelation {
				t.Fatalf("first result is a %s", res.Kind)
			}
			if res.Rule != nil {
				t.Fatalf("converted; want refusal %q", tc.want)
			}
			if got := res.Refused.Error(); !strings.Contains(got, "mr_test.yml:"+tc.want) {
				t.Errorf("refusal\n%s\nlacks %q", got, tc.want)
			}
		})
	}
}

// Aliases convert when they name the same field in every rule; the
// specification's example, whose aliases swap source and destination
// between the rules, is refused. The example's rules are ECS-named web and
// network events; here both are Windows network connection rules.
func TestCorrelationAliases(t *testing.T) {
	const rules = `---
title: Internal error
name: internal_error
logsource: {product: windows, category: network_connection}
detection:
    selection:
        DestinationPort: 500
    condition: selection
---
title: New network connection
name: new_network_connection
logsource: {product: windows, category: network_connection}
detection:
    selection:
        Initiated: 'true'
    condition: selection
`
	spec := `title: Internal error then connection
correlation:
    type: temporal
    rules:
        - internal_error
        - new_network_connection
    group-by:
        - internal_ip
        - remote_ip
    timespan: 1m
    aliases:
        internal_ip:
            internal_error: DestinationIp
            new_network_connection: SourceIp
        remote_ip:
            internal_error: SourceIp
            new_network_connection: DestinationIp
` + rules
	res := parseCorrelation(t, spec)
	if want := "mr_test.yml:8:11: alias internal_ip maps to DestinationIp in one rule and SourceIp in another: detgen groups on one field"; !strings.Contains(res.Refused.Error(), want) {
		t.Errorf("refusal %v, want %q", res.Refused, want)
	}
	same := strings.NewReplacer("new_network_connection: SourceIp", "new_network_connection: DestinationIp",
		"new_network_connection: DestinationIp", "new_network_connection: SourceIp").Replace(spec)
	res = parseCorrelation(t, same)
	if res.Rule == nil {
		t.Fatalf("refused: %v", res.Refused)
	}
	if j := strings.Join(res.Rule.Sequence.Join, ","); j != "DestinationIp,SourceIp" {
		t.Errorf("join %s", j)
	}
	missing := strings.Replace(same, "            new_network_connection: SourceIp\n", "", 1)
	res = parseCorrelation(t, missing)
	if want := "mr_test.yml:9:11: alias remote_ip names no field for rule new_network_connection"; !strings.Contains(res.Refused.Error(), want) {
		t.Errorf("refusal %v, want %q", res.Refused, want)
	}
}

// Chains: an event_count over a correlation, a correlation naming itself.
func TestCorrelationChains(t *testing.T) {
	src := `title: Count of a sequence
correlation:
    type: event_count
    rules: [inner]
    group-by: [TargetUserName]
    timespan: 1h
    condition: {gte: 2}
---
title: Inner
name: inner
correlation: {type: temporal, rules: [failed_login, successful_login], group-by: [TargetUserName], timespan: 1h}
---
` + failedLogin + "---\n" + successfulLogin
	res := parseCorrelation(t, src)
	if want := "mr_test.yml:4:13: correlation rules: inner is itself a correlation: only a temporal correlation chains one"; !strings.Contains(res.Refused.Error(), want) {
		t.Errorf("refusal %v, want %q", res.Refused, want)
	}
	loop := `title: Loop
name: loop
correlation: {type: temporal, rules: [loop, failed_login], group-by: [TargetUserName], timespan: 1h}
---
` + failedLogin
	res = parseCorrelation(t, loop)
	if want := "mr_test.yml:1:1: correlation Loop refers to itself"; !strings.Contains(res.Refused.Error(), want) {
		t.Errorf("refusal %v, want %q", res.Refused, want)
	}
}
