package aql

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// diagSummary renders diagnostics as "line:col severity code" for compact
// expectations.
func diagSummary(ds []Diagnostic) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.Pos.String()+" "+d.Severity.String()+" "+d.Code)
	}
	return out
}

// expectCheck parses src, runs Check and compares the summary with want.
func expectCheck(t *testing.T, src string, want ...string) {
	t.Helper()
	q := mustParse(t, src)
	ds := Check(q)
	if diff := cmp.Diff(want, diagSummary(ds)); diff != "" {
		t.Errorf("Check(%q) (-want +got):\n%s", src, diff)
		for _, d := range ds {
			t.Logf("  %s", d)
		}
	}
	for _, d := range ds {
		if d.Msg == "" || !d.Pos.IsValid() {
			t.Errorf("diagnostic without message or position: %+v", d)
		}
	}
}

// tail makes the time-clause warning go away in examples about other codes.
const tail = " LAST 1 HOURS"

func TestCheckBarePayload(t *testing.T) {
	// Positive.
	expectCheck(t, "SELECT * FROM events WHERE payload ILIKE '%x%'"+tail, "1:28 error bare-payload")
	expectCheck(t, "SELECT * FROM events WHERE \"payload\" LIKE '%x%'"+tail, "1:28 error bare-payload")
	expectCheck(t, "SELECT * FROM events WHERE PAYLOAD MATCHES '.*x.*' OR payload IMATCHES '.*y.*'"+tail, "1:28 error bare-payload", "1:55 error bare-payload")
	expectCheck(t, "SELECT * FROM events WHERE LOWER(payload) LIKE '%x%'"+tail, "1:34 error bare-payload")
	expectCheck(t, "SELECT * FROM events WHERE payload = 'x' AND 'y' != payload"+tail, "1:28 error bare-payload", "1:53 error bare-payload")
	expectCheck(t, "SELECT * FROM events WHERE payload IN ('a', 'b')"+tail, "1:28 error bare-payload")
	expectCheck(t, "SELECT * FROM flows WHERE sourcepayload LIKE '%GET%'"+tail, "1:27 error bare-payload")
	expectCheck(t, "SELECT CASE WHEN payload ILIKE '%a%' THEN 1 ELSE 0 END FROM events"+tail, "1:18 error bare-payload")
	// Negative: decoded payload, non-string uses, alias redefining payload.
	expectCheck(t, "SELECT * FROM events WHERE UTF8(payload) ILIKE '%x%' AND LOWER(UTF8(payload)) LIKE '%y%'"+tail)
	expectCheck(t, "SELECT * FROM events WHERE BASE64(payload) = 'eA==' AND UTF8(sourcepayload) IN ('a')"+tail)
	expectCheck(t, "SELECT payload FROM events WHERE payload IS NOT NULL"+tail)
	expectCheck(t, "SELECT UTF8(payload) AS search_payload FROM events WHERE search_payload ILIKE '%x%'"+tail)
	expectCheck(t, "SELECT BASE64(payload) AS payload FROM events WHERE payload LIKE '%x%'"+tail)
	expectCheck(t, "SELECT * FROM events WHERE payloadsize = 'x'"+tail)
}

func TestCheckQuotedNameAsField(t *testing.T) {
	// Positive: the XSOAR query-builder mistake and variants.
	expectCheck(t, "SELECT * FROM events WHERE ('field name' = 'value')"+tail, "1:29 error quoted-name-as-field")
	expectCheck(t, "SELECT * FROM events WHERE 'Process Name' ILIKE '%cmd%'"+tail, "1:28 error quoted-name-as-field")
	expectCheck(t, "SELECT * FROM events WHERE 'User' IN ('a', 'b') OR 'x' != ('y')"+tail, "1:28 error quoted-name-as-field", "1:52 error quoted-name-as-field")
	expectCheck(t, "SELECT * FROM events WHERE 'Port' BETWEEN '1' AND '2'"+tail, "1:28 error quoted-name-as-field")
	// Negative: double-quoted names, constants on the right, literals in calls.
	expectCheck(t, `SELECT * FROM events WHERE "field name" = 'value' AND 'value' = "field name"`+tail)
	expectCheck(t, "SELECT * FROM events WHERE CONCAT('dir', '/', filename) = 'x' AND INCIDR('10.0.0.0/8', sourceip)"+tail)
	expectCheck(t, "SELECT * FROM events WHERE 'x' = sourceip AND '5' IN (a, b)"+tail)
}

func TestCheckUnknownFunction(t *testing.T) {
	expectCheck(t, "SELECT FOO(a) FROM events"+tail, "1:8 error unknown-function")
	expectCheck(t, "SELECT * FROM events WHERE REGEX(a, 'x')"+tail, "1:28 error unknown-function")
	expectCheck(t, "SELECT GEO::NOPE(sourceip) FROM events"+tail, "1:8 error unknown-function")
	expectCheck(t, "SELECT exploitdetect::log4j(UTF8(payload)) FROM events"+tail, "1:8 warning unknown-function")
	// Negative: documented functions in any case, aggregates, GEO::.
	expectCheck(t, "SELECT UniqueCount(a), count(*), LONG(COUNT(*)), substring(u, 0, 3), strlen(u), categoryname(category), "+
		"GEO::LOOKUP(sourceip, 'city'), geo::distance(sourceip, destinationip), DATEFORMAT(starttime, 'yyyy'), "+
		"LAST(u), FIRST(u), STDEV(m), DISTINCTCOUNT(u), rulename(creeventlist), NOW() FROM events WHERE "+
		"REFERENCESETCONTAINS('s', sourceip) AND INOFFENSE(1) GROUP BY u, category, sourceip, destinationip, starttime, creeventlist"+tail)
	if k, ok := LookupFunc("", "uniquecount"); !ok || k != AggregateFunc {
		t.Errorf("LookupFunc(uniquecount) = %v, %v", k, ok)
	}
	if k, ok := LookupFunc("", "Utf8"); !ok || k != ScalarFunc {
		t.Errorf("LookupFunc(Utf8) = %v, %v", k, ok)
	}
	if _, ok := LookupFunc("x", "LOOKUP"); ok {
		t.Error("LookupFunc(x::LOOKUP) ok")
	}
}

func TestCheckDistinct(t *testing.T) {
	expectCheck(t, "SELECT DISTINCT username FROM events"+tail, "1:8 error distinct")
	expectCheck(t, "SELECT username, UNIQUECOUNT(sourceip) FROM events GROUP BY username"+tail)
}

func TestCheckNoTimeClause(t *testing.T) {
	expectCheck(t, "SELECT * FROM events", "1:1 warning no-time-clause")
	expectCheck(t, "SELECT * FROM events WHERE a IN (SELECT b FROM flows)", "1:1 warning no-time-clause")
	expectCheck(t, "SELECT * FROM events LAST 5 MINUTES")
	expectCheck(t, "SELECT * FROM events START '2014-04-25 15:51' STOP '2014-04-25 17:00'")
	expectCheck(t, "SELECT * FROM events START PARSEDATETIME('1 day ago')")
	// Sub-selects do not need their own time clause.
	expectCheck(t, "SELECT * FROM events WHERE a IN (SELECT b FROM flows) LAST 1 DAYS")
}

func TestCheckOrderByNotSelected(t *testing.T) {
	// Positive: the research note's seed query orders by an unselected column.
	expectCheck(t, "SELECT username AS actor FROM events ORDER BY starttime DESC"+tail, "1:47 warning order-by-not-selected")
	expectCheck(t, "SELECT a, COUNT(*) AS 'Count' FROM events GROUP BY a ORDER BY 'Count' DESC"+tail, "1:63 warning order-by-not-selected")
	expectCheck(t, "SELECT a FROM events ORDER BY 'x'"+tail, "1:31 warning order-by-not-selected")
	expectCheck(t, "SELECT a FROM events ORDER BY 1"+tail, "1:31 warning order-by-not-selected")
	expectCheck(t, "SELECT a FROM events ORDER BY a + b"+tail, "1:35 warning order-by-not-selected")
	expectCheck(t, "SELECT a FROM events ORDER BY SUM(b) DESC"+tail, "1:8 warning ungrouped-column", "1:35 warning order-by-not-selected")
	// Negative: selected columns (any quoting/case), aliases, selected
	// expressions, SELECT *.
	expectCheck(t, `SELECT "startTime" AS 'Time', username FROM events ORDER BY starttime DESC, "USERNAME"`+tail)
	expectCheck(t, `SELECT COUNT(*) AS "Count", a AS 'sTime' FROM events GROUP BY a ORDER BY "Count" DESC, "sTime"`+tail)
	expectCheck(t, "SELECT sourceIP, SUM(sourceBytes) FROM flows GROUP BY sourceIP ORDER BY sum(sourcebytes) DESC"+tail)
	expectCheck(t, "SELECT starttime/(1000*300) AS 'minute' FROM events ORDER BY minute ASC"+tail)
	expectCheck(t, "SELECT * FROM events ORDER BY starttime DESC, magnitude * 2"+tail)
	expectCheck(t, "SELECT a, b FROM events ORDER BY (a + b) COLLATE 'de-CH'"+tail)
}

func TestCheckMixedAndOr(t *testing.T) {
	expectCheck(t, "SELECT * FROM events WHERE a = 1 OR b = 2 AND c = 3"+tail, "1:43 warning mixed-and-or")
	expectCheck(t, "SELECT * FROM events WHERE a = 1 AND b = 2 OR c = 3 AND d = 4 OR e = 5"+tail, "1:34 warning mixed-and-or")
	// The XSOAR/demisto query: (x) or (y) or (z) AND w.
	expectCheck(t, "SELECT * FROM events WHERE ( (a='1') or (a='2') or (a='3') AND b='R2L' )"+tail, "1:60 warning mixed-and-or")
	// One warning per unparenthesised group; nested groups are separate.
	expectCheck(t, "SELECT * FROM events WHERE (a OR b AND c) AND (d OR e AND f)"+tail, "1:36 warning mixed-and-or", "1:55 warning mixed-and-or")
	expectCheck(t, "SELECT IF a OR b AND c THEN 1 ELSE 0 FROM events"+tail, "1:18 warning mixed-and-or")
	// Negative: explicit grouping, or only one operator.
	expectCheck(t, "SELECT * FROM events WHERE a = 1 OR (b = 2 AND c = 3)"+tail)
	expectCheck(t, "SELECT * FROM events WHERE (a = 1 OR b = 2) AND c = 3"+tail)
	expectCheck(t, "SELECT * FROM events WHERE a OR b OR c"+tail)
	expectCheck(t, "SELECT * FROM events WHERE a AND b AND NOT (c OR d)"+tail)
	expectCheck(t, "SELECT * FROM events WHERE x BETWEEN 1 AND 2 OR y"+tail)
}

func TestCheckStarttimeInWhere(t *testing.T) {
	expectCheck(t, "SELECT * FROM events WHERE starttime > NOW() - 86400000",
		"1:1 warning no-time-clause", "1:28 warning starttime-in-where-without-time-clause")
	expectCheck(t, "SELECT * FROM events WHERE a = 1 AND \"endTime\" BETWEEN 1 AND 2 AND starttime > 3",
		"1:1 warning no-time-clause", "1:38 warning starttime-in-where-without-time-clause")
	// Negative: with a time clause the predicate just filters inside it; no
	// predicate on time columns; starttime only selected.
	expectCheck(t, "SELECT * FROM events WHERE starttime > NOW() - 3600000 LAST 24 HOURS")
	expectCheck(t, "SELECT starttime FROM events WHERE a = 1", "1:1 warning no-time-clause")
}

func TestCheckLogSourceTypeNameLike(t *testing.T) {
	expectCheck(t, "SELECT * FROM events WHERE LOGSOURCETYPENAME(devicetype) ILIKE '%kubernetes%'"+tail, "1:28 warning logsourcetypename-ilike")
	expectCheck(t, "SELECT * FROM events WHERE (logsourcetypename(devicetype)) LIKE '%Windows%'"+tail, "1:28 warning logsourcetypename-ilike")
	expectCheck(t, "SELECT * FROM events WHERE LOWER(LOGSOURCETYPENAME(devicetype)) MATCHES '.*k8s.*'"+tail, "1:28 warning logsourcetypename-ilike")
	// Negative: exact name, or devicetype.
	expectCheck(t, "SELECT * FROM events WHERE LOGSOURCETYPENAME(devicetype) = 'Kubernetes Auditing' OR devicetype IN (446, 502)"+tail)
	expectCheck(t, "SELECT LOGSOURCETYPENAME(devicetype) FROM events WHERE devicetype = 446"+tail)
}

func TestCheckLikeWithoutWildcard(t *testing.T) {
	expectCheck(t, "SELECT * FROM events WHERE \"Process Name\" ILIKE 'makecab'"+tail, "1:49 warning like-without-wildcard")
	expectCheck(t, "SELECT * FROM events WHERE a NOT LIKE 'x'"+tail, "1:39 warning like-without-wildcard")
	// Negative: wildcards present, MATCHES, non-literal pattern.
	expectCheck(t, "SELECT * FROM events WHERE a LIKE '%x' AND b ILIKE 'a_c' AND c MATCHES 'x' AND d LIKE e"+tail)
}

// TestCheckSeedQuery runs Check over the research note's seed query (§6).
func TestCheckSeedQuery(t *testing.T) {
	src := `SELECT DATEFORMAT(starttime,'yyyy-MM-dd HH:mm:ss') AS event_time, username AS actor,
  sourceip AS source_ip, LOGSOURCENAME(logsourceid), LOGSOURCETYPENAME(devicetype),
  "objectRef_resource" AS k8s_resource, payload AS raw_log,
  (CASE WHEN payload ILIKE '%"resource":"cronjobs"%' THEN 1 ELSE 0 END + 0) AS suspicion_score
FROM events
WHERE LOGSOURCETYPENAME(devicetype) ILIKE '%kubernetes%'
  AND "objectRef_resource" IN ('cronjobs','jobs')
  AND payload ILIKE '%"resource":"cronjobs"%'
  AND starttime > NOW() - 86400000
ORDER BY suspicion_score DESC, starttime DESC`
	expectCheck(t, src,
		"1:1 warning no-time-clause",
		"4:14 error bare-payload",
		"6:7 warning logsourcetypename-ilike",
		"8:7 error bare-payload",
		"9:7 warning starttime-in-where-without-time-clause",
		"10:32 warning order-by-not-selected",
	)
}

func TestCheckSubSelect(t *testing.T) {
	// Checks apply inside sub-selects too (with their own select list).
	expectCheck(t, "SELECT a FROM events WHERE a IN (SELECT DISTINCT b FROM flows WHERE payload LIKE '%x%' ORDER BY c)"+tail,
		"1:41 error distinct", "1:69 error bare-payload", "1:97 warning order-by-not-selected")
}

func TestDiagnosticString(t *testing.T) {
	d := Diagnostic{Pos: Pos{Offset: 3, Line: 1, Col: 4}, Severity: SeverityWarning, Code: CodeMixedAndOr, Msg: "m"}
	if got, want := d.String(), "1:4: warning: m [mixed-and-or]"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if SeverityError.String() != "error" {
		t.Error("SeverityError.String()")
	}
	if Check(nil) != nil {
		t.Error("Check(nil) != nil")
	}
	// Diagnostics are sorted by position.
	q := mustParse(t, "SELECT DISTINCT FOO(a) FROM events WHERE payload LIKE 'x'")
	ds := Check(q)
	for i := 1; i < len(ds); i++ {
		if ds[i].Pos.Offset < ds[i-1].Pos.Offset {
			t.Errorf("not sorted: %v", ds)
		}
	}
	if len(ds) != 5 || ds[0].Code != CodeNoTimeClause || ds[1].Code != CodeDistinct || !strings.Contains(ds[1].Msg, "DISTINCT") {
		t.Errorf("diagnostics: %v", ds)
	}
}
