package yaral

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/detgen/detgen/lang/yaral"
)

// Tests of multi-event rules. Every rule must pass yaral.Check without
// errors and evaluate the same after a Print/Parse round trip.

var t0 = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// at returns an event at t0+sec seconds with the given field/value pairs
// (the time goes in TimedEvent.Time, so EvaluateAll writes
// metadata.event_timestamp.seconds itself).
func at(sec int64, kv ...string) TimedEvent {
	ev := Event{}
	for i := 0; i+1 < len(kv); i += 2 {
		ev[kv[i]] = append(ev[kv[i]], kv[i+1])
	}
	return TimedEvent{Event: ev, Time: t0.Add(time.Duration(sec) * time.Second)}
}

// run evaluates src (checked, and also printed and reparsed) over events
// and returns the detections; both trees must agree.
func run(t *testing.T, src string, events []TimedEvent) []Detection {
	t.Helper()
	r, printed := parseValid(t, src)
	got, err := EvaluateAll(r, events)
	if err != nil {
		t.Fatalf("EvaluateAll: %v", err)
	}
	again, err := EvaluateAll(printed, events)
	if err != nil {
		t.Fatalf("EvaluateAll (printed): %v", err)
	}
	if !reflect.DeepEqual(got, again) {
		t.Fatalf("printed rule evaluates differently:\n%v\n%v", got, again)
	}
	return got
}

// summary renders detections compactly: "key@start+len[events]".
func summary(dets []Detection) string {
	var out []string
	for _, d := range dets {
		var keys []string
		for k, v := range d.Key {
			keys = append(keys, k+"="+v)
		}
		sort.Strings(keys)
		out = append(out, fmt.Sprintf("%s@%d+%d%v", strings.Join(keys, ","),
			int64(d.WindowStart.Sub(t0).Seconds()), int64(d.WindowEnd.Sub(d.WindowStart).Seconds()), d.Events))
	}
	return strings.Join(out, " ")
}

func secretRead(sec int64, user, secret string) TimedEvent {
	return at(sec, "metadata.event_type", "RESOURCE_READ", "target.resource.resource_type", "SECRET",
		"principal.user.userid", user, "target.resource.name", secret, "metadata.id", fmt.Sprintf("id-%d-%s", sec, user))
}

// reads returns n secret reads by user, one every step seconds from start,
// cycling over distinct secrets.
func reads(n int, start, step int64, user string, distinct int) []TimedEvent {
	var out []TimedEvent
	for i := 0; i < n; i++ {
		out = append(out, secretRead(start+int64(i)*step, user, fmt.Sprintf("s%d", i%distinct)))
	}
	return out
}

const secretRule = `rule secret_enumeration {
  meta:
    author = "detgen"
  events:
    $e.metadata.event_type = "RESOURCE_READ"
    $e.target.resource.resource_type = "SECRET"
    $user = $e.principal.user.userid
  match:
    $user over 10m
  outcome:
    $reads = count($e.metadata.id)
    $distinct = count_distinct($e.target.resource.name)
  condition:
    %s
}`

func TestMultiThreshold(t *testing.T) {
	tests := []struct {
		cond string
		n    int
		want int // detections
	}{
		{"#e > 20", 20, 0},
		{"#e > 20", 21, 1},
		{"#e > 20", 22, 1},
		{"#e >= 10", 9, 0},
		{"#e >= 10", 10, 1},
		{"#e >= 10 and #user = 1", 10, 1},
		{"#e >= 10 and #user > 1", 10, 0},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s/%d", tc.cond, tc.n), func(t *testing.T) {
			dets := run(t, fmt.Sprintf(secretRule, tc.cond), reads(tc.n, 0, 10, "alice", 100))
			if len(dets) != tc.want {
				t.Fatalf("%d detections, want %d: %s", len(dets), tc.want, summary(dets))
			}
			if tc.want == 0 {
				return
			}
			d := dets[0]
			if d.Key["user"] != "alice" || len(d.Events) != tc.n || d.Outcomes["reads"] != int64(tc.n) {
				t.Errorf("detection %s, outcomes %v", summary(dets), d.Outcomes)
			}
			if !d.WindowStart.Equal(t0) || !d.WindowEnd.Equal(t0.Add(10*time.Minute)) {
				t.Errorf("window %v..%v", d.WindowStart, d.WindowEnd)
			}
		})
	}
}

func TestMultiDistinctCount(t *testing.T) {
	cond := "#e >= 10 and $distinct > 3"
	tests := []struct {
		name     string
		n        int
		distinct int
		want     bool
	}{
		{"12 reads of 3 secrets", 12, 3, false},
		{"12 reads of 4 secrets", 12, 4, true},
		{"9 reads of 9 secrets", 9, 9, false},
		{"10 reads of 10 secrets", 10, 10, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dets := run(t, fmt.Sprintf(secretRule, cond), reads(tc.n, 0, 30, "alice", tc.distinct))
			if (len(dets) == 1) != tc.want || len(dets) > 1 {
				t.Fatalf("detections %s, want fire=%v", summary(dets), tc.want)
			}
			if tc.want && dets[0].Outcomes["distinct"] != int64(tc.distinct) {
				t.Errorf("distinct = %v, want %d", dets[0].Outcomes["distinct"], tc.distinct)
			}
		})
	}
}

func TestMultiWindowEdges(t *testing.T) {
	src := fmt.Sprintf(secretRule, "#e >= 3")
	tests := []struct {
		name  string
		times []int64
		want  string
	}{
		{"span exactly 10m", []int64{0, 300, 600}, "user=alice@0+600[0 1 2]"},
		{"span 10m + 1s", []int64{0, 300, 601}, ""},
		{"first event just outside", []int64{0, 301, 700, 901}, "user=alice@301+600[1 2 3]"},
		{"spread out", []int64{0, 700, 1400, 2100}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var evs []TimedEvent
			for i, s := range tc.times {
				evs = append(evs, secretRead(s, "alice", fmt.Sprint("s", i)))
			}
			if got := summary(run(t, src, evs)); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestMultiTwoGroups(t *testing.T) {
	src := fmt.Sprintf(secretRule, "#e > 20")
	// Interleaved: alice reads every 10s, bob every 10s shifted by 5s.
	var evs []TimedEvent
	alice, bob := reads(21, 0, 10, "alice", 100), reads(20, 5, 10, "bob", 100)
	for i := range alice {
		evs = append(evs, alice[i])
		if i < len(bob) {
			evs = append(evs, bob[i])
		}
	}
	dets := run(t, src, evs)
	if len(dets) != 1 || dets[0].Key["user"] != "alice" || len(dets[0].Events) != 21 {
		t.Fatalf("want alice only, got %s", summary(dets))
	}
	for _, i := range dets[0].Events {
		if evs[i].Event["principal.user.userid"][0] != "alice" {
			t.Errorf("event %d of another group in alice's detection", i)
		}
	}
	// One more read by bob makes a second detection with its own key.
	evs = append(evs, secretRead(205, "bob", "x"))
	dets = run(t, src, evs)
	if len(dets) != 2 || dets[0].Key["user"] != "alice" || dets[1].Key["user"] != "bob" ||
		dets[1].Outcomes["reads"] != int64(21) || !dets[1].WindowStart.Equal(t0.Add(5*time.Second)) {
		t.Fatalf("got %s", summary(dets))
	}
	// Events without a user (zero value) are not a group of their own.
	dets = run(t, src, reads(30, 0, 1, "", 5))
	if len(dets) != 0 {
		t.Fatalf("zero-valued match placeholder grouped: %s", summary(dets))
	}
}

func TestMultiBurstsAndDeduplication(t *testing.T) {
	src := fmt.Sprintf(secretRule, "#e > 20")
	// 42 reads in 7 minutes: one detection with all of them, not one per
	// overlapping window.
	dets := run(t, src, reads(42, 0, 10, "alice", 100))
	if len(dets) != 1 || len(dets[0].Events) != 42 {
		t.Fatalf("got %s", summary(dets))
	}
	// Two bursts an hour apart: two detections.
	evs := append(reads(21, 0, 10, "alice", 100), reads(21, 3600, 10, "alice", 100)...)
	dets = run(t, src, evs)
	if got := summary(dets); len(dets) != 2 || !strings.HasPrefix(got, "user=alice@0+600") ||
		!strings.Contains(got, " user=alice@3600+600") {
		t.Fatalf("got %s", got)
	}
}

const bruteForceRule = `rule brute_force_then_success {
  meta:
    author = "detgen"
  events:
    $fail.metadata.event_type = "USER_LOGIN"
    $fail.security_result.action = "BLOCK"
    $fail.target.user.userid = $user
    $success.metadata.event_type = "USER_LOGIN"
    $success.security_result.action = "ALLOW"
    $success.target.user.userid = $user
    $fail.metadata.event_timestamp.seconds < $success.metadata.event_timestamp.seconds
  match:
    $user over 15m
  outcome:
    $failures = count_distinct($fail.metadata.id)
    $pairs = count($fail.metadata.id)
    $first_fail = min($fail.metadata.event_timestamp.seconds)
  condition:
    #fail > 3 and $success
}`

func login(sec int64, user, action string) TimedEvent {
	return at(sec, "metadata.event_type", "USER_LOGIN", "security_result.action", action,
		"target.user.userid", user, "metadata.id", fmt.Sprintf("%s-%s-%d", user, action, sec))
}

func TestMultiOrdering(t *testing.T) {
	fails := func(user string, secs ...int64) []TimedEvent {
		var out []TimedEvent
		for _, s := range secs {
			out = append(out, login(s, user, "BLOCK"))
		}
		return out
	}
	tests := []struct {
		name string
		evs  []TimedEvent
		want string
	}{
		{"4 failures then success", append(fails("alice", 0, 10, 20, 30), login(40, "alice", "ALLOW")), "user=alice@0+900[0 1 2 3 4]"},
		{"success first", append([]TimedEvent{login(0, "alice", "ALLOW")}, fails("alice", 10, 20, 30, 40)...), ""},
		{"3 failures before success", append(fails("alice", 0, 10, 20), login(25, "alice", "ALLOW"), login(30, "alice", "BLOCK")), ""},
		{"3 failures, 2 successes", append(fails("alice", 0, 10, 20), login(25, "alice", "ALLOW"), login(26, "alice", "ALLOW")), ""},
		{"same second is not before", append(fails("alice", 0, 10, 20, 40), login(40, "alice", "ALLOW")), ""},
		{"success of another user", append(fails("alice", 0, 10, 20, 30), login(40, "bob", "ALLOW")), ""},
		{"a window holds only rows that end inside it", append(fails("alice", 0, 10, 20, 30, 40), login(5, "alice", "ALLOW"), login(905, "alice", "ALLOW")), "user=alice@5+900[1 2 3 4 6]"},
		{"failures too early", append(fails("alice", 0, 10, 20, 30), login(901, "alice", "ALLOW")), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := summary(run(t, bruteForceRule, tc.evs)); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
	// Two successes after 4 failures: the rows are the 8 (failure, success)
	// pairs, so count inflates (Google's documented Cartesian product) and
	// count_distinct does not.
	dets := run(t, bruteForceRule, append(fails("alice", 0, 10, 20, 30), login(40, "alice", "ALLOW"), login(50, "alice", "ALLOW")))
	if len(dets) != 1 {
		t.Fatalf("got %s", summary(dets))
	}
	o := dets[0].Outcomes
	if o["failures"] != int64(4) || o["pairs"] != int64(8) || o["first_fail"] != t0.Unix() {
		t.Errorf("outcomes %v", o)
	}
	if got := dets[0].Vars; !reflect.DeepEqual(got, map[string][]int{"fail": {0, 1, 2, 3}, "success": {4, 5}}) {
		t.Errorf("vars %v", got)
	}
}

const podExecRule = `rule pod_create_then_exec {
  meta:
    author = "detgen"
  events:
    $create.metadata.product_event_type = "create"
    $create.target.resource.name = $pod
    $user = $create.principal.user.userid
    $exec.metadata.product_event_type = "exec"
    $exec.target.resource.parent = $pod
    $user = $exec.principal.user.userid
    $create.metadata.event_timestamp.seconds <= $exec.metadata.event_timestamp.seconds
  match:
    $user, $pod over 5m
  outcome:
    $risk_score = max(if($exec.target.process.command_line = "sh", 80, 40))
  condition:
    $create and $exec
}`

func TestMultiJoinTwoPlaceholders(t *testing.T) {
	create := func(sec int64, user, pod string) TimedEvent {
		return at(sec, "metadata.product_event_type", "create", "target.resource.name", pod, "principal.user.userid", user)
	}
	exec := func(sec int64, user, pod, cmd string) TimedEvent {
		return at(sec, "metadata.product_event_type", "exec", "target.resource.parent", pod, "principal.user.userid", user,
			"target.process.command_line", cmd)
	}
	tests := []struct {
		name  string
		evs   []TimedEvent
		want  string
		score int64
	}{
		{"same user and pod", []TimedEvent{create(0, "alice", "web"), exec(60, "alice", "web", "sh")}, "pod=web,user=alice@0+300[0 1]", 80},
		{"other pod", []TimedEvent{create(0, "alice", "web"), exec(60, "alice", "db", "sh")}, "", 0},
		{"other user", []TimedEvent{create(0, "alice", "web"), exec(60, "bob", "web", "sh")}, "", 0},
		{"exec before create", []TimedEvent{exec(0, "alice", "web", "sh"), create(60, "alice", "web")}, "", 0},
		{"exec after the window", []TimedEvent{create(0, "alice", "web"), exec(301, "alice", "web", "sh")}, "", 0},
		{"two pairs, two keys", []TimedEvent{create(0, "alice", "web"), create(1, "bob", "web"), exec(2, "bob", "web", "ls"), exec(3, "alice", "web", "ls")},
			"pod=web,user=alice@0+300[0 3] pod=web,user=bob@1+300[1 2]", 40},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dets := run(t, podExecRule, tc.evs)
			if got := summary(dets); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
			if len(dets) > 0 && dets[0].Outcomes["risk_score"] != tc.score {
				t.Errorf("risk_score = %v, want %d", dets[0].Outcomes["risk_score"], tc.score)
			}
		})
	}
}

func TestMultiOutcomeValues(t *testing.T) {
	src := `rule exfil {
  meta:
    author = "detgen"
  events:
    $e.metadata.event_type = "NETWORK_CONNECTION"
    $host = $e.principal.hostname
  match:
    $host over 1h
  outcome:
    $total = sum($e.network.sent_bytes)
    $largest = max($e.network.sent_bytes)
    $smallest = min($e.network.sent_bytes)
    $ips = array_distinct($e.principal.ip)
    $ip_count = count($e.principal.ip)
    $n = count_distinct($e.metadata.id)
    $host_out = $host
    $spread = $largest - $smallest
    $risk_score = max(if($e.target.port = 22, 50, 10)) + 5
  condition:
    $e and $n > 3
}`
	conn := func(sec int64, id, bytes, port string, ips ...string) TimedEvent {
		te := at(sec, "metadata.event_type", "NETWORK_CONNECTION", "principal.hostname", "h1",
			"metadata.id", id, "network.sent_bytes", bytes, "target.port", port)
		te.Event["principal.ip"] = ips
		return te
	}
	three := []TimedEvent{
		conn(0, "a", "100", "443", "10.0.0.1", "10.0.0.2"),
		conn(60, "b", "2500", "443", "10.0.0.1"),
		conn(120, "c", "40", "22", "10.0.0.3"),
	}
	if dets := run(t, src, three); len(dets) != 0 {
		t.Fatalf("3 events fired: %s", summary(dets))
	}
	dets := run(t, src, append(three, conn(3599, "d", "60", "443", "10.0.0.2")))
	if len(dets) != 1 {
		t.Fatalf("got %s", summary(dets))
	}
	want := map[string]any{
		"total": int64(2700), "largest": int64(2500), "smallest": int64(40),
		"ips": []string{"10.0.0.1", "10.0.0.2", "10.0.0.3"}, "ip_count": int64(5), "n": int64(4),
		"host_out": "h1", "spread": int64(2460), "risk_score": int64(55),
	}
	if got := dets[0].Outcomes; !reflect.DeepEqual(got, want) {
		t.Errorf("outcomes\n got %v\nwant %v", got, want)
	}
}

func TestMultiSlidingWindow(t *testing.T) {
	src := strings.Replace(podExecRule, "$user, $pod over 5m", "$user, $pod over 5m after $create", 1)
	create := at(0, "metadata.product_event_type", "create", "target.resource.name", "web", "principal.user.userid", "alice")
	exec := func(sec int64) TimedEvent {
		return at(sec, "metadata.product_event_type", "exec", "target.resource.parent", "web", "principal.user.userid", "alice")
	}
	if got := summary(run(t, src, []TimedEvent{create, exec(300)})); got != "pod=web,user=alice@0+300[0 1]" {
		t.Errorf("got %q", got)
	}
	if got := summary(run(t, src, []TimedEvent{create, exec(301)})); got != "" {
		t.Errorf("got %q", got)
	}
}

func TestMultiSlidingBefore(t *testing.T) {
	src := strings.Replace(podExecRule, "$user, $pod over 5m", "$user, $pod over 5m before $exec", 1)
	create := at(0, "metadata.product_event_type", "create", "target.resource.name", "web", "principal.user.userid", "alice")
	exec := func(sec int64) TimedEvent {
		return at(sec, "metadata.product_event_type", "exec", "target.resource.parent", "web", "principal.user.userid", "alice")
	}
	// The window ends at the pivot: [exec-5m, exec].
	if got := summary(run(t, src, []TimedEvent{create, exec(300)})); got != "pod=web,user=alice@0+300[0 1]" {
		t.Errorf("got %q", got)
	}
	if got := summary(run(t, src, []TimedEvent{create, exec(301)})); got != "" {
		t.Errorf("got %q", got)
	}
}

// A placeholder assigned a repeated field takes each of its values, so one
// event can join several groups.
func TestMultiRepeatedPlaceholder(t *testing.T) {
	src := `rule shared_ip {
  meta:
    author = "detgen"
  events:
    $e.metadata.event_type = "USER_LOGIN" and $ip = $e.principal.ip
    $ip != "10.0.0.9"
  match:
    $ip over 10m
  outcome:
    $users = array_distinct($e.target.user.userid)
  condition:
    #e >= 2
}`
	login := func(sec int64, user string, ips ...string) TimedEvent {
		te := at(sec, "metadata.event_type", "USER_LOGIN", "target.user.userid", user)
		te.Event["principal.ip"] = ips
		return te
	}
	dets := run(t, src, []TimedEvent{
		login(0, "u0", "10.0.0.1", "10.0.0.2", "10.0.0.9"),
		login(10, "u1", "10.0.0.2", "10.0.0.9"),
		login(20, "u2", "10.0.0.1"),
	})
	if got := summary(dets); got != "ip=10.0.0.1@0+600[0 2] ip=10.0.0.2@0+600[0 1]" {
		t.Fatalf("got %q", got)
	}
	if got := dets[1].Outcomes["users"]; !reflect.DeepEqual(got, []string{"u0", "u1"}) {
		t.Errorf("users = %v", got)
	}
}

// array and array_distinct keep 25 elements (Google truncates rule arrays
// to 25); count_distinct counts all distinct values.
func TestMultiArrayTruncation(t *testing.T) {
	src := strings.Replace(fmt.Sprintf(secretRule, "#e > 1"), "$distinct = count_distinct($e.target.resource.name)",
		"$distinct = count_distinct($e.target.resource.name)\n    $names = array_distinct($e.target.resource.name)\n    $every = array($e.target.resource.name)", 1)
	dets := run(t, src, reads(40, 0, 1, "alice", 30))
	if len(dets) != 1 {
		t.Fatalf("got %s", summary(dets))
	}
	o := dets[0].Outcomes
	names, all := o["names"].([]string), o["every"].([]string)
	if len(names) != 25 || names[0] != "s0" || names[24] != "s24" || len(all) != 25 || o["distinct"] != int64(30) {
		t.Errorf("names %v (%d), all %d, distinct %v", names, len(names), len(all), o["distinct"])
	}
}

func TestMultiTimestampFromMap(t *testing.T) {
	// metadata.event_timestamp.seconds in the event wins over Time.
	evs := []TimedEvent{
		{Event: Event{"metadata.event_type": {"USER_LOGIN"}, "security_result.action": {"ALLOW"}, "target.user.userid": {"u"}, TimestampField: {"1000"}}, Time: t0},
	}
	for i := 0; i < 4; i++ {
		evs = append(evs, TimedEvent{Event: Event{"metadata.event_type": {"USER_LOGIN"}, "security_result.action": {"BLOCK"},
			"target.user.userid": {"u"}, TimestampField: {fmt.Sprint(900 + i)}}, Time: t0.Add(time.Hour)})
	}
	dets := run(t, bruteForceRule, evs)
	if len(dets) != 1 || dets[0].WindowStart.Unix() != 900 {
		t.Fatalf("got %v", dets)
	}
	if _, err := EvaluateAll(mustParse(t, bruteForceRule), []TimedEvent{{Event: Event{}}}); err == nil {
		t.Error("an event without time was accepted")
	}
}

func TestEvaluateAllSingleEvent(t *testing.T) {
	r := mustParse(t, rule)
	hit := Event{"metadata.log_type": {"KUBERNETES_AUDIT"}, "network.http.method": {"create"},
		`target.resource.attribute.labels["image"]`: {"alpine"}}
	miss := Event{"metadata.log_type": {"KUBERNETES_AUDIT"}, "network.http.method": {"get"}}
	dets, err := EvaluateAll(r, []TimedEvent{{Event: miss, Time: t0}, {Event: hit, Time: t0.Add(time.Minute)}})
	if err != nil {
		t.Fatal(err)
	}
	if len(dets) != 1 || !reflect.DeepEqual(dets[0].Events, []int{1}) || dets[0].Outcomes["risk_score"] != int64(15) ||
		!dets[0].WindowStart.Equal(t0.Add(time.Minute)) {
		t.Fatalf("got %+v", dets)
	}
	// Evaluate still refuses rules with a match section.
	if _, err := Evaluate(mustParse(t, fmt.Sprintf(secretRule, "#e > 1")), hit); err == nil {
		t.Error("Evaluate accepted a match section")
	}
}

func TestMultiUnsupported(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"tumbling window", strings.Replace(fmt.Sprintf(secretRule, "#e > 1"), "$user over 10m", "$user by 10m", 1), "tumbling"},
		{"non-existence", strings.Replace(bruteForceRule, "#fail > 3 and $success", "#fail > 3 and !$success", 1), "non-existence"},
		{"unaggregated field", strings.Replace(fmt.Sprintf(secretRule, "#e > 1"), "count($e.metadata.id)", "$e.metadata.id", 1), "outside an aggregation"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := EvaluateAll(mustParse(t, tc.src), reads(3, 0, 1, "alice", 3))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func mustParse(t *testing.T, src string) *yaral.Rule {
	t.Helper()
	r, err := yaral.Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
