package reference

import (
	"slices"
	"testing"

	"github.com/detgen/detgen/compile"
	"github.com/detgen/detgen/ir"
	"github.com/detgen/detgen/k8saudit"
	"github.com/detgen/detgen/spec"
)

func loadRule(t *testing.T) *ir.Rule {
	t.Helper()
	sr, errs := spec.Load("../../rules/kubernetes/t1053.007-suspicious-cronjob-job.yaml")
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	r, errs := compile.Rule(sr)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	return r
}

// TestSpecTests runs the reference semantics on every test case of the
// shipped rule: the spec must agree with itself before any artifact is
// compared with it.
func TestSpecTests(t *testing.T) {
	r := loadRule(t)
	ev, err := New(r)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Tests) < 14 {
		t.Fatalf("only %d test cases", len(r.Tests))
	}
	for _, tc := range r.Tests {
		event, _, err := k8saudit.Parse(tc.Event)
		if err != nil {
			t.Fatalf("%s: %v", tc.Name, err)
		}
		got := ev.Evaluate(event)
		if got.Match != tc.Expect.Match {
			t.Errorf("%s: match %v, want %v (%+v)", tc.Name, got.Match, tc.Expect.Match, got)
			continue
		}
		if tc.Expect.Match && (got.Score != tc.Expect.Score || !slices.Equal(got.Signals, tc.Expect.Signals)) {
			t.Errorf("%s: score %d signals %v, want %d %v", tc.Name, got.Score, got.Signals, tc.Expect.Score, tc.Expect.Signals)
		}
	}
}

func TestCompare(t *testing.T) {
	for _, tc := range []struct {
		m    ir.Match
		v, w string
		want bool
	}{
		{ir.Match{Op: ir.Equals, Cased: true}, "Jobs", "Jobs", true},
		{ir.Match{Op: ir.Equals, Cased: true}, "jobs", "Jobs", false},
		{ir.Match{Op: ir.Equals}, "jobs", "Jobs", true},
		{ir.Match{Op: ir.StartsWith, Cased: true}, "SYS:a", "sys:", false},
		{ir.Match{Op: ir.StartsWith}, "SYS:a", "sys:", true},
		{ir.Match{Op: ir.Contains, Cased: true}, "ax*yb", "x*y", true},
		{ir.Match{Op: ir.Contains, Cased: true}, "axyb", "x*y", false},
		{ir.Match{Op: ir.EndsWith}, `C:\Windows\CERTUTIL.exe`, `\certutil.exe`, true},
		{ir.Match{Op: ir.EndsWith}, `certutil.exe.bak`, `certutil.exe`, false},
		{ir.Match{Op: ir.Regex}, "nc -e /bin/sh", `-e\s+/bin/(ba)?sh`, true},
		{ir.Match{Op: ir.Regex}, "NC -E /BIN/SH", `-e /bin/sh`, false},
		{ir.Match{Op: ir.Regex, Flags: "i"}, "NC -E /BIN/SH", `-e /bin/sh`, true},
		{ir.Match{Op: ir.Regex}, "a\nb", `a.b`, false},
		{ir.Match{Op: ir.Regex, Flags: "s"}, "a\nb", `a.b`, true},
		{ir.Match{Op: ir.CIDR}, "10.1.2.3", "10.0.0.0/8", true},
		{ir.Match{Op: ir.CIDR}, "11.1.2.3", "10.0.0.0/8", false},
		{ir.Match{Op: ir.CIDR}, "2001:db8::1", "2001:db8::/32", true},
		{ir.Match{Op: ir.CIDR}, "::ffff:10.0.0.1", "10.0.0.0/8", true},
		{ir.Match{Op: ir.CIDR}, "not-an-ip", "10.0.0.0/8", false},
		{ir.Match{Op: ir.GT}, "1025", "1024", true},
		{ir.Match{Op: ir.GT}, "1024", "1024", false},
		{ir.Match{Op: ir.GTE}, "1024", "1024", true},
		{ir.Match{Op: ir.LT}, "9", "10", true},
		{ir.Match{Op: ir.LTE}, "x", "10", false},
		{ir.Match{Op: ir.Equals, Type: ir.Int}, "4624", "4624", true},
		{ir.Match{Op: ir.Equals, Type: ir.IP}, "2001:DB8::1", "2001:db8:0::1", true},
	} {
		if got := Compare(&tc.m, tc.v, tc.w); got != tc.want {
			t.Errorf("Compare(%s %q, %q) = %v, want %v", tc.m.Op, tc.v, tc.w, got, tc.want)
		}
	}
}

func TestHolds(t *testing.T) {
	ev := map[string][]string{"cmd": {"nc", "-e", "/bin/sh"}, "user": {""}}
	env := Env{Values: func(f string) []string { return ev[f] }, Text: func() []string { return []string{"Hello World"} }}
	m := func(op ir.Op, field string, all bool, vs ...string) *ir.Match {
		return &ir.Match{Field: field, Op: op, All: all, Values: vs}
	}
	for _, tc := range []struct {
		e    ir.Expr
		want bool
	}{
		{m(ir.Equals, "cmd", false, "-e", "x"), true},
		{m(ir.Equals, "cmd", true, "-e", "x"), false},
		{m(ir.Equals, "cmd", true, "-e", "nc"), true},
		{m(ir.Exists, "cmd", false), true},
		{m(ir.Exists, "missing", false), false},
		{m(ir.Null, "missing", false), true},
		{m(ir.Empty, "user", false), true},
		{m(ir.Empty, "cmd", false), false},
		{&ir.Not{Arg: m(ir.Equals, "missing", false, "x")}, true},
		{&ir.AtLeast{N: 2, Args: []ir.Expr{m(ir.Equals, "cmd", false, "nc"), m(ir.Equals, "cmd", false, "zz"), m(ir.Exists, "user", false)}}, true},
		{&ir.AtLeast{N: 3, Args: []ir.Expr{m(ir.Equals, "cmd", false, "nc"), m(ir.Equals, "cmd", false, "zz"), m(ir.Exists, "user", false)}}, false},
		{&ir.Keyword{Values: []string{"world"}}, true},
		{&ir.Keyword{Values: []string{"world"}, Cased: true}, false},
		{&ir.Keyword{Values: []string{"hello", "mars"}, All: true}, false},
		{&ir.Match{Field: "cmd", Op: ir.Equals, FieldRef: true, Values: []string{"cmd"}}, true},
		{&ir.Match{Field: "cmd", Op: ir.Equals, FieldRef: true, Values: []string{"user"}}, false},
	} {
		if got := env.Holds(tc.e); got != tc.want {
			t.Errorf("Holds(%s) = %v, want %v", ir.Format(tc.e), got, tc.want)
		}
	}
}
