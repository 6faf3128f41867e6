package aql

import "testing"

// aggregateQueries are the aggregation shapes detgen generates or reads;
// each must parse, print as a fixed point and pass Check without findings.
var aggregateQueries = []string{
	// T1552.007 secret enumeration: every documented aggregate, two group
	// keys, HAVING on two aggregates, the window in the time clause.
	`SELECT username AS g_username, COUNT(*) AS event_count, UNIQUECOUNT("objectRef_name") AS distinct_count, ` +
		`SUM("bytes") AS total, AVG("bytes") AS average, MIN(starttime) AS first_seen, MAX(starttime) AS last_seen ` +
		`FROM events WHERE devicetype = 446 AND ("verb" = 'get' OR "verb" = 'list') AND "objectRef_resource" = 'secrets' ` +
		`GROUP BY username, "objectRef_namespace" HAVING COUNT(*) > 20 AND UNIQUECOUNT("objectRef_name") >= 3 LAST 10 MINUTES`,
	// Ranges, an alias in HAVING, ORDER BY an aggregate alias, LIMIT.
	`SELECT username, COUNT(*) AS c FROM events GROUP BY username HAVING COUNT(*) > 5 AND COUNT(*) <= 10 ORDER BY c DESC LIMIT 5 LAST 1 HOURS`,
	`SELECT username, COUNT(*) AS c FROM events GROUP BY username HAVING c BETWEEN 6 AND 10 ORDER BY c DESC, username LAST 1 HOURS`,
	`SELECT username, UNIQUECOUNT(sourceip) AS 'Count of Source IPs' FROM events WHERE username IS NOT NULL GROUP BY username HAVING "Count of Source IPs" > 4 ORDER BY "Count of Source IPs" DESC LAST 24 HOURS`,
	// Grouping by an expression of a column, directly or through an alias;
	// selecting functions of grouped columns.
	`SELECT LOWER(username) AS u, COUNT(*) AS c FROM events GROUP BY LOWER(username) LAST 1 HOURS`,
	`SELECT LOWER(username) AS u, COUNT(*) AS c FROM events GROUP BY u LAST 1 HOURS`,
	`SELECT sourceip, GEO::LOOKUP(sourceip, 'city') AS city, LONG(COUNT(*)) AS n FROM events GROUP BY sourceip LAST 1 HOURS`,
	// Ungrouped aggregates, FIRST/LAST and DISTINCTCOUNT.
	`SELECT COUNT(*) AS c, MAX(starttime) AS last_seen FROM events WHERE devicetype = 446 LAST 1 DAYS`,
	`SELECT username, FIRST(sourceip) AS first_ip, LAST(sourceip) AS last_ip, DISTINCTCOUNT(sourceip) AS ips FROM events GROUP BY username LAST 1 HOURS`,
}

func TestAggregateQueries(t *testing.T) {
	for _, src := range aggregateQueries {
		expectParse(t, src, "")
		expectCheck(t, src)
	}
}

func TestCheckUngroupedColumn(t *testing.T) {
	// IBM's example: sourceip comes back as FIRST_sourceip.
	expectCheck(t, "SELECT username, sourceip, COUNT(*) FROM events GROUP BY username"+tail, "1:18 warning ungrouped-column")
	// A function of an ungrouped column, an aggregate query without GROUP
	// BY, an ungrouped column in arithmetic with an aggregate.
	expectCheck(t, "SELECT LOWER(sourceip) AS s, COUNT(*) FROM events GROUP BY username"+tail, "1:14 warning ungrouped-column")
	expectCheck(t, "SELECT username, COUNT(*) AS c FROM events"+tail, "1:8 warning ungrouped-column")
	expectCheck(t, "SELECT COUNT(*) + magnitude FROM events GROUP BY username"+tail, "1:19 warning ungrouped-column")
	// Grouped by an expression: the bare column is not grouped.
	expectCheck(t, "SELECT username, COUNT(*) FROM events GROUP BY LOWER(username)"+tail, "1:8 warning ungrouped-column")
	// IBM's HAVING example tests a selected ungrouped column: reported once,
	// on the select item; an unselected ungrouped column in HAVING too.
	expectCheck(t, "SELECT username, sourceip, credibility FROM events GROUP BY sourceip HAVING credibility > 5"+tail,
		"1:8 warning ungrouped-column", "1:28 warning ungrouped-column")
	expectCheck(t, "SELECT username, COUNT(*) AS c FROM events GROUP BY username HAVING magnitude > 5"+tail, "1:69 warning ungrouped-column")
	// Negative: grouped columns (any case or quoting), grouped expressions,
	// aliases named in GROUP BY, constants, aggregates of anything,
	// non-aggregating queries, sub-selects with their own grouping.
	expectCheck(t, `SELECT "userName", LOWER(username), CONCAT(username, '@', "ns"), 1 AS one, COUNT(magnitude) FROM events GROUP BY username, "ns"`+tail)
	expectCheck(t, "SELECT starttime / 60000 AS m, COUNT(*) FROM events GROUP BY starttime / 60000"+tail)
	expectCheck(t, "SELECT starttime / 60000 AS m, COUNT(*) FROM events GROUP BY m"+tail)
	expectCheck(t, "SELECT username, sourceip, magnitude FROM events"+tail)
	expectCheck(t, "SELECT username, COUNT(*) AS c FROM events WHERE sourceip IN (SELECT sourceip FROM events) GROUP BY username HAVING c > 1 AND MAX(magnitude) > 5"+tail)
}

func TestCheckHavingWithoutGroupBy(t *testing.T) {
	expectCheck(t, "SELECT COUNT(*) AS c FROM events HAVING c > 5"+tail, "1:41 warning having-without-group-by")
	expectCheck(t, "SELECT COUNT(*) AS c FROM events GROUP BY username HAVING c > 5"+tail)
}

func TestCheckMisplacedAggregate(t *testing.T) {
	expectCheck(t, "SELECT username FROM events WHERE COUNT(*) > 5 GROUP BY username"+tail, "1:35 error misplaced-aggregate")
	expectCheck(t, "SELECT username FROM events WHERE devicetype = 446 AND (sum(magnitude) > 5 OR x = 1) GROUP BY username"+tail,
		"1:57 error misplaced-aggregate")
	expectCheck(t, "SELECT COUNT(*) FROM events GROUP BY MAX(username)"+tail, "1:38 error misplaced-aggregate")
	expectCheck(t, "SELECT SUM(COUNT(*)) FROM events"+tail, "1:12 error misplaced-aggregate")
	// Negative: aggregates in SELECT, HAVING, ORDER BY and in a sub-select
	// of WHERE; scalar functions of aggregates.
	expectCheck(t, "SELECT username, LONG(COUNT(*)) AS c FROM events WHERE sourceip IN (SELECT MAX(sourceip) FROM flows) GROUP BY username HAVING SUM(magnitude) > 5 ORDER BY c"+tail)
}

func TestCheckAggregateOfConditional(t *testing.T) {
	expectCheck(t, `SELECT username, SUM(IF "verb" = 'delete' THEN 1 ELSE 0) AS d FROM events GROUP BY username HAVING SUM(IF "verb" = 'delete' THEN 1 ELSE 0) > 0`+tail,
		"1:22 warning aggregate-of-conditional", "1:104 warning aggregate-of-conditional")
	expectCheck(t, `SELECT COUNT(CASE WHEN magnitude > 5 THEN 1 END) FROM events`+tail, "1:14 warning aggregate-of-conditional")
	// Negative: IF outside the aggregate, arithmetic inside it.
	expectCheck(t, `SELECT IF COUNT(*) > 5 THEN 'many' ELSE 'few' AS v, SUM(sourcebytes + destinationbytes) FROM flows`+tail)
}
