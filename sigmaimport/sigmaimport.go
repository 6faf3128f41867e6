// Package sigmaimport writes a Sigma rule, as sigmain read it, as a detgen
// detection spec (docs/spec.md): `detgen import sigma`. The detection is
// the compiled ir.Rule written back as selections and a condition, so the
// spec compiles to the same expression (package tests check it with the
// reference evaluator and structurally); the metadata comes from the Sigma
// document. What Sigma does not carry (a confidence, an ATT&CK mapping the
// tags do not give, tests) is either filled in and marked with a comment
// in the spec, or left out, and listed in the notes the caller prints.
package sigmaimport

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/detgen/detgen/attack"
	"github.com/detgen/detgen/internal/invisible"
	"github.com/detgen/detgen/ir"
	"github.com/detgen/detgen/sigmain"
	"gopkg.in/yaml.v3"
)

// Spec renders the spec of a converted Sigma rule, dated today where the
// Sigma rule gives no date.
func Spec(res *sigmain.Result) ([]byte, error) {
	out, _, err := Render(res, time.Now())
	return out, err
}

// Render renders the spec of a converted Sigma rule and returns the notes:
// what the import filled in for the author to review, and what the author
// must add (tests, an ATT&CK mapping) before `detgen validate` or `detgen
// test` is useful. today dates a rule without a date.
func Render(res *sigmain.Result, today time.Time) ([]byte, []string, error) {
	if res == nil || res.Rule == nil {
		return nil, nil, errors.New("the Sigma rule was not converted (refused or not a rule)")
	}
	r := res.Rule
	if r.Aggregate != nil || r.Sequence != nil || r.Scoring != nil || res.Kind != sigmain.KindRule {
		return nil, nil, errors.New("correlation rules are not imported (only detection rules)")
	}
	if r.Condition == nil {
		return nil, nil, errors.New("the rule has no condition")
	}
	for _, m := range ir.Matches(r.Condition) {
		for _, v := range m.Values {
			if i := strings.IndexFunc(v, invisible.Is); i >= 0 {
				c, _ := utf8.DecodeRuneInString(v[i:])
				return nil, nil, fmt.Errorf("field %s: the value %q holds %U, an invisible character a spec cannot hold (spec text refuses them; convert writes them escaped)", m.Field, v, c)
			}
		}
	}
	det, err := renderDetection(r.Condition)
	if err != nil {
		return nil, nil, err
	}
	b := &builder{}
	m := b.metadata(res, today)
	dm := mapping()
	sels := mapping()
	for _, s := range det.sels {
		add(sels, str(s.name), s.node)
	}
	add(dm, str("selections"), sels)
	add(dm, str("condition"), str(det.cond))
	add(m, str("logsource"), str(r.Logsource))
	add(m, str("detection"), dm)
	b.notes = append(b.notes, "no tests: add matching and non-matching test events (docs/spec.md, tests) before relying on the rule; detgen test has nothing to run on it until then")

	doc := &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{m}}
	var sb strings.Builder
	enc := yaml.NewEncoder(&sb)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, nil, err
	}
	return []byte(sb.String()), b.notes, nil
}

// builder collects the notes while the metadata is written.
type builder struct{ notes []string }

func (b *builder) note(format string, args ...any) string {
	s := fmt.Sprintf(format, args...)
	b.notes = append(b.notes, s)
	return s
}

var uuid4RE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// tagRE is the spec's tag syntax (compile/detection.go).
var tagRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

func (b *builder) metadata(res *sigmain.Result, today time.Time) *yaml.Node {
	r := res.Rule
	m := mapping()
	source := filepath.Base(res.Pos.File)

	id := str(r.ID)
	if !uuid4RE.MatchString(r.ID) {
		derived := v4From("sigma-id:" + r.ID)
		id = str(derived)
		id.LineComment = b.note("Sigma id %s is not a UUID version 4 (the spec format requires one): %s is derived from it", r.ID, derived)
	}
	first := str("id")
	first.HeadComment = "Imported from the Sigma rule " + source + " by detgen import sigma\n" +
		"(Sigma logsource " + res.SigmaLogsource + "). The detection is the rule's meaning\n" +
		"as detgen reads it: values are literal here (no wildcards), see docs/sigma.md.\n" +
		"No tests were imported (Sigma rules carry none): add events that must match\n" +
		"and events that must not (docs/spec.md, tests) before relying on the rule."
	add(m, first, id)
	add(m, str("name"), str(r.Name))
	add(m, str("title"), str(oneLine(r.Title)))
	add(m, str("version"), intNode(1))

	status := str(r.Status)
	if r.Status == "" {
		status = str("experimental")
		status.LineComment = b.note("the Sigma rule has no valid status: experimental")
	}
	add(m, str("status"), status)

	desc := str(r.Description)
	if r.Description == "" {
		desc = str(oneLine(r.Title))
		desc.LineComment = b.note("the Sigma rule has no description: the title is used")
	}
	add(m, str("description"), desc)

	author := str(oneLine(r.Author))
	if strings.TrimSpace(r.Author) == "" {
		author = str("unknown")
		author.LineComment = b.note("the Sigma rule names no author: unknown")
	}
	add(m, str("author"), author)

	date, modified := r.Date, r.Modified
	dateNode := quoted(date)
	switch {
	case date == "" && modified != "":
		date = modified
		dateNode = quoted(date)
		dateNode.LineComment = b.note("the Sigma rule has no date: its modified date is used")
	case date == "":
		date = today.Format("2006-01-02")
		dateNode = quoted(date)
		dateNode.LineComment = b.note("the Sigma rule has no date: the import date is used")
	}
	if modified == "" || modified < date {
		modified = date
	}
	add(m, str("date"), dateNode)
	add(m, str("modified"), quoted(modified))
	ch := mapping()
	add(ch, str("version"), intNode(1))
	add(ch, str("date"), quoted(modified))
	add(ch, str("change"), str(oneLine("Imported from the Sigma rule "+source+".")))
	add(m, str("changelog"), seq(ch))

	sev := str(r.Severity)
	if r.Severity == "" {
		sev = str("medium")
		sev.LineComment = b.note("the Sigma rule has no valid level: severity medium")
	}
	add(m, str("severity"), sev)
	conf := str("low")
	conf.LineComment = "Sigma has no confidence: set by the import; review"
	add(m, str("confidence"), conf)

	tags := b.attack(m, r)

	add(m, str("data_sources"), strSeq(r.DataSources))
	if len(r.References) > 0 {
		add(m, str("references"), strSeq(r.References))
	}
	fps := r.FalsePositives
	fpKey := str("false_positives")
	if len(fps) == 0 {
		fps = []string{"Unknown"}
		fpKey.LineComment = b.note("the Sigma rule lists no false positives: Unknown")
	}
	add(m, fpKey, strSeq(fps))

	var out []string
	seen := map[string]bool{}
	for _, t := range append(tags, r.Tags...) {
		lt := strings.ToLower(t)
		switch {
		case seen[lt]:
		case !tagRE.MatchString(lt):
			b.note("tag %q is not a spec tag ([a-z0-9][a-z0-9._-]*, at most 64 characters): left out", t)
		default:
			out = append(out, lt)
		}
		seen[lt] = true
	}
	if len(out) > 0 {
		add(m, str("tags"), strSeq(out))
	}
	return m
}

// attack writes the ATT&CK block when the Sigma tags name a technique, and
// returns the tactic tags it cannot place, to be kept as tags.
func (b *builder) attack(m *yaml.Node, r *ir.Rule) (tags []string) {
	tacticTag := func(t ir.Ref) string {
		if tac, ok := attack.LookupTactic(t.ID); ok {
			return "attack." + tac.ShortName
		}
		return ""
	}
	if r.Technique.ID == "" {
		for _, t := range r.Tactics {
			if s := tacticTag(t); s != "" {
				tags = append(tags, s)
			}
		}
		b.note("no ATT&CK technique among the Sigma tags: the spec has no attack block (required), add one before detgen validate passes")
		return tags
	}
	spec := r.Technique.ID
	if r.Subtechnique.ID != "" {
		spec = r.Subtechnique.ID
	}
	tech, ok := attack.LookupTechnique(spec)
	if !ok {
		b.note("ATT&CK technique %s is unknown: no attack block", spec)
		return nil
	}
	var tactics []ir.Ref
	for _, t := range r.Tactics {
		tac, ok := attack.LookupTactic(t.ID)
		if ok && slices.Contains(tech.Tactics, tac.ShortName) {
			tactics = append(tactics, t)
			continue
		}
		if s := tacticTag(t); s != "" {
			tags = append(tags, s)
			b.note("tactic %s (%s) is not a tactic of %s in ATT&CK v%s: kept as tag %s", t.ID, t.Name, spec, attack.Version, s)
		}
	}
	a := mapping()
	tk := str("tactics")
	if len(tactics) == 0 {
		for _, short := range tech.Tactics {
			if tac, ok := attack.TacticByShortName(short); ok {
				tactics = append(tactics, ir.Ref{ID: tac.ID, Name: tac.Name})
			}
		}
		tk.LineComment = b.note("no Sigma tactic tag belongs to %s: its tactics in ATT&CK v%s are listed; keep the ones the rule covers", spec, attack.Version)
	}
	var ts []*yaml.Node
	for _, t := range tactics {
		ts = append(ts, ref(t))
	}
	add(a, tk, seq(ts...))
	add(a, str("technique"), ref(r.Technique))
	if r.Subtechnique.ID != "" {
		add(a, str("subtechnique"), ref(r.Subtechnique))
	}
	add(a, str("url"), str(r.AttackURL))
	add(m, str("attack"), a)
	return tags
}

func ref(r ir.Ref) *yaml.Node {
	n := mapping()
	add(n, str("id"), str(r.ID))
	add(n, str("name"), str(r.Name))
	return n
}

// v4From shapes the SHA-256 of s as a version-4 UUID.
func v4From(s string) string {
	h := sha256.Sum256([]byte(s))
	h[6] = h[6]&0x0f | 0x40
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// YAML node helpers: every value goes through yaml.v3's encoder, which
// quotes a string whenever the plain form would read as something else.

func mapping() *yaml.Node { return &yaml.Node{Kind: yaml.MappingNode} }

func add(m, k, v *yaml.Node) { m.Content = append(m.Content, k, v) }

func str(s string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
	if strings.ContainsFunc(s, unicode.IsControl) {
		// yaml.v3 writes a block scalar for these, and loses a leading
		// line break there (a regex "\nx" came back as "x"); double
		// quotes write every character as an escape or itself.
		n.Style = yaml.DoubleQuotedStyle
	}
	return n
}

// quoted is a string that must stay a string (a date).
func quoted(s string) *yaml.Node {
	n := str(s)
	n.Style = yaml.DoubleQuotedStyle
	return n
}

func intNode(n int) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: fmt.Sprint(n)}
}

func seq(items ...*yaml.Node) *yaml.Node {
	return &yaml.Node{Kind: yaml.SequenceNode, Content: items}
}

func strSeq(ss []string) *yaml.Node {
	n := seq()
	for _, s := range ss {
		n.Content = append(n.Content, str(s))
	}
	return n
}
