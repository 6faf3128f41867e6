package scan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/detgen/detgen/eval/reference"
	"github.com/detgen/detgen/internal/corpora"
	"github.com/detgen/detgen/ir"
	"github.com/detgen/detgen/reader"
)

// prefilterRecords gathers real and test records of every shipped log
// source: the Kubernetes audit corpus (Event, GKE and AKS forms), the
// SigmaHQ regression events (Windows) and every shipped rule's test events.
func prefilterRecords(t *testing.T) [][]byte {
	var out [][]byte
	add := func(data []byte) {
		var buf bytes.Buffer
		if json.Compact(&buf, data) == nil && buf.Len() > 0 && buf.Bytes()[0] == '{' {
			out = append(out, buf.Bytes())
		}
	}
	walk := func(dir string, each func(string)) {
		filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && (strings.HasSuffix(p, ".json") || strings.HasSuffix(p, ".jsonl")) {
				each(p)
			}
			return nil
		})
	}
	file := func(p string) {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(p, ".jsonl") {
			for _, l := range bytes.Split(data, []byte("\n")) {
				add(l)
			}
			return
		}
		add(data)
	}
	walk(corpora.Dir(t, "k8s-audit"), file)
	walk(filepath.Join(corpora.Dir(t, "sigmahq"), "regression_data"), file)
	walk("../rules", file)
	return out
}

// variants spells a record the ways a log may: as it is, re-encoded by
// encoding/json (which writes <, > and & as \u escapes), with every / as
// \/, with one letter of each string as a \u escape, and with the ASCII
// letters of its strings in the other case (the case-insensitive tests).
func variants(line []byte) [][]byte {
	var v any
	json.Unmarshal(line, &v)
	reenc, _ := json.Marshal(v)
	slash := bytes.ReplaceAll(line, []byte("/"), []byte(`\/`))
	flipped, _ := json.Marshal(mapStrings(v, func(s string) string {
		b := []byte(s)
		for i, c := range b {
			switch {
			case 'a' <= c && c <= 'z':
				b[i] = c - 32
			case 'A' <= c && c <= 'Z':
				b[i] = c + 32
			}
		}
		return string(b)
	}))
	return [][]byte{line, reenc, slash, uEscapeFirstLetter(line), flipped}
}

func mapStrings(v any, f func(string) string) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = mapStrings(e, f)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = mapStrings(e, f)
		}
		return out
	case string:
		return f(x)
	}
	return v
}

// uEscapeFirstLetter writes the first letter after each opening quote of
// a value (after ":") as \u00XX.
func uEscapeFirstLetter(line []byte) []byte {
	var out []byte
	for i := 0; i < len(line); i++ {
		out = append(out, line[i])
		if line[i] == '"' && i > 0 && line[i-1] == ':' && i+1 < len(line) {
			c := line[i+1]
			if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' {
				out = append(out, fmt.Sprintf(`\u%04x`, c)...)
				i++
			}
		}
	}
	return out
}

// TestPrefilterNeverSkipsANeededRecord: for every record and spelling,
// every rule whose scope and condition select the record (and, for a
// sequence, one of its steps) must pass its prefilter. The prefilters
// skip most lines of a log unread, so a wrong needle would lose alerts
// silently.
func TestPrefilterNeverSkipsANeededRecord(t *testing.T) {
	s, err := New(shippedRules(t))
	if err != nil {
		t.Fatal(err)
	}
	records := prefilterRecords(t)
	if len(records) < 500 {
		t.Fatalf("only %d records", len(records))
	}
	needed, checked := 0, 0
	for _, rec := range records {
		for _, line := range variants(rec) {
			var m map[string]any
			if err := json.Unmarshal(line, &m); err != nil {
				t.Fatalf("variant does not decode: %v\n%s", err, line)
			}
			text := newLineText(line, nil)
			for _, g := range s.groups {
				ev, _, err := g.read(m)
				if err != nil {
					continue
				}
				env := reference.NewCache(reference.CatalogPaths(g.ls)).Reset(ev)
				if g.scope != nil && !env.Holds(g.scope) {
					continue
				}
				for _, i := range g.rules {
					r := s.rules[i]
					checked++
					if !s.evals[i].EvaluateEnv(env).Selected {
						continue
					}
					if r.Sequence != nil {
						any := false
						for _, st := range r.Sequence.Steps {
							any = any || env.Holds(st.When)
						}
						if !any {
							continue
						}
					}
					needed++
					if !s.filters[i].passes(&text) {
						t.Errorf("%s selects this record, but its prefilter skips it:\n%s", r.Name, line)
					}
				}
			}
		}
	}
	t.Logf("%d records × %d spellings, %d rule checks, %d selected", len(records), 5, checked, needed)
	if needed < 200 {
		t.Errorf("only %d selected records: the check proves little", needed)
	}
}

// TestPrefilterSkips: the prefilters do skip what no rule can select, so
// the test above is not passing for a prefilter that passes everything.
func TestPrefilterSkips(t *testing.T) {
	s, err := New(shippedRules(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		`{"kind":"Event","apiVersion":"audit.k8s.io/v1","verb":"watch","objectRef":{"resource":"configmaps","namespace":"shop"},"user":{"username":"alice"}}`,
		`{"kind":"Event","apiVersion":"audit.k8s.io/v1","verb":"update","objectRef":{"resource":"leases","namespace":"kube-node-lease"},"user":{"username":"system:node:w"}}`,
	} {
		if s.candidate(s.newWorker(), []byte(line)) {
			t.Errorf("a line no rule can select passes: %s", line)
		}
		if escaped := strings.Replace(line, `"watch"`, `"w\u0061tch"`, 1); escaped != line && !s.candidate(s.newWorker(), []byte(escaped)) {
			t.Errorf("a line with a \\u escape must pass every prefilter: %s", escaped)
		}
	}
}

// TestPrefilterReaderConstants: a value the reader writes itself (a GKE
// record's kind) is in no line, so a test on it requires no text.
func TestPrefilterReaderConstants(t *testing.T) {
	kind := &ir.Match{Field: "kind", Op: ir.Equals, Type: ir.String, Cased: true, Values: []string{"Event"}}
	if pf := newPrefilter(&ir.Rule{Condition: kind}, nil, reader.Constants("k8s_audit")); len(pf) != 0 {
		t.Errorf("prefilter %v requires a constant the GKE reader writes", pf)
	}
	if pf := newPrefilter(&ir.Rule{Condition: kind}, nil, nil); len(pf) != 1 {
		t.Errorf("without reader constants the test is a needle, got %v", pf)
	}
}

// TestPrefilterUnicodeFolding: strings.ToLower maps the Kelvin sign to k,
// so a case-insensitive "kick" holds for "\u212Aick"; the ASCII-lowered
// line does not hold "kick", and the line must pass for its non-ASCII byte.
func TestPrefilterUnicodeFolding(t *testing.T) {
	m := &ir.Match{Field: "verb", Op: ir.Equals, Type: ir.String, Values: []string{"kick"}}
	if !reference.Compare(m, "\u212Aick", "kick") {
		t.Fatal("premise: the reference folds the Kelvin sign to k")
	}
	pf := newPrefilter(&ir.Rule{Condition: m}, nil, nil)
	line := []byte(`{"verb":"` + "\u212Aick" + `"}`)
	text := newLineText(line, nil)
	if !pf.passes(&text) {
		t.Error("a line with non-ASCII text skipped by a case-insensitive prefilter")
	}
}

// TestNeedleIndexAgreesWithPrefilters: the one-pass needle search gives
// every line the verdict of asking each rule's prefilter in turn, over
// the corpora in every spelling and lines of needles in other cases.
func TestNeedleIndexAgreesWithPrefilters(t *testing.T) {
	s, err := New(shippedRules(t))
	if err != nil {
		t.Fatal(err)
	}
	w := s.newWorker()
	lines := [][]byte{
		[]byte(`{"verb":"CREATE","objectRef":{"resource":"CronJobs"}}`),
		[]byte(`{"verb":"create","objectRef":{"resource":"CronJobs"}}`),
		[]byte(`{"verb":"create","objectRef":{"resource":"cronjobs"}}`),
		[]byte(`{"Channel":"security","EventID":1102}`),
		[]byte(`{"Channel":"Security","EventID":1102}`),
		[]byte(`{"x":"ssssecretsss get"}`),
		// the Kelvin sign, which strings.ToLower maps to k
		[]byte(`{"Channel":"Microsoft-Windows-PowerShell/Operational","ScriptBlockText":"invo` + "\u212A" + `e-webrequest x | invo` + "\u212A" + `e-expression"}`),
	}
	for _, rec := range prefilterRecords(t) {
		lines = append(lines, variants(rec)...)
	}
	pass, skip := 0, 0
	for _, line := range lines {
		text := newLineText(line, nil)
		want := false
		for _, pf := range s.filters {
			want = want || pf.passes(&text)
		}
		if got := s.candidate(w, line); got != want {
			t.Errorf("needle index says %v, prefilters %v:\n%s", got, want, line)
		}
		if want {
			pass++
		} else {
			skip++
		}
	}
	if pass == 0 || skip < 100 {
		t.Errorf("%d lines pass, %d are skipped: too few of one kind", pass, skip)
	}
}
