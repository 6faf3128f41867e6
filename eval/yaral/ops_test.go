package yaral

import (
	"strings"
	"testing"

	"github.com/detgen/detgen/lang/yaral"
)

// Tests of the operator set a code generator emits. Each case evaluates the
// events predicates of a minimal rule on one event; the rule must pass
// yaral.Check without errors, and its canonical printing must evaluate the
// same, so that what a generator prints is what these tests prove.

type evCase struct {
	name  string
	preds string // events section body; lines are separate predicates
	ev    Event
	want  bool
}

// ruleOf wraps events predicates in a single-event rule.
func ruleOf(preds string) string {
	return "rule r {\n  meta:\n  events:\n    " + strings.ReplaceAll(preds, "\n", "\n    ") + "\n  condition:\n    $e\n}\n"
}

// parseValid parses src, requires Check to find no errors and the printed
// form to be a fixed point, and returns the tree and its printed reparse.
func parseValid(t *testing.T, src string) (*yaral.Rule, *yaral.Rule) {
	t.Helper()
	r, err := yaral.Parse(src)
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, src)
	}
	for _, d := range yaral.Check(r) {
		if d.Severity == yaral.SeverityError {
			t.Fatalf("check: %s\n%s", d, src)
		}
	}
	out := yaral.Print(r)
	r2, err := yaral.Parse(out)
	if err != nil {
		t.Fatalf("reparse: %v\n%s", err, out)
	}
	if out2 := yaral.Print(r2); out2 != out {
		t.Fatalf("print is not a fixed point:\n%s\n----\n%s", out, out2)
	}
	return r, r2
}

func runCases(t *testing.T, cases []evCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, printed := parseValid(t, ruleOf(tc.preds))
			for i, rule := range []*yaral.Rule{r, printed} {
				res, err := Evaluate(rule, tc.ev)
				if err != nil {
					t.Fatalf("tree %d: %v", i, err)
				}
				if res.Match != tc.want {
					t.Fatalf("tree %d: match = %v, want %v\n%s", i, res.Match, tc.want, yaral.Print(rule))
				}
			}
		})
	}
}

// one is an event with one field.
func one(path string, vals ...string) Event { return Event{path: vals} }

func TestEvalStringComparisons(t *testing.T) {
	const f = "principal.hostname"
	runCases(t, []evCase{
		{"eq", `$e.principal.hostname = "web"`, one(f, "web"), true},
		{"eq is case-sensitive", `$e.principal.hostname = "web"`, one(f, "WEB"), false},
		{"eq is whole-value", `$e.principal.hostname = "web"`, one(f, "web1"), false},
		{"eq missing", `$e.principal.hostname = "web"`, Event{}, false},
		{"eq missing reads as empty", `$e.principal.hostname = ""`, Event{}, true},
		{"eq empty", `$e.principal.hostname = ""`, one(f, "web"), false},
		{"eq repeated some element", `$e.principal.hostname = "web"`, one(f, "db", "web"), true},
		{"neq", `$e.principal.hostname != "web"`, one(f, "db"), true},
		{"neq equal", `$e.principal.hostname != "web"`, one(f, "web"), false},
		{"neq missing", `$e.principal.hostname != "web"`, Event{}, true},
		{"neq repeated some element differs", `$e.principal.hostname != "web"`, one(f, "web", "db"), true},
		{"neq repeated all equal", `$e.principal.hostname != "web"`, one(f, "web", "web"), false},
		{"eq nocase", `$e.principal.hostname = "Web" nocase`, one(f, "wEB"), true},
		{"eq nocase other", `$e.principal.hostname = "Web" nocase`, one(f, "db"), false},
		{"eq nocase missing", `$e.principal.hostname = "Web" nocase`, Event{}, false},
		{"neq nocase", `$e.principal.hostname != "Web" nocase`, one(f, "WEB"), false},
		{"literal on the left", `"web" = $e.principal.hostname`, one(f, "web"), true},
		{"escapes decoded", `$e.principal.hostname = "a\"b\\c\td"`, one(f, "a\"b\\c\td"), true},
		{"raw string", "$e.principal.hostname = `a\\b`", one(f, `a\b`), true},
	})
}

func TestEvalRegexComparisons(t *testing.T) {
	const f = "target.url"
	runCases(t, []evCase{
		{"anchored", `$e.target.url = /^ab+c$/`, one(f, "abbc"), true},
		{"anchored no match", `$e.target.url = /^ab+c$/`, one(f, "xabbc"), false},
		{"unanchored matches a substring", `$e.target.url = /b+c/`, one(f, "xabbcx"), true},
		{"missing", `$e.target.url = /b/`, Event{}, false},
		{"missing matches empty regex", `$e.target.url = /^$/`, Event{}, true},
		{"repeated some element", `$e.target.url = /^b$/`, one(f, "a", "b"), true},
		{"neq", `$e.target.url != /abc/`, one(f, "xyz"), true},
		{"neq matching", `$e.target.url != /abc/`, one(f, "xabcx"), false},
		{"neq missing", `$e.target.url != /abc/`, Event{}, true},
		{"case-sensitive", `$e.target.url = /abc/`, one(f, "ABC"), false},
		{"nocase", `$e.target.url = /^abc$/ nocase`, one(f, "aBC"), true},
		{"neq nocase", `$e.target.url != /abc/ nocase`, one(f, "ABC"), false},
		{"dot stops at newline", `$e.target.url = /a.b/`, one(f, "a\nb"), false},
		{"(?s) dot matches newline", `$e.target.url = /(?s)a.b/`, one(f, "a\nb"), true},
		{"$ is end of text", `$e.target.url = /^b$/`, one(f, "a\nb"), false},
		{"(?m) line anchors", `$e.target.url = /(?m)^b$/`, one(f, "a\nb\nc"), true},
		{"(?i)", `$e.target.url = /(?i)^abc$/`, one(f, "ABC"), true},
		{"(?s) with nocase", `$e.target.url = /(?s)^a.B$/ nocase`, one(f, "A\nb"), true},
		{"escaped slash", `$e.target.url = /^\/api\/v1$/`, one(f, "/api/v1"), true},
		{"escaped dot", `$e.target.url = /^a\.b$/`, one(f, "axb"), false},
	})
}

func TestEvalReRegex(t *testing.T) {
	const f = "target.process.command_line"
	runCases(t, []evCase{
		{"raw", "re.regex($e.target.process.command_line, `a\\.b`)", one(f, "xa.bx"), true},
		{"raw escaped dot", "re.regex($e.target.process.command_line, `a\\.b`)", one(f, "axb"), false},
		{"quoted doubled backslash", `re.regex($e.target.process.command_line, "a\\.b")`, one(f, "a.b"), true},
		{"quoted doubled backslash escapes", `re.regex($e.target.process.command_line, "a\\.b")`, one(f, "axb"), false},
		{"quoted dot is any", `re.regex($e.target.process.command_line, "a.b")`, one(f, "axb"), true},
		{"quoted class", `re.regex($e.target.process.command_line, "^\\d+$")`, one(f, "123"), true},
		{"quoted class no match", `re.regex($e.target.process.command_line, "^\\d+$")`, one(f, "12a"), false},
		{"quoted tab", `re.regex($e.target.process.command_line, "a\tb")`, one(f, "a\tb"), true},
		{"regex literal argument", `re.regex($e.target.process.command_line, /^\/bin\//)`, one(f, "/bin/sh"), true},
		{"case-sensitive", "re.regex($e.target.process.command_line, `^abc$`)", one(f, "ABC"), false},
		{"nocase", "re.regex($e.target.process.command_line, `^abc$`) nocase", one(f, "ABC"), true},
		{"(?s) inside", "re.regex($e.target.process.command_line, `(?s)a.*b`)", one(f, "a\n\nb"), true},
		{"missing", "re.regex($e.target.process.command_line, `x`)", Event{}, false},
		{"not missing", "not re.regex($e.target.process.command_line, `x`)", Event{}, true},
		{"repeated some element", "re.regex($e.target.process.command_line, `^b$`)", one(f, "a", "b"), true},
		{"repeated none", "re.regex($e.target.process.command_line, `^c$`)", one(f, "a", "b"), false},
	})
}

func TestEvalStringFunctions(t *testing.T) {
	const f = "target.file.full_path"
	runCases(t, []evCase{
		{"contains", `strings.contains($e.target.file.full_path, "lo w")`, one(f, "hello world"), true},
		{"contains absent", `strings.contains($e.target.file.full_path, "xyz")`, one(f, "hello"), false},
		{"contains is case-sensitive", `strings.contains($e.target.file.full_path, "HELLO")`, one(f, "hello"), false},
		{"contains missing", `strings.contains($e.target.file.full_path, "x")`, Event{}, false},
		{"contains lowered", `strings.contains(strings.to_lower($e.target.file.full_path), "hello")`, one(f, "HeLLo"), true},
		{"contains repeated", `strings.contains($e.target.file.full_path, "x")`, one(f, "a", "bxb"), true},
		{"not contains repeated per copy", `not strings.contains($e.target.file.full_path, "x")`, one(f, "x", "y"), true},
		{"not contains repeated every copy", `not strings.contains($e.target.file.full_path, "x")`, one(f, "x", "ax"), false},
		{"contains compared with true", `strings.contains($e.target.file.full_path, "a") = true`, one(f, "cat"), true},
		{"contains compared with false", `strings.contains($e.target.file.full_path, "a") = false`, one(f, "cat"), false},
		{"starts_with", `strings.starts_with($e.target.file.full_path, "c:\\windows\\")`, one(f, `c:\windows\x.exe`), true},
		{"starts_with elsewhere", `strings.starts_with($e.target.file.full_path, "c:\\windows\\")`, one(f, `d:\c:\windows\`), false},
		{"starts_with is case-sensitive", `strings.starts_with($e.target.file.full_path, "c:")`, one(f, `C:\`), false},
		{"starts_with lowered", `strings.starts_with(strings.to_lower($e.target.file.full_path), "c:")`, one(f, `C:\`), true},
		{"starts_with missing", `strings.starts_with($e.target.file.full_path, "c:")`, Event{}, false},
		{"starts_with empty prefix is false", `strings.starts_with($e.target.file.full_path, "")`, one(f, "abc"), false},
		{"ends_with", `strings.ends_with($e.target.file.full_path, ".exe")`, one(f, `c:\x.exe`), true},
		{"ends_with elsewhere", `strings.ends_with($e.target.file.full_path, ".exe")`, one(f, `x.exe.txt`), false},
		{"ends_with is case-sensitive", `strings.ends_with($e.target.file.full_path, ".exe")`, one(f, `X.EXE`), false},
		{"ends_with empty suffix is false", `strings.ends_with($e.target.file.full_path, "")`, one(f, "abc"), false},
		{"ends_with missing", `strings.ends_with($e.target.file.full_path, ".exe")`, Event{}, false},
		{"to_lower", `strings.to_lower($e.target.file.full_path) = "abc"`, one(f, "AbC"), true},
		{"to_lower keeps case of the literal", `strings.to_lower($e.target.file.full_path) = "ABC"`, one(f, "ABC"), false},
		{"to_upper", `strings.to_upper($e.target.file.full_path) = "ABC"`, one(f, "aBc"), true},
		{"to_upper other", `strings.to_upper($e.target.file.full_path) = "ABC"`, one(f, "abd"), false},
		{"to_upper missing", `strings.to_upper($e.target.file.full_path) = ""`, Event{}, true},
	})
}

func TestEvalCIDR(t *testing.T) {
	const f = "principal.ip"
	const v4 = `net.ip_in_range_cidr($e.principal.ip, "10.0.0.0/8")`
	const v6 = `net.ip_in_range_cidr($e.principal.ip, "2001:db8::/32")`
	runCases(t, []evCase{
		{"v4 in", v4, one(f, "10.1.2.3"), true},
		{"v4 out", v4, one(f, "11.0.0.1"), false},
		{"v4 edge", v4, one(f, "10.255.255.255"), true},
		{"v4 missing", v4, Event{}, false},
		{"not an ip", v4, one(f, "10.0.0.0.1"), false},
		{"v4 repeated some element", v4, one(f, "192.168.1.1", "10.0.0.5"), true},
		{"v4 repeated none", v4, one(f, "1.1.1.1", "2.2.2.2"), false},
		{"v4 address, v6 range", v6, one(f, "10.0.0.1"), false},
		{"v6 in", v6, one(f, "2001:db8::1"), true},
		{"v6 in uncompressed", v6, one(f, "2001:0db8:0000:0000:0000:0000:0000:0001"), true},
		{"v6 out", v6, one(f, "2001:db9::1"), false},
		{"v6 repeated", v6, one(f, "10.0.0.1", "2001:db8:ffff::2"), true},
		{"host bits in the range", `net.ip_in_range_cidr($e.principal.ip, "10.1.2.3/8")`, one(f, "10.9.9.9"), true},
		{"single host", `net.ip_in_range_cidr($e.principal.ip, "192.0.2.7/32")`, one(f, "192.0.2.8"), false},
		{"not, repeated: some element out of range", "not " + v4, one(f, "10.0.0.1", "11.0.0.1"), true},
		{"not, repeated: all in range", "not " + v4, one(f, "10.0.0.1", "10.0.0.2"), false},
		{"all in range", `net.ip_in_range_cidr(all $e.principal.ip, "10.0.0.0/8")`, one(f, "10.0.0.1", "10.0.0.2"), true},
		{"all, one out", `net.ip_in_range_cidr(all $e.principal.ip, "10.0.0.0/8")`, one(f, "10.0.0.1", "11.0.0.1"), false},
		{"not any", `not net.ip_in_range_cidr(any $e.principal.ip, "10.0.0.0/8")`, one(f, "11.0.0.1", "10.0.0.1"), false},
	})
}

func TestEvalIntegers(t *testing.T) {
	const f = "target.port"
	runCases(t, []evCase{
		{"gt", `$e.target.port > 1024`, one(f, "8080"), true},
		{"gt equal", `$e.target.port > 1024`, one(f, "1024"), false},
		{"gt numeric not lexical", `$e.target.port > 1024`, one(f, "999"), false},
		{"gt missing is 0", `$e.target.port > 1024`, Event{}, false},
		{"ge", `$e.target.port >= 1024`, one(f, "1024"), true},
		{"ge below", `$e.target.port >= 1024`, one(f, "1023"), false},
		{"lt", `$e.target.port < 1024`, one(f, "80"), true},
		{"lt above", `$e.target.port < 1024`, one(f, "10000"), false},
		{"lt missing is 0", `$e.target.port < 1`, Event{}, true},
		{"le", `$e.target.port <= 1024`, one(f, "1024"), true},
		{"le above", `$e.target.port <= 1024`, one(f, "1025"), false},
		{"eq", `$e.target.port = 443`, one(f, "443"), true},
		{"eq numeric", `$e.target.port = 443`, one(f, "0443"), true},
		{"eq other", `$e.target.port = 443`, one(f, "80"), false},
		{"eq zero missing", `$e.target.port = 0`, Event{}, true},
		{"neq", `$e.target.port != 443`, one(f, "80"), true},
		{"neq equal", `$e.target.port != 443`, one(f, "443"), false},
		{"neq missing", `$e.target.port != 443`, Event{}, true},
		{"literal on the left", `1024 < $e.target.port`, one(f, "2000"), true},
		{"repeated some element", `$e.target.port = 443`, one(f, "80", "443"), true},
		{"repeated none", `$e.target.port > 1000`, one(f, "80", "443"), false},
		{"range on one copy", "$e.target.port > 100\n$e.target.port < 200", one(f, "50", "150"), true},
		{"range needs one copy", "$e.target.port > 100\n$e.target.port < 200", one(f, "50", "250"), false},
		{"float", `$e.network.sent_bytes > 1.5`, one("network.sent_bytes", "2"), true},
	})
}

func TestEvalFieldToField(t *testing.T) {
	a, b := "principal.user.userid", "target.user.userid"
	ev := func(x, y string) Event { return Event{a: {x}, b: {y}} }
	runCases(t, []evCase{
		{"eq", `$e.principal.user.userid = $e.target.user.userid`, ev("alice", "alice"), true},
		{"eq differs", `$e.principal.user.userid = $e.target.user.userid`, ev("alice", "bob"), false},
		{"eq case-sensitive", `$e.principal.user.userid = $e.target.user.userid`, ev("alice", "Alice"), false},
		{"eq both missing", `$e.principal.user.userid = $e.target.user.userid`, Event{}, true},
		{"eq one missing", `$e.principal.user.userid = $e.target.user.userid`, Event{a: {"alice"}}, false},
		{"neq", `$e.principal.user.userid != $e.target.user.userid`, ev("alice", "bob"), true},
		{"neq same", `$e.principal.user.userid != $e.target.user.userid`, ev("alice", "alice"), false},
		{"eq nocase", `$e.principal.user.userid = $e.target.user.userid nocase`, ev("alice", "ALICE"), true},
		{"lowered", `strings.to_lower($e.principal.user.userid) = strings.to_lower($e.target.user.userid)`, ev("ALICE", "alice"), true},
		{"lowered differs", `strings.to_lower($e.principal.user.userid) = strings.to_lower($e.target.user.userid)`, ev("ALICE", "bob"), false},
		{"contains", `strings.contains($e.principal.user.userid, $e.target.user.userid)`, ev("foobar", "oba"), true},
		{"contains absent", `strings.contains($e.principal.user.userid, $e.target.user.userid)`, ev("foobar", "baz"), false},
		{"contains guarded against empty", `strings.contains($e.principal.user.userid, $e.target.user.userid)` + "\n" + `$e.target.user.userid != ""`, ev("foobar", ""), false},
		{"repeated some pair", `$e.principal.ip = $e.target.ip`, Event{"principal.ip": {"1", "2"}, "target.ip": {"3", "2"}}, true},
		{"repeated no pair", `$e.principal.ip = $e.target.ip`, Event{"principal.ip": {"1", "2"}, "target.ip": {"3", "4"}}, false},
	})
}

// The events and rules of Google's "Repeated fields" page.
func TestEvalRepeatedFields(t *testing.T) {
	orig := Event{"principal.ip": {"192.0.2.1", "192.0.2.2", "192.0.2.3"}, "principal.hostname": {"host"}}
	const tip = "target.ip"
	runCases(t, []evCase{
		{"doc any", `any $e.principal.ip = "192.0.2.1"`, orig, true},
		{"doc any fails", `any $e.principal.ip = "9.9.9.9"`, orig, false},
		{"doc all cidr", `net.ip_in_range_cidr(all $e.principal.ip, "192.0.2.0/8")`, orig, true},
		{"doc all fails", `all $e.principal.ip = "192.0.2.2"`, orig, false},
		{"doc not all", `not all $e.principal.ip = "192.0.2.2"`, orig, true},
		{"doc repeated_field_1", "net.ip_in_range_cidr($e.principal.ip, \"192.0.2.0/8\")\n$e.principal.ip = \"192.0.2.1\"", orig, true},
		{"doc repeated_field_2", "$e.principal.ip = \"192.0.2.1\"\n$e.principal.ip = \"192.0.2.2\"", orig, false},
		{"doc repeated_field_3", "any $e.principal.ip = \"192.0.2.1\"\n$e.principal.ip = \"192.0.2.3\"", orig, true},
		{"doc any regex", "re.regex(any $e.about.hostname, `server-[0-9]+`)", one("about.hostname", "db", "server-12"), true},

		{"any", `any $e.target.ip = "1.2.3.4"`, one(tip, "5.5.5.5", "1.2.3.4"), true},
		{"any none", `any $e.target.ip = "1.2.3.4"`, one(tip, "5.5.5.5", "6.6.6.6"), false},
		{"any missing", `any $e.target.ip = "1.2.3.4"`, Event{}, false},
		{"any nocase", `any $e.target.file.tags = "exploit" nocase`, one("target.file.tags", "a", "EXPLOIT"), true},
		{"all neq", `all $e.target.ip != "1.2.3.4"`, one(tip, "5.5.5.5", "6.6.6.6"), true},
		{"all neq one equal", `all $e.target.ip != "1.2.3.4"`, one(tip, "5.5.5.5", "1.2.3.4"), false},
		{"all neq missing", `all $e.target.ip != "1.2.3.4"`, Event{}, true},
		{"all regex", `all $e.target.ip = /^10\./`, one(tip, "10.0.0.1", "10.0.0.2"), true},
		{"all regex one out", `all $e.target.ip = /^10\./`, one(tip, "10.0.0.1", "11.0.0.2"), false},
		{"bare neq is per copy", `$e.target.ip != "1.2.3.4"`, one(tip, "5.5.5.5", "1.2.3.4"), true},
		{"not bare eq is per copy", `not $e.target.ip = "1.2.3.4"`, one(tip, "5.5.5.5", "1.2.3.4"), true},
		{"not bare eq single", `not $e.target.ip = "1.2.3.4"`, one(tip, "1.2.3.4"), false},
		{"not any", `not any $e.target.ip = "1.2.3.4"`, one(tip, "5.5.5.5", "1.2.3.4"), false},
		{"not any none", `not any $e.target.ip = "1.2.3.4"`, one(tip, "5.5.5.5"), true},
		{"not group per copy", `not ($e.target.ip = "1" or $e.target.ip = "2")`, one(tip, "1", "3"), true},
		{"not group every copy", `not ($e.target.ip = "1" or $e.target.ip = "2")`, one(tip, "1", "2"), false},
		{"two fields unnest independently", "$e.principal.ip = \"1\"\n$e.target.ip = \"b\"", Event{"principal.ip": {"1", "2"}, tip: {"a", "b"}}, true},
		{"index", `$e.target.ip[1] = "b"`, one(tip, "a", "b"), true},
		{"index other", `$e.target.ip[0] = "b"`, one(tip, "a", "b"), false},
		{"index out of range is empty", `$e.target.ip[5] = ""`, one(tip, "a", "b"), true},
		{"map access takes the first value", `$e.additional.fields["k"] = "v1"`, one(`additional.fields["k"]`, "v1", "v2"), true},
		{"map access ignores later values", `$e.additional.fields["k"] = "v2"`, one(`additional.fields["k"]`, "v1", "v2"), false},
	})
}

func TestEvalLogic(t *testing.T) {
	ev := func(kv ...string) Event {
		e := Event{}
		for i := 0; i < len(kv); i += 2 {
			e[kv[i]] = []string{kv[i+1]}
		}
		return e
	}
	const notOr = `not ($e.a = "x" or $e.b = "y")`
	const prec = `$e.a = "1" or $e.b = "2" and $e.c = "3"`
	const grouped = `($e.a = "1" or $e.b = "2") and $e.c = "3"`
	const nested = `not (not $e.a = "1" and ($e.b = "2" or ($e.c = "3" and not $e.d = "4")))`
	const lines = "$e.a = \"1\"\nor $e.b = \"2\"\n$e.c = \"3\""
	runCases(t, []evCase{
		{"not group first", notOr, ev("a", "x"), false},
		{"not group second", notOr, ev("b", "y"), false},
		{"not group neither", notOr, ev("a", "z", "b", "z"), true},
		{"not group missing", notOr, Event{}, true},
		{"and binds tighter: or left", prec, ev("a", "1"), true},
		{"and binds tighter: and half", prec, ev("b", "2"), false},
		{"and binds tighter: and whole", prec, ev("b", "2", "c", "3"), true},
		{"parentheses: or without and", grouped, ev("a", "1"), false},
		{"parentheses: both", grouped, ev("a", "1", "c", "3"), true},
		{"nested: a holds", nested, ev("a", "1"), true},
		{"nested: b holds", nested, ev("b", "2"), false},
		{"nested: c without d", nested, ev("c", "3"), false},
		{"nested: c with d", nested, ev("c", "3", "d", "4"), true},
		{"line break after or: or only", lines, ev("a", "1"), false},
		{"line break after or: with c", lines, ev("b", "2", "c", "3"), true},
	})
}

func TestEvalBooleanFields(t *testing.T) {
	const f = "network.tls.established"
	runCases(t, []evCase{
		{"eq true", `$e.network.tls.established = true`, one(f, "true"), true},
		{"eq true upper", `$e.network.tls.established = true`, one(f, "TRUE"), true},
		{"eq true false", `$e.network.tls.established = true`, one(f, "false"), false},
		{"eq true missing", `$e.network.tls.established = true`, Event{}, false},
		{"eq false missing", `$e.network.tls.established = false`, Event{}, true},
		{"eq false", `$e.network.tls.established = false`, one(f, "false"), true},
		{"neq true missing", `$e.network.tls.established != true`, Event{}, true},
		{"neq true", `$e.network.tls.established != true`, one(f, "true"), false},
		{"literal on the left", `true = $e.network.tls.established`, one(f, "true"), true},
	})
}

func TestEvalErrors(t *testing.T) {
	for _, tc := range []struct{ preds, want string }{
		{`$e.target.port > 1024`, `"http" is not a number`},
		{`$e.target.port = true`, `"http" is not a boolean`},
		{`any $e.principal.ip = any $e.target.ip`, "only one any/all per predicate"},
		{`$ip = $e.target.port`, "placeholder $ip is not supported"},
		{`strings.frobnicate($e.target.port)`, "function strings.frobnicate is not supported"},
	} {
		r, err := yaral.Parse(ruleOf(tc.preds))
		if err != nil {
			t.Fatal(err)
		}
		_, err = Evaluate(r, Event{"target.port": {"http"}})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.preds, err, tc.want)
		}
	}
}

// TestEvalCoalesce: strings.coalesce gives its first non-empty argument,
// as a placeholder value taken from one of several UDM paths.
func TestEvalCoalesce(t *testing.T) {
	src := `rule r {
  meta:
    author = "t"
  events:
    strings.coalesce($e.principal.user.user_display_name, $e.principal.user.userid) = "alice"
  condition:
    $e
}`
	r, err := yaral.Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		ev   Event
		want bool
	}{
		{Event{"principal.user.user_display_name": {"alice"}, "principal.user.userid": {"u-1"}}, true},
		{Event{"principal.user.userid": {"alice"}}, true},
		{Event{"principal.user.user_display_name": {"bob"}, "principal.user.userid": {"alice"}}, false},
		{Event{}, false},
	} {
		res, err := Evaluate(r, tc.ev)
		if err != nil {
			t.Fatal(err)
		}
		if res.Match != tc.want {
			t.Errorf("%v: match %v, want %v", tc.ev, res.Match, tc.want)
		}
	}
}
