package detection

import (
	"strings"
	"testing"

	"github.com/detgen/detgen/ir"
	"gopkg.in/yaml.v3"
)

// readValue reads `key: value` for the field f, with the placeholders a:
// [x, y*] and b: [1, 2], and returns its tests' operators and values, or
// the errors.
func readValue(key, value string) ([]string, string) {
	k := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key, Line: 1, Column: 1}
	v := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: value, Line: 1, Column: 5}
	sel := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{k, v}}
	root := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{{Kind: yaml.ScalarNode, Tag: "!!str", Value: "sel"}, sel}}
	opt := Options{
		File:         "rule.yml",
		Wildcards:    true,
		Resolve:      func(name string) (Field, bool) { return Field{Name: name, Type: ir.String}, name == "f" },
		Placeholders: map[string][]string{"a": {"x", "y*"}, "b": {"1", "2"}},
	}
	sels, errs := ReadSelections(root, opt)
	if len(errs) > 0 {
		return nil, errs.Error()
	}
	var values []string
	for _, m := range ir.Matches(sels.Exprs["sel"]) {
		values = append(values, string(m.Op)+":"+strings.Join(m.Values, ","))
	}
	return values, ""
}

// FuzzExpand: any written value either expands or is refused with a
// reason, the same way every time, and a value with no % (so no
// placeholder) reads as it does without expand.
func FuzzExpand(f *testing.F) {
	for _, s := range []string{`%a%`, `\%a%`, `%a%-%b%`, `50% %a%`, `C:\\%a%`, `%a`, `%%`, `%a%%b%`, `\\\%a%`, `%zz%`, `%a\%`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		values, errs := readValue("f|expand", s)
		again, errsAgain := readValue("f|expand", s)
		if strings.Join(values, "|") != strings.Join(again, "|") || errs != errsAgain {
			t.Fatalf("%q read twice differs", s)
		}
		if strings.Contains(s, "%") {
			return
		}
		plain, plainErrs := readValue("f", s)
		if strings.Join(values, "|") != strings.Join(plain, "|") || (errs == "") != (plainErrs == "") {
			t.Fatalf("%q: with expand %q (%s), without %q (%s)", s, values, errs, plain, plainErrs)
		}
	})
}

// TestExpandValues: the expansions of a written value, each a Sigma
// value whose wildcards keep their meaning.
func TestExpandValues(t *testing.T) {
	for _, c := range []struct{ written, want string }{
		{`%a%`, "equals:x|startswith:y"},
		{`%a%-%b%`, "equals:x-1,x-2|re:^y.*-1$,^y.*-2$"},
		{`\%a%`, "equals:%a%"},
		{`50% %b%`, "equals:50% 1,50% 2"},
	} {
		values, errs := readValue("f|expand", c.written)
		if errs != "" {
			t.Fatalf("%s: %s", c.written, errs)
		}
		if got := strings.Join(values, "|"); got != c.want {
			t.Errorf("%s: %s, want %s", c.written, got, c.want)
		}
	}
}
