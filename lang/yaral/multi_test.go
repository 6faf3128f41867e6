package yaral

import (
	"strings"
	"testing"
)

// Multi-event rules: the constructs of Google's match, outcome and
// condition references parse, print to a fixed point and pass Check; the
// mistakes Google documents as compile errors are reported.

const multiRule = `rule multi {
  meta:
    author = "detgen"
  events:
    $e1.metadata.event_type = "USER_LOGIN"
    $user = $e1.principal.user.userid
    $host = $e1.principal.hostname
    $e2.metadata.event_type = "PROCESS_LAUNCH"
    $e2.principal.user.userid = $user
    $e2.principal.hostname = $host
    $e1.metadata.event_timestamp.seconds < $e2.metadata.event_timestamp.seconds
  match:
    $user, $host over 10m
  outcome:
    $logins = count($e1.metadata.id)
    $distinct = count_distinct($e2.target.resource.name)
    $bytes = sum($e2.network.sent_bytes)
    $last = max($e2.metadata.event_timestamp.seconds)
    $first = min($e1.metadata.event_timestamp.seconds)
    $names = array_distinct($e2.target.resource.name)
    $n = $logins + 1
  condition:
    %s
}`

func TestMultiEventConstructs(t *testing.T) {
	for _, cond := range []string{
		"#e1 > 20 and $e2",
		"#e1 >= 10 and $distinct > 3 and $e2",
		"$e1 and $e2",
		"$e1 and $e2 and $n > 3",
		"#user > 0 and #host >= 1",
		"$e1 and #e2 > 2 and ($bytes > 100 or $logins > 5)",
	} {
		t.Run(cond, func(t *testing.T) {
			src := strings.Replace(multiRule, "%s", cond, 1)
			r := expectParse(t, src)
			roundTrip(t, r)
			for _, d := range Check(r) {
				t.Errorf("Check: %s", d)
			}
			out := Print(r)
			for _, want := range []string{
				"    $user = $e1.principal.user.userid\n",
				"    $e1.metadata.event_timestamp.seconds < $e2.metadata.event_timestamp.seconds\n",
				"    $user, $host over 10m\n",
				"    $distinct = count_distinct($e2.target.resource.name)\n",
				"    " + cond + "\n",
			} {
				if !strings.Contains(out, want) {
					t.Errorf("printed rule lacks %q:\n%s", want, out)
				}
			}
		})
	}
}

func TestCheckMultiEvent(t *testing.T) {
	const ev = "$e.metadata.event_type = \"USER_LOGIN\"\n    $u = $e.principal.user.userid"
	const joined = "$e1.principal.ip = $ip\n    $e2.target.ip = $ip"
	tests := []struct {
		name string
		src  string
		want []string // diagnostic prefixes; nil = none
	}{
		// Windows: Google's match reference allows 1 minute to 48 hours
		// written in m, h or d.
		{"window 1m", ruleText("", ev, "$u over 1m", "", "#e > 1"), nil},
		{"window 10m", ruleText("", ev, "$u over 10m", "", "#e > 20"), nil},
		{"window 1h", ruleText("", ev, "$u over 1h", "", "#e >= 10"), nil},
		{"window 48h", ruleText("", ev, "$u over 48h", "", "$e"), nil},
		{"window 2d", ruleText("", ev, "$u over 2d", "", "$e"), nil},
		{"window 0m", ruleText("", ev, "$u over 0m", "", "$e"),
			[]string{"8:13: error: match window 0m is outside the allowed range 1m..48h [bad-match-window]"}},
		{"window 59s", ruleText("", ev, "$u over 59s", "", "$e"),
			[]string{"8:13: error: match window 59s is outside the allowed range 1m..48h [bad-match-window]"}},
		{"window in seconds", ruleText("", ev, "$u over 120s", "", "$e"),
			[]string{"8:13: error: match window 120s: windows are written in m, h or d (2m) [bad-match-window]"}},
		{"window 49h", ruleText("", ev, "$u over 49h", "", "$e"),
			[]string{"8:13: error: match window 49h is outside the allowed range 1m..48h [bad-match-window]"}},
		{"window 2881m", ruleText("", ev, "$u over 2881m", "", "$e"),
			[]string{"8:13: error: match window 2881m is outside"}},
		{"window 3d", ruleText("", ev, "$u over 3d", "", "$e"),
			[]string{"8:13: error: match window 3d is outside"}},

		// Match variables must be placeholders assigned in events.
		{"match variable not assigned", ruleText("", "$e.a = \"x\"\n    $e.b != $u", "$u over 5m", "", "$e"),
			[]string{"8:5: error: match variable $u is never assigned an event field in the events section ($u = $e.field) [bad-match-var]"}},
		{"match variable assigned through a function", ruleText("", "$u = strings.to_lower($e.principal.user.userid)", "$u over 5m", "", "$e"), nil},
		{"match variable assigned through a placeholder", ruleText("", "$h = $e.principal.hostname\n    $u = strings.concat($h, \".corp\")", "$u over 5m", "", "$e"), nil},
		{"placeholder never assigned", ruleText("", ev+"\n    $e.x != $v", "$u over 5m", "", "$e"),
			[]string{"7:13: error: placeholder $v is never assigned an event field ($v = $e.field) [unbound-placeholder]"}},
		{"placeholder equated to a literal only", ruleText("", ev+"\n    $v = \"x\"", "$u over 5m", "", "$e"),
			[]string{"7:5: error: placeholder $v is never assigned an event field"}},

		// Every event variable must be used in the condition.
		{"event variable unused", ruleText("", joined, "$ip over 5m", "", "$e1"),
			[]string{"6:5: error: event variable $e2 is not used in the condition"}},
		{"event variable used through a placeholder count", ruleText("", joined, "$ip over 5m", "", "$e1 and #ip > 1"), nil},
		{"outcome variable in condition", ruleText("", joined, "$ip over 5m", "$n = count_distinct($e2.metadata.id)", "$e1 and $e2 and $n > 3"), nil},

		// Joins.
		{"joined by field equality", ruleText("", "$e1.principal.ip = $e2.target.ip\n    $u = $e1.principal.user.userid", "$u over 5m", "", "$e1 and $e2"), nil},
		{"ordering is not a join", ruleText("", "$u = $e1.principal.user.userid\n    $e1.metadata.event_timestamp.seconds < $e2.metadata.event_timestamp.seconds", "$u over 5m", "", "$e1 and $e2"),
			[]string{"6:44: error: event variable $e2 is not joined to $e1"}},
		{"different placeholders", ruleText("", "$u = $e1.principal.user.userid\n    $h = $e2.principal.hostname", "$u, $h over 5m", "", "$e1 and $e2"),
			[]string{"6:10: error: event variable $e2 is not joined to $e1: equate one of their fields, or assign both to a shared placeholder [unjoined-event-vars]"}},
		{"multi-event without match", ruleText("", joined, "", "", "$e1 and $e2"),
			[]string{"4:3: error: 2 event variables ($e1, $e2 ...) need a match section: multi-event rules correlate events in a match window [missing-match]"}},

		// Counts.
		{"count of an event variable", ruleText("", ev, "$u over 5m", "", "#e > 20"), nil},
		{"count of a placeholder", ruleText("", ev, "$u over 5m", "", "$e and #u >= 1"), nil},
		{"count of an outcome variable", ruleText("", ev, "$u over 5m", "$n = count($e.metadata.id)", "$e and #n > 3"),
			[]string{"12:12: error: #n: $n is an outcome variable; # counts the events of an event variable or the values of a placeholder (compare $n itself) [bad-count]"}},
		{"count of an undefined name", ruleText("", ev, "$u over 5m", "", "#x > 3"),
			[]string{"5:5: error: event variable $e is not used", "10:5: error: #x used in condition is not defined in events or outcome [undefined-variable]"}},
		{"count in outcome", ruleText("", ev, "$u over 5m", "$n = #e + 1", "$e"),
			[]string{"10:10: error: #e in outcome: counts (#name) are only allowed in the condition section [bad-count]"}},
		{"count in events", ruleText("", ev+"\n    #e > 1", "$u over 5m", "", "$e"),
			[]string{"7:5: error: #e in events: counts (#name) are only allowed in the condition section [bad-count]"}},
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
