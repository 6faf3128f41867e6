package lint

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/detgen/detgen/attack"
)

var (
	attackTechniqueTag = regexp.MustCompile(`^attack\.t[0-9]{4}(\.[0-9]{3})?$`)
	attackOtherTag     = regexp.MustCompile(`^attack\.[gsm][0-9]{4}$`)
	// Tactic shortnames renamed after the pinned ATT&CK version, which
	// SigmaHQ already uses (ATT&CK v19 split Defense Evasion).
	newerTactics = map[string]bool{"stealth": true, "defense-impairment": true}
)

// checkTag returns a message when an attack.* tag names no ATT&CK object
// of the pinned version; other namespaces are not checked.
func checkTag(tag string) string {
	rest, ok := strings.CutPrefix(tag, "attack.")
	if !ok {
		return ""
	}
	if tag != strings.ToLower(tag) {
		return fmt.Sprintf("tag %q must be lower case", tag)
	}
	switch {
	case attackTechniqueTag.MatchString(tag):
		if _, ok := attack.LookupTechnique(strings.ToUpper(rest)); !ok {
			return fmt.Sprintf("tag %q names no technique of ATT&CK Enterprise v%s", tag, attack.Version)
		}
	case attackOtherTag.MatchString(tag):
		id := strings.ToUpper(rest)
		var found bool
		switch id[0] {
		case 'G':
			_, found = attack.LookupGroup(id)
		case 'S':
			_, found = attack.LookupSoftware(id)
		case 'M':
			_, found = attack.LookupMitigation(id)
		}
		if !found {
			return fmt.Sprintf("tag %q names no ATT&CK v%s object", tag, attack.Version)
		}
	default:
		if _, ok := attack.TacticByShortName(rest); !ok && !newerTactics[rest] {
			return fmt.Sprintf("tag %q is neither an ATT&CK id nor a tactic name", tag)
		}
	}
	return ""
}
