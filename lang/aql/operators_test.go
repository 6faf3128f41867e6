package aql

import (
	"testing"
)

// TestOperatorSet covers every construct the code generator emits: each
// condition parses to the expected tree, prints back as written (a fixed
// point), and passes Check without diagnostics.
func TestOperatorSet(t *testing.T) {
	tests := []struct{ cond, tree string }{
		// 1. IS [NOT] NULL on a column, a custom property and a call.
		{`sourceip IS NULL`, `(IS-NULL sourceip)`},
		{`"Process Name" IS NOT NULL`, `(IS-NOT-NULL "Process Name")`},
		{`LOWER("Process Name") IS NULL`, `(IS-NULL (call LOWER "Process Name"))`},
		{`NOT "verb" IS NULL`, `(NOT (IS-NULL "verb"))`},
		// 2. INCIDR, IPv4 and IPv6.
		{`INCIDR('10.0.0.0/8', sourceip)`, `(call INCIDR '10.0.0.0/8' sourceip)`},
		{`INCIDR('2001:db8::/32', destinationip)`, `(call INCIDR '2001:db8::/32' destinationip)`},
		{`NOT INCIDR('192.168.0.0/16', sourceip) OR INCIDR('ff02:0:0:0:0:1:ff2f:29d6', destinationv6)`,
			`(OR (NOT (call INCIDR '192.168.0.0/16' sourceip)) (call INCIDR 'ff02:0:0:0:0:1:ff2f:29d6' destinationv6))`},
		// 3. Numeric comparisons and conversions.
		{`"count" = 5`, `(= "count" 5)`},
		{`"count" <> 5`, `(<> "count" 5)`},
		{`"count" != 5`, `(!= "count" 5)`},
		{`"count" < 5`, `(< "count" 5)`},
		{`"count" <= 5.5`, `(<= "count" 5.5)`},
		{`destinationport > 1024`, `(> destinationport 1024)`},
		{`destinationport >= 0x400`, `(>= destinationport 0x400)`},
		{`LONG("count") > 5`, `(> (call LONG "count") 5)`},
		{`DOUBLE("ratio") < 2.5`, `(< (call DOUBLE "ratio") 2.5)`},
		{`STRLEN(username) > 0`, `(> (call STRLEN username) 0)`},
		{`"count" + 1 > -5`, `(> (+ "count" 1) (neg 5))`},
		// 4. LIKE, ILIKE, MATCHES, IMATCHES (with inline flags).
		{`UTF8(payload) LIKE '%"verb":"create"%'`, `(LIKE (call UTF8 payload) '%"verb":"create"%')`},
		{`"verb" NOT ILIKE 'get%'`, `(NOT ILIKE "verb" 'get%')`},
		{`UTF8(payload) MATCHES '(?s)(?m).*^kind: CronJob$.*'`, `(MATCHES (call UTF8 payload) '(?s)(?m).*^kind: CronJob$.*')`},
		{`"image" IMATCHES '(?i).*:latest'`, `(IMATCHES "image" '(?i).*:latest')`},
		// 5. Field to field, and a LIKE pattern that is an expression.
		{`"a" = "b"`, `(= "a" "b")`},
		{`LOWER("a") = LOWER("b")`, `(= (call LOWER "a") (call LOWER "b"))`},
		{`"a" ILIKE CONCAT('%', "b", '%')`, `(ILIKE "a" (call CONCAT '%' "b" '%'))`},
		{`"a" NOT LIKE CONCAT("b", '%')`, `(NOT LIKE "a" (call CONCAT "b" '%'))`},
		// 6. NOT and nested AND/OR.
		{`NOT ("a" = 'x' OR ("b" = 'y' AND "c" IS NULL))`,
			`(NOT (paren (OR (= "a" 'x') (paren (AND (= "b" 'y') (IS-NULL "c"))))))`},
		{`("a" = 'x' OR "b" = 'y') AND NOT ("c" = 'z' AND "d" = 'w')`,
			`(AND (paren (OR (= "a" 'x') (= "b" 'y'))) (NOT (paren (AND (= "c" 'z') (= "d" 'w')))))`},
		// 7. "At least N of": IF terms added up and compared.
		{`((IF "a" = 'x' THEN 1 ELSE 0) + (IF "b" = 'y' THEN 1 ELSE 0)) >= 2`,
			`(>= (paren (+ (paren (IF (= "a" 'x') 1 0)) (paren (IF (= "b" 'y') 1 0)))) 2)`},
		{`(IF "a" IS NULL THEN 0 ELSE 1) + (IF INCIDR('10.0.0.0/8', sourceip) THEN 1 ELSE 0) + (IF "c" MATCHES '.*x.*' THEN 1 ELSE 0) >= 2`,
			`(>= (+ (+ (paren (IF (IS-NULL "a") 0 1)) (paren (IF (call INCIDR '10.0.0.0/8' sourceip) 1 0))) (paren (IF (MATCHES "c" '.*x.*') 1 0))) 2)`},
		// 8. REFERENCESETCONTAINS.
		{`REFERENCESETCONTAINS('Admin Users', username)`, `(call REFERENCESETCONTAINS 'Admin Users' username)`},
		{`NOT REFERENCESETCONTAINS('bad ips', sourceip)`, `(NOT (call REFERENCESETCONTAINS 'bad ips' sourceip))`},
		// 9. IN lists.
		{`"verb" IN ('create', 'update')`, `(IN "verb" 'create' 'update')`},
		{`"verb" NOT IN ('get', 'list', 'watch')`, `(NOT IN "verb" 'get' 'list' 'watch')`},
		{`LOWER("verb") NOT IN ('get')`, `(NOT IN (call LOWER "verb") 'get')`},
	}
	for _, tt := range tests {
		src := "SELECT username FROM events WHERE " + tt.cond + " LAST 24 HOURS"
		expectParse(t, src, "")
		if got := whereTree(t, tt.cond); got != tt.tree {
			t.Errorf("tree of %s\n got: %s\nwant: %s", tt.cond, got, tt.tree)
		}
		expectCheck(t, src)
	}
}

func TestCheckBadArgument(t *testing.T) {
	// Positive: arity, bad CIDR literals, swapped INCIDR, set name not a literal.
	expectCheck(t, "SELECT * FROM events WHERE INCIDR('10.0.0.0/8')"+tail, "1:28 error bad-argument")
	expectCheck(t, "SELECT * FROM events WHERE INCIDR('10.0.0.0/8', sourceip, destinationip)"+tail, "1:28 error bad-argument")
	expectCheck(t, "SELECT * FROM events WHERE LONG(\"a\", 10) > 5"+tail, "1:28 error bad-argument")
	expectCheck(t, "SELECT DOUBLE() FROM events"+tail, "1:8 error bad-argument")
	expectCheck(t, "SELECT * FROM events WHERE strlen() > 0"+tail, "1:28 error bad-argument")
	expectCheck(t, "SELECT * FROM events WHERE NOW(1) > 0"+tail, "1:28 error bad-argument")
	expectCheck(t, "SELECT * FROM events WHERE INCIDR('10.0.0.0/33', sourceip)"+tail, "1:35 error bad-argument")
	expectCheck(t, "SELECT * FROM events WHERE INCIDR('10.0.0/8', sourceip)"+tail, "1:35 error bad-argument")
	expectCheck(t, "SELECT * FROM events WHERE INCIDR('2001:db8::/129', destinationip)"+tail, "1:35 error bad-argument")
	expectCheck(t, "SELECT * FROM events WHERE INCIDR('fe80::1%eth0', destinationip)"+tail, "1:35 error bad-argument")
	expectCheck(t, "SELECT * FROM events WHERE INCIDR('*', sourceip)"+tail, "1:35 error bad-argument")
	expectCheck(t, "SELECT * FROM events WHERE INCIDR(sourceip, '10.0.0.0/8')"+tail, "1:28 error bad-argument")
	expectCheck(t, "SELECT * FROM events WHERE REFERENCESETCONTAINS(username, 'admins')"+tail, "1:49 error bad-argument")
	expectCheck(t, "SELECT * FROM events WHERE REFERENCESETCONTAINS(\"admins\", username)"+tail, "1:49 error bad-argument")
	// Negative: valid IPv4/IPv6 CIDRs and bare addresses, host bits set (as
	// stix-shifter emits), a computed CIDR, INCIDR on two fields, namespaced
	// functions and functions without a fixed arity.
	expectCheck(t, "SELECT * FROM events WHERE INCIDR('10.0.0.0/8', sourceip) AND INCIDR('2001:db8::/32', destinationip) "+
		"AND INCIDR('::1/128', destinationip) AND INCIDR('fd::/16', destinationip) AND INCIDR('192.168.122.84/10', sourceip) "+
		"AND INCIDR('ff02:0:0:0:0:1:ff2f:29d6', destinationv6) AND INCIDR('10.1.2.3', sourceip) AND INCIDR(\"net\", sourceip) "+
		"AND INCIDR(CONCAT('10.0.0.0/', '8'), sourceip) AND INCIDR(\"net\", 'x')"+tail)
	expectCheck(t, "SELECT LONG(COUNT(*)), DOUBLE('1234'), STRLEN(u), LOWER(u), UPPER(u), BASE64(payload), NOW(), "+
		"CONCAT(a, b, c), SUBSTRING(u, 0, 3), exploitdetect::log4j(UTF8(payload), 1, 2) FROM events "+
		"WHERE REFERENCESETCONTAINS('admins', LOWER(username)) AND REFERENCESETCONTAINS(('x'), u) GROUP BY u, payload, a, b, c"+tail,
		"1:132 warning unknown-function")
	if n, ok := FuncArity("incidr"); !ok || n != 2 {
		t.Errorf("FuncArity(incidr) = %d, %v", n, ok)
	}
	if _, ok := FuncArity("CONCAT"); ok {
		t.Error("FuncArity(CONCAT) ok: CONCAT is variadic")
	}
}

func TestParseCIDR(t *testing.T) {
	tests := []struct{ in, want string }{
		{"10.0.0.0/8", "10.0.0.0/8"},
		{"192.168.122.84/10", "192.128.0.0/10"},
		{"10.1.2.3", "10.1.2.3/32"},
		{"0.0.0.0/0", "0.0.0.0/0"},
		{"2001:db8::/32", "2001:db8::/32"},
		{"2001:DB8:0:0::1/64", "2001:db8::/64"},
		{"ff02:0:0:0:0:1:ff2f:29d6", "ff02::1:ff2f:29d6/128"},
		{"::ffff:10.0.0.0/104", "10.0.0.0/8"},
		{"::ffff:10.1.2.3", "10.1.2.3/32"},
		{"::ffff:0:0/80", "::/80"}, // shorter than the mapped range: stays IPv6
	}
	for _, tt := range tests {
		p, err := ParseCIDR(tt.in)
		if err != nil || p.String() != tt.want {
			t.Errorf("ParseCIDR(%q) = %v, %v; want %s", tt.in, p, err, tt.want)
		}
	}
	for _, bad := range []string{"", "10.0.0.0/33", "10.0.0/8", "10.0.0.0/", "/8", "2001:db8::/129", "fe80::1%eth0", "fe80::/10%eth0", "010.0.0.0/8", "host", "10.0.0.0/8 "} {
		if p, err := ParseCIDR(bad); err == nil {
			t.Errorf("ParseCIDR(%q) = %v, want an error", bad, p)
		}
	}
}
