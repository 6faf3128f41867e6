package strictyaml

import (
	"strings"
	"testing"

	"github.com/detgen/detgen/diag"
)

type inner struct {
	Pos  diag.Pos
	Keys diag.Keys
	Name string `yaml:"name" detgen:"required"`
	N    int    `yaml:"n"`
}

type doc struct {
	Title string   `yaml:"title" detgen:"required"`
	Flag  bool     `yaml:"flag"`
	Items []inner  `yaml:"items" detgen:"required"`
	Tags  []string `yaml:"tags"`
}

func TestDecode(t *testing.T) {
	var d doc
	errs := Decode("f.yaml", []byte("title: t\nflag: true\nitems:\n  - name: a\n    n: 3\ntags: [x, 'y']\n"), &d)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if d.Title != "t" || !d.Flag || d.Items[0].Name != "a" || d.Items[0].N != 3 || d.Tags[1] != "y" {
		t.Errorf("%+v", d)
	}
	if p := d.Items[0].Pos; p.Line != 4 || p.Col != 5 {
		t.Errorf("item position %v", p)
	}
	if p := d.Items[0].Keys.At("n"); p.Line != 5 || p.Col != 8 {
		t.Errorf("key position %v", p)
	}
}

func TestErrors(t *testing.T) {
	tests := []struct{ src, want string }{
		{"title: t\nitems:\n  - name: a\n    nme: b\n", `f.yaml:4:5: items[0]: unknown key "nme"`},
		{"title: t\nitems: {}\n", "f.yaml:2:8: items: expected a list, found a mapping"},
		{"title: t\nitems:\n  - name: a\n    n: x\n", `f.yaml:4:8: items[0].n: expected an integer, found the string "x"`},
		{"items:\n  - name: a\n", `f.yaml:1:1: document: missing required key "title"`},
		{"title: ''\nitems:\n  - name: a\n", "f.yaml:1:8: title: must not be empty"},
		{"title: t\ntitle: u\nitems:\n  - name: a\n", `f.yaml:2:1: document: duplicate key "title"`},
		{"title: t\nflag: yes please\nitems:\n  - name: a\n", "f.yaml:2:7: flag: expected true or false"},
		{"title: &a t\nitems:\n  - name: *a\n", "f.yaml:3:11: items[0].name: YAML aliases are not allowed"},
		{"title: t\nitems: [\n", "f.yaml:3:1: invalid YAML: did not find expected node content"},
		{"title: t\nitems:\n  - name: a\n---\ntitle: u\n", "exactly one YAML document"},
	}
	for _, tc := range tests {
		var d doc
		errs := Decode("f.yaml", []byte(tc.src), &d)
		if !strings.Contains(errs.Error(), tc.want) {
			t.Errorf("%q:\ngot  %v\nwant %s", tc.src, errs, tc.want)
		}
	}
}

// Keys holds the position of each list item as "key[i]".
func TestListItemPositions(t *testing.T) {
	var d struct {
		Keys diag.Keys
		Tags []string `yaml:"tags"`
	}
	if errs := Decode("f.yaml", []byte("tags:\n  - a\n  -   b\n"), &d); len(errs) > 0 {
		t.Fatal(errs)
	}
	if p := d.Keys.At("tags[1]"); p.Line != 3 || p.Col != 7 {
		t.Errorf("tags[1] at %v, want 3:7", p)
	}
}
