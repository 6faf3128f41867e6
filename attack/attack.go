// Package attack embeds the MITRE ATT&CK® Enterprise identifier and name
// table (tactics, techniques, sub-techniques, and also groups, software and
// mitigations) so that detgen can check offline that an ATT&CK id named in a
// detection spec exists in the pinned ATT&CK version, and look up its name.
//
// The data lives in enterprise-attack.tsv next to this file; see its header
// for provenance, the ATT&CK Terms of Use notice and the column format. It is
// parsed once, on first use.
//
// Ids are matched case-insensitively ("t1053.007" finds "T1053.007"); the
// returned records always carry the canonical (upper-case) id, so a caller
// that wants to insist on the canonical spelling can compare against it.
package attack

import (
	_ "embed"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Version is the ATT&CK Enterprise version the embedded table was taken from.
const Version = "18.0"

//go:embed enterprise-attack.tsv
var data string

// Tactic is an ATT&CK tactic, e.g. {TA0004, privilege-escalation,
// Privilege Escalation}.
type Tactic struct {
	ID        string // e.g. "TA0004"
	ShortName string // e.g. "privilege-escalation"
	Name      string // e.g. "Privilege Escalation"
}

// Technique is an ATT&CK technique or sub-technique.
type Technique struct {
	ID   string // e.g. "T1053" or "T1053.007"
	Name string // e.g. "Container Orchestration Job"
	// Tactics holds the shortnames of the tactics the technique belongs to,
	// in the order of the source table (the order carries no meaning).
	Tactics []string
	// Parent is the id of the parent technique for a sub-technique
	// (e.g. "T1053" for "T1053.007"), and empty for a technique.
	Parent string
}

// IsSubtechnique reports whether t is a sub-technique.
func (t Technique) IsSubtechnique() bool { return t.Parent != "" }

// Entry is an ATT&CK object that has only an id and a name: a group
// (intrusion set, G0001), a piece of software (S0001) or a mitigation (M1013).
type Entry struct {
	ID   string
	Name string
}

// table is the parsed form of the embedded file.
type table struct {
	tactics     []Tactic
	techniques  []Technique
	groups      []Entry
	software    []Entry
	mitigations []Entry

	tacticByID     map[string]int
	tacticByShort  map[string]int
	techniqueByID  map[string]int
	groupByID      map[string]int
	softwareByID   map[string]int
	mitigationByID map[string]int
}

var (
	loadOnce sync.Once
	loaded   *table
	loadErr  error
)

// load parses the embedded table once. A malformed table does not panic:
// load returns an empty table and the package's tests report the error.
func load() *table {
	loadOnce.Do(func() {
		loaded, loadErr = parse(data)
		if loadErr != nil {
			loaded = &table{}
		}
	})
	return loaded
}

// header is the required column header row of the data file.
const header = "kind\tid\tname\tshortname\ttactics"

// none marks an empty field in the data file.
const none = "-"

// parse parses and validates a table in the format of enterprise-attack.tsv.
func parse(src string) (*table, error) {
	t := &table{
		tacticByID:     map[string]int{},
		tacticByShort:  map[string]int{},
		techniqueByID:  map[string]int{},
		groupByID:      map[string]int{},
		softwareByID:   map[string]int{},
		mitigationByID: map[string]int{},
	}
	seen := map[string]int{} // id -> line number, across all kinds
	techLine := map[string]int{}
	sawHeader := false

	for i, line := range strings.Split(src, "\n") {
		n := i + 1
		line = strings.TrimSuffix(line, "\r")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if !sawHeader {
			if line != header {
				return nil, fmt.Errorf("line %d: want column header %q, got %q", n, header, line)
			}
			sawHeader = true
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 5 {
			return nil, fmt.Errorf("line %d: want 5 tab-separated fields, got %d", n, len(f))
		}
		kind, id, name, short, tactics := f[0], f[1], f[2], f[3], f[4]
		if name == "" || name == none || strings.TrimSpace(name) != name {
			return nil, fmt.Errorf("line %d: %s: bad name %q", n, id, name)
		}
		if prev, dup := seen[id]; dup {
			return nil, fmt.Errorf("line %d: duplicate id %s (first on line %d)", n, id, prev)
		}
		seen[id] = n
		if kind != "tactic" && short != none {
			return nil, fmt.Errorf("line %d: %s: shortname is only for tactics, got %q", n, id, short)
		}
		if kind != "technique" && kind != "subtechnique" && tactics != none {
			return nil, fmt.Errorf("line %d: %s: tactics are only for techniques, got %q", n, id, tactics)
		}
		switch kind {
		case "tactic":
			if !validID(id, "TA", false) {
				return nil, fmt.Errorf("line %d: bad tactic id %q", n, id)
			}
			if !validShortName(short) {
				return nil, fmt.Errorf("line %d: %s: bad tactic shortname %q", n, id, short)
			}
			if _, dup := t.tacticByShort[short]; dup {
				return nil, fmt.Errorf("line %d: %s: duplicate tactic shortname %q", n, id, short)
			}
			t.tacticByShort[short] = len(t.tactics)
			t.tacticByID[id] = len(t.tactics)
			t.tactics = append(t.tactics, Tactic{ID: id, ShortName: short, Name: name})
		case "technique", "subtechnique":
			sub := kind == "subtechnique"
			if !validID(id, "T", sub) {
				return nil, fmt.Errorf("line %d: bad %s id %q", n, kind, id)
			}
			if tactics == none || tactics == "" {
				return nil, fmt.Errorf("line %d: %s: no tactics", n, id)
			}
			tech := Technique{ID: id, Name: name, Tactics: strings.Split(tactics, ",")}
			if sub {
				tech.Parent = id[:strings.IndexByte(id, '.')]
			}
			t.techniqueByID[id] = len(t.techniques)
			techLine[id] = n
			t.techniques = append(t.techniques, tech)
		case "group", "software", "mitigation":
			prefix, list, index := "G", &t.groups, t.groupByID
			switch kind {
			case "software":
				prefix, list, index = "S", &t.software, t.softwareByID
			case "mitigation":
				prefix, list, index = "M", &t.mitigations, t.mitigationByID
			}
			if !validID(id, prefix, false) {
				return nil, fmt.Errorf("line %d: bad %s id %q", n, kind, id)
			}
			index[id] = len(*list)
			*list = append(*list, Entry{ID: id, Name: name})
		default:
			return nil, fmt.Errorf("line %d: unknown kind %q", n, kind)
		}
	}
	if !sawHeader {
		return nil, fmt.Errorf("no column header %q", header)
	}

	// Checks that need the whole table: tactic references and parents.
	for _, tech := range t.techniques {
		n := techLine[tech.ID]
		seenTactic := map[string]bool{}
		for _, s := range tech.Tactics {
			if _, ok := t.tacticByShort[s]; !ok {
				return nil, fmt.Errorf("line %d: %s: unknown tactic %q", n, tech.ID, s)
			}
			if seenTactic[s] {
				return nil, fmt.Errorf("line %d: %s: tactic %q listed twice", n, tech.ID, s)
			}
			seenTactic[s] = true
		}
		if tech.Parent != "" {
			if _, ok := t.techniqueByID[tech.Parent]; !ok {
				return nil, fmt.Errorf("line %d: %s: parent technique %s does not exist", n, tech.ID, tech.Parent)
			}
		}
	}

	// Keep every list sorted by id, independent of the file's row order.
	sort.Slice(t.tactics, func(i, j int) bool { return t.tactics[i].ID < t.tactics[j].ID })
	sort.Slice(t.techniques, func(i, j int) bool { return t.techniques[i].ID < t.techniques[j].ID })
	for _, l := range []*[]Entry{&t.groups, &t.software, &t.mitigations} {
		s := *l
		sort.Slice(s, func(i, j int) bool { return s[i].ID < s[j].ID })
	}
	for i, x := range t.tactics {
		t.tacticByID[x.ID] = i
		t.tacticByShort[x.ShortName] = i
	}
	for i, x := range t.techniques {
		t.techniqueByID[x.ID] = i
	}
	for _, p := range []struct {
		list  []Entry
		index map[string]int
	}{{t.groups, t.groupByID}, {t.software, t.softwareByID}, {t.mitigations, t.mitigationByID}} {
		for i, x := range p.list {
			p.index[x.ID] = i
		}
	}
	return t, nil
}

// validID reports whether id is prefix followed by four digits and, when sub
// is set, by "." and three digits.
func validID(id, prefix string, sub bool) bool {
	rest, ok := strings.CutPrefix(id, prefix)
	if !ok {
		return false
	}
	want := 4
	if sub {
		want = 8
	}
	if len(rest) != want {
		return false
	}
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		if sub && i == 4 {
			if c != '.' {
				return false
			}
			continue
		}
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// validShortName reports whether s is a non-empty run of lower-case letters
// separated by single hyphens.
func validShortName(s string) bool {
	if s == "" || s[0] == '-' || s[len(s)-1] == '-' || strings.Contains(s, "--") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c != '-' && (c < 'a' || c > 'z') {
			return false
		}
	}
	return true
}

func copyTechnique(t Technique) Technique {
	t.Tactics = append([]string(nil), t.Tactics...)
	return t
}

// LookupTechnique returns the technique or sub-technique with the given id
// (e.g. "T1053" or "T1053.007"), matched case-insensitively.
func LookupTechnique(id string) (Technique, bool) {
	t := load()
	i, ok := t.techniqueByID[strings.ToUpper(id)]
	if !ok {
		return Technique{}, false
	}
	return copyTechnique(t.techniques[i]), true
}

// LookupTactic returns the tactic with the given id (e.g. "TA0004"), matched
// case-insensitively.
func LookupTactic(id string) (Tactic, bool) {
	t := load()
	i, ok := t.tacticByID[strings.ToUpper(id)]
	if !ok {
		return Tactic{}, false
	}
	return t.tactics[i], true
}

// TacticByShortName returns the tactic with the given shortname (e.g.
// "privilege-escalation"), matched case-insensitively.
func TacticByShortName(s string) (Tactic, bool) {
	t := load()
	i, ok := t.tacticByShort[strings.ToLower(s)]
	if !ok {
		return Tactic{}, false
	}
	return t.tactics[i], true
}

// Techniques returns all techniques and sub-techniques, sorted by id (a
// sub-technique follows its parent). The result is a fresh copy.
func Techniques() []Technique {
	t := load()
	out := make([]Technique, len(t.techniques))
	for i, x := range t.techniques {
		out[i] = copyTechnique(x)
	}
	return out
}

// Tactics returns all tactics, sorted by id. The result is a fresh copy.
func Tactics() []Tactic {
	return append([]Tactic(nil), load().tactics...)
}

func lookupEntry(list []Entry, index map[string]int, id string) (Entry, bool) {
	i, ok := index[strings.ToUpper(id)]
	if !ok {
		return Entry{}, false
	}
	return list[i], true
}

// LookupGroup returns the group (intrusion set) with the given id (e.g.
// "G0016"), matched case-insensitively.
func LookupGroup(id string) (Entry, bool) {
	t := load()
	return lookupEntry(t.groups, t.groupByID, id)
}

// LookupSoftware returns the software with the given id (e.g. "S0002"),
// matched case-insensitively.
func LookupSoftware(id string) (Entry, bool) {
	t := load()
	return lookupEntry(t.software, t.softwareByID, id)
}

// LookupMitigation returns the mitigation with the given id (e.g. "M1047"),
// matched case-insensitively.
func LookupMitigation(id string) (Entry, bool) {
	t := load()
	return lookupEntry(t.mitigations, t.mitigationByID, id)
}

// Groups returns all groups, sorted by id. The result is a fresh copy.
func Groups() []Entry { return append([]Entry(nil), load().groups...) }

// Software returns all software, sorted by id. The result is a fresh copy.
func Software() []Entry { return append([]Entry(nil), load().software...) }

// Mitigations returns all mitigations, sorted by id. The result is a fresh
// copy.
func Mitigations() []Entry { return append([]Entry(nil), load().mitigations...) }
