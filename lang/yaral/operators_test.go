package yaral

import (
	"strings"
	"testing"
)

// The operator set code generators emit. Each predicate is written in
// canonical form: it must parse, pass Check without errors, survive a
// Print/Parse round trip and print back unchanged.
var generatorPredicates = []string{
	`$e.principal.hostname = "web"`,
	`$e.principal.hostname != "web"`,
	`$e.principal.hostname = "web" nocase`,
	`$e.principal.hostname != "web" nocase`,
	`$e.target.url = /^\/api\/(v1|v2)$/`,
	`$e.target.url != /(?s)a.b/ nocase`,
	`$e.target.url = /(?m)^b$/`,
	`$e.target.url = /(?i)abc/`,
	"re.regex($e.target.url, `a\\.b`)",
	"re.regex($e.target.url, `a\\.b`) nocase",
	`re.regex($e.target.url, "a\\.b")`,
	`re.regex($e.target.url, "a\\.b") nocase`,
	`re.regex($e.target.url, /^x/)`,
	`not re.regex($e.target.url, "x")`,
	`strings.contains($e.target.url, "x")`,
	`strings.starts_with($e.target.url, "c:\\")`,
	`strings.ends_with($e.target.url, ".exe")`,
	`strings.to_lower($e.target.url) = "x"`,
	`strings.to_upper($e.target.url) = "X"`,
	`strings.contains(strings.to_lower($e.target.url), "x")`,
	`net.ip_in_range_cidr($e.principal.ip, "10.0.0.0/8")`,
	`net.ip_in_range_cidr($e.principal.ip, "2001:db8::/32")`,
	`net.ip_in_range_cidr(all $e.principal.ip, "10.0.0.0/8")`,
	`not net.ip_in_range_cidr(any $e.principal.ip, "10.0.0.0/8")`,
	`$e.target.port > 1024`,
	`$e.target.port >= 1024`,
	`$e.target.port < 1024`,
	`$e.target.port <= 1024`,
	`$e.target.port = 443`,
	`$e.target.port != 443`,
	`1024 < $e.target.port`,
	`$e.principal.user.userid = $e.target.user.userid`,
	`$e.principal.user.userid != $e.target.user.userid nocase`,
	`strings.to_lower($e.principal.user.userid) = strings.to_lower($e.target.user.userid)`,
	`strings.contains($e.principal.user.userid, $e.target.user.userid)`,
	`any $e.target.ip = "1.2.3.4"`,
	`all $e.target.ip != "1.2.3.4"`,
	`not all $e.target.ip = "1.2.3.4"`,
	"re.regex(any $e.about.hostname, `server-[0-9]+`)",
	`any $e.target.file.tags = "exploit" nocase`,
	`not ($e.a = "x" or $e.b = "y")`,
	`$e.a = "1" or $e.b = "2" and $e.c = "3"`,
	`($e.a = "1" or $e.b = "2") and $e.c = "3"`,
	`not (not $e.a = "1" and ($e.b = "2" or $e.c = "3" and not $e.d = "4"))`,
	`$e.network.tls.established = true`,
	`$e.network.tls.established != false`,
}

func TestGeneratorPredicates(t *testing.T) {
	for _, pred := range generatorPredicates {
		t.Run(pred, func(t *testing.T) {
			src := events(pred)
			r := expectParse(t, src)
			for _, d := range Check(r) {
				if d.Severity == SeverityError {
					t.Errorf("Check: %s", d)
				}
			}
			out := roundTrip(t, r)
			// A top-level "or" predicate is printed in parentheses.
			want := pred
			if isTopOr(r.Events.Predicates[0]) {
				want = "(" + pred + ")"
			}
			if got := strings.Split(out, "\n")[5]; got != "    "+want {
				t.Errorf("printed %q, want %q", got, "    "+want)
			}
		})
	}
}

func isTopOr(x Expr) bool {
	b, ok := x.(*BinaryExpr)
	return ok && b.Op == OR
}

// Constructs YARA-L documents as invalid, and the checks that reject them.
func TestCheckPredicates(t *testing.T) {
	tests := []struct {
		name, ev string
		want     []string // diagnostic prefixes; nil = none
	}{
		{"any with map access", `any $e.additional.fields["k"] = "v"`,
			[]string{"5:5: error: any cannot be combined with map access [bad-modifier]"}},
		{"all with index", `all $e.principal.ip[0] = "v"`,
			[]string{"5:5: error: all cannot be combined with array indexing [bad-modifier]"}},
		{"any in placeholder assignment", `any $e.principal.ip = $ip`,
			[]string{"5:5: error: any cannot be used in a placeholder assignment or a join [bad-modifier]"}},
		{"any in join", "any $e1.principal.ip = $e2.target.ip",
			[]string{"4:3: error: 2 event variables ($e1, $e2 ...) need a match section", "5:5: error: any cannot be used in a placeholder assignment or a join [bad-modifier]"}},
		{"any in a reference-list test", `any $e.principal.ip in %ips`,
			[]string{"5:5: error: any is not supported with reference lists [bad-modifier]"}},
		{"two modifiers", `any $e.principal.ip = all $e.target.ip`,
			[]string{"5:27: error: only one any/all per predicate"}},
		{"two modifiers in a call", `strings.contains(any $e.a, any $e.b)`,
			[]string{"5:32: error: only one any/all per predicate"}},
		{"modifier allowed on the same event", `any $e.principal.ip = $e.target.ip`, nil},

		{"nocase on ordering", `$e.target.port > "a" nocase`,
			[]string{"5:26: error: nocase applies to = and != only, not to > [bad-nocase]"}},
		{"nocase on a number", `$e.target.port = 443 nocase`,
			[]string{"5:26: error: nocase applies to string and regex comparisons"}},
		{"nocase on a boolean", `$e.network.tls.established = true nocase`,
			[]string{"5:39: error: nocase applies to string and regex comparisons"}},
		{"nocase on an enum", `$e.metadata.event_type = "NETWORK_DNS" nocase`,
			[]string{"5:44: error: nocase cannot be used with the enumerated field metadata.event_type [bad-nocase]"}},
		{"nocase on an enum below udm", `$e.udm.network.ip_protocol = "TCP" nocase`,
			[]string{"5:40: error: nocase cannot be used with the enumerated field udm.network.ip_protocol"}},
		{"nocase on a noun platform", `$e.principal.platform = "LINUX" nocase`,
			[]string{"5:37: error: nocase cannot be used with the enumerated field principal.platform"}},
		{"nocase after strings.contains", `strings.contains($e.a, "x") nocase`,
			[]string{"5:33: error: nocase applies to re.regex, not to strings.contains [bad-nocase]"}},
		{"enum without nocase", `$e.metadata.event_type = "NETWORK_DNS"`, nil},

		{"literals on both sides", "\"a\" = \"a\"\n    $e.x = 1",
			[]string{"5:9: error: both sides of = are literals [literal-comparison]"}},
		{"invalid cidr", `net.ip_in_range_cidr($e.principal.ip, "10.0.0.0")`,
			[]string{`5:43: error: "10.0.0.0" is not a CIDR range`}},
		{"invalid cidr prefix length", `net.ip_in_range_cidr($e.principal.ip, "10.0.0.0/33")`,
			[]string{`5:43: error: "10.0.0.0/33" is not a CIDR range`}},
		{"empty prefix", `strings.starts_with($e.a, "")`,
			[]string{"5:31: warning: strings.starts_with with an empty string is always false [never-true]"}},
		{"empty suffix", "strings.ends_with($e.a, ``)",
			[]string{"5:29: warning: strings.ends_with with an empty string is always false"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cond := "$e"
			if strings.Contains(tc.ev, "$e1") {
				cond = "$e1 and $e2"
			}
			got := checkCodes(t, ruleText("", tc.ev, "", "", cond))
			if len(got) != len(tc.want) {
				t.Fatalf("got %d diagnostics, want %d:\n%s", len(got), len(tc.want), strings.Join(got, "\n"))
			}
			for i := range got {
				if !strings.HasPrefix(got[i], tc.want[i]) {
					t.Errorf("diagnostic %d = %q, want prefix %q", i, got[i], tc.want[i])
				}
			}
		})
	}
}

// The parser already rejects a modifier before a function (Google: "any
// re.regex(...)" is invalid; the modifier goes on the field).
func TestModifierBeforeFunction(t *testing.T) {
	expectError(t, events("any re.regex($e.f, `x`)"), "4:9: expected event field after any")
}
