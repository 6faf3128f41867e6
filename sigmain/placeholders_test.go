package sigmain_test

import (
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/detgen/detgen/driver"
	"github.com/detgen/detgen/internal/corpora"
	"github.com/detgen/detgen/ir"
	"github.com/detgen/detgen/sigmain"
)

// expandRule tests a process's command line against two placeholders,
// one with a wildcard in its values, and keeps a third out.
const expandRule = `title: Admin tool run by an admin
id: 0e9f5d0c-1111-4222-8333-444455556666
logsource: {product: windows, category: process_creation}
detection:
  selection:
    CommandLine|expand|contains: 'tool --user %admins% --site %site%'
  filter:
    Image|expand: '%allowed_images%'
  condition: selection and not filter
`

var expandValues = map[string][]string{
	"admins":         {"root", "adm_*"},
	"site":           {"PAR", "NYC"},
	"allowed_images": {`C:\Tools\approved.exe`},
}

// TestExpandPlaceholders: with the values of its placeholders, a rule
// using expand converts, and the reference, the QRadar AQL and the
// Chronicle YARA-L fire on exactly the command lines the expansions
// describe (a value's wildcard kept, the combinations of two placeholders,
// the filter's placeholder applied).
func TestExpandPlaceholders(t *testing.T) {
	res, errs := sigmain.Config{Placeholders: expandValues}.Parse("rule.yml", "rule.yml", []byte(expandRule))
	if len(errs) > 0 || len(res) != 1 || res[0].Rule == nil {
		t.Fatalf("not read: %v %v", errs, res[0].Refused)
	}
	arts := artifacts(t, res[0])
	run := func(image, cmd string) string {
		return winRecord(1, sysmonChannel, map[string]any{"Image": image, "CommandLine": cmd})
	}
	const other = `C:\Windows\System32\cmd.exe`
	for _, c := range []struct {
		record string
		want   bool
	}{
		{run(other, "x tool --user root --site PAR y"), true},
		{run(other, "tool --user adm_jane --site NYC"), true},                // adm_* is a wildcard
		{run(other, "tool --user root --site LON"), false},                   // not a value of %site%
		{run(other, "tool --user jane --site PAR"), false},                   // not a value of %admins%
		{run(other, "tool --user %admins% --site %site%"), false},            // the placeholders themselves
		{run(`C:\Tools\approved.exe`, "tool --user root --site PAR"), false}, // filtered out
	} {
		verdicts(t, res[0], arts, c.record, c.want)
	}
}

// TestExpandRefusals: a rule whose placeholders cannot be resolved is
// refused, with the reason, at the value; \% is a plain % and a % that
// opens no name is plain text.
func TestExpandRefusals(t *testing.T) {
	rule := func(value string) string {
		return strings.Replace(expandRule, `'tool --user %admins% --site %site%'`, value, 1)
	}
	for _, c := range []struct {
		name, value string
		values      map[string][]string
		want        string // in the refusal; "" for converted
	}{
		{"no file", `'%admins%'`, nil, "need their values: give a placeholder file"},
		{"unknown", `'%nobody%'`, expandValues, "placeholder %nobody% has no values"},
		{"empty list", `'%none%'`, map[string][]string{"none": {}, "allowed_images": {"x"}}, "empty list of values"},
		{"backslash before", `'C:\%admins%'`, expandValues, ""}, // \% is a plain %
		{"odd backslash", `'C:\\\%admins%'`, expandValues, ""},
		{"escape eats value", `'C:\%admins%x'`, expandValues, ""},
		{"plain percent", `'50% of %admins%'`, expandValues, ""},
		{"value escapes text", `'%trail%x'`, map[string][]string{"trail": {`a\`}, "allowed_images": {"x"}}, "ends with a backslash"},
		{"before placeholder", `'a\\\\%admins%'`, expandValues, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			res, errs := sigmain.Config{Placeholders: c.values}.Parse("rule.yml", "rule.yml", []byte(rule(c.value)))
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			got := ""
			if len(res[0].Refused) > 0 {
				got = res[0].Refused[0].Msg
			}
			switch {
			case c.want == "" && got != "":
				t.Fatalf("refused: %s", got)
			case c.want != "" && !strings.Contains(got, c.want):
				t.Fatalf("refusal %q, want one saying %q", got, c.want)
			}
		})
	}
}

// TestExpandEscapes: what the text around a placeholder says survives the
// expansion: \% is a plain %, \\ an escaped backslash before a
// placeholder, and the expansions of two placeholders combine.
func TestExpandEscapes(t *testing.T) {
	values := map[string][]string{"a": {"x", "y"}, "b": {"1", "2"}, "allowed_images": {"none"}}
	for _, c := range []struct {
		written string
		want    []string
	}{
		{`'\%a%'`, []string{"%a%"}},
		{`'50% %a%'`, []string{"50% x", "50% y"}},
		{`'%a%-%b%'`, []string{"x-1", "x-2", "y-1", "y-2"}},
		{`'C:\\%a%'`, []string{`C:\x`, `C:\y`}},
	} {
		res, errs := sigmain.Config{Placeholders: values}.Parse("rule.yml", "rule.yml",
			[]byte(strings.Replace(expandRule, `CommandLine|expand|contains: 'tool --user %admins% --site %site%'`, "CommandLine|expand: "+c.written, 1)))
		if len(errs) > 0 || res[0].Rule == nil {
			t.Fatalf("%s: %v %v", c.written, errs, res[0].Refused)
		}
		got := ir.Format(res[0].Rule.Condition)
		for _, v := range c.want {
			if !strings.Contains(got, strconv.Quote(v)) {
				t.Errorf("%s: condition %s lacks the value %s", c.written, got, v)
			}
		}
	}
}

// TestReadPlaceholders: the file's problems come with their line and
// column; a good file gives every name its values.
func TestReadPlaceholders(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.yml", "Administrators: [Administrator, 'adm_*']\nsite: PAR\nports:\n  - 443\n")
	values, errs := sigmain.ReadPlaceholders(good)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if got := strings.Join(values["Administrators"], ",") + "|" + strings.Join(values["site"], ",") + "|" + strings.Join(values["ports"], ","); got != "Administrator,adm_*|PAR|443" {
		t.Fatalf("values = %q", got)
	}
	for _, c := range []struct{ text, want string }{
		{"'%admins%': [root]\n", "bad.yml:1:1: placeholder name \"%admins%\""},
		{"a: [x]\na: [y]\n", "bad.yml:2:1: placeholder a is defined twice"},
		{"a: {b: c}\n", "bad.yml:1:4: placeholder a: a value or a list"},
		{"a: [x, ~]\n", "bad.yml:1:8: placeholder a: each value is plain text"},
		{"- a\n", "bad.yml:1:1: a placeholder file is a mapping"},
		{"a: [x\n", "bad.yml:"},
	} {
		_, errs := sigmain.ReadPlaceholders(write("bad.yml", c.text))
		if len(errs) == 0 || !strings.Contains(errs.Error(), c.want) {
			t.Errorf("%q: errors %v, want %q", c.text, errs, c.want)
		}
	}
}

// TestExpandSigmaHQPlaceholderRules: given values for every placeholder
// SigmaHQ's rules use, no rule is refused for its placeholders any more,
// and each converted artifact passes its target's checks (ConvertFiles
// checks every artifact before it counts as converted).
func TestExpandSigmaHQPlaceholderRules(t *testing.T) {
	root := corpora.Dir(t, "sigmahq")
	dirs, _ := filepath.Glob(filepath.Join(root, "rules*"))
	sort.Strings(dirs)
	values := map[string][]string{}
	for _, name := range []string{"Administrators", "Admins_Workstations", "DomainControllers", "HomeTenantID",
		"KNOWN_LOCATION", "Known_Location", "Legitimate_Countries", "Legitimate_IP_Ranges", "ServerSystems",
		"UnApprovedDevice", "UnApprovedIp", "UnLegitCountries", "Workstations", "dc_ip_addresses",
		"dc_machine_accounts", "domain_controller_hostnames", "internal_domains", "known_cdcs",
		"legit_ips", "legtimate_identifiers", "userdomain", "approved_users", "approved_inviters",
		"important_apps", "privileged_accounts", "allowed_tenants"} {
		values[name] = []string{"10.0.0.1", "example"}
	}
	before, _, errs, err := sigmain.ConvertFiles(dirs, []driver.Target{}, nil)
	if len(errs) > 0 || err != nil {
		t.Fatal(errs, err)
	}
	after, outs, errs, err := sigmain.Config{Placeholders: values}.ConvertFiles(dirs, driver.Targets[:2], nil)
	if len(errs) > 0 || err != nil {
		t.Fatal(errs, err)
	}
	usedExpand := 0
	for _, r := range before {
		for _, e := range r.Refused {
			if strings.Contains(e.Msg, "placeholders (expand)") {
				usedExpand++
			}
		}
	}
	if usedExpand < 10 {
		t.Fatalf("only %d refusals for expand: the corpus changed", usedExpand)
	}
	for _, r := range after {
		for _, e := range r.Refused {
			if strings.Contains(e.Msg, "placeholder") {
				t.Errorf("%s: still refused for a placeholder: %s", e.Pos, e.Msg)
			}
		}
	}
	converted := 0
	for _, o := range outs {
		if o.Converted() {
			converted++
		}
	}
	t.Logf("%d refusals for expand without values; with values, %d artifacts in all", usedExpand, converted)
}
