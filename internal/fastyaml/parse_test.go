package fastyaml

import (
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// supported inputs must take the fast path and match yaml.v3.
var supported = []string{
	// mappings, keys that resolve to other types, nesting
	"a: b\n",
	"a: b",
	"  a: 1\n  b: 2\n",
	"yes: no\n0x10: 1e3\n~: null\n.inf: -.INF\n2001-12-14: 2001-12-14t21:59:43.10-05:00\ntrue: False\n",
	"1_000: 0o17\n-1: +12\n0b101: 0777\n.5: 1.\n",
	"<<: a\nb: <<\n",
	"a:\n  b:\n    c: d\n  e: f\ng: h\n",
	"a:\n      b: 1\n      c: 2\n",
	"a: 1\na: 2\n",
	"a b c: d e  f\n",
	"-a: -b\n:x: ?y\n?z: ::1\n",
	"url: http://example.com/a#b?c=d\n",
	"k: a#b\n",
	"k: a,b [c] {d} &e *f !g |h >i 'j' \"k\" %l @m `n`\n",
	"key with spaces  :   value  \n",
	"a: b   \nc: d \t\n"[:len("a: b   \nc: d ")],
	// empty values
	"a:\nb:\n",
	"a:   \nb: 1\n",
	"a: # comment\nb: 1\n",
	"a:",
	"- \n- a\n-\n",
	"- a:\n- b\n",
	// sequences
	"- a\n- b\n",
	"a:\n- b\n- c\nd: e\n",
	"a:\n  - b\n  - c\n",
	"- - a\n  - b\n- - c\n",
	"- a: 1\n  b: 2\n- c: 3\n",
	"-   a: 1\n    b: 2\n",
	"- a:\n  - x\n  - y\n  b: 1\n",
	"-\n  a: 1\n-\n  - 2\n",
	"a:\n  - b: 1\n    c:\n    - d\n",
	// comments and blank lines
	"# head\n\n# more\na: b # line\n\n# between\nc:\n  # inside\n  - d # x\n\n  # y\n  - e\n# foot\n",
	"---\na: b\n",
	"# c\n--- # doc\n\na: b\n",
	"a: b\n# trailing\n\n",
	"a: b\n  # not a continuation: a comment\n",
	// quoted scalars
	"a: 'it''s: here # not a comment'\n",
	"a: \"x: y # z\"\n",
	"'q': \"k\"\n",
	"\"a b\"  : 'c'\n",
	"a: \"\\\\ \\\" \\n \\t \\r \\0 \\a \\b \\e \\f \\v \\  \\N \\_ \\L \\P \\x41 \\xe9 \\u00e9 \\U0001F600 \\'\"\n",
	"a: ''\nb: \"\"\n",
	"a: '  padded  '\n",
	"- 'x'\n- \"y\"\n",
	"- \"k\": v\n",
	"a: 'C:\\Windows\\'\n",
	// unicode: columns count runes
	"é: ü\nkey: [é, \"é\", {ü: 1}]\n日本: 語\n",
	"a: 😀 b\nc: 'é' # é\n",
	// plain scalars over several lines
	"a: b\n  c\n\n  d\ne: f\n",
	"a:\n  one\n  two\n",
	"- one\n  two\n\n\n  three\n- x\n",
	"a: b   \n   c   \n",
	"a: b\n\n\nc: d\n",
	// block scalars
	"a: |\n  x\n\n  y\n\n\nb: 1\n",
	"a: |-\n  x\n  y\n",
	"a: |+\n  x\n\n# c\n\nb: 1\n",
	"a: |+\n  x\n\n",
	"a: >\n  x\n  y\n\n  z\n",
	"a: >-\n  x\n  y\n\n  z\n   w\n  v\n",
	"a: >+\n  x\n\n",
	"a: | # comment\n  x\n",
	"a: |2\n   x\n  y\n",
	"a: |-2\n   x\n  y\n",
	"- |2\n   x\n",
	"a: |\n  x\n \n   \n  y\n",
	"a: |\n  x  \n  # not a comment\n",
	"a: |\n\n  x\n",
	"a:\n  |\n  x\n",
	"a: >\n  x\n\n   more\n  y\n",
	"a: |\n  x",
	"- >-\n  a\n  b\n- c\n",
	"a:\n  b: |\n    x\n  c: d\n",
	// flow collections
	"a: [a, b, ]\n",
	"a: {x: 1,}\n",
	"a: []\nb: {}\n",
	"[a, b]\n",
	"{\"a\": 1, \"b\": [true, null, 1.5, \"x\"]}\n",
	"a: {\n\"x\": 1\n}\nb: 2\n",
	"a: [\n  1, # one\n  2\n]\n",
	"a: {\"k\":\"v\",\"n\":{\"m\":[1,2,[]]}}\n",
	"a: [-1, -x, a:b, 'q', \"r\"]\n",
	"- a\n- [x,\ny]\n",
	"a: {b: c d, e: f}\n",
	"a: [a\n , b]\n",
}

// declinedInputs must not take the fast path, valid YAML or not.
var declinedInputs = []string{
	"",
	"# only a comment\n",
	"\n\n",
	"---\n",
	"a: 1\n---\nb: 2\n",
	"a: 1\n...\n",
	"%YAML 1.2\n---\na: 1\n",
	"a: &x 1\nb: *x\n",
	"a: !!str 1\n",
	"? a\n: b\n",
	"a:\tb\n",
	"a: b\r\n",
	"\ufeffa: b\n",
	"a: \x01\n",
	"a: b\u2028c\n",
	"a: b\u0085c\n",
	"a: \xff\n",
	"scalar\n",
	"'scalar'\n",
	"|\n  x\n",
	"a: \"multi\n  line\"\n",
	"a: 'multi\n  line'\n",
	"a: [multi\n  line]\n",
	"a: [b: c]\n",
	"a: {b}\n",
	"a: {b: }\n",
	"a: {b:1}\n",
	"a: [,]\n",
	"a: [a,,b]\n",
	"a: \"\\/\"\n",
	"a: \"\\q\"\n",
	"a: \"\\ud800\"\n",
	"a: |\n\nb: 1\n",
	"a: |0\n  x\n",
	"a: \"x\"# c\n",
	"a: b\n  - c\n",
	"a: b\n  c: d\n",
	"a: b # c\n  d\n",
	// invalid YAML
	"a: b: c\n",
	"k: - a\n",
	"a: x # c\n  y\n",
	"- a: 1\n  b\n",
	"a: |\n    x\n  y\n",
	"a:\n    b: 1\n  c: 2\n",
	"a: [\n- b]\n",
	"a: [b\n",
	"a: 'b\n",
	"a: \"b\n",
	"a\n",
	"a: 1\n- b\n",
	"a:\n  - b\n  c: 1\n",
	"a: \"b\" c\n",
	"key: value:\n",
	"a: b\n  # c\n  d\n",
	"  a: 1\nb: 2\n",
	"a: @b\n",
	"a: `b`\n",
	"[a]: b\n",
	"a: ]\n",
	strings.Repeat("k", 1100) + ": v\n",
	strings.Repeat("[", 2000) + strings.Repeat("]", 2000) + "\n",
}

func TestSupported(t *testing.T) {
	for _, src := range supported {
		got, ok := Parse([]byte(src))
		if !ok {
			t.Errorf("%q: declined", src)
			continue
		}
		want, err := yamlV3([]byte(src))
		if err != nil {
			t.Errorf("%q: yaml.v3 rejects it: %v", src, err)
			continue
		}
		if d := diff(got, want); d != "" {
			t.Errorf("%q: %s", src, d)
		}
	}
}

func TestDeclined(t *testing.T) {
	for _, src := range declinedInputs {
		if doc, ok := Parse([]byte(src)); ok || doc != nil {
			t.Errorf("%q: taken by the fast path", src)
		}
	}
}

// TestDiffDetects guards the comparison the other tests rely on: it must see
// a change in any compared field, however deep.
func TestDiffDetects(t *testing.T) {
	src := []byte("a:\n  - b: 'c'\n    d: [1, 2]\n")
	mutations := map[string]func(n *yaml.Node){
		"Kind":    func(n *yaml.Node) { n.Kind = yaml.MappingNode },
		"Style":   func(n *yaml.Node) { n.Style = yaml.DoubleQuotedStyle },
		"Tag":     func(n *yaml.Node) { n.Tag = "!!str" },
		"Value":   func(n *yaml.Node) { n.Value = "x" },
		"Anchor":  func(n *yaml.Node) { n.Anchor = "x" },
		"Alias":   func(n *yaml.Node) { n.Alias = &yaml.Node{} },
		"Line":    func(n *yaml.Node) { n.Line++ },
		"Column":  func(n *yaml.Node) { n.Column++ },
		"Content": func(n *yaml.Node) { n.Content = append(n.Content, &yaml.Node{}) },
	}
	want, err := yamlV3(src)
	if err != nil {
		t.Fatal(err)
	}
	if d := diff(want, want); d != "" {
		t.Fatalf("a tree differs from itself: %s", d)
	}
	for name, mutate := range mutations {
		got, _ := yamlV3(src)
		// The deepest scalar: $[0].a[0].d[1]
		leaf := got.Content[0].Content[1].Content[0].Content[3].Content[1]
		mutate(leaf)
		d := diff(got, want)
		if d == "" {
			t.Errorf("%s: a changed leaf goes unnoticed", name)
		} else if !strings.Contains(d, `$[0]."a"[0]."d"[1]`) {
			t.Errorf("%s: wrong path: %s", name, d)
		}
	}
	// Comments are not compared.
	got, _ := yamlV3(src)
	got.Content[0].HeadComment = "# x"
	if d := diff(got, want); d != "" {
		t.Errorf("a comment counts: %s", d)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range supported {
		f.Add([]byte(s))
	}
	for _, s := range declinedInputs {
		f.Add([]byte(s))
	}
	r := rand.New(rand.NewPCG(3, 4))
	for range 300 {
		f.Add([]byte(randomDoc(r)))
	}
	for _, dir := range []string{"rules", "mappings"} {
		for i, path := range corpus(f, dir, ".yaml") {
			if i%40 != 0 {
				continue
			}
			src, err := os.ReadFile(path)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(src)
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		got, ok := Parse(src)
		if !ok {
			return
		}
		want, err := yamlV3(src)
		if err != nil {
			t.Fatalf("%q: Parse accepted what yaml.v3 rejects: %v", src, err)
		}
		if d := diff(got, want); d != "" {
			t.Fatalf("%q: %s", src, d)
		}
	})
}

// TestPlainTag checks the shortcuts of plainTag against yaml.v3's resolution.
func TestPlainTag(t *testing.T) {
	words := []string{"", "~", "<<", "y", "Y", "yes", "no", "on", "off", "true", "True", "TRUE", "tRUE",
		"false", "FALSE", "null", "Null", "NULL", "nULL", "n", "t", "f", "o", "O", "title", "name",
		"1", "-1", "+1", "0x1f", "0o17", "017", "0b11", "1_000", "1e3", ".5", ".inf", "-.Inf", ".nan",
		"2001-12-14", "2001-12-14t21:59:43.10-05:00", "2001/12/14", "1.2.3", "-", "+", ".", "..", "a", "Z"}
	for _, w := range words {
		want := (&yaml.Node{Kind: yaml.ScalarNode, Value: w}).ShortTag()
		if w == "<<" {
			want = "!!merge" // set by yaml.v3's parser, not by its resolver
		}
		if got := plainTag(w); got != want {
			t.Errorf("plainTag(%q) = %s, want %s", w, got, want)
		}
	}
}
