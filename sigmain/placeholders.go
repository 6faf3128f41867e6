package sigmain

import (
	"github.com/detgen/detgen/detection"
	"github.com/detgen/detgen/diag"
	"github.com/detgen/detgen/internal/fastyaml"
	"github.com/detgen/detgen/internal/input"
	"github.com/detgen/detgen/internal/strictyaml"
	"gopkg.in/yaml.v3"
)

// ReadPlaceholders reads a placeholder file: a YAML mapping from each
// placeholder's name (without the % signs) to its value or list of
// values, Sigma text like any rule value (wildcards keep their meaning):
//
//	Administrators: [Administrator, admin]
//	dc_ip_addresses:
//	  - 10.0.0.10
//	  - 10.0.0.11
//
// Every problem is reported with its file:line:col.
func ReadPlaceholders(path string) (map[string][]string, diag.List) {
	var errs diag.List
	src, err := input.Read(path, "a placeholder file", input.MaxSpec)
	if err != nil {
		errs.Add(diag.Pos{File: path}, "%v", err)
		return nil, errs
	}
	root, err := fastyaml.Unmarshal(src)
	if err != nil {
		pos, msg := strictyaml.SyntaxError(path, err)
		errs.Add(pos, "%s", msg)
		return nil, errs
	}
	at := func(n *yaml.Node) diag.Pos { return diag.Pos{File: path, Line: n.Line, Col: n.Column} }
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if root.Kind != yaml.MappingNode {
		errs.Add(at(root), "a placeholder file is a mapping from placeholder names to values")
		return nil, errs
	}
	out := map[string][]string{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		name := k.Value
		switch {
		case k.Kind != yaml.ScalarNode || !detection.IsPlaceholderName(name):
			errs.Add(at(k), "placeholder name %q: letters, digits, _ and - only, without the %% signs", name)
			continue
		case out[name] != nil:
			errs.Add(at(k), "placeholder %s is defined twice", name)
			continue
		}
		items, ok := listOf(v)
		if !ok {
			errs.Add(at(v), "placeholder %s: a value or a list of values is expected", name)
			continue
		}
		values := []string{}
		for _, item := range items {
			if item.Kind != yaml.ScalarNode || item.Tag == "!!null" {
				errs.Add(at(item), "placeholder %s: each value is plain text", name)
				continue
			}
			values = append(values, item.Value)
		}
		out[name] = values
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return out, nil
}
