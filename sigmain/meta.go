package sigmain

import (
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/detgen/detgen/attack"
	"github.com/detgen/detgen/ir"
)

var (
	levels   = []string{"informational", "low", "medium", "high", "critical"}
	statuses = []string{"stable", "test", "experimental", "deprecated", "unsupported"}
)

// metadata maps Sigma's descriptive keys onto the rule. Metadata never
// refuses a rule: a malformed value is a warning and is left out.
func (rd *reader) metadata(d *doc, r *ir.Rule) {
	r.Description = strings.TrimSpace(d.str("description"))
	r.Author = d.str("author")
	r.References = d.strs("references")
	r.FalsePositives = d.strs("falsepositives")
	r.Date = d.date("date")
	r.Modified = d.date("modified")
	if s := d.str("status"); s != "" {
		if slices.Contains(statuses, s) {
			r.Status = s
		} else {
			d.warn(d.get("status"), "status %q is not one of %s; left out", s, strings.Join(statuses, ", "))
		}
	}
	if l := d.str("level"); l != "" {
		if slices.Contains(levels, l) {
			r.Severity = l
		} else {
			d.warn(d.get("level"), "level %q is not one of %s; left out", l, strings.Join(levels, ", "))
		}
	}
	d.tags(r)
}

// date accepts YYYY-MM-DD (the specification) and YYYY/MM/DD (older
// SigmaHQ rules) and returns YYYY-MM-DD.
func (d *doc) date(key string) string {
	s := d.str(key)
	if s == "" {
		return ""
	}
	for _, layout := range []string{"2006-01-02", "2006/01/02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.Format("2006-01-02")
		}
	}
	d.warn(d.get(key), "%s %q is not a date in YYYY-MM-DD form; left out", key, s)
	return ""
}

var (
	techniqueTag = regexp.MustCompile(`^attack\.t[0-9]{4}(\.[0-9]{3})?$`)
	objectTag    = regexp.MustCompile(`^attack\.[gsm][0-9]{4}$`)
)

// tags maps attack.* tags onto the ATT&CK fields: the first technique tag
// becomes Technique (and Subtechnique when it names one, or when a
// sub-technique of it follows), tactic tags become Tactics. Further
// technique tags and every other tag stay tags. An attack.* tag that names
// nothing in the pinned ATT&CK version is a warning and is left out: the
// targets' checks reject unknown ATT&CK ids.
func (d *doc) tags(r *ir.Rule) {
	seen := map[string]bool{}
	var techs []attack.Technique
	for _, n := range d.items("tags") {
		tag := n.Value
		if strings.HasPrefix(strings.ToLower(tag), "attack.") {
			tag = strings.ToLower(tag)
		}
		if seen[tag] {
			continue
		}
		seen[tag] = true
		rest, isAttack := strings.CutPrefix(tag, "attack.")
		switch {
		case !isAttack:
			r.Tags = append(r.Tags, tag)
		case techniqueTag.MatchString(tag):
			t, ok := attack.LookupTechnique(rest)
			if !ok {
				d.warn(n, "tag %s names no technique of ATT&CK Enterprise v%s; left out", tag, attack.Version)
				continue
			}
			techs = append(techs, t)
		case objectTag.MatchString(tag):
			if !attackObject(strings.ToUpper(rest)) {
				d.warn(n, "tag %s names no object of ATT&CK Enterprise v%s; left out", tag, attack.Version)
				continue
			}
			r.Tags = append(r.Tags, tag)
		default:
			tac, ok := attack.TacticByShortName(rest)
			if !ok {
				d.warn(n, "tag %s names no tactic of ATT&CK Enterprise v%s; left out", tag, attack.Version)
				continue
			}
			r.Tactics = append(r.Tactics, ir.Ref{ID: tac.ID, Name: tac.Name})
		}
	}
	assignTechniques(r, techs)
}

func attackObject(id string) bool {
	var ok bool
	switch id[0] {
	case 'G':
		_, ok = attack.LookupGroup(id)
	case 'S':
		_, ok = attack.LookupSoftware(id)
	case 'M':
		_, ok = attack.LookupMitigation(id)
	}
	return ok
}

// assignTechniques fills Technique, Subtechnique and AttackURL from the
// technique tags in order; the ones left over are kept as tags.
func assignTechniques(r *ir.Rule, techs []attack.Technique) {
	if len(techs) == 0 {
		return
	}
	first := techs[0]
	parent := first.ID
	if first.IsSubtechnique() {
		parent = first.Parent
	}
	used := map[string]bool{}
	for _, t := range techs {
		switch {
		case t.ID == parent:
			p, _ := attack.LookupTechnique(parent)
			r.Technique, used[t.ID] = ir.Ref{ID: p.ID, Name: p.Name}, true
		case t.Parent == parent && r.Subtechnique.ID == "":
			r.Subtechnique, used[t.ID] = ir.Ref{ID: t.ID, Name: t.Name}, true
		}
	}
	if r.Technique.ID == "" {
		p, _ := attack.LookupTechnique(parent)
		r.Technique = ir.Ref{ID: p.ID, Name: p.Name}
	}
	r.AttackURL = "https://attack.mitre.org/techniques/" + r.Technique.ID + "/"
	if r.Subtechnique.ID != "" {
		r.AttackURL = "https://attack.mitre.org/techniques/" + strings.Replace(r.Subtechnique.ID, ".", "/", 1) + "/"
	}
	for _, t := range techs {
		if !used[t.ID] {
			r.Tags = append(r.Tags, "attack."+strings.ToLower(t.ID))
		}
	}
}
