package aql

import (
	"strings"
	"testing"
	"time"

	"github.com/detgen/detgen/lang/aql"
)

var now = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

func run(t *testing.T, query string, ev Event) (bool, Row, error) {
	t.Helper()
	q, err := aql.Parse(query)
	if err != nil {
		t.Fatalf("parse %q: %v", query, err)
	}
	return Execute(q, ev, Options{Now: now})
}

func event() Event {
	return Event{
		Columns:            map[string]any{"starttime": now.Add(-time.Hour).UnixMilli(), "devicetype": 446, "username": "alice", "logsourceid": 7},
		Properties:         map[string]string{"verb": "create", "objectRef_resource": "cronjobs"},
		Payload:            []byte(`{"verb":"create","user":{"username":"alice"},"x":"50%_off"}`),
		LogSourceNames:     map[int]string{7: "kube-apiserver"},
		LogSourceTypeNames: map[int]string{446: "Kubernetes Auditing"},
	}
}

func TestWhere(t *testing.T) {
	tests := []struct {
		where string
		want  bool
	}{
		{`devicetype = 446`, true},
		{`devicetype = '446'`, true},
		{`"verb" IN ('create', 'update')`, true},
		{`"verb" NOT IN ('create')`, false},
		{`UTF8(payload) LIKE '%"verb":"create"%'`, true},
		{`UTF8(payload) LIKE '%"VERB":"create"%'`, false},
		{`UTF8(payload) ILIKE '%"VERB":"create"%'`, true},
		{`UTF8(payload) LIKE '%50_\_off%'`, false}, // backslash is literal in AQL
		{`UTF8(payload) LIKE '%50%off%'`, true},
		{`UTF8(payload) MATCHES '(?s)^.*50%_off.*$'`, true},
		{`UTF8(payload) MATCHES '50%_off'`, false}, // whole-value match
		{`UTF8(payload) IMATCHES '(?s)^.*"USER".*$'`, true},
		// A missing custom property is NULL: neither equal nor unequal.
		{`"missing" = 'x'`, false},
		{`NOT ("missing" = 'x')`, false},
		{`NOT ("missing" IS NOT NULL AND "missing" = 'x')`, true},
		{`"missing" IS NULL`, true},
		{`username LIKE 'ali%' AND NOT (username IN ('bob'))`, true},
		{`(IF "verb" = 'create' THEN 10 ELSE 0) + (IF "verb" = 'x' THEN 5 ELSE 0) >= 10`, true},
		{`LOGSOURCETYPENAME(devicetype) ILIKE '%kubernetes%'`, true},
		{`CASE WHEN "verb" = 'create' THEN 1 ELSE 0 END = 1`, true},
		{`CASE "verb" WHEN 'get' THEN 1 WHEN 'create' THEN 2 END = 2`, true},
		{`devicetype BETWEEN 400 AND 500`, true},
	}
	for _, tc := range tests {
		got, _, err := run(t, "SELECT username FROM events WHERE "+tc.where+" LAST 24 HOURS", event())
		if err != nil {
			t.Errorf("%s: %v", tc.where, err)
			continue
		}
		if got != tc.want {
			t.Errorf("%s = %v, want %v", tc.where, got, tc.want)
		}
	}
}

func TestSelectAndWindow(t *testing.T) {
	ok, row, err := run(t, `SELECT DATEFORMAT(starttime, 'yyyy-MM-dd HH:mm:ss') AS event_time, username AS actor, "verb", LOGSOURCENAME(logsourceid) AS src, ((IF UTF8(payload) LIKE '%alice%' THEN 25 ELSE 0) + (IF "verb" = 'get' THEN 10 ELSE 0)) AS score FROM events LAST 24 HOURS`, event())
	if err != nil || !ok {
		t.Fatalf("%v %v", ok, err)
	}
	if row["event_time"] != "2026-11-20 11:00:00" || row["actor"] != "alice" || row[`"verb"`] != "create" || row["src"] != "kube-apiserver" || row["score"] != 25.0 {
		t.Errorf("row = %v", row)
	}
	ev := event()
	ev.Columns["starttime"] = now.Add(-25 * time.Hour).UnixMilli()
	if ok, _, _ := run(t, "SELECT username FROM events LAST 24 HOURS", ev); ok {
		t.Error("event outside the window matched")
	}
}

func TestErrors(t *testing.T) {
	for query, want := range map[string]string{
		"SELECT username FROM events WHERE payload ILIKE '%x%'":     "payload is binary",
		"SELECT username FROM events WHERE nosuchcolumn = 1":        `Field "nosuchcolumn" does not exist`,
		"SELECT username FROM events WHERE FROBNICATE(1) = 1":       "not supported",
		"SELECT username FROM events WHERE UTF8(payload) = payload": "payload is binary",
	} {
		_, _, err := run(t, query, event())
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err %v, want %q", query, err, want)
		}
	}
}
