package aql

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/detgen/detgen/lang/aql"
)

// null stands for SQL NULL in expectations (a nil any).
var null any

// opEvent has columns of several Go types, text custom properties holding
// numbers, non-numbers, addresses and multi-line text, and no "missing"
// property.
func opEvent() Event {
	return Event{
		Columns: map[string]any{
			"starttime":       now.Add(-time.Hour).UnixMilli(),
			"devicetype":      446,
			"username":        "alice",
			"logsourceid":     7,
			"sourceip":        "10.1.2.3",
			"destinationip":   "2001:db8::5",
			"identityip":      "::ffff:192.168.1.10",
			"destinationport": uint16(443),
			"eventcount":      int64(3),
			"domainid":        nil,
		},
		Properties: map[string]string{
			"verb":       "create",
			"Verb Upper": "CREATE",
			"count":      "12",
			"ratio":      " 2.5 ",
			"big":        "1e3",
			"huge":       "1e30",
			"hexish":     "0x10",
			"word":       "abc",
			"nan":        "NaN",
			"resource":   "cronjobs",
			"resource2":  "cronjobs",
			"sub":        "cron",
			"pct":        "50%",
			"ip":         "192.168.1.10",
			"ip6":        "2001:DB8:0:0::1",
			"notip":      "not-an-ip",
			"multi":      "first line\nsecond line\nthird",
			"empty":      "",
		},
		Payload: []byte("GET /x\nUser: Alice\n"),
	}
}

// value evaluates expr as a select item, so that NULL is visible (WHERE
// would fold it into "no match").
func value(t *testing.T, expr string, opt Options) (any, error) {
	t.Helper()
	q, err := aql.Parse("SELECT " + expr + " AS v FROM events LAST 24 HOURS")
	if err != nil {
		t.Fatalf("parse %s: %v", expr, err)
	}
	opt.Now = now
	_, row, err := Execute(q, opEvent(), opt)
	if err != nil {
		return nil, err
	}
	return row["v"], nil
}

type valueCase struct {
	expr string
	want any // true, false, null or a float64
}

func expectValues(t *testing.T, opt Options, cases []valueCase) {
	t.Helper()
	for _, tc := range cases {
		got, err := value(t, tc.expr, opt)
		if err != nil {
			t.Errorf("%s: %v", tc.expr, err)
			continue
		}
		if got != tc.want {
			t.Errorf("%s = %s, want %s", tc.expr, show(got), show(tc.want))
		}
	}
}

func show(v any) string {
	if v == nil {
		return "NULL"
	}
	return fmt.Sprintf("%v (%T)", v, v)
}

// expectErrors checks that each expression is a query error mentioning want.
func expectErrors(t *testing.T, opt Options, cases map[string]string) {
	t.Helper()
	for expr, want := range cases {
		got, err := value(t, expr, opt)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s = %s, err %v; want error containing %q", expr, show(got), err, want)
		}
	}
}

func TestIsNull(t *testing.T) {
	expectValues(t, Options{}, []valueCase{
		{`"missing" IS NULL`, true},
		{`"missing" IS NOT NULL`, false},
		{`NOT "missing" IS NULL`, false},
		{`"verb" IS NULL`, false},
		{`"verb" IS NOT NULL`, true},
		{`"empty" IS NULL`, false}, // empty text is a value
		{`username IS NULL`, false},
		{`username IS NOT NULL`, true},
		{`domainid IS NULL`, true}, // a column stored without a value
		{`LOWER("missing") IS NULL`, true},
		{`LOWER("verb") IS NOT NULL`, true},
		{`CONCAT('a', "missing") IS NULL`, true},
		{`LONG("word") IS NULL`, true},
		{`INCIDR('10.0.0.0/8', "notip") IS NULL`, true},
		{`INCIDR('10.0.0.0/8', sourceip) IS NOT NULL`, true},
	})
}

func TestInCIDR(t *testing.T) {
	expectValues(t, Options{}, []valueCase{
		{`INCIDR('10.0.0.0/8', sourceip)`, true},
		{`INCIDR('10.1.2.0/24', sourceip)`, true},
		{`INCIDR('10.1.3.0/24', sourceip)`, false},
		{`INCIDR('192.168.0.0/16', sourceip)`, false},
		{`NOT INCIDR('192.168.0.0/16', sourceip)`, true},
		{`INCIDR('10.1.2.3', sourceip)`, true}, // a bare address is one host
		{`INCIDR('10.1.2.4', sourceip)`, false},
		{`INCIDR('10.200.0.1/8', sourceip)`, true}, // host bits are ignored
		{`INCIDR('10.1.2.3/32', sourceip)`, true},
		{`INCIDR('10.1.2.2/32', sourceip)`, false},
		// IPv6.
		{`INCIDR('2001:db8::/32', destinationip)`, true},
		{`INCIDR('2001:db9::/32', destinationip)`, false},
		{`INCIDR('2001:db8::5', destinationip)`, true},
		{`INCIDR('2001:db8::/32', "ip6")`, true}, // upper-case, uncompressed text
		{`INCIDR('2001:0db8::/32', "ip6")`, true},
		// The other family is not in range.
		{`INCIDR('::/0', sourceip)`, false},
		{`INCIDR('0.0.0.0/0', destinationip)`, false},
		// IPv4-mapped IPv6 is the IPv4 address, either way round.
		{`INCIDR('192.168.1.0/24', identityip)`, true},
		{`INCIDR('::ffff:192.168.1.0/120', "ip")`, true},
		{`INCIDR('::ffff:192.168.2.0/120', "ip")`, false},
		// NULL and values that are not addresses.
		{`INCIDR('10.0.0.0/8', "missing")`, null},
		{`NOT INCIDR('10.0.0.0/8', "missing")`, null},
		{`INCIDR('10.0.0.0/8', "notip")`, null},
		{`INCIDR('10.0.0.0/8', "empty")`, null},
		{`INCIDR('10.0.0.0/8', devicetype)`, null},
	})
	expectErrors(t, Options{}, map[string]string{
		`INCIDR('10.0.0.0/33', sourceip)`:     "is not a CIDR",
		`INCIDR('10.0.0.0', sourceip, 1)`:     "takes 2 arguments",
		`INCIDR(sourceip, '10.0.0.0/8')`:      "swapped",
		`INCIDR('fe80::1%eth0/64', sourceip)`: "zones",
	})
}

func TestNumericComparisons(t *testing.T) {
	expectValues(t, Options{}, []valueCase{
		// Every operator, both outcomes, on an int column.
		{`devicetype = 446`, true},
		{`devicetype = 445`, false},
		{`devicetype <> 446`, false},
		{`devicetype <> 445`, true},
		{`devicetype != 446`, false},
		{`devicetype != 445`, true},
		{`devicetype == 446`, true},
		{`devicetype < 447`, true},
		{`devicetype < 446`, false},
		{`devicetype <= 446`, true},
		{`devicetype <= 445`, false},
		{`devicetype > 445`, true},
		{`devicetype > 446`, false},
		{`devicetype >= 446`, true},
		{`devicetype >= 447`, false},
		{`446 >= devicetype`, true},
		{`destinationport = 443`, true}, // uint16 column
		{`eventcount > 2`, true},        // int64 column
		{`devicetype = '446'`, true},    // quoted number, as IBM's logsourceid='65'
		{`devicetype = 446.0`, true},
		// Text properties against numbers compare numerically: "12" > 5
		// and "12" < 100 are both false as strings.
		{`"count" > 5`, true},
		{`"count" < 100`, true},
		{`5 < "count"`, true},
		{`"count" = 12`, true},
		{`"count" <> 12`, false},
		{`"count" >= 12.5`, false},
		{`"ratio" = 2.5`, true}, // surrounding blanks are ignored
		{`"big" = 1000`, true},
		// Text against text stays text.
		{`"count" = '12'`, true},
		{`"count" = '12.0'`, false},
		{`"count" > '5'`, false},
		// Text that holds no number against a number is NULL, not an error.
		{`"word" > 5`, null},
		{`"word" = 5`, null},
		{`"word" <> 5`, null},
		{`NOT ("word" > 5)`, null},
		{`"hexish" = 16`, null},
		{`"nan" = 0`, null},
		{`"empty" = 0`, null},
		{`devicetype = 'abc'`, null},
		{`"missing" > 5`, null},
		{`"missing" <> 5`, null},
		{`(devicetype = 446) = 1`, null}, // a boolean is not a number
		// Number literals: a leading zero is decimal, 0x is hexadecimal.
		{`010 = 10`, true},
		{`0x10 = 16`, true},
		// Arithmetic follows the same rules.
		{`"count" + 1 = 13`, true},
		{`"word" + 1`, null},
		{`-"count"`, -12.0},
		{`devicetype % 100`, 46.0},
		{`devicetype / 0`, null},
	})
}

func TestConversionFunctions(t *testing.T) {
	expectValues(t, Options{}, []valueCase{
		{`LONG("count") > 5`, true},
		{`LONG("count") > 12`, false},
		{`LONG("ratio")`, 2.0}, // truncated
		{`LONG('-2.7')`, -2.0}, // toward zero
		{`LONG(devicetype)`, 446.0},
		{`LONG("ip")`, 3232235786.0},    // 192.168.1.10
		{`LONG(sourceip)`, 167838211.0}, // 10.1.2.3, IBM's LONG(sourceip)
		{`LONG("word")`, null},
		{`LONG("missing")`, null},
		{`LONG("huge")`, null}, // out of the long range
		{`LONG("word") > 5`, null},
		{`DOUBLE("ratio") = 2.5`, true},
		{`DOUBLE('1234') = 1234`, true},
		{`DOUBLE("big")`, 1000.0},
		{`DOUBLE("word")`, null},
		{`DOUBLE("missing")`, null},
		{`STRLEN("verb")`, 6.0},
		{`STRLEN("empty")`, 0.0},
		{`STRLEN('é😀')`, 3.0}, // UTF-16 code units, as Java counts
		{`STRLEN("missing")`, null},
		{`STRLEN(username) > 0`, true},
	})
	expectErrors(t, Options{}, map[string]string{
		`LONG(payload)`:     "LONG of []uint8",
		`STRLEN(payload)`:   "payload is binary",
		`LOWER(payload)`:    "payload is binary",
		`DOUBLE(1, 2)`:      "takes 1 argument,",
		`DOUBLE(TRUE)`:      "arithmetic on bool",
		`CONCAT(payload)`:   "payload is binary",
		`LONG("count", 10)`: "takes 1 argument,",
	})
}

func TestPatternMatching(t *testing.T) {
	expectValues(t, Options{}, []valueCase{
		{`"verb" LIKE 'cre%'`, true},
		{`"verb" LIKE 'CRE%'`, false},
		{`"verb" ILIKE 'CRE%'`, true},
		{`"verb" LIKE 'creat_'`, true},
		{`"verb" LIKE 'creat'`, false}, // LIKE matches the whole value
		{`"verb" NOT LIKE 'x%'`, true},
		{`"verb" NOT ILIKE 'CREATE'`, false},
		{`"pct" LIKE '50%'`, true},
		{`"multi" LIKE '%second%'`, true}, // % crosses line breaks
		{`"missing" LIKE '%'`, null},
		{`"missing" NOT LIKE '%'`, null},
		// MATCHES must match the whole value (research/aql.md §1.2).
		{`"verb" MATCHES 'creat'`, false},
		{`"verb" MATCHES 'creat.'`, true},
		{`"verb" MATCHES '.*eat.*'`, true},
		{`"verb" MATCHES 'cre|xyz'`, false}, // the alternation stays anchored
		{`"verb" MATCHES 'xyz|create'`, true},
		{`"verb" MATCHES 'CREATE'`, false},
		{`"verb" IMATCHES 'CREATE'`, true},
		{`"verb" NOT IMATCHES 'CREATE'`, false},
		{`"verb" MATCHES '(?i)CREATE'`, true},
		{`"verb" MATCHES '(?i:CRE)ate'`, true},
		{`"verb" MATCHES '(?i:CRE)ATE'`, false},
		// (?s): . crosses line breaks only with the flag.
		{`"multi" MATCHES '.*second.*'`, false},
		{`"multi" MATCHES '(?s).*second.*'`, true},
		// (?m): ^ and $ match at line breaks only with the flag, and never
		// loosen the whole-value match.
		{`"multi" MATCHES '(?s).*^second line$.*'`, false},
		{`"multi" MATCHES '(?sm).*^second line$.*'`, true},
		{`"multi" MATCHES '(?s)(?m).*^second line$.*'`, true},
		{`"multi" MATCHES '(?m)^second line$'`, false},
		{`"multi" MATCHES '(?m)first line$'`, false},
		{`"multi" MATCHES '(?ms).*^THIRD$'`, false},
		{`"multi" IMATCHES '(?ms).*^THIRD$'`, true},
		{`UTF8(payload) IMATCHES '(?s).*user: alice.*'`, true},
		{`UTF8(payload) MATCHES '(?s).*user: alice.*'`, false},
		{`"missing" MATCHES '.*'`, null},
		{`"missing" NOT MATCHES '.*'`, null},
	})
	expectErrors(t, Options{}, map[string]string{
		`"verb" MATCHES '(?x)cre ate'`: `inline flag "x"`,
		`"verb" MATCHES '(?U)c.*'`:     `inline flag "U"`, // Java: Unicode classes; Go: ungreedy
		`"verb" MATCHES 'a)|(b'`:       "bad pattern",     // would unanchor the group
		`"verb" MATCHES '(?<=c)reate'`: "bad pattern",     // lookbehind: Java only
		`UTF8(payload) LIKE payload`:   "needs strings",
	})
	// An escaped "(?" is not a flag group.
	if got, err := value(t, `"verb" MATCHES '\(?x\)|create'`, Options{}); err != nil || got != true {
		t.Errorf(`escaped (?x): %s, %v`, show(got), err)
	}
}

func TestFieldToField(t *testing.T) {
	expectValues(t, Options{}, []valueCase{
		{`"resource" = "resource2"`, true},
		{`"resource" = "verb"`, false},
		{`"resource" <> "verb"`, true},
		{`"resource" = "missing"`, null},
		{`"missing" = "missing"`, null}, // NULL is not equal to NULL
		{`"missing" <> "missing"`, null},
		{`"verb" = "Verb Upper"`, false},
		{`LOWER("verb") = LOWER("Verb Upper")`, true},
		{`UPPER("verb") = "Verb Upper"`, true},
		{`LOWER("verb") = LOWER("missing")`, null},
		{`devicetype = "count"`, false}, // 446 vs 12, numerically
		{`"count" = eventcount`, false},
		// LIKE with a pattern built from another field.
		{`"resource" ILIKE CONCAT('%', "sub", '%')`, true},
		{`"resource" ILIKE CONCAT('%', UPPER("sub"), '%')`, true},
		{`"resource" LIKE CONCAT('%', UPPER("sub"), '%')`, false},
		{`"resource" LIKE CONCAT("sub", '%')`, true},
		{`"resource" LIKE CONCAT('%', "verb", '%')`, false},
		// A missing field must not turn the pattern into a match-all '%%'.
		{`"resource" ILIKE CONCAT('%', "missing", '%')`, null},
		{`"resource" NOT ILIKE CONCAT('%', "missing", '%')`, null},
	})
	ok, _, err := run(t, `SELECT username FROM events WHERE LOWER("verb") = LOWER("Verb Upper") AND "resource" ILIKE CONCAT('%', "sub", '%') LAST 24 HOURS`, opEvent())
	if err != nil || !ok {
		t.Errorf("field-to-field WHERE: match %v, err %v", ok, err)
	}
}

// Conditions with a known truth value over opEvent.
var tvl = map[string]string{
	"T": `"verb" = 'create'`,
	"F": `"verb" = 'get'`,
	"N": `"missing" = 'x'`,
}

var tvlValue = map[string]any{"T": true, "F": false, "N": null}

func TestThreeValuedLogic(t *testing.T) {
	// SQL's truth tables, written out rather than computed.
	and := map[string]any{"TT": true, "TF": false, "TN": null, "FT": false, "FF": false, "FN": false, "NT": null, "NF": false, "NN": null}
	or := map[string]any{"TT": true, "TF": true, "TN": true, "FT": true, "FF": false, "FN": null, "NT": true, "NF": null, "NN": null}
	var cases []valueCase
	for _, a := range []string{"T", "F", "N"} {
		cases = append(cases, valueCase{`NOT (` + tvl[a] + `)`, map[string]any{"T": false, "F": true, "N": null}[a]})
		for _, b := range []string{"T", "F", "N"} {
			cases = append(cases,
				valueCase{`(` + tvl[a] + `) AND (` + tvl[b] + `)`, and[a+b]},
				valueCase{`(` + tvl[a] + `) OR (` + tvl[b] + `)`, or[a+b]},
			)
		}
	}
	sub := strings.NewReplacer("{T}", "("+tvl["T"]+")", "{F}", "("+tvl["F"]+")", "{N}", "("+tvl["N"]+")")
	for expr, want := range map[string]any{
		"NOT ({F} OR ({T} AND {N}))":            null,
		"NOT ({F} OR ({T} AND {N})) OR {T}":     true,
		"({N} OR {T}) AND NOT {N}":              null,
		"({N} AND {F}) OR NOT ({N} OR {F})":     null,
		"NOT ({N} AND {F})":                     true,
		"{T} AND ({F} OR ({N} OR {T}))":         true,
		"NOT ({T} AND NOT ({F} OR {N}))":        null,
		"NOT (NOT {T} OR NOT {T}) AND NOT {F}":  true,
		"NOT (NOT {N} OR {T}) OR ({N} AND {F})": false,
	} {
		cases = append(cases, valueCase{sub.Replace(expr), want})
	}
	expectValues(t, Options{}, cases)
}

// TestWhereKeepsOnlyTrue: a NULL condition and its negation both drop the
// event.
func TestWhereKeepsOnlyTrue(t *testing.T) {
	for _, where := range []string{
		tvl["N"], "NOT (" + tvl["N"] + ")",
		`"word" > 5`, `NOT ("word" > 5)`,
		`INCIDR('10.0.0.0/8', "missing")`, `NOT INCIDR('10.0.0.0/8', "missing")`,
		`"verb" NOT IN ('get', NULL)`,
		`(` + tvl["T"] + `) AND (` + tvl["N"] + `)`,
	} {
		if ok, _, err := run(t, "SELECT username FROM events WHERE "+where+" LAST 24 HOURS", opEvent()); ok || err != nil {
			t.Errorf("WHERE %s: match %v, err %v; want no match", where, ok, err)
		}
	}
	for _, where := range []string{tvl["T"], "NOT (" + tvl["F"] + ")", `(` + tvl["T"] + `) OR (` + tvl["N"] + `)`} {
		if ok, _, err := run(t, "SELECT username FROM events WHERE "+where+" LAST 24 HOURS", opEvent()); !ok || err != nil {
			t.Errorf("WHERE %s: match %v, err %v; want a match", where, ok, err)
		}
	}
}

// TestAtLeastN runs the "at least N of" form the generator emits: IF terms
// added up and compared; a NULL condition counts as not met.
func TestAtLeastN(t *testing.T) {
	term := func(c string) string { return "(IF " + tvl[c] + " THEN 1 ELSE 0)" }
	tests := []struct {
		a, b, c string
		atLeast int
		want    bool
	}{
		{"T", "T", "F", 2, true},
		{"T", "F", "F", 2, false},
		{"T", "N", "F", 2, false}, // NULL is not a hit
		{"T", "N", "T", 2, true},
		{"N", "N", "N", 1, false},
		{"T", "T", "T", 3, true},
		{"T", "T", "N", 3, false},
		{"F", "F", "T", 1, true},
	}
	for _, tc := range tests {
		for _, where := range []string{
			fmt.Sprintf("((%s + %s) + %s) >= %d", term(tc.a), term(tc.b), term(tc.c), tc.atLeast),
			fmt.Sprintf("(%s + %s + %s) >= %d", term(tc.a), term(tc.b), term(tc.c), tc.atLeast),
			fmt.Sprintf("%s + %s + %s >= %d", term(tc.a), term(tc.b), term(tc.c), tc.atLeast),
		} {
			ok, _, err := run(t, "SELECT username FROM events WHERE "+where+" LAST 24 HOURS", opEvent())
			if err != nil || ok != tc.want {
				t.Errorf("%s%s%s at least %d: WHERE %s: match %v, err %v; want %v", tc.a, tc.b, tc.c, tc.atLeast, where, ok, err, tc.want)
			}
		}
	}
	expectValues(t, Options{}, []valueCase{
		{term("N") + " + " + term("T") + " + " + term("T"), 2.0},
		{"(IF " + tvl["N"] + " THEN 10 ELSE 3)", 3.0},
	})
}

func TestReferenceSets(t *testing.T) {
	opt := Options{ReferenceSets: map[string][]string{
		"admins":  {"alice", "bob"},
		"bad ips": {"10.1.2.3"},
		"ports":   {"22", "443"},
		"empty":   nil,
	}}
	expectValues(t, opt, []valueCase{
		{`REFERENCESETCONTAINS('admins', username)`, true},
		{`NOT REFERENCESETCONTAINS('admins', username)`, false},
		{`REFERENCESETCONTAINS('admins', "verb")`, false},
		{`REFERENCESETCONTAINS('admins', UPPER(username))`, false}, // case-sensitive
		{`REFERENCESETCONTAINS('admins', "missing")`, null},
		{`NOT REFERENCESETCONTAINS('admins', "missing")`, null},
		{`REFERENCESETCONTAINS('bad ips', sourceip)`, true},
		{`REFERENCESETCONTAINS('ports', destinationport)`, true},
		{`REFERENCESETCONTAINS('empty', username)`, false},
	})
	expectErrors(t, opt, map[string]string{
		`REFERENCESETCONTAINS('nope', username)`: `reference set "nope" does not exist`,
		`REFERENCESETCONTAINS(username, 'x')`:    `reference set "alice" does not exist`,
		`REFERENCESETCONTAINS(1, username)`:      "takes the reference set name first",
	})
	expectErrors(t, Options{}, map[string]string{
		`REFERENCESETCONTAINS('admins', username)`: "reference sets are not available",
	})
}

func TestInList(t *testing.T) {
	expectValues(t, Options{}, []valueCase{
		{`"verb" IN ('create', 'update')`, true},
		{`"verb" IN ('get', 'list')`, false},
		{`"verb" IN ('CREATE')`, false}, // case-sensitive
		{`LOWER("Verb Upper") IN ('create')`, true},
		{`"verb" NOT IN ('get', 'list')`, true},
		{`"verb" NOT IN ('create')`, false},
		{`"missing" IN ('a', 'b')`, null},
		{`"missing" NOT IN ('a', 'b')`, null},
		// SQL: a NULL in the list makes a miss unknown, not false.
		{`"verb" IN ('get', NULL)`, null},
		{`"verb" IN ('create', NULL)`, true},
		{`"verb" NOT IN ('get', NULL)`, null},
		{`"verb" NOT IN ('create', NULL)`, false},
		{`devicetype IN (445, 446)`, true},
		{`devicetype IN ('446')`, true},
		{`devicetype NOT IN (445, 447)`, true},
		{`"count" IN (12, 13)`, true},
		{`"word" IN (1, 2)`, null},
		{`"resource" IN ("resource2", 'x')`, true},
	})
}
