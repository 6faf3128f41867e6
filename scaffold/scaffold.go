// Package scaffold writes a new rule (detgen new): a spec with a fresh
// UUID v4, the ATT&CK names and a tactic from package attack, today's
// date, a placeholder selection over the log source's catalog, and a
// positive and a negative test event. Before anything is written the
// stub is compiled for every target and its tests are run on every
// evaluator, so a generated rule always passes detgen test as it stands.
package scaffold

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/detgen/detgen/attack"
	"github.com/detgen/detgen/backends/chronicle"
	"github.com/detgen/detgen/driver"
	"github.com/detgen/detgen/mappings"
	"github.com/detgen/detgen/testrun"
	"gopkg.in/yaml.v3"
)

// Options say what to scaffold.
type Options struct {
	Dir       string    // rules directory (the spec goes to Dir/<area>/)
	Logsource string    // a catalog under mappings/logsources/
	Technique string    // ATT&CK technique or sub-technique id, e.g. T1105 or t1053.007
	Name      string    // free text: the rule's title; its slug is the rule name
	Now       time.Time // today (the spec's date, modified and changelog date)
	Rand      io.Reader // UUID source; nil means crypto/rand
}

// File is one file to write, its path under Options.Dir's parent as given.
type File struct {
	Path string
	Data []byte
}

// Rule is a scaffolded rule, not yet written.
type Rule struct {
	ID, Name, Title string
	Spec            string // path of the spec file
	Files           []File // the spec, then the matching and the non-matching event
}

// New builds the rule in memory and proves it: it compiles for every
// target and both tests pass on every evaluator. It refuses a rule whose
// files exist or whose name another spec under Dir uses.
func New(o Options) (*Rule, error) {
	if o.Rand == nil {
		o.Rand = rand.Reader
	}
	ls, errs := mappings.LoadLogsource(o.Logsource)
	if len(errs) > 0 {
		return nil, fmt.Errorf("logsource %q is unknown (known: %s)", o.Logsource, strings.Join(mappings.LogsourceNames(), ", "))
	}
	tech, err := lookupTechnique(o.Technique)
	if err != nil {
		return nil, err
	}
	for _, c := range o.Name {
		if unicode.IsControl(c) || unicode.Is(unicode.Cf, c) {
			return nil, fmt.Errorf("NAME holds the control or formatting character %U: write it without", c)
		}
	}
	name, fileSlug := slugs(o.Name)
	if name == "" {
		return nil, fmt.Errorf("NAME %q has no letters or digits to make a rule name from", o.Name)
	}
	if other := nameUsed(o.Dir, name); other != "" {
		return nil, fmt.Errorf("rule name %s is already used by %s: choose another NAME", name, other)
	}
	id, err := uuid4(o.Rand)
	if err != nil {
		return nil, err
	}
	area := areaFor(o.Dir, o.Logsource)
	techLower := strings.ToLower(tech.id())
	specRel := filepath.Join(area, techLower+"-"+fileSlug+".yaml")
	matchRel := filepath.ToSlash(filepath.Join("testdata", techLower, fileSlug+"-match.json"))
	missRel := filepath.ToSlash(filepath.Join("testdata", techLower, fileSlug+"-no-match.json"))
	r := &Rule{ID: id, Name: name, Title: title(o.Name), Spec: filepath.Join(o.Dir, specRel)}
	paths := []string{r.Spec, filepath.Join(o.Dir, area, filepath.FromSlash(matchRel)), filepath.Join(o.Dir, area, filepath.FromSlash(missRel))}
	for _, p := range paths {
		if _, err := os.Lstat(p); err == nil {
			return nil, fmt.Errorf("%s already exists: detgen new never overwrites (choose another NAME or remove it)", p)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}

	g := &gen{o: o, ls: ls, tech: tech, rule: r, matchRel: matchRel, missRel: missRel}
	var lastErr error
	for _, f := range g.candidates() {
		spec, match, miss, err := g.render(f)
		if err != nil {
			return nil, err
		}
		if err := prove(o.Dir, specRel, matchRel, missRel, spec, match, miss); err != nil {
			lastErr = fmt.Errorf("field %s: %w", f.Name, err)
			continue
		}
		r.Files = []File{{paths[0], spec}, {paths[1], match}, {paths[2], miss}}
		return r, nil
	}
	if lastErr == nil {
		lastErr = errors.New("the catalog has no field to test")
	}
	return nil, fmt.Errorf("no field of logsource %s gives a stub that every target compiles and every evaluator agrees on; the last tried, %v", o.Logsource, lastErr)
}

// Write creates the rule's files; it fails, writing nothing more, on the
// first file that exists.
func (r *Rule) Write() error {
	for _, f := range r.Files {
		if err := os.MkdirAll(filepath.Dir(f.Path), 0o755); err != nil {
			return err
		}
		fh, err := os.OpenFile(f.Path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return err
		}
		if _, err := fh.Write(f.Data); err != nil {
			fh.Close()
			return err
		}
		if err := fh.Close(); err != nil {
			return err
		}
	}
	return nil
}

// technique is the looked-up ATT&CK mapping.
type technique struct {
	parent attack.Technique
	sub    *attack.Technique
	tactic attack.Tactic
}

func (t technique) id() string {
	if t.sub != nil {
		return t.sub.ID
	}
	return t.parent.ID
}

func (t technique) url() string {
	if t.sub != nil {
		return "https://attack.mitre.org/techniques/" + strings.Replace(t.sub.ID, ".", "/", 1) + "/"
	}
	return "https://attack.mitre.org/techniques/" + t.parent.ID + "/"
}

func lookupTechnique(id string) (technique, error) {
	t, ok := attack.LookupTechnique(strings.TrimSpace(id))
	if !ok {
		return technique{}, fmt.Errorf("technique %q is not in ATT&CK Enterprise v%s (want T1234 or T1234.001)", id, attack.Version)
	}
	out := technique{parent: t}
	if t.IsSubtechnique() {
		p, ok := attack.LookupTechnique(t.Parent)
		if !ok {
			return technique{}, fmt.Errorf("technique %s: parent %s is missing", t.ID, t.Parent)
		}
		sub := t
		out.parent, out.sub = p, &sub
	}
	// The tactics of the most specific technique, in ATT&CK's order: the
	// first is the fitting default; the author may pick another of them.
	tac, ok := attack.TacticByShortName(t.Tactics[0])
	if !ok {
		return technique{}, fmt.Errorf("technique %s: tactic %s is missing", t.ID, t.Tactics[0])
	}
	out.tactic = tac
	return out, nil
}

var nonSlug = regexp.MustCompile(`[^a-z0-9]+`)

// slugs turns NAME into the rule name ([a-z][a-z0-9_]*, at most 128) and
// the file name part (the same with hyphens).
func slugs(s string) (name, file string) {
	base := strings.Trim(nonSlug.ReplaceAllString(strings.ToLower(s), "_"), "_")
	if base == "" {
		return "", ""
	}
	if base[0] < 'a' || base[0] > 'z' {
		base = "rule_" + base
	}
	if len(base) > 128 {
		base = strings.TrimRight(base[:128], "_")
	}
	return base, strings.ReplaceAll(base, "_", "-")
}

// title is NAME as written when it reads as a title, else the slug's words.
func title(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if strings.ContainsAny(s, " ") {
		return s
	}
	words := strings.FieldsFunc(s, func(r rune) bool { return r == '_' || r == '-' })
	for i, w := range words {
		r := []rune(w)
		words[i] = string(unicode.ToUpper(r[0])) + string(r[1:])
	}
	return strings.Join(words, " ")
}

func uuid4(r io.Reader) (string, error) {
	var b [16]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return "", fmt.Errorf("generating a UUID: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]), nil
}

var (
	nameLine      = regexp.MustCompile(`(?m)^name:\s*["']?([a-z][a-z0-9_]*)`)
	logsourceLine = regexp.MustCompile(`(?m)^logsource:\s*["']?([A-Za-z0-9_.-]+)`)
)

// nameUsed returns the spec under dir that already uses name, if any.
func nameUsed(dir, name string) string {
	paths, _ := driver.FindSpecs(dir)
	for _, p := range paths {
		src, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		if m := nameLine.FindSubmatch(src); m != nil && string(m[1]) == name {
			return p
		}
	}
	return ""
}

// areaFor is the directory under dir that holds most rules of the log
// source, or the log source's first word (windows_registry -> windows).
func areaFor(dir, logsource string) string {
	count := map[string]int{}
	best := ""
	paths, _ := driver.FindSpecs(dir)
	for _, p := range paths {
		src, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		m := logsourceLine.FindSubmatch(src)
		rel, err := filepath.Rel(dir, filepath.Dir(p))
		if m == nil || string(m[1]) != logsource || err != nil || rel == "." || strings.HasPrefix(rel, "..") {
			continue
		}
		area := strings.Split(filepath.ToSlash(rel), "/")[0]
		count[area]++
		if best == "" || count[area] > count[best] || count[area] == count[best] && area < best {
			best = area
		}
	}
	if best != "" {
		return best
	}
	first, _, _ := strings.Cut(logsource, "_")
	return first
}

// gen renders the stub for one choice of selection field.
type gen struct {
	o                 Options
	ls                *mappings.Logsource
	tech              technique
	rule              *Rule
	matchRel, missRel string
}

// candidates are the fields the placeholder selection may test: not
// fixed by the log source's scope, not the time field; strings first.
func (g *gen) candidates() []mappings.Field {
	scope := g.scopeValues()
	var first, rest []mappings.Field
	for _, f := range g.ls.Fields {
		if _, fixed := scope[f.Name]; fixed || g.isTimestamp(f) {
			continue
		}
		if f.Type == "string" {
			first = append(first, f)
		} else {
			rest = append(rest, f)
		}
	}
	return append(first, rest...)
}

func (g *gen) isTimestamp(f mappings.Field) bool {
	for _, p := range f.Paths {
		if p == g.ls.Timestamp {
			return true
		}
	}
	return false
}

// scopeValues are the values the first selection of the log source's
// scope requires (EventID 1 and the Sysmon channel for Windows process
// creation), so the events fall within the log source, and a value the
// Chronicle mapping knows for a field that decides the UDM event type
// (Sysmon's registry EventType).
func (g *gen) scopeValues() map[string]string {
	out := map[string]string{}
	if prof, err := chronicle.LoadProfile(g.o.Logsource); err == nil {
		for _, lt := range prof.LogTypes {
			if by := lt.EventTypeBy; by != nil && len(by.Values) > 0 {
				keys := make([]string, 0, len(by.Values))
				for k := range by.Values {
					keys = append(keys, k)
				}
				sort.Strings(keys)
				out[by.Field] = keys[0]
			}
		}
	}
	if g.ls.Scope == nil {
		return out
	}
	sels := &g.ls.Scope.Selections
	if sels.Kind != yaml.MappingNode || len(sels.Content) < 2 {
		return out
	}
	sel := sels.Content[1]
	if sel.Kind == yaml.SequenceNode && len(sel.Content) > 0 {
		sel = sel.Content[0]
	}
	if sel.Kind != yaml.MappingNode {
		return out
	}
	for i := 0; i+1 < len(sel.Content); i += 2 {
		field, _, _ := strings.Cut(sel.Content[i].Value, "|")
		v := sel.Content[i+1]
		if v.Kind == yaml.SequenceNode && len(v.Content) > 0 {
			v = v.Content[0]
		}
		if v.Kind == yaml.ScalarNode {
			out[field] = v.Value
		}
	}
	return out
}

// placeholder is the value a field holds in the events: the scope's
// value, else a value of the field's type naming the field.
func placeholder(f mappings.Field, scope map[string]string, miss bool) any {
	if v, ok := scope[f.Name]; ok {
		return typed(f.Type, v)
	}
	word := strings.ToLower(f.Name)
	switch f.Type {
	case "int":
		if miss {
			return 2
		}
		return 1
	case "bool":
		return !miss
	case "ip":
		if miss {
			return "192.0.2.20"
		}
		return "192.0.2.10"
	case "list":
		if miss {
			return []any{"other-" + word}
		}
		return []any{"placeholder-" + word}
	}
	if miss {
		return "other-" + word
	}
	return "placeholder-" + word
}

func typed(typ, v string) any {
	switch typ {
	case "int":
		if n, err := strconv.Atoi(v); err == nil {
			return n
		}
	case "bool":
		if b, err := strconv.ParseBool(v); err == nil {
			return b
		}
	case "list":
		return []any{v}
	}
	return v
}

// event builds a record with every catalog field at its first path: the
// selection's field with the matching or the near-miss value.
func (g *gen) event(sel mappings.Field, miss bool) ([]byte, error) {
	scope := g.scopeValues()
	ev := map[string]any{}
	for _, f := range g.ls.Fields {
		if f.Name == sel.Name || len(f.Paths) == 0 {
			continue
		}
		setPath(ev, f.Paths[0], placeholder(f, scope, false))
	}
	if g.ls.Timestamp != "" {
		setPath(ev, g.ls.Timestamp, g.o.Now.UTC().Format("2006-01-02")+"T00:00:00Z")
	}
	setPath(ev, sel.Paths[0], placeholder(sel, scope, miss))
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(ev); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// setPath writes v at a dotted catalog path ("[]" marks a list: one
// element is created). A path through a value some other field already
// holds is left alone.
func setPath(node map[string]any, path string, v any) {
	segs := strings.Split(path, ".")
	for i, seg := range segs {
		key, list := strings.CutSuffix(seg, "[]")
		last := i == len(segs)-1
		if last {
			if list {
				if l, ok := v.([]any); ok {
					node[key] = l
				} else {
					node[key] = []any{v}
				}
			} else {
				node[key] = v
			}
			return
		}
		if list {
			items, ok := node[key].([]any)
			if !ok {
				if _, taken := node[key]; taken {
					return
				}
				items = []any{map[string]any{}}
				node[key] = items
			}
			next, ok := items[0].(map[string]any)
			if !ok {
				return
			}
			node = next
			continue
		}
		next, ok := node[key].(map[string]any)
		if !ok {
			if _, taken := node[key]; taken {
				return
			}
			next = map[string]any{}
			node[key] = next
		}
		node = next
	}
}

func quote(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	return strings.TrimSpace(b.String())
}

func yamlValue(v any) string {
	switch x := v.(type) {
	case string:
		return quote(x)
	case []any:
		if len(x) > 0 {
			return yamlValue(x[0])
		}
	}
	return fmt.Sprint(v)
}

// render writes the spec and both events for a selection on field sel.
func (g *gen) render(sel mappings.Field) (spec, match, miss []byte, err error) {
	if match, err = g.event(sel, false); err != nil {
		return nil, nil, nil, err
	}
	if miss, err = g.event(sel, true); err != nil {
		return nil, nil, nil, err
	}
	r, t := g.rule, g.tech
	today := g.o.Now.Format("2006-01-02")
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("# %s (MITRE ATT&CK %s), scaffolded by detgen new.\n", r.Title, t.id())
	w("# Replace the placeholder selection, the test events and every TODO.\n")
	w("id: %s\n", r.ID)
	w("name: %s\n", r.Name)
	w("title: %s\n", quote(r.Title))
	w("version: 1\nstatus: experimental\n")
	w("description: >-\n  TODO: what the rule detects and why it matters.\n")
	w("author: detgen\n")
	w("date: %q\nmodified: %q\n", today, today)
	w("changelog:\n  - version: 1\n    date: %q\n    change: First version.\n", today)
	w("severity: medium\nconfidence: low\n\n")
	w("attack:\n  tactics:\n    - id: %s\n      name: %s\n", t.tactic.ID, quote(t.tactic.Name))
	w("  technique:\n    id: %s\n    name: %s\n", t.parent.ID, quote(t.parent.Name))
	if t.sub != nil {
		w("  subtechnique:\n    id: %s\n    name: %s\n", t.sub.ID, quote(t.sub.Name))
	}
	w("  url: %s\n\n", t.url())
	w("data_sources:\n  - %s\n\n", quote(g.ls.Description))
	w("false_positives:\n  - \"TODO: known benign causes of hits\"\n\n")
	w("logsource: %s\n\n", g.o.Logsource)
	w("detection:\n  selections:\n")
	w("    # Fields of %s (all in mappings/logsources/%s.yaml;\n", g.o.Logsource, g.o.Logsource)
	w("    # modifiers such as |contains, |startswith, |re in docs/spec.md), e.g.:\n")
	scope := g.scopeValues()
	for i, f := range g.ls.Fields {
		if i == 5 {
			w("    #   ... %d more in the catalog\n", len(g.ls.Fields)-5)
			break
		}
		w("    #   %s: %s   # %s: %s\n", f.Name, yamlValue(placeholder(f, scope, false)), f.Type, f.Description)
	}
	w("    selection:\n      %s: %s\n", sel.Name, yamlValue(placeholder(sel, scope, false)))
	w("  condition: selection\n\n")
	w("tests:\n")
	w("  - name: placeholder event that matches (replace with an attack event)\n    constructed: true\n")
	w("    event_file: %s\n    expect: {match: true}\n", g.matchRel)
	w("  - name: placeholder near miss that must not match\n    constructed: true\n")
	w("    event_file: %s\n    expect: {match: false}\n", g.missRel)
	return []byte(b.String()), match, miss, nil
}

// prove writes the stub into a temporary directory laid out as the rules
// directory, compiles it for every target and runs its tests.
// Errors name the files as they will be written under dir.
func prove(dir, specRel, matchRel, missRel string, spec, match, miss []byte) (err error) {
	tmp, err := os.MkdirTemp("", "detgen-new-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	defer func() {
		if err != nil {
			err = errors.New(strings.ReplaceAll(err.Error(), tmp, filepath.Clean(dir)))
		}
	}()
	specPath := filepath.Join(tmp, specRel)
	for path, data := range map[string][]byte{
		specPath: spec,
		filepath.Join(filepath.Dir(specPath), filepath.FromSlash(matchRel)): match,
		filepath.Join(filepath.Dir(specPath), filepath.FromSlash(missRel)):  miss,
	} {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return err
		}
	}
	rules, errs := driver.LoadRules([]string{specPath})
	if len(errs) > 0 {
		return errs
	}
	arts, errs, _ := driver.Generate(rules, driver.Targets)
	if len(errs) > 0 {
		return errs
	}
	results, err := testrun.Run(rules, arts)
	if err != nil {
		return err
	}
	if n := testrun.Failed(results); n > 0 {
		var b strings.Builder
		testrun.Print(&b, results)
		return fmt.Errorf("%d evaluations disagree:\n%s", n, b.String())
	}
	return nil
}
