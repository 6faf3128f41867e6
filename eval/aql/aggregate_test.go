package aql

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/detgen/detgen/lang/aql"
	"github.com/google/go-cmp/cmp"
)

// at builds a Kubernetes audit event d before now, for user (nil: the
// username column is NULL) with the given custom properties.
func at(d time.Duration, user any, props map[string]string) Event {
	p := map[string]string{}
	for k, v := range props {
		p[k] = v
	}
	return Event{
		Columns:    map[string]any{"starttime": now.Add(-d).UnixMilli(), "devicetype": 446, "username": user},
		Properties: p,
	}
}

// repeat returns n copies of ev, one second apart going back in time.
func repeat(n int, ev Event) []Event {
	out := make([]Event, n)
	for i := range out {
		e := ev
		e.Columns = map[string]any{}
		for k, v := range ev.Columns {
			e.Columns[k] = v
		}
		e.Columns["starttime"] = ev.Columns["starttime"].(int64) - int64(i)*1000
		out[i] = e
	}
	return out
}

func runAll(t *testing.T, query string, events []Event) []Row {
	t.Helper()
	rows, err := runAllErr(t, query, events)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return rows
}

func runAllErr(t *testing.T, query string, events []Event) ([]Row, error) {
	t.Helper()
	q, err := aql.Parse(query)
	if err != nil {
		t.Fatalf("parse %q: %v", query, err)
	}
	return ExecuteAll(q, events, Options{Now: now})
}

func expectRows(t *testing.T, query string, events []Event, want []Row) {
	t.Helper()
	got := runAll(t, query, events)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s (-want +got):\n%s", query, diff)
	}
}

// secretQuery is the T1552.007 shape: many Secrets read by one identity in
// one namespace within 10 minutes.
const secretQuery = `SELECT username AS g_username, COUNT(*) AS event_count, UNIQUECOUNT("objectRef_name") AS distinct_count, ` +
	`SUM("bytes") AS total, AVG("bytes") AS average, MIN(starttime) AS first_seen, MAX(starttime) AS last_seen ` +
	`FROM events WHERE devicetype = 446 AND ("verb" = 'get' OR "verb" = 'list') ` +
	`GROUP BY username, "objectRef_namespace" HAVING COUNT(*) > 20 AND UNIQUECOUNT("objectRef_name") >= 3 LAST 10 MINUTES`

func secretReads(n int, user, ns string, names ...string) []Event {
	evs := repeat(n, at(time.Minute, user, map[string]string{"verb": "get", "objectRef_namespace": ns, "bytes": "10"}))
	for i := range evs {
		evs[i].Properties = map[string]string{"verb": "get", "objectRef_namespace": ns, "bytes": "10", "objectRef_name": names[i%len(names)]}
	}
	return evs
}

func TestAggregateSecretEnumeration(t *testing.T) {
	var evs []Event
	evs = append(evs, secretReads(21, "alice", "prod", "s1", "s2", "s3")...)         // alerts
	evs = append(evs, secretReads(20, "bob", "prod", "s1", "s2", "s3")...)           // one short
	evs = append(evs, secretReads(21, "carol", "prod", "s1", "s2")...)               // only 2 distinct
	evs = append(evs, secretReads(11, "dave", "prod", "s1", "s2", "s3")...)          // split over two namespaces:
	evs = append(evs, secretReads(10, "dave", "dev", "s1", "s2", "s3")...)           // 11 + 10, no group > 20
	evs = append(evs, secretReads(20, "erin", "prod", "s1", "s2", "s3")...)          // 20 in the window ...
	evs = append(evs, at(10*time.Minute+time.Millisecond, "erin", map[string]string{ // ... and one just outside
		"verb": "get", "objectRef_namespace": "prod", "objectRef_name": "s9", "bytes": "10"}))
	evs = append(evs, secretReads(20, "frank", "prod", "s1", "s2", "s3")...) // 20 reads ...
	noise := at(time.Minute, "frank", map[string]string{"verb": "get", "objectRef_namespace": "prod", "objectRef_name": "s4"})
	noise.Columns["devicetype"] = 12 // ... and one from another log source type
	evs = append(evs, noise)
	update := at(time.Minute, "frank", map[string]string{"verb": "update", "objectRef_namespace": "prod", "objectRef_name": "s5"})
	evs = append(evs, update) // ... and a write: not counted

	first := now.Add(-time.Minute - 20*time.Second).UnixMilli()
	last := now.Add(-time.Minute).UnixMilli()
	expectRows(t, secretQuery, evs, []Row{{
		"g_username": "alice", "event_count": 21.0, "distinct_count": 3.0,
		"total": 210.0, "average": 10.0, "first_seen": float64(first), "last_seen": float64(last),
	}})

	// The same query, printed and re-parsed, gives the same rows.
	q, err := aql.Parse(secretQuery)
	if err != nil {
		t.Fatal(err)
	}
	again := runAll(t, aql.Print(q), evs)
	if len(again) != 1 || again[0]["g_username"] != "alice" {
		t.Errorf("printed query: %v", again)
	}
}

func TestAggregateCountThresholds(t *testing.T) {
	for _, tc := range []struct {
		having string
		n      int
		want   bool
	}{
		{"COUNT(*) > 20", 19, false},
		{"COUNT(*) > 20", 20, false},
		{"COUNT(*) > 20", 21, true},
		{"COUNT(*) >= 20", 19, false},
		{"COUNT(*) >= 20", 20, true},
		{"COUNT(*) < 3", 2, true},
		{"COUNT(*) < 3", 3, false},
		{"COUNT(*) <= 3", 3, true},
		{"COUNT(*) = 3", 3, true},
		{"COUNT(*) = 3", 4, false},
		{"COUNT(*) BETWEEN 3 AND 5", 5, true},
		{"COUNT(*) BETWEEN 3 AND 5", 6, false},
		{"c > 20", 21, true}, // select alias
		{"c > 20", 20, false},
	} {
		rows := runAll(t, "SELECT username, COUNT(*) AS c FROM events GROUP BY username HAVING "+tc.having+" LAST 1 HOURS",
			repeat(tc.n, at(time.Minute, "alice", nil)))
		if got := len(rows) == 1; got != tc.want {
			t.Errorf("HAVING %s over %d events: alert %v, want %v (%v)", tc.having, tc.n, got, tc.want, rows)
		}
	}
}

func TestAggregateHavingRange(t *testing.T) {
	var evs []Event
	for _, g := range []struct {
		user string
		n    int
	}{{"u05", 5}, {"u06", 6}, {"u10", 10}, {"u11", 11}} {
		evs = append(evs, repeat(g.n, at(time.Minute, g.user, nil))...)
	}
	expectRows(t, "SELECT username, COUNT(*) AS c FROM events GROUP BY username HAVING COUNT(*) > 5 AND COUNT(*) <= 10 LAST 1 HOURS", evs,
		[]Row{{"username": "u06", "c": 6.0}, {"username": "u10", "c": 10.0}})
	expectRows(t, "SELECT username, COUNT(*) AS c FROM events GROUP BY username HAVING NOT (c > 5 AND c <= 10) LAST 1 HOURS", evs,
		[]Row{{"username": "u05", "c": 5.0}, {"username": "u11", "c": 11.0}})
}

func TestAggregateDistinctCounts(t *testing.T) {
	evs := []Event{
		at(time.Minute, "alice", map[string]string{"name": "a", "n": "1"}),
		at(time.Minute, "alice", map[string]string{"name": "a", "n": "1.0"}),
		at(time.Minute, "alice", map[string]string{"name": "b", "n": "2"}),
		at(time.Minute, "alice", map[string]string{"name": "", "n": "x"}), // '' is a value, not NULL
		at(time.Minute, "alice", map[string]string{}),                     // "name" missing: NULL
		at(time.Minute, "alice", map[string]string{"name": "A"}),          // case matters
	}
	expectRows(t, `SELECT COUNT(*) AS n_all, COUNT("name") AS n_name, UNIQUECOUNT("name") AS u_name, `+
		`DISTINCTCOUNT("name") AS d_name, UNIQUECOUNT("n") AS u_n, UNIQUECOUNT(username) AS u_user `+
		`FROM events GROUP BY username LAST 1 HOURS`, evs,
		[]Row{{"n_all": 6.0, "n_name": 5.0, "u_name": 4.0, "d_name": 4.0, "u_n": 4.0, "u_user": 1.0}})
	// Text values are compared as written: '1' and '1.0' are two values.
	// Numeric columns are numbers: 1 and 1.0 are one.
	num := []Event{at(time.Minute, "a", nil), at(time.Minute, "a", nil)}
	num[0].Columns["magnitude"], num[1].Columns["magnitude"] = 1, 1.0
	expectRows(t, "SELECT UNIQUECOUNT(magnitude) AS u FROM events LAST 1 HOURS", num, []Row{{"u": 1.0}})
}

func TestAggregateNumbersInText(t *testing.T) {
	evs := []Event{
		at(time.Minute, "alice", map[string]string{"bytes": "100"}),
		at(time.Minute, "alice", map[string]string{"bytes": " 250 "}),
		at(time.Minute, "alice", map[string]string{"bytes": "1e3"}),
		at(time.Minute, "alice", map[string]string{"bytes": "20"}),
		at(time.Minute, "alice", map[string]string{"bytes": "n/a"}), // no number: NULL for SUM/AVG
		at(time.Minute, "alice", map[string]string{}),               // missing: NULL
	}
	expectRows(t, `SELECT SUM("bytes") AS s, AVG("bytes") AS a, COUNT("bytes") AS c FROM events LAST 1 HOURS`, evs,
		[]Row{{"s": 1370.0, "a": 342.5, "c": 5.0}})
	// MIN/MAX compare numerically when every value holds a number ("20" <
	// "100"), not as text.
	expectRows(t, `SELECT MIN("bytes") AS lo, MAX("bytes") AS hi FROM events LAST 1 HOURS`, evs[:4],
		[]Row{{"lo": 20.0, "hi": 1000.0}})
	// Otherwise as text.
	users := []Event{at(time.Minute, "mallory", nil), at(time.Minute, "bob", nil), at(time.Minute, nil, nil)}
	expectRows(t, "SELECT MIN(username) AS lo, MAX(username) AS hi, FIRST(username) AS f, LAST(username) AS l FROM events LAST 1 HOURS", users,
		[]Row{{"lo": "bob", "hi": "mallory", "f": "mallory", "l": nil}})
	// A NULL HAVING condition drops the group, negated or not.
	for _, having := range []string{`SUM("bytes") < 100`, `NOT (SUM("bytes") < 100)`} {
		expectRows(t, `SELECT username, SUM("bytes") AS s FROM events GROUP BY username HAVING `+having+` LAST 1 HOURS`,
			[]Event{at(time.Minute, "alice", map[string]string{"bytes": "n/a"}), at(time.Minute, "bob", map[string]string{})}, []Row{})
	}
	// No numeric value at all: SUM and AVG are NULL.
	expectRows(t, `SELECT SUM("bytes") AS s, AVG("bytes") AS a FROM events LAST 1 HOURS`, evs[4:],
		[]Row{{"s": nil, "a": nil}})
}

func TestAggregateWindowBoundaries(t *testing.T) {
	evs := []Event{
		at(10*time.Minute, "exactly-10-minutes-old", nil),
		at(10*time.Minute+time.Millisecond, "1ms-too-old", nil),
		at(0, "now", nil),
		at(-time.Millisecond, "in-the-future", nil),
		{Columns: map[string]any{"devicetype": 446, "username": "no-starttime"}},
	}
	expectRows(t, "SELECT username FROM events ORDER BY username LAST 10 MINUTES", evs,
		[]Row{{"username": "exactly-10-minutes-old"}, {"username": "now"}})
	expectRows(t, "SELECT COUNT(*) AS c FROM events LAST 10 MINUTES", evs, []Row{{"c": 2.0}})
	// HOURS and DAYS scale the window.
	old := []Event{at(time.Hour, "h", nil), at(24*time.Hour, "d", nil), at(24*time.Hour+time.Second, "x", nil)}
	expectRows(t, "SELECT COUNT(*) AS c FROM events LAST 1 HOURS", old, []Row{{"c": 1.0}})
	expectRows(t, "SELECT COUNT(*) AS c FROM events LAST 1 DAYS", old, []Row{{"c": 2.0}})
	// Without a time clause every event is searched.
	expectRows(t, "SELECT COUNT(*) AS c FROM events", evs, []Row{{"c": 5.0}})

	// START ... STOP is [start, stop): IBM's 15:51 to 17:00 returns
	// 15:51:00 to 16:59:59.
	base := time.Date(2026, 11, 20, 11, 0, 0, 0, time.UTC)
	mk := func(t time.Time, user string) Event {
		return Event{Columns: map[string]any{"starttime": t.UnixMilli(), "username": user}}
	}
	span := []Event{
		mk(base.Add(-time.Millisecond), "before"),
		mk(base, "start"),
		mk(base.Add(30*time.Minute-time.Millisecond), "last-ms"),
		mk(base.Add(30*time.Minute), "stop"),
	}
	want := []Row{{"username": "start"}, {"username": "last-ms"}}
	expectRows(t, "SELECT username FROM events START '2026-11-20 11:00' STOP '2026-11-20 11:30'", span, want)
	expectRows(t, "SELECT username FROM events START '2026/11/20 11:00:00' STOP '2026/11/20 11:30:00'", span, want)
	expectRows(t, fmt.Sprintf("SELECT username FROM events START %d STOP %d", base.UnixMilli(), base.Add(30*time.Minute).UnixMilli()), span, want)
	// START without STOP runs to now (12:00).
	expectRows(t, "SELECT COUNT(*) AS c FROM events START '2026-11-20 11:00'", span, []Row{{"c": 3.0}})
}

func TestAggregateNullGroupKeys(t *testing.T) {
	evs := []Event{
		at(time.Minute, "bob", map[string]string{"ns": "prod"}),
		at(time.Minute, nil, map[string]string{"ns": "prod"}),
		at(time.Minute, "", map[string]string{"ns": "prod"}),
		at(time.Minute, nil, map[string]string{}),
		at(time.Minute, "alice", map[string]string{}),
		at(time.Minute, nil, map[string]string{"ns": "prod"}),
	}
	// NULL is a group of its own, distinct from ''; groups sort by key,
	// NULL first.
	expectRows(t, "SELECT username, COUNT(*) AS c FROM events GROUP BY username LAST 1 HOURS", evs, []Row{
		{"username": nil, "c": 3.0},
		{"username": "", "c": 1.0},
		{"username": "alice", "c": 1.0},
		{"username": "bob", "c": 1.0},
	})
	// Two keys, a missing custom property being NULL.
	expectRows(t, `SELECT username, "ns", COUNT(*) AS c FROM events GROUP BY username, "ns" LAST 1 HOURS`, evs, []Row{
		{"username": nil, `"ns"`: nil, "c": 1.0},
		{"username": nil, `"ns"`: "prod", "c": 2.0},
		{"username": "", `"ns"`: "prod", "c": 1.0},
		{"username": "alice", `"ns"`: nil, "c": 1.0},
		{"username": "bob", `"ns"`: "prod", "c": 1.0},
	})
}

func TestAggregateOrderByAndLimit(t *testing.T) {
	var evs []Event
	for _, g := range []struct {
		user string
		n    int
	}{{"carol", 2}, {"alice", 3}, {"dave", 5}, {"bob", 3}, {"erin", 1}} {
		evs = append(evs, repeat(g.n, at(time.Minute, g.user, nil))...)
	}
	q := "SELECT username, COUNT(*) AS event_count FROM events GROUP BY username "
	// Without ORDER BY: by group key.
	expectRows(t, q+"LAST 1 HOURS", evs, []Row{
		{"username": "alice", "event_count": 3.0}, {"username": "bob", "event_count": 3.0},
		{"username": "carol", "event_count": 2.0}, {"username": "dave", "event_count": 5.0},
		{"username": "erin", "event_count": 1.0},
	})
	// ORDER BY an aggregate alias; ties keep key order.
	expectRows(t, q+"ORDER BY event_count DESC LAST 1 HOURS", evs, []Row{
		{"username": "dave", "event_count": 5.0}, {"username": "alice", "event_count": 3.0},
		{"username": "bob", "event_count": 3.0}, {"username": "carol", "event_count": 2.0},
		{"username": "erin", "event_count": 1.0},
	})
	expectRows(t, q+"ORDER BY event_count ASC, username DESC LIMIT 3 LAST 1 HOURS", evs, []Row{
		{"username": "erin", "event_count": 1.0}, {"username": "carol", "event_count": 2.0},
		{"username": "bob", "event_count": 3.0},
	})
	// Quoted alias, aggregate expression, LIMIT larger than the result, LIMIT 0.
	expectRows(t, `SELECT username, COUNT(*) AS "Event Count" FROM events GROUP BY username ORDER BY "Event Count" DESC LIMIT 2 LAST 1 HOURS`, evs,
		[]Row{{"username": "dave", "Event Count": 5.0}, {"username": "alice", "Event Count": 3.0}})
	expectRows(t, q+"HAVING COUNT(*) >= 3 ORDER BY COUNT(*) LIMIT 10 LAST 1 HOURS", evs, []Row{
		{"username": "alice", "event_count": 3.0}, {"username": "bob", "event_count": 3.0},
		{"username": "dave", "event_count": 5.0},
	})
	expectRows(t, q+"LIMIT 0 LAST 1 HOURS", evs, []Row{})
}

func TestAggregateUngroupedAndEmpty(t *testing.T) {
	evs := []Event{
		at(3*time.Minute, "alice", map[string]string{"verb": "get"}),
		at(2*time.Minute, "bob", map[string]string{"verb": "list"}),
	}
	// One group without GROUP BY; an ungrouped column reads the first event
	// (QRadar's implicit FIRST).
	expectRows(t, `SELECT username, COUNT(*) AS c, MAX(starttime) AS last_seen FROM events LAST 1 HOURS`, evs,
		[]Row{{"username": "alice", "c": 2.0, "last_seen": float64(now.Add(-2 * time.Minute).UnixMilli())}})
	// Over no events the single group still yields a row: COUNT 0, others NULL.
	expectRows(t, `SELECT username, COUNT(*) AS c, SUM("bytes") AS s, MIN(starttime) AS m FROM events WHERE devicetype = 12 LAST 1 HOURS`, evs,
		[]Row{{"username": nil, "c": 0.0, "s": nil, "m": nil}})
	// ... unless HAVING removes it; with GROUP BY there is no group at all.
	expectRows(t, `SELECT COUNT(*) AS c FROM events WHERE devicetype = 12 HAVING c > 0 LAST 1 HOURS`, evs, []Row{})
	expectRows(t, `SELECT username, COUNT(*) AS c FROM events WHERE devicetype = 12 GROUP BY username LAST 1 HOURS`, evs, []Row{})
	// Execute keeps its per-event meaning: an event failing WHERE never matches.
	q, _ := aql.Parse(`SELECT COUNT(*) AS c FROM events WHERE devicetype = 12 LAST 1 HOURS`)
	if ok, row, err := Execute(q, evs[0], Options{Now: now}); ok || err != nil {
		t.Errorf("Execute of a non-matching event: %v %v %v", ok, row, err)
	}
	q, _ = aql.Parse(`SELECT username, COUNT(*) AS c FROM events GROUP BY username HAVING c >= 1 LAST 1 HOURS`)
	if ok, row, err := Execute(q, evs[0], Options{Now: now}); !ok || err != nil || row["c"] != 1.0 {
		t.Errorf("Execute of an aggregate: %v %v %v", ok, row, err)
	}
}

func TestAggregateGroupByExpression(t *testing.T) {
	evs := []Event{
		at(3*time.Minute, "Alice", nil),
		at(2*time.Minute, "alice", nil),
		at(time.Minute, "BOB", nil),
	}
	want := []Row{{"u": "alice", "c": 2.0, "username": "Alice"}, {"u": "bob", "c": 1.0, "username": "BOB"}}
	expectRows(t, "SELECT LOWER(username) AS u, COUNT(*) AS c, username FROM events GROUP BY LOWER(username) LAST 1 HOURS", evs, want)
	// GROUP BY a select alias (IBM: SELECT LONG(sourceip) AS long_ip ... GROUP BY long_ip).
	expectRows(t, "SELECT LOWER(username) AS u, COUNT(*) AS c, username FROM events GROUP BY u LAST 1 HOURS", evs, want)
	// Time buckets, as in IBM's dashboards (GROUP BY starttime/60000).
	buckets := []Event{at(90*time.Second, "a", nil), at(80*time.Second, "a", nil), at(10*time.Second, "a", nil)}
	rows := runAll(t, "SELECT LONG(starttime / 60000) AS minute, COUNT(*) AS c FROM events GROUP BY minute ORDER BY minute LAST 1 HOURS", buckets)
	if len(rows) != 2 || rows[0]["c"] != 2.0 || rows[1]["c"] != 1.0 {
		t.Errorf("minute buckets: %v", rows)
	}
}

func TestAggregateConditional(t *testing.T) {
	evs := []Event{
		at(time.Minute, "alice", map[string]string{"verb": "delete"}),
		at(time.Minute, "alice", map[string]string{"verb": "get"}),
		at(time.Minute, "alice", map[string]string{"verb": "delete"}),
		at(time.Minute, "bob", map[string]string{"verb": "get"}),
		at(time.Minute, "carol", map[string]string{}), // verb NULL: IF takes ELSE
	}
	expectRows(t, `SELECT username, SUM(IF "verb" = 'delete' THEN 1 ELSE 0) AS deletes FROM events GROUP BY username `+
		`HAVING SUM(IF "verb" = 'delete' THEN 1 ELSE 0) > 0 LAST 1 HOURS`, evs,
		[]Row{{"username": "alice", "deletes": 2.0}})
	// IBM's HAVING example: a quoted alias with spaces.
	expectRows(t, `SELECT username, UNIQUECOUNT("verb") AS 'Count of Verbs' FROM events GROUP BY username HAVING "Count of Verbs" > 1 LAST 1 HOURS`, evs,
		[]Row{{"username": "alice", "Count of Verbs": 2.0}})
}

func TestExecuteAllPlainRows(t *testing.T) {
	evs := []Event{
		at(3*time.Minute, "carol", map[string]string{"score": "5"}),
		at(2*time.Minute, "alice", map[string]string{"score": "20"}),
		at(time.Minute, "bob", map[string]string{"score": "7"}),
		at(2*time.Hour, "old", map[string]string{"score": "99"}),
	}
	// Input order without ORDER BY.
	expectRows(t, "SELECT username FROM events LAST 1 HOURS", evs,
		[]Row{{"username": "carol"}, {"username": "alice"}, {"username": "bob"}})
	// ORDER BY an alias of a numeric expression over text: numeric order.
	expectRows(t, `SELECT username, DOUBLE("score") AS s FROM events ORDER BY s DESC LIMIT 2 LAST 1 HOURS`, evs,
		[]Row{{"username": "alice", "s": 20.0}, {"username": "bob", "s": 7.0}})
	// In ORDER BY a select alias shadows the column it is computed from
	// (and inside its own expression the name is the column).
	expectRows(t, `SELECT IF username = 'carol' THEN 'aaa' ELSE username AS username FROM events ORDER BY username LAST 1 HOURS`, evs,
		[]Row{{"username": "aaa"}, {"username": "alice"}, {"username": "bob"}})
	// A WHERE alias (IBM: SELECT UTF8(payload) AS search_payload ... WHERE search_payload ...).
	expectRows(t, `SELECT LOWER(username) AS who FROM events WHERE who LIKE '%o%' LAST 1 HOURS`, evs,
		[]Row{{"who": "carol"}, {"who": "bob"}})
}

func TestAggregateErrors(t *testing.T) {
	evs := []Event{
		at(time.Minute, "alice", map[string]string{"bytes": "1"}),
		at(time.Minute, "alice", map[string]string{"bytes": "x"}),
	}
	evs[0].Columns["magnitude"] = 3
	for query, want := range map[string]string{
		"SELECT username FROM events WHERE COUNT(*) > 1":                              "not allowed in WHERE",
		"SELECT COUNT(*) AS c FROM events WHERE c > 1":                                "not allowed in WHERE",
		"SELECT username FROM events GROUP BY COUNT(*)":                               "not allowed in WHERE or GROUP BY",
		"SELECT SUM(COUNT(*)) FROM events":                                            "inside another aggregate",
		"SELECT STDEV(magnitude) FROM events":                                         "STDEV is not supported",
		"SELECT SUM(*) FROM events":                                                   "only COUNT takes *",
		"SELECT COUNT(username, magnitude) FROM events":                               "takes 1 argument",
		`SELECT MIN(IF "bytes" = '1' THEN magnitude ELSE "bytes") FROM events`:        "numbers and text",
		"SELECT * FROM events GROUP BY username":                                      "SELECT * is not supported",
		"SELECT username FROM events ORDER BY username COLLATE 'de-CH'":               "COLLATE is not supported",
		"SELECT username FROM events START PARSEDATETIME('1 day ago')":                "not supported by the executor",
		"SELECT username FROM events START '25.04.2014'":                              "expected 'yyyy-MM-dd HH:mm[:ss]'",
		"SELECT username, COUNT(*) FROM events GROUP BY nosuch":                       `Field "nosuch" does not exist`,
		"SELECT username FROM events WHERE username IN (SELECT username FROM events)": "sub-selects",
	} {
		_, err := runAllErr(t, query, evs)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err %v, want %q", query, err, want)
		}
	}
}
