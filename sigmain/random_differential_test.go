package sigmain_test

import (
	"fmt"
	"time"

	"github.com/detgen/detgen/compile"
	"github.com/detgen/detgen/ir"
	"github.com/detgen/detgen/sigmaimport"
	"github.com/detgen/detgen/spec"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/detgen/detgen/backends/sigma"
	"github.com/detgen/detgen/driver"
	"github.com/detgen/detgen/mappings"
	"github.com/detgen/detgen/sigmain"
	"gopkg.in/yaml.v3"
)

// ignoreLabels compares conditions without positions and selection names.
var ignoreLabels = cmp.Options{
	cmpopts.IgnoreFields(ir.Match{}, "Pos", "Label"),
	cmpopts.IgnoreFields(ir.Keyword{}, "Pos", "Label"),
	cmpopts.IgnoreFields(ir.And{}, "Label"),
	cmpopts.IgnoreFields(ir.Or{}, "Label"),
}

// randomSource is a log source random rules are written for: its Sigma
// logsource (from its Sigma profile) and the fields a rule may test.
type randomSource struct {
	name   string
	logsrc map[string]string
	fields []randomField
}

type randomField struct {
	name string // as the Sigma profile spells it
	typ  string // the catalog type
}

// randomSources are every log source with a Sigma profile, read from the
// mappings as the harness reads them (loadSchema), not through sigmain.
func randomSources(t *testing.T) []randomSource {
	var out []randomSource
	only := eventOnly(t)
	for _, name := range mappings.LogsourceNames() {
		var prof sigma.Profile
		if errs := mappings.Load("sigma", name, &prof); len(errs) > 0 {
			continue // no Sigma profile
		}
		sc, err := loadSchema(name)
		if err != nil {
			t.Fatal(err)
		}
		src := randomSource{name: name, logsrc: map[string]string{}}
		for k, v := range map[string]string{"product": prof.Logsource.Product, "category": prof.Logsource.Category, "service": prof.Logsource.Service} {
			if v != "" {
				src.logsrc[k] = v
			}
		}
		scope := map[string]bool{}
		eventID := ""
		for _, a := range append(append([]assign(nil), sc.scope...), aliasScope(sigmaLogsourceKey(src.logsrc))...) {
			scope[a.field] = true
			if a.field == "EventID" {
				eventID = a.value
			}
		}
		for name, f := range sc.logical {
			if scope[f] || name != f && len(sc.field[f].Paths) > 1 {
				continue // fixed by the scope, or one path of several (refused)
			}
			if ids, ok := only[sc.field[f].Paths[0]]; ok && sc.format == "windows_event" && !has(ids, eventID) {
				// Only events of other ids carry it: a random rule's
				// event would have a field its id never has.
				continue
			}
			src.fields = append(src.fields, randomField{name, sc.field[f].Type})
		}
		sort.Slice(src.fields, func(i, j int) bool { return src.fields[i].name < src.fields[j].name })
		if len(src.fields) > 0 {
			out = append(out, src)
		}
	}
	return out
}

// eventOnly are the Windows event data (by catalog path) the Chronicle
// parsers map only for some event ids (testrun/udm's `when`): the data of
// those events alone; and those whose values pick the event type.
func eventOnly(t *testing.T) map[string][]string {
	out := map[string][]string{}
	files, _ := filepath.Glob("../testrun/udm/*.yaml")
	if len(files) == 0 {
		t.Fatal("no Chronicle oracle files in ../testrun/udm")
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var oracle struct {
			EventTypes []struct {
				When map[string][]string `yaml:"when"`
			} `yaml:"event_types"`
			Fields []struct {
				From []string            `yaml:"from"`
				When map[string][]string `yaml:"when"`
			} `yaml:"fields"`
		}
		if err := yaml.Unmarshal(src, &oracle); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		// Event data that picks the event type (Sysmon's registry
		// EventType) holds only the values listed: a random one makes
		// an event of no type.
		for _, e := range oracle.EventTypes {
			for k := range e.When {
				if path, ok := strings.CutPrefix(k, "Event.EventData."); ok {
					out[path] = append(out[path], "picks the event type")
				}
			}
		}
		for _, e := range oracle.Fields {
			ids := e.When["Event.System.EventID"]
			for _, p := range e.From {
				if path, ok := strings.CutPrefix(p, "Event.EventData."); ok && len(ids) > 0 {
					out[path] = append(out[path], ids...)
				}
			}
		}
	}
	return out
}

func sigmaLogsourceKey(ls map[string]string) string {
	dash := func(k string) string {
		if v := ls[k]; v != "" {
			return v
		}
		return "-"
	}
	return dash("product") + "/" + dash("category") + "/" + dash("service")
}

// hostileRunes are what the targets' literals must escape or read
// literally: quotes, backslashes, LIKE's % and _, regex metacharacters,
// the YARA-L regex delimiter and back quote, and non-ASCII letters.
//
// Left out: ſ and ς, whose lower case is not their case fold. The
// reference lower-cases both sides, the targets' case-insensitive tests
// (RE2's (?i), ILIKE) fold, so "S" matches "ſ" on Chronicle and not in
// the reference (docs/spec.md, Case).
var hostileRunes = []rune(`'"\%_/` + "`" + `.$^()[]{}|+-:=,<>& éÄ中😀`)

// TestRandomRulesDifferential is the differential check (see
// TestSigmaHQDifferential) on rules no corpus holds: random Sigma rules
// over every log source with a Sigma profile, whose values are full of
// what the targets must escape, with wildcards and their escapes, every
// modifier detgen reads and random conditions (and, or, not, parentheses,
// 1 of, all of). Every rule either converts or is refused; every converted
// rule's synthesized events must get one verdict from sigma-go (on the
// original and on the generated Sigma, where it reads them as the
// specification does), the reference, and the QRadar, Chronicle and Sigma
// evaluators; and detgen import sigma must turn it into a spec with the
// same condition. The seed is fixed; DETGEN_RANDOM_RULES=N runs N rules
// and DETGEN_RANDOM_SEED=S another seed.
func TestRandomRulesDifferential(t *testing.T) {
	n, seed := 2000, uint64(1)
	if v, err := strconv.Atoi(os.Getenv("DETGEN_RANDOM_RULES")); err == nil && v > 0 {
		n = v
	}
	if v, err := strconv.ParseUint(os.Getenv("DETGEN_RANDOM_SEED"), 10, 64); err == nil {
		seed = v
	}
	r := rand.New(rand.NewPCG(seed, 9))
	dir := t.TempDir()
	sources := randomSources(t)
	for i := 0; i < n; i++ {
		src := sources[i%len(sources)]
		doc := randomRule(r, i, src.logsrc, src.fields)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("r%04d.yml", i)), doc, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	results, errs := sigmain.Load([]string{dir})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	converted, refused := map[string]int{}, map[string]int{}
	arts := convertForDiff(results, func(o sigmain.Outcome) {
		if o.Converted() {
			converted[o.Target.Name]++
		} else if o.Result.Rule != nil {
			refused[o.Target.Name+": "+refusal(o.Refused.Error())]++
		}
	})
	var rules []*sigmain.Result
	for _, res := range results {
		switch {
		case res.Rule == nil:
			refused["read: "+firstLine(res.Refused.Error())]++
		case len(arts[res]) > 0:
			rules = append(rules, res)
		}
	}
	outs := make([]diffOutcome, len(rules))
	driver.Parallel(len(rules), func(i int) {
		outs[i] = differential(rules[i], arts[rules[i]])
	})
	// detgen import sigma: the spec it writes must compile to the same
	// condition (hostile values survive the spec's YAML and its reader).
	imported, importRefused := 0, map[string]int{}
	for _, res := range rules {
		out, _, err := sigmaimport.Render(res, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		if err != nil {
			importRefused[firstLine(err.Error())]++
			continue
		}
		// The attack block the import leaves out when no tag names one.
		out = append(out, []byte("attack:\n  tactics: [{id: TA0002, name: Execution}]\n  technique: {id: T1059, name: Command and Scripting Interpreter}\n  url: https://attack.mitre.org/techniques/T1059/\n")...)
		sp, errs := spec.Parse("imported.yaml", out)
		if len(errs) > 0 {
			t.Errorf("%s: the imported spec does not parse: %v\n%s", filepath.Base(res.Pos.File), errs, out)
			continue
		}
		got, errs := compile.Rule(sp)
		if len(errs) > 0 {
			t.Errorf("%s: the imported spec does not compile: %v\n%s", filepath.Base(res.Pos.File), errs, out)
			continue
		}
		imported++
		if d := cmp.Diff(res.Rule.Condition, got.Condition, ignoreLabels); d != "" {
			t.Errorf("%s: the imported spec's condition differs (-sigma +spec):\n%s\n%s", filepath.Base(res.Pos.File), d, out)
		}
	}
	t.Logf("imported %d of %d converted rules; not imported: %v", imported, len(rules), importRefused)
	events, fired := 0, 0
	compared := map[string]int{}
	for i, o := range outs {
		events += o.events
		fired += o.fired
		compared[strings.Join(o.compared, " ")]++
		if o.status == "divergence" {
			d, _, _ := strings.Cut(o.detail, "\t")
			compared["declared divergence: "+d]++
		}
		if o.sigmaGo != "" {
			compared["sigma-go not compared: "+o.sigmaGo]++
		}
		if o.status == "disagree" {
			src, _ := os.ReadFile(rules[i].Pos.File)
			t.Errorf("%s: evaluators disagree: %s\n%s", filepath.Base(rules[i].Pos.File), o.detail, src)
		}
	}
	t.Logf("%d random rules: %d read, %d converted for QRadar, %d for Chronicle, %d for Sigma; %d events, the reference fires on %d",
		n, len(results)-countPrefix(refused, "read: "), converted["qradar"], converted["chronicle"], converted["sigma"], events, fired)
	for _, k := range sortedKeys(compared) {
		t.Logf("compared %d: %s", compared[k], k)
	}
	for _, k := range sortedKeys(refused) {
		t.Logf("refused %d: %s", refused[k], k)
	}
	// The check proves something only when most rules run through both
	// targets and the events both fire and miss.
	if converted["sigma"] < n*9/10 || converted["chronicle"] < n/3 || converted["qradar"] < n/5 || fired < events/10 || fired > events*9/10 {
		t.Errorf("too little is compared: %d rules, qradar %d, chronicle %d, sigma %d, %d of %d events fire",
			n, converted["qradar"], converted["chronicle"], converted["sigma"], fired, events)
	}
}

// randomRule writes one Sigma rule: up to three selections over fields,
// each a map or a list of maps, now and then a keyword list, and a
// random condition over them.
func randomRule(r *rand.Rand, i int, logsrc map[string]string, fields []randomField) []byte {
	det := &yaml.Node{Kind: yaml.MappingNode}
	nsel := 1 + r.IntN(3)
	var names []string
	for s := 0; s < nsel; s++ {
		name := fmt.Sprintf("sel_%c", 'a'+s)
		var body *yaml.Node
		switch k := r.IntN(12); {
		case k == 0:
			name = "keywords"
			body = &yaml.Node{Kind: yaml.SequenceNode}
			for v := 1 + r.IntN(2); v > 0; v-- {
				// detgen reads no wildcard inside a keyword.
				body.Content = append(body.Content, str(randomText(r, 3+r.IntN(8))))
			}
			if len(body.Content) > 1 && r.IntN(3) == 0 {
				body = &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{str("|all"), body}}
			}
		case k <= 3:
			body = &yaml.Node{Kind: yaml.SequenceNode}
			for k := 0; k < 2; k++ {
				body.Content = append(body.Content, randomItem(r, fields))
			}
		default:
			body = randomItem(r, fields)
		}
		if has(names, name) {
			continue
		}
		names = append(names, name)
		det.Content = append(det.Content, str(name), body)
	}
	det.Content = append(det.Content, str("condition"), str(randomCondition(r, names)))
	ls := &yaml.Node{Kind: yaml.MappingNode}
	for _, k := range []string{"product", "category", "service"} {
		if v := logsrc[k]; v != "" {
			ls.Content = append(ls.Content, str(k), str(v))
		}
	}
	root := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
		str("title"), str(fmt.Sprintf("Random rule %d", i)),
		str("id"), str(fmt.Sprintf("00000000-0000-4000-8000-%012d", i)),
		str("status"), str("test"),
		str("logsource"), ls,
		str("detection"), det,
		str("level"), str("low"),
	}}
	out, err := yaml.Marshal(root)
	if err != nil {
		panic(err)
	}
	return out
}

func str(s string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
	if strings.ContainsAny(s, "\t\n") {
		// yaml.v3 would write a block scalar, whose tabs and trailing
		// spaces its own reader then refuses.
		n.Style = yaml.DoubleQuotedStyle
	}
	return n
}

func scalar(tag, v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: v} }

// randomItem is a map of one to three field tests over distinct fields.
func randomItem(r *rand.Rand, fields []randomField) *yaml.Node {
	m := &yaml.Node{Kind: yaml.MappingNode}
	used := map[string]bool{}
	for k := 1 + r.IntN(3); k > 0; k-- {
		f := fields[r.IntN(len(fields))]
		if used[f.name] {
			continue
		}
		used[f.name] = true
		key, val := randomTest(r, f, fields)
		m.Content = append(m.Content, str(key), val)
	}
	return m
}

// randomTest is one field test: the key with its modifiers and the value
// or values, as the field's type allows.
func randomTest(r *rand.Rand, f randomField, fields []randomField) (string, *yaml.Node) {
	switch r.IntN(30) {
	case 0:
		return f.name + "|exists", scalar("!!bool", []string{"true", "false"}[r.IntN(2)])
	case 1:
		return f.name, scalar("!!null", "null")
	}
	switch f.typ {
	case "int":
		n := strconv.Itoa(r.IntN(70000))
		if r.IntN(2) == 0 {
			return f.name, scalar("!!int", n)
		}
		return f.name + "|" + []string{"gt", "gte", "lt", "lte"}[r.IntN(4)], scalar("!!int", n)
	case "ip":
		if r.IntN(2) == 0 {
			return f.name + "|cidr", str([]string{"10.0.0.0/8", "192.168.1.0/24", "2001:db8::/32", "203.0.113.7/32"}[r.IntN(4)])
		}
		return f.name, str([]string{"10.1.2.3", "192.168.1.77", "2001:db8::1"}[r.IntN(3)])
	case "bool":
		return f.name, scalar("!!bool", []string{"true", "false"}[r.IntN(2)])
	}
	switch r.IntN(24) {
	case 0:
		return f.name, str("")
	case 1, 2, 3:
		// A regex over literal text, a wildcard and an alternation.
		a, b := regexp.QuoteMeta(randomText(r, 4)), regexp.QuoteMeta(randomText(r, 3))
		re := a + ".*" + b
		if r.IntN(2) == 0 {
			re = "(" + a + "|" + b + ")"
		}
		if r.IntN(3) == 0 {
			re = "^" + re
		}
		key := f.name + "|re"
		if r.IntN(3) == 0 {
			key += "|i"
		}
		return key, str(re)
	case 4:
		enc := []string{"|base64offset|contains", "|base64", "|wide|base64offset|contains", "|utf16le|base64offset|contains"}[r.IntN(4)]
		return f.name + enc, str(randomText(r, 3+r.IntN(6)))
	case 7:
		// Any value at all, or a single character.
		return f.name, str([]string{"*", "?", `\*`, `\`}[r.IntN(4)])
	case 9:
		// A regex holding a line break or a tab (values may not, so
		// only here: the reader refuses control characters in them).
		return f.name + "|re", str([]string{"\n", "\t", "\r\n"}[r.IntN(3)] + regexp.QuoteMeta(randomText(r, 3)))
	case 8:
		// A regex with classes, repetitions and escapes.
		re := regexp.QuoteMeta(randomText(r, 3)) + []string{`[a-z]+\d`, `\s+\S*`, `[^/]{2,}`, `(?:ab|cd)?x`, `\\[A-Z]:`}[r.IntN(5)]
		return f.name + "|re" + []string{"", "|i", "|s", "|m"}[r.IntN(4)], str(re)
	case 5:
		// Windows flags, written with - or /.
		return f.name + "|windash|contains", str(" " + []string{"-", "/"}[r.IntN(2)] + randomText(r, 3))
	case 6:
		// Another string field's value.
		other := fields[r.IntN(len(fields))]
		if other.typ == "string" && other.name != f.name {
			return f.name + "|fieldref" + []string{"", "|contains", "|startswith", "|endswith"}[r.IntN(4)], str(other.name)
		}
	}
	key := f.name + []string{"", "|contains", "|startswith", "|endswith"}[r.IntN(4)]
	nvals := 1 + r.IntN(3)
	if nvals > 1 && r.IntN(3) == 0 {
		key += "|all"
	}
	if r.IntN(5) == 0 {
		key += "|cased"
	}
	if nvals == 1 {
		if r.IntN(15) == 0 {
			// A number where text is expected: Sigma compares its text.
			return key, scalar("!!int", strconv.Itoa(r.IntN(1000)))
		}
		return key, str(randomPattern(r))
	}
	seq := &yaml.Node{Kind: yaml.SequenceNode}
	for k := 0; k < nvals; k++ {
		seq.Content = append(seq.Content, str(randomPattern(r)))
	}
	return key, seq
}

// randomPattern is a Sigma string: text with, now and then, a wildcard,
// an escaped wildcard or an escaped backslash.
func randomPattern(r *rand.Rand) string {
	var b strings.Builder
	for k := 1 + r.IntN(3); k > 0; k-- {
		b.WriteString(randomText(r, 2+r.IntN(5)))
		switch r.IntN(10) {
		case 4:
			b.WriteString(`\\*`) // an escaped backslash, then a wildcard
		case 5:
			b.WriteString(" ")
		case 0:
			b.WriteString("*")
		case 1:
			b.WriteString("?")
		case 2:
			b.WriteString(`\*`)
		case 3:
			b.WriteString(`\\`)
		}
	}
	s := b.String()
	// A trailing lone backslash would escape nothing: Sigma reads it
	// as a backslash, which the harness's filler does too.
	return s
}

// randomText is n runes of letters, digits and hostile characters (at
// least one letter, so the negative can alter it).
func randomText(r *rand.Rand, n int) string {
	rs := make([]rune, n)
	for k := range rs {
		switch r.IntN(3) {
		case 0:
			rs[k] = hostileRunes[r.IntN(len(hostileRunes))]
		default:
			rs[k] = rune("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"[r.IntN(62)])
		}
	}
	rs[r.IntN(n)] = rune('a' + r.IntN(26))
	return string(rs)
}

// randomCondition combines the selections with and, or, not and
// parentheses, or takes 1 of / all of them.
func randomCondition(r *rand.Rand, names []string) string {
	if len(names) > 1 && r.IntN(5) == 0 {
		return []string{"1 of sel_*", "all of sel_*", "1 of them", "all of them", "1 of sel_a", "not 1 of sel_*"}[r.IntN(6)]
	}
	perm := r.Perm(len(names))
	expr := ""
	for k, p := range perm {
		term := names[p]
		if r.IntN(4) == 0 && k > 0 {
			term = "not " + term
		}
		if k == 0 {
			expr = term
			continue
		}
		op := []string{" and ", " or "}[r.IntN(2)]
		switch r.IntN(3) {
		case 0:
			expr = "(" + expr + ")" + op + term
		case 1:
			expr = "not (" + expr + ")" + op + term
		default:
			expr = expr + op + term
		}
	}
	return expr
}

// refusal is a refusal's reason without its position and field name, so
// the log counts kinds.
func refusal(s string) string {
	s = regexp.MustCompile(`^.*\.yml:\d+:\d+: (\w+: rule r\d+: )?`).ReplaceAllString(firstLine(s), "")
	return regexp.MustCompile(`field \S+`).ReplaceAllString(s, "field F")
}

func countPrefix(m map[string]int, prefix string) int {
	n := 0
	for k, v := range m {
		if strings.HasPrefix(k, prefix) {
			n += v
		}
	}
	return n
}

func sortedKeys(m map[string]int) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
