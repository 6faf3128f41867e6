package sigmain_test

import (
	"strings"
	"testing"

	"github.com/detgen/detgen/sigmain"
)

// TestNeq: neq (Sigma specification v2.1, "the field is different from
// the specified values") fires where the field is there and equals none
// of the values, compared as plain equality is (case-insensitively for
// text); an event without the field differs from nothing. The reference,
// the QRadar AQL and the Chronicle YARA-L agree on each record.
func TestNeq(t *testing.T) {
	res := readSigma(t, `title: cmd not run as SYSTEM
id: 0e9f5d0c-1111-4222-8333-000000000001
logsource: {product: windows, category: process_creation}
detection:
  selection:
    Image|endswith: '\cmd.exe'
    User|neq: ['NT AUTHORITY\SYSTEM', 'NT AUTHORITY\LOCAL SERVICE']
  condition: selection
`)
	arts := artifacts(t, res)
	run := func(data map[string]any) string {
		data["Image"] = `C:\Windows\System32\cmd.exe`
		return winRecord(1, sysmonChannel, data)
	}
	for _, c := range []struct {
		record string
		want   bool
	}{
		{run(map[string]any{"User": `CORP\jane`}), true},
		{run(map[string]any{"User": `NT AUTHORITY\SYSTEM`}), false},
		{run(map[string]any{"User": `nt authority\system`}), false}, // text compares case-insensitively
		{run(map[string]any{"User": `NT AUTHORITY\LOCAL SERVICE`}), false},
		{run(map[string]any{}), false}, // no User: different from nothing
	} {
		verdicts(t, res, arts, c.record, c.want)
	}
}

// TestNeqFieldref: with fieldref, neq fires where both fields are there
// and differ.
func TestNeqFieldref(t *testing.T) {
	res := readSigma(t, `title: child image differs from parent
id: 0e9f5d0c-1111-4222-8333-000000000002
logsource: {product: windows, category: process_creation}
detection:
  selection:
    Image|fieldref|neq: ParentImage
  condition: selection
`)
	arts := artifacts(t, res)
	for _, c := range []struct {
		data map[string]any
		want bool
	}{
		{map[string]any{"Image": `C:\a.exe`, "ParentImage": `C:\b.exe`}, true},
		{map[string]any{"Image": `C:\a.exe`, "ParentImage": `c:\A.EXE`}, false},
		{map[string]any{"Image": `C:\a.exe`}, false},
		{map[string]any{"ParentImage": `C:\b.exe`}, false},
	} {
		verdicts(t, res, arts, winRecord(1, sysmonChannel, c.data), c.want)
	}
}

// TestNeqRefusals: neq negates an equality only.
func TestNeqRefusals(t *testing.T) {
	for _, c := range []struct{ key, value, want string }{
		{"Image|neq|contains", "'x'", "neq negates an equality: write the contains test"},
		{"Image|contains|neq", "'x'", "neq negates an equality: write the contains test"},
		{"Image|neq|all", "['a', 'b']", "neq with all"},
		{"CommandLine|base64|neq", "'x'", "neq does not apply to transformed values"},
	} {
		res, errs := sigmain.Parse("rule.yml", "rule.yml", []byte(`title: t
id: 0e9f5d0c-1111-4222-8333-000000000003
logsource: {product: windows, category: process_creation}
detection:
  selection:
    `+c.key+`: `+c.value+`
  condition: selection
`))
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		if len(res[0].Refused) == 0 || !strings.Contains(res[0].Refused[0].Msg, c.want) {
			t.Errorf("%s: refused %v, want %q", c.key, res[0].Refused, c.want)
		}
	}
}

// TestNeqIntegerField: on a number, neq compares numbers; Chronicle
// refuses it, since an integer UDM field reads 0 when absent and so
// cannot say whether the field is there.
func TestNeqIntegerField(t *testing.T) {
	res := readSigma(t, `title: powershell to an unusual port
id: 0e9f5d0c-1111-4222-8333-000000000004
logsource: {product: windows, category: network_connection}
detection:
  selection:
    Image|endswith: '\powershell.exe'
    DestinationPort|neq: [80, 443]
  condition: selection
`)
	if _, why := generateFor(t, res, "chronicle"); !strings.Contains(why, "UDM cannot tell 0 from absent") {
		t.Fatalf("chronicle: %q, want a refusal for the integer field", why)
	}
	aql, why := generateFor(t, res, "qradar")
	if why != "" {
		t.Fatalf("qradar refused: %s", why)
	}
	arts := map[string]string{"qradar": aql}
	conn := func(port any) string {
		data := map[string]any{"Image": `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`}
		if port != nil {
			data["DestinationPort"] = port
		}
		return winRecord(3, sysmonChannel, data)
	}
	for _, c := range []struct {
		record string
		want   bool
	}{
		{conn(4444), true},
		{conn(443), false},
		{conn("80"), false},
		{conn(nil), false},
	} {
		verdicts(t, res, arts, c.record, c.want)
	}
}
