package sigmain

import (
	"regexp"
	"sort"
	"strings"

	"github.com/detgen/detgen/diag"
	"github.com/detgen/detgen/driver"
)

// Outcome is one document's result for one target: an artifact that
// passed the target's checks, or the reasons it was refused.
type Outcome struct {
	Result *Result
	Target driver.Target
	// Artifact is the checked artifact (Data nil when refused, and after
	// ConvertFiles handed it to its sink).
	Artifact driver.Artifact
	// Path is where the artifact goes below an output directory
	// (driver.DistPath), "" when refused.
	Path     string
	Refused  diag.List
	Warnings []driver.Warning
}

// Converted reports whether the target produced a checked artifact.
func (o *Outcome) Converted() bool { return o.Path != "" }

// Convert runs every target on every rule, generating and checking each
// artifact exactly as driver.Generate does, but keeping each rule's
// outcome on its own: one refusal never stops the others. Filter
// documents have no outcome of their own (they change the rules they
// name); every other document has one per target, in input order.
func Convert(results []*Result, targets []driver.Target) []Outcome {
	var docs []*Result
	for _, r := range results {
		if r.Kind != KindFilter {
			docs = append(docs, r)
		}
	}
	out := make([]Outcome, len(docs)*len(targets))
	driver.Parallel(len(docs), func(i int) {
		for j, t := range targets {
			o := &out[i*len(targets)+j]
			o.Result, o.Target = docs[i], t
			if docs[i].Rule == nil {
				o.Refused = docs[i].Refused
				continue
			}
			o.Artifact, o.Refused, o.Warnings = driver.GenerateOne(docs[i].Rule, t)
			if o.Artifact.Data != nil {
				o.Path = driver.DistPath(o.Artifact)
			}
		}
	})
	return out
}

var (
	// A backend's refusal: "<target>: <pos>: <target>: rule <name>: <msg>".
	backendRE = regexp.MustCompile(`^[a-z]+: (.*?): [a-z]+: rule [a-z0-9_]+: (.*)$`)
	// A failed check: "<target>: generated <lang> artifact of rule <name>
	// fails its check at <line>:<col>: <severity>: <msg>".
	checkRE = regexp.MustCompile(`^[a-z]+: generated ([A-Za-z-]+) artifact of rule [a-z0-9_]+ fails its check at [0-9]+:[0-9]+: (?:error: )?(.*)$`)
	listRE  = regexp.MustCompile(` \((fields|known|selections): [^)]*\)`)
)

// Explain splits a refusal into where it points (the Sigma file's
// line:col, also for a backend's refusal) and its reason without what
// repeats on every line (the target, the rule's name, lists of known
// names): what summaries count and the expectations file records.
func Explain(e *diag.Error) (where, reason string) {
	where, msg := e.Pos.String(), e.Msg
	if m := backendRE.FindStringSubmatch(msg); m != nil {
		if m[1] != "" {
			where = m[1]
		}
		msg = m[2]
	} else if m := checkRE.FindStringSubmatch(msg); m != nil {
		msg = "the generated " + m[1] + " fails its check: " + m[2]
	}
	return where, strings.TrimSpace(listRE.ReplaceAllString(msg, ""))
}

// Reason is Explain's reason.
func Reason(e *diag.Error) string {
	_, r := Explain(e)
	return r
}

// Count is a reason and how many documents it refused.
type Count struct {
	Reason string `json:"reason"`
	N      int    `json:"count"`
}

// Summary is the outcome of one log source (Result.Group).
type Summary struct {
	Logsource string             `json:"logsource"`
	Rules     int                `json:"rules"`
	Converted map[string]int     `json:"converted"`
	Refused   map[string][]Count `json:"refused"` // per target, most frequent first
}

// Summarize groups outcomes by log source, sorted by rule count then name.
func Summarize(outs []Outcome) []Summary {
	byGroup := map[string]*Summary{}
	reasons := map[string]map[string]map[string]int{} // group, target, reason
	seen := map[*Result]bool{}
	for _, o := range outs {
		g := o.Result.Group()
		s := byGroup[g]
		if s == nil {
			s = &Summary{Logsource: g, Converted: map[string]int{}, Refused: map[string][]Count{}}
			byGroup[g], reasons[g] = s, map[string]map[string]int{}
		}
		if !seen[o.Result] {
			seen[o.Result] = true
			s.Rules++
		}
		t := o.Target.Name
		if o.Converted() {
			s.Converted[t]++
			continue
		}
		if reasons[g][t] == nil {
			reasons[g][t] = map[string]int{}
		}
		reason := "refused"
		if len(o.Refused) > 0 {
			reason = Reason(o.Refused[0])
		}
		reasons[g][t][reason]++
	}
	var out []Summary
	for g, s := range byGroup {
		for t, m := range reasons[g] {
			for r, n := range m {
				s.Refused[t] = append(s.Refused[t], Count{r, n})
			}
			sort.Slice(s.Refused[t], func(i, j int) bool {
				a, b := s.Refused[t][i], s.Refused[t][j]
				return a.N > b.N || a.N == b.N && a.Reason < b.Reason
			})
		}
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Rules > out[j].Rules || out[i].Rules == out[j].Rules && out[i].Logsource < out[j].Logsource
	})
	return out
}
