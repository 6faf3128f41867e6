package testrun_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/detgen/detgen/compile"
	"github.com/detgen/detgen/driver"
	"github.com/detgen/detgen/ir"
	"github.com/detgen/detgen/mappings"
	"github.com/detgen/detgen/spec"
	"github.com/detgen/detgen/testrun"
)

// opCase is one operator variant: a selection block (YAML, as written
// under detection.selections), a condition over it, events that must and
// must not match, and the targets that must refuse the rule at compile
// time (target -> words the error must hold, besides rule, target and
// position).
type opCase struct {
	name      string
	selection string
	condition string
	match     []ev
	noMatch   []ev
	// refuse: target -> the construct the error must name; at is the
	// spec text whose line:col the error must point at.
	refuse map[string]string
	at     string
}

// ev is an audit event given by its logical fields (kubernetes_audit
// catalog): a field not listed keeps the base event's value, absent
// removes it, null writes JSON null. A []string on a field whose last
// path segment is no list fills one element of the innermost list each
// (two containers with one image each).
type ev map[string]any

type marker int

const (
	absent marker = iota + 1
	null
)

// specHeader is the metadata of the shipped rule (everything before its
// logsource), so the probe specs pass every metadata check.
func specHeader(t *testing.T) string {
	t.Helper()
	src, err := os.ReadFile("../rules/kubernetes/t1053.007-suspicious-cronjob-job.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s := string(src)
	i := strings.Index(s, "\nlogsource:")
	if i < 0 {
		t.Fatal("shipped rule has no logsource line")
	}
	return s[:i+1]
}

var nameLineRE = regexp.MustCompile(`(?m)^name: .*$`)

var slugRE = regexp.MustCompile(`[^a-z0-9]+`)

// ruleName is the YARA-L-safe name each probe rule gets, so that errors
// can be checked to name it.
func ruleName(c opCase) string {
	return "op_" + strings.Trim(slugRE.ReplaceAllString(strings.ToLower(c.name), "_"), "_")
}

// specText writes the probe spec. The condition is also the one signal
// (weight 1, threshold 1), so each backend renders every test twice, on
// both of its paths (QRadar WHERE lines and IF score terms, YARA-L events
// and outcome if(), Sigma selections and the signal's condition term),
// and a match must also score 1 everywhere.
func specText(header string, c opCase) string {
	var b strings.Builder
	b.WriteString(nameLineRE.ReplaceAllString(header, "name: "+ruleName(c)))
	b.WriteString("logsource: kubernetes_audit\n\ndetection:\n  selections:\n")
	for _, line := range strings.Split(strings.TrimRight(c.selection, "\n"), "\n") {
		b.WriteString("    " + line + "\n")
	}
	fmt.Fprintf(&b, "  condition: %s\n", c.condition)
	fmt.Fprintf(&b, "  scoring:\n    base: 0\n    threshold: 1\n    signals:\n")
	fmt.Fprintf(&b, "      - name: probe\n        description: the condition itself\n        weight: 1\n        when: %s\n", c.condition)
	return b.String()
}

// position is the 1-based line:col of the first occurrence of frag in
// the detection block of src.
func position(src, frag string) (int, int, bool) {
	det := strings.Index(src, "\ndetection:\n")
	i := strings.Index(src[det:], frag)
	if det < 0 || i < 0 {
		return 0, 0, false
	}
	i += det
	line := strings.Count(src[:i], "\n") + 1
	col := i - strings.LastIndex(src[:i], "\n")
	return line, col, true
}

// baseEvent is a CronJob create by an ordinary user, at RequestResponse
// level, none of whose strings holds any probe value.
func baseEvent() map[string]any {
	return map[string]any{
		"kind":                     "Event",
		"apiVersion":               "audit.k8s.io/v1",
		"level":                    "RequestResponse",
		"auditID":                  "0b6f6e52-5a4e-4c1b-9d0e-5a1f2b3c4d5e",
		"stage":                    "ResponseComplete",
		"requestURI":               "/apis/batch/v1/namespaces/default/cronjobs",
		"verb":                     "create",
		"user":                     map[string]any{"username": "alice", "groups": []any{"system:authenticated"}},
		"sourceIPs":                []any{"192.0.2.7"},
		"userAgent":                "kubectl/v1.29.0",
		"objectRef":                map[string]any{"resource": "cronjobs", "namespace": "default", "name": "nightly", "apiGroup": "batch", "apiVersion": "v1"},
		"responseStatus":           map[string]any{"code": 201},
		"requestReceivedTimestamp": "2026-01-01T00:00:00.000000Z",
		"requestObject": map[string]any{
			"kind": "CronJob",
			"spec": map[string]any{
				"schedule": "0 3 * * *",
				"jobTemplate": map[string]any{"spec": map[string]any{"template": map[string]any{"spec": map[string]any{
					"containers": []any{map[string]any{
						"name":    "main",
						"image":   "registry.example/tools:1.0",
						"command": []any{"sleep", "10"},
					}},
				}}}},
			},
		},
	}
}

// eventJSON builds the event: each logical field is written at the first
// path of its catalog entry (the CronJob pod template for pod fields).
func eventJSON(t *testing.T, ls *mappings.Logsource, e ev) []byte {
	t.Helper()
	out := baseEvent()
	for field, v := range e {
		f, ok := ls.Field(field)
		if !ok || len(f.Paths) == 0 {
			t.Fatalf("event: unknown field %q", field)
		}
		setPath(t, out, strings.Split(f.Paths[0], "."), v)
	}
	// kube-apiserver writes Events with encoding/json (HTML escaping on).
	data, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func setPath(t *testing.T, node map[string]any, segs []string, v any) {
	key, list := strings.CutSuffix(segs[0], "[]")
	if len(segs) == 1 {
		switch x := v.(type) {
		case marker:
			if x == absent {
				delete(node, key)
			} else {
				node[key] = nil
			}
		case []string:
			if !list {
				t.Fatalf("event: %s holds one value", key)
			}
			items := make([]any, len(x))
			for i, s := range x {
				items[i] = s
			}
			node[key] = items
		default:
			if list {
				node[key] = []any{v}
			} else {
				node[key] = v
			}
		}
		return
	}
	if !list {
		next, ok := node[key].(map[string]any)
		if !ok {
			next = map[string]any{}
			node[key] = next
		}
		setPath(t, next, segs[1:], v)
		return
	}
	items, _ := node[key].([]any)
	if len(items) == 0 {
		items = []any{map[string]any{}}
	}
	// A list of values under an inner list of objects: one per element,
	// unless a later segment is a list itself.
	if vs, ok := v.([]string); ok && !strings.Contains(strings.Join(segs[1:], "."), "[]") {
		for len(items) < len(vs) {
			items = append(items, map[string]any{"name": fmt.Sprintf("c%d", len(items))})
		}
		items = items[:len(vs)]
		for i, s := range vs {
			setPath(t, items[i].(map[string]any), segs[1:], s)
		}
		node[key] = items
		return
	}
	setPath(t, items[0].(map[string]any), segs[1:], v)
	node[key] = items
}

// runOpCase compiles the case's spec, generates every target, checks the
// refusals and runs every event through the reference and each artifact.
func runOpCase(t *testing.T, header string, ls *mappings.Logsource, c opCase) {
	t.Helper()
	file := "operators/probe.yaml" // not the rule name: errors must name the rule themselves
	src := specText(header, c)
	sr, errs := spec.Parse(file, []byte(src))
	if len(errs) > 0 {
		t.Fatalf("spec does not parse: %v\n%s", errs, src)
	}
	r, errs := compile.Rule(sr)
	if len(errs) > 0 {
		t.Fatalf("spec does not compile: %v\n%s", errs, src)
	}
	var arts []driver.Artifact
	for _, tg := range driver.Targets {
		a, errs, _ := driver.Generate([]*ir.Rule{r}, []driver.Target{tg})
		construct, refuse := c.refuse[tg.Name]
		switch {
		case refuse && len(errs) == 0:
			t.Errorf("%s: generated an artifact, want a refusal naming %q:\n%s", tg.Name, construct, a[0].Data)
		case refuse:
			msg := errs.Error()
			line, col, ok := position(src, c.at)
			if !ok {
				t.Fatalf("refusal position %q is not in the spec", c.at)
			}
			for _, want := range []string{r.Name, tg.Name, construct, fmt.Sprintf("%s:%d:%d", file, line, col)} {
				if !strings.Contains(msg, want) {
					t.Errorf("%s: the refusal does not name %q:\n%s", tg.Name, want, msg)
				}
			}
		case len(errs) > 0:
			t.Errorf("%s: %v\n%s", tg.Name, errs, src)
		default:
			arts = append(arts, a...)
		}
	}
	for _, tg := range []string{"qradar", "chronicle", "sigma"} {
		if _, ok := c.refuse[tg]; !ok && !hasTarget(arts, tg) && !t.Failed() {
			t.Errorf("%s: no artifact", tg)
		}
	}
	r.Tests = nil
	add := func(e ev, want bool, i int) {
		what := "must match"
		score := 1
		if !want {
			what, score = "must not match", 0
		}
		r.Tests = append(r.Tests, ir.Test{
			Name:        fmt.Sprintf("%s #%d %v", what, i+1, fields(e)),
			Constructed: true,
			Event:       eventJSON(t, ls, e),
			Expect:      ir.Outcome{Match: want, Score: score, Signals: signals(want)},
		})
	}
	for i, e := range c.match {
		add(e, true, i)
	}
	for i, e := range c.noMatch {
		add(e, false, i)
	}
	results, err := testrun.Run([]*ir.Rule{r}, arts)
	if err != nil {
		t.Fatal(err)
	}
	// A target that refused the rule has no artifact: its cells are
	// ErrNoArtifact, checked by the refusal assertions above instead.
	for i := range results {
		for col, cell := range results[i].Cells {
			if errors.Is(cell.Err, testrun.ErrNoArtifact) && !hasTarget(arts, col) {
				delete(results[i].Cells, col)
			}
		}
	}
	if testrun.Failed(results) > 0 {
		var b strings.Builder
		testrun.Print(&b, results)
		t.Errorf("verdicts disagree:\n%s", b.String())
		for _, a := range arts {
			t.Logf("%s artifact:\n%s", a.Target.Name, a.Data)
		}
		for _, res := range results {
			for col, cell := range res.Cells {
				if cell.Err != nil || !cell.OK {
					t.Logf("%s / %s: event %s", res.Case.Name, col, res.Case.Event)
				}
			}
		}
	}
}

func signals(match bool) []string {
	if match {
		return []string{"probe"}
	}
	return nil
}

func hasTarget(arts []driver.Artifact, name string) bool {
	for _, a := range arts {
		if a.Target.Name == name {
			return true
		}
	}
	return false
}

// fields renders an event's overrides for a case name.
func fields(e ev) string {
	data, _ := json.Marshal(map[string]any(e))
	s := string(data)
	if len(s) > 80 {
		s = s[:79] + "…"
	}
	return s
}
