package testrun

import (
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/detgen/detgen/driver"
	"github.com/detgen/detgen/ir"
)

// aqlQuotedNames are the double-quoted names of an AQL query (properties;
// no profile quotes an alias), outside its single-quoted strings.
func aqlQuotedNames(q string) []string {
	var out []string
	for i := 0; i < len(q); i++ {
		switch q[i] {
		case '\'':
			for i++; i < len(q); i++ {
				if q[i] == '\'' {
					if i+1 < len(q) && q[i+1] == '\'' {
						i++
						continue
					}
					break
				}
			}
		case '"':
			j := strings.IndexByte(q[i+1:], '"')
			if j < 0 {
				return out
			}
			out = append(out, q[i:i+j+2])
			i += j + 1
		}
	}
	return out
}

var (
	// udmRead is a UDM path read from an event variable: $e.principal.ip.
	udmRead = regexp.MustCompile(`\$[a-z_0-9]+\.((?:[a-z_]+\.)*[a-z_]+)`)
)

// untestedGKEBranch lists the misspellings no test catches yet, each a
// known gap: the path is read only in the GCP_CLOUDAUDIT (GKE) branch of a
// Kubernetes rule (the identity exclusions, the step's method), and no
// test event of the rule is a GKE record that exercises it. Adding such an
// event removes the entry (the test fails until it is removed).
var untestedGKEBranch = map[string]struct{}{}

// TestMisspeltNamesFail: a generator that misspells a QRadar property or a
// UDM path must fail a test. For every shipped rule, each property name in
// its AQL and each UDM path its YARA-L events section reads is misspelt in
// turn, and the rule's own tests must fail on the changed artifact. The
// outcome section is left out: it only displays values.
func TestMisspeltNamesFail(t *testing.T) {
	rules, arts, _, err := driver.BuildDir("../rules")
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]int{}
	for i, r := range rules {
		byID[r.ID] = i
	}
	var survivors []string
	tried := 0
	for _, a := range arts {
		text := string(a.Data)
		var names []string
		switch a.Target.Name {
		case "qradar":
			names = aqlQuotedNames(text)
		case "chronicle":
			events := text
			if i := strings.Index(events, "\n  outcome:"); i >= 0 {
				events = events[:i]
			}
			for _, m := range udmRead.FindAllStringSubmatch(events, -1) {
				names = append(names, "."+m[1])
			}
		default:
			continue
		}
		sort.Strings(names)
		names = slices.Compact(names)
		r := rules[byID[a.Rule.ID]]
		for _, n := range names {
			misspelt := n[:len(n)-1] + "x" + n[len(n)-1:]
			if a.Target.Name == "chronicle" {
				misspelt = n + "x"
			}
			data := strings.ReplaceAll(text, n, misspelt)
			tried++
			res, err := Run([]*ir.Rule{r}, []driver.Artifact{{Rule: r, Target: a.Target, Data: []byte(data)}})
			if err != nil {
				t.Fatal(err)
			}
			if !killed(res, a.Target.Name) {
				key := a.Rule.Name + " " + a.Target.Name + ": " + n
				if _, ok := untestedGKEBranch[key]; ok {
					delete(untestedGKEBranch, key)
					continue
				}
				survivors = append(survivors, key)
			}
		}
	}
	if tried == 0 {
		t.Fatal("no names found to misspell")
	}
	for key := range untestedGKEBranch {
		t.Errorf("%s: declared as surviving, but a test now fails on it: remove it from untestedGKEBranch", key)
	}
	if len(survivors) > 0 {
		t.Errorf("%d of %d misspellings pass every test:\n%s", len(survivors), tried, strings.Join(survivors, "\n"))
	}
}
