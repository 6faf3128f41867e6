package attack

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

// Counts of the source table (SigmaHQ/pySigma sigma/data/mitre_attack.py,
// ATT&CK Enterprise 18.0).
const (
	wantTactics       = 14
	wantTechniques    = 216 // without sub-techniques
	wantSubtechniques = 475
	wantGroups        = 172
	wantSoftware      = 784
	wantMitigations   = 44
)

func TestEmbeddedTableParses(t *testing.T) {
	if _, err := parse(data); err != nil {
		t.Fatalf("embedded enterprise-attack.tsv is malformed: %v", err)
	}
	load()
	if loadErr != nil {
		t.Fatalf("load: %v", loadErr)
	}
}

func TestVersionMatchesDataHeader(t *testing.T) {
	want := "MITRE ATT&CK® Enterprise, version " + Version + "."
	if !strings.Contains(data, want) {
		t.Errorf("data header does not state %q", want)
	}
	if Version != "18.0" {
		t.Errorf("Version = %q, want 18.0", Version)
	}
}

func TestLookupTechnique(t *testing.T) {
	for _, tc := range []struct {
		id   string
		want Technique
	}{
		{"T1053", Technique{ID: "T1053", Name: "Scheduled Task/Job",
			Tactics: []string{"execution", "persistence", "privilege-escalation"}}},
		{"T1053.007", Technique{ID: "T1053.007", Name: "Container Orchestration Job",
			Tactics: []string{"execution", "persistence", "privilege-escalation"}, Parent: "T1053"}},
		{"T1053.005", Technique{ID: "T1053.005", Name: "Scheduled Task",
			Tactics: []string{"execution", "persistence", "privilege-escalation"}, Parent: "T1053"}},
		{"T1003.008", Technique{ID: "T1003.008", Name: "/etc/passwd and /etc/shadow",
			Tactics: []string{"credential-access"}, Parent: "T1003"}},
		{"T1055.013", Technique{ID: "T1055.013", Name: "Process Doppelgänging",
			Tactics: []string{"defense-evasion", "privilege-escalation"}, Parent: "T1055"}},
		{"T1078", Technique{ID: "T1078", Name: "Valid Accounts",
			Tactics: []string{"defense-evasion", "persistence", "privilege-escalation", "initial-access"}}},
		{"T1681", Technique{ID: "T1681", Name: "Search Threat Vendor Data",
			Tactics: []string{"reconnaissance"}}},
		{"t1053.007", Technique{ID: "T1053.007", Name: "Container Orchestration Job",
			Tactics: []string{"execution", "persistence", "privilege-escalation"}, Parent: "T1053"}},
	} {
		got, ok := LookupTechnique(tc.id)
		if !ok {
			t.Errorf("LookupTechnique(%q) not found", tc.id)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("LookupTechnique(%q) = %+v, want %+v", tc.id, got, tc.want)
		}
		if got.IsSubtechnique() != (tc.want.Parent != "") {
			t.Errorf("%s: IsSubtechnique = %v", tc.id, got.IsSubtechnique())
		}
	}
}

func TestAbsentTechniques(t *testing.T) {
	// T1053.001 and T1053.004 were deprecated/revoked and are not in 18.0;
	// likewise the other gaps in sub-technique numbering.
	for _, id := range []string{
		"T1053.001", "T1053.004", "T1055.006", "T1055.007", "T1055.010",
		"T1218.006", "T1547.011", "T1562.005", "T1574.002", "T1574.003",
		"T9999", "T1053.999", "T1000", "T1053.", "T1053.07", "1053", "T", "",
		"TA0004", "G0016", " T1053", "T1053 ",
	} {
		if got, ok := LookupTechnique(id); ok {
			t.Errorf("LookupTechnique(%q) = %+v, want not found", id, got)
		}
	}
}

func TestTactics(t *testing.T) {
	want := []Tactic{
		{"TA0001", "initial-access", "Initial Access"},
		{"TA0002", "execution", "Execution"},
		{"TA0003", "persistence", "Persistence"},
		{"TA0004", "privilege-escalation", "Privilege Escalation"},
		{"TA0005", "defense-evasion", "Defense Evasion"},
		{"TA0006", "credential-access", "Credential Access"},
		{"TA0007", "discovery", "Discovery"},
		{"TA0008", "lateral-movement", "Lateral Movement"},
		{"TA0009", "collection", "Collection"},
		{"TA0010", "exfiltration", "Exfiltration"},
		{"TA0011", "command-and-control", "Command and Control"},
		{"TA0040", "impact", "Impact"},
		{"TA0042", "resource-development", "Resource Development"},
		{"TA0043", "reconnaissance", "Reconnaissance"},
	}
	if got := Tactics(); !reflect.DeepEqual(got, want) {
		t.Errorf("Tactics() = %+v\nwant %+v", got, want)
	}
	for _, w := range want {
		if got, ok := LookupTactic(w.ID); !ok || got != w {
			t.Errorf("LookupTactic(%q) = %+v, %v", w.ID, got, ok)
		}
		if got, ok := TacticByShortName(w.ShortName); !ok || got != w {
			t.Errorf("TacticByShortName(%q) = %+v, %v", w.ShortName, got, ok)
		}
	}
	if got, ok := LookupTactic("ta0004"); !ok || got.ShortName != "privilege-escalation" {
		t.Errorf("LookupTactic(ta0004) = %+v, %v", got, ok)
	}
	for _, id := range []string{"TA0000", "TA0012", "TA0041", "TA0044", "T1053", "", "TA004"} {
		if got, ok := LookupTactic(id); ok {
			t.Errorf("LookupTactic(%q) = %+v, want not found", id, got)
		}
	}
	for _, s := range []string{"privilege_escalation", "Privilege Escalation", "privilege", "", "-"} {
		if got, ok := TacticByShortName(s); ok {
			t.Errorf("TacticByShortName(%q) = %+v, want not found", s, got)
		}
	}
}

func TestCounts(t *testing.T) {
	var tech, sub int
	for _, x := range Techniques() {
		if x.IsSubtechnique() {
			sub++
		} else {
			tech++
		}
	}
	for _, c := range []struct {
		what      string
		got, want int
	}{
		{"tactics", len(Tactics()), wantTactics},
		{"techniques", tech, wantTechniques},
		{"sub-techniques", sub, wantSubtechniques},
		{"groups", len(Groups()), wantGroups},
		{"software", len(Software()), wantSoftware},
		{"mitigations", len(Mitigations()), wantMitigations},
	} {
		if c.got != c.want {
			t.Errorf("%s: got %d, want %d", c.what, c.got, c.want)
		}
	}
}

func TestTableIntegrity(t *testing.T) {
	ids := map[string]bool{}
	addID := func(id string) {
		if ids[id] {
			t.Errorf("duplicate id %s", id)
		}
		ids[id] = true
	}
	checkName := func(id, name string) {
		if name == "" || strings.TrimSpace(name) != name {
			t.Errorf("%s: bad name %q", id, name)
		}
	}

	tactics := Tactics()
	if !slices.IsSortedFunc(tactics, func(a, b Tactic) int { return strings.Compare(a.ID, b.ID) }) {
		t.Error("Tactics() not sorted by id")
	}
	for _, x := range tactics {
		addID(x.ID)
		checkName(x.ID, x.Name)
	}

	techs := Techniques()
	if !slices.IsSortedFunc(techs, func(a, b Technique) int { return strings.Compare(a.ID, b.ID) }) {
		t.Error("Techniques() not sorted by id")
	}
	for _, x := range techs {
		addID(x.ID)
		checkName(x.ID, x.Name)
		if len(x.Tactics) == 0 {
			t.Errorf("%s: no tactics", x.ID)
		}
		for _, s := range x.Tactics {
			if _, ok := TacticByShortName(s); !ok {
				t.Errorf("%s: unknown tactic %q", x.ID, s)
			}
		}
		if x.IsSubtechnique() {
			if !strings.HasPrefix(x.ID, x.Parent+".") {
				t.Errorf("%s: parent %q is not its prefix", x.ID, x.Parent)
			}
			p, ok := LookupTechnique(x.Parent)
			if !ok {
				t.Errorf("%s: parent %s does not exist", x.ID, x.Parent)
			} else if p.IsSubtechnique() {
				t.Errorf("%s: parent %s is itself a sub-technique", x.ID, x.Parent)
			}
		} else if strings.Contains(x.ID, ".") {
			t.Errorf("%s: dotted id without parent", x.ID)
		}
		if got, ok := LookupTechnique(x.ID); !ok || !reflect.DeepEqual(got, x) {
			t.Errorf("LookupTechnique(%s) = %+v, %v; Techniques() has %+v", x.ID, got, ok, x)
		}
	}

	for _, l := range []struct {
		list   []Entry
		lookup func(string) (Entry, bool)
	}{{Groups(), LookupGroup}, {Software(), LookupSoftware}, {Mitigations(), LookupMitigation}} {
		if !slices.IsSortedFunc(l.list, func(a, b Entry) int { return strings.Compare(a.ID, b.ID) }) {
			t.Error("entry list not sorted by id")
		}
		for _, x := range l.list {
			addID(x.ID)
			checkName(x.ID, x.Name)
			if got, ok := l.lookup(strings.ToLower(x.ID)); !ok || got != x {
				t.Errorf("lookup(%s) = %+v, %v", x.ID, got, ok)
			}
		}
	}
}

func TestOtherEntries(t *testing.T) {
	for _, c := range []struct {
		lookup   func(string) (Entry, bool)
		id, name string
	}{
		{LookupGroup, "G0016", "APT29"},
		{LookupGroup, "G1053", "Storm-0501"},
		{LookupGroup, "G1004", "LAPSUS$"},
		{LookupSoftware, "S0002", "Mimikatz"},
		{LookupSoftware, "S0154", "Cobalt Strike"},
		{LookupSoftware, "S1249", "HexEval Loader"},
		{LookupMitigation, "M1047", "Audit"},
		{LookupMitigation, "M1060", "Out-of-Band Communications Channel"},
	} {
		got, ok := c.lookup(c.id)
		if !ok || got != (Entry{c.id, c.name}) {
			t.Errorf("lookup(%s) = %+v, %v; want name %q", c.id, got, ok, c.name)
		}
	}
	for _, c := range []struct {
		lookup func(string) (Entry, bool)
		id     string
	}{
		{LookupGroup, "G0014"}, {LookupGroup, "S0002"}, {LookupSoftware, "S0209"},
		{LookupSoftware, "G0016"}, {LookupMitigation, "M1014"}, {LookupMitigation, "T1053"},
	} {
		if got, ok := c.lookup(c.id); ok {
			t.Errorf("lookup(%s) = %+v, want not found", c.id, got)
		}
	}
}

func TestResultsAreCopies(t *testing.T) {
	x, _ := LookupTechnique("T1053")
	x.Tactics[0] = "mutated"
	ts := Techniques()
	ts[0].Tactics[0] = "mutated"
	ts[0].Name = "mutated"
	tac := Tactics()
	tac[0].Name = "mutated"
	if y, _ := LookupTechnique("T1053"); y.Tactics[0] != "execution" {
		t.Errorf("LookupTechnique result aliases the table: %v", y.Tactics)
	}
	if y := Techniques(); y[0].Tactics[0] == "mutated" || y[0].Name == "mutated" {
		t.Errorf("Techniques result aliases the table: %+v", y[0])
	}
	if y := Tactics(); y[0].Name != "Initial Access" {
		t.Errorf("Tactics result aliases the table: %+v", y[0])
	}
}

func TestParseRejectsMalformed(t *testing.T) {
	const head = "# comment\n" + header + "\n"
	const tactic = "tactic\tTA0004\tPrivilege Escalation\tprivilege-escalation\t-\n"
	const tech = "technique\tT1053\tScheduled Task/Job\t-\tprivilege-escalation\n"
	good := head + tactic + tech +
		"subtechnique\tT1053.007\tContainer Orchestration Job\t-\tprivilege-escalation\n" +
		"group\tG0016\tAPT29\t-\t-\n"
	tb, err := parse(good)
	if err != nil {
		t.Fatalf("parse(good): %v", err)
	}
	if len(tb.tactics) != 1 || len(tb.techniques) != 2 || len(tb.groups) != 1 {
		t.Fatalf("parse(good) = %+v", tb)
	}
	if _, err := parse(strings.ReplaceAll(good, "\n", "\r\n")); err != nil {
		t.Errorf("parse(CRLF): %v", err)
	}

	for name, src := range map[string]string{
		"empty":              "",
		"no header":          tactic + tech,
		"wrong header":       "kind\tid\tname\n" + tactic,
		"too few fields":     head + "tactic\tTA0004\tPrivilege Escalation\tprivilege-escalation\n",
		"too many fields":    head + "tactic\tTA0004\tPrivilege Escalation\tprivilege-escalation\t-\t-\n",
		"space separated":    head + "tactic TA0004 Privilege Escalation privilege-escalation -\n",
		"unknown kind":       head + "tool\tS0002\tMimikatz\t-\t-\n",
		"empty name":         head + "tactic\tTA0004\t\tprivilege-escalation\t-\n",
		"dash name":          head + tactic + "technique\tT1053\t-\t-\tprivilege-escalation\n",
		"padded name":        head + tactic + "technique\tT1053\tScheduled Task/Job \t-\tprivilege-escalation\n",
		"duplicate id":       head + tactic + tech + tech,
		"dup across kinds":   head + tactic + "group\tTA0004\tX\t-\t-\n",
		"dup shortname":      head + tactic + "tactic\tTA0005\tOther\tprivilege-escalation\t-\n",
		"bad tactic id":      head + "tactic\tTA04\tPrivilege Escalation\tprivilege-escalation\t-\n",
		"bad shortname":      head + "tactic\tTA0004\tPrivilege Escalation\tPrivilege Escalation\t-\n",
		"missing shortname":  head + "tactic\tTA0004\tPrivilege Escalation\t-\t-\n",
		"tactic w/ tactics":  head + "tactic\tTA0004\tPrivilege Escalation\tprivilege-escalation\texecution\n",
		"bad technique id":   head + tactic + "technique\tT105\tX\t-\tprivilege-escalation\n",
		"dotted technique":   head + tactic + "technique\tT1053.007\tX\t-\tprivilege-escalation\n",
		"undotted sub":       head + tactic + tech + "subtechnique\tT1054\tX\t-\tprivilege-escalation\n",
		"lower-case id":      head + tactic + "technique\tt1053\tX\t-\tprivilege-escalation\n",
		"no tactics":         head + tactic + "technique\tT1053\tScheduled Task/Job\t-\t-\n",
		"unknown tactic":     head + tactic + "technique\tT1053\tScheduled Task/Job\t-\texecution\n",
		"repeated tactic":    head + tactic + "technique\tT1053\tX\t-\tprivilege-escalation,privilege-escalation\n",
		"empty tactic item":  head + tactic + "technique\tT1053\tX\t-\tprivilege-escalation,\n",
		"technique w/ short": head + tactic + "technique\tT1053\tX\tfoo\tprivilege-escalation\n",
		"orphan sub":         head + tactic + "subtechnique\tT1053.007\tX\t-\tprivilege-escalation\n",
		"bad group id":       head + "group\tS0016\tAPT29\t-\t-\n",
		"group w/ tactics":   head + tactic + "group\tG0016\tAPT29\t-\tprivilege-escalation\n",
		"bad software id":    head + "software\tS02\tMimikatz\t-\t-\n",
		"bad mitigation id":  head + "mitigation\tM10477\tAudit\t-\t-\n",
	} {
		if tb, err := parse(src); err == nil {
			t.Errorf("%s: parse succeeded (%+v), want error", name, tb)
		}
	}
}
