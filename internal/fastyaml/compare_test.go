package fastyaml

import (
	"bytes"
	"fmt"
	"strconv"

	"gopkg.in/yaml.v3"
)

// yamlV3 is the reference: what callers get from yaml.v3.
func yamlV3(src []byte) (*yaml.Node, error) {
	var n yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(src)).Decode(&n); err != nil {
		return nil, err
	}
	return &n, nil
}

// diff returns "" when got and want are equal in every field Parse promises
// (all but the comments), else the path of the first difference with both
// values.
func diff(got, want *yaml.Node) string {
	return diffAt("$", got, want)
}

func diffAt(path string, got, want *yaml.Node) string {
	if got == nil || want == nil {
		if got != want {
			return fmt.Sprintf("%s: got %v, want %v", path, brief(got), brief(want))
		}
		return ""
	}
	field := func(name string, g, w any) string {
		return fmt.Sprintf("%s: %s: got %#v, want %#v", path, name, g, w)
	}
	switch {
	case got.Kind != want.Kind:
		return field("Kind", got.Kind, want.Kind)
	case got.Style != want.Style:
		return field("Style", got.Style, want.Style)
	case got.Tag != want.Tag:
		return field("Tag", got.Tag, want.Tag)
	case got.Value != want.Value:
		return field("Value", got.Value, want.Value)
	case got.Anchor != want.Anchor:
		return field("Anchor", got.Anchor, want.Anchor)
	case got.Line != want.Line:
		return field("Line", got.Line, want.Line)
	case got.Column != want.Column:
		return field("Column", got.Column, want.Column)
	case (got.Alias == nil) != (want.Alias == nil):
		return field("Alias", brief(got.Alias), brief(want.Alias))
	case len(got.Content) != len(want.Content):
		return field("len(Content)", len(got.Content), len(want.Content))
	case (got.Content == nil) != (want.Content == nil):
		return field("Content == nil", got.Content == nil, want.Content == nil)
	}
	if got.Alias != nil {
		if d := diffAt(path+"*", got.Alias, want.Alias); d != "" {
			return d
		}
	}
	for i := range got.Content {
		p := path + "[" + strconv.Itoa(i) + "]"
		if want.Kind == yaml.MappingNode && i%2 == 1 {
			p = path + "." + strconv.Quote(want.Content[i-1].Value)
		}
		if d := diffAt(p, got.Content[i], want.Content[i]); d != "" {
			return d
		}
	}
	return ""
}

func brief(n *yaml.Node) string {
	if n == nil {
		return "nil"
	}
	return fmt.Sprintf("{Kind:%v Tag:%q Value:%q %d:%d}", n.Kind, n.Tag, n.Value, n.Line, n.Column)
}
