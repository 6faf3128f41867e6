// Package strictyaml decodes YAML into Go structs strictly, reporting every
// problem with file:line:col: unknown keys, duplicate keys, wrong types and
// missing required fields. yaml.v3's own KnownFields mode reports only the
// line of the first problem, which is not enough for a spec author.
//
// Struct fields are matched by their `yaml:"name"` tag. A field tagged
// `detgen:"required"` must be present and non-empty. A field named Pos of
// type diag.Pos receives the position of the node it was decoded from, and
// a field named Keys of type diag.Keys the position of each key's value
// (and, for a list, "key[i]" that of item i).
package strictyaml

import (
	"bytes"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"github.com/detgen/detgen/diag"
	"github.com/detgen/detgen/internal/fastyaml"
	"gopkg.in/yaml.v3"
)

// Decode parses src (named file in messages) into out, which must be a
// pointer to a struct. All problems found are returned, sorted.
func Decode(file string, src []byte, out any) diag.List {
	if errs := checkText(file, src); len(errs) > 0 {
		return errs
	}
	var errs diag.List
	// The fast parser gives yaml.v3's tree for the YAML most specs are
	// written in; for the rest (and every error) yaml.v3 parses.
	root, ok := fastyaml.Parse(src)
	if !ok {
		var doc yaml.Node
		dec := yaml.NewDecoder(bytes.NewReader(src))
		if err := dec.Decode(&doc); err != nil {
			errs.Add(yamlErrPos(file, err), "invalid YAML: %s", yamlErrMsg(err))
			return errs
		}
		var extra yaml.Node
		if err := dec.Decode(&extra); err == nil {
			errs.Add(diag.Pos{File: file, Line: extra.Line, Col: extra.Column}, "a spec file holds exactly one YAML document")
			return errs
		}
		root = &doc
	}
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	d := decoder{file: file}
	d.value(root, reflect.ValueOf(out).Elem(), nil)
	d.errs.Sort()
	return d.errs
}

type decoder struct {
	file string
	errs diag.List
}

var (
	posType  = reflect.TypeOf(diag.Pos{})
	keysType = reflect.TypeOf(diag.Keys{})
	nodeType = reflect.TypeOf(yaml.Node{})
)

func (d *decoder) pos(n *yaml.Node) diag.Pos {
	return diag.Pos{File: d.file, Line: n.Line, Col: n.Column}
}

func (d *decoder) value(n *yaml.Node, v reflect.Value, path *keyPath) {
	if n.Kind == yaml.AliasNode {
		d.errs.Add(d.pos(n), "%s: YAML aliases are not allowed in specs", path.String())
		return
	}
	if v.Type() == nodeType {
		// A raw node (e.g. an inline test event): kept for the caller.
		v.Set(reflect.ValueOf(*n))
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		d.structure(n, v, path)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.errs.Add(d.pos(n), "%s: expected a list, found %s", path.String(), describe(n))
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, item := range n.Content {
			d.value(item, s.Index(i), &keyPath{parent: path, item: true, index: i})
		}
		v.Set(s)
	case reflect.Map:
		// A map with string keys (mapping-file tables such as forms).
		if n.Kind != yaml.MappingNode || v.Type().Key().Kind() != reflect.String {
			d.errs.Add(d.pos(n), "%s: expected a mapping, found %s", path.String(), describe(n))
			return
		}
		m := reflect.MakeMap(v.Type())
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if m.MapIndex(reflect.ValueOf(k.Value)).IsValid() {
				d.errs.Add(d.pos(k), "%s: duplicate key %q", path.String(), k.Value)
				continue
			}
			e := reflect.New(v.Type().Elem()).Elem()
			d.value(n.Content[i+1], e, path.key(k.Value))
			m.SetMapIndex(reflect.ValueOf(k.Value), e)
		}
		v.Set(m)
	case reflect.Pointer:
		e := reflect.New(v.Type().Elem())
		d.value(n, e.Elem(), path)
		v.Set(e)
	case reflect.String:
		if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
			d.errs.Add(d.pos(n), "%s: expected a string, found %s", path.String(), describe(n))
			return
		}
		v.SetString(n.Value)
	case reflect.Int:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
			d.errs.Add(d.pos(n), "%s: expected an integer, found %s", path.String(), describe(n))
			return
		}
		i, err := strconv.ParseInt(n.Value, 0, 64)
		if err != nil {
			d.errs.Add(d.pos(n), "%s: %v", path.String(), err)
			return
		}
		v.SetInt(i)
	case reflect.Bool:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
			d.errs.Add(d.pos(n), "%s: expected true or false, found %s", path.String(), describe(n))
			return
		}
		v.SetBool(n.Value == "true" || n.Value == "True" || n.Value == "TRUE")
	default:
		panic("strictyaml: unsupported field kind " + v.Kind().String())
	}
}

func (d *decoder) structure(n *yaml.Node, v reflect.Value, path *keyPath) {
	if n.Kind != yaml.MappingNode {
		d.errs.Add(d.pos(n), "%s: expected a mapping, found %s", path.String(), describe(n))
		return
	}
	t := v.Type()
	info := structInfoOf(t)
	if info.pos >= 0 {
		v.Field(info.pos).Set(reflect.ValueOf(d.pos(n)))
	}
	if info.keys >= 0 {
		v.Field(info.keys).Set(reflect.ValueOf(diag.NewKeys(d.pos(n), d.keyFinder(n, info))))
	}
	// Per field index: the value node, and whether decoding it failed.
	var seenBuf [32]*yaml.Node
	var failedBuf [32]bool
	seen, failed := seenBuf[:], failedBuf[:]
	if t.NumField() > len(seenBuf) {
		seen, failed = make([]*yaml.Node, t.NumField()), make([]bool, t.NumField())
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		idx, ok := info.fields[k.Value]
		if !ok {
			d.errs.Add(d.pos(k), "%s: unknown key %q (known keys: %s)", path.String(), k.Value, strings.Join(info.known, ", "))
			continue
		}
		if seen[idx] != nil {
			d.errs.Add(d.pos(k), "%s: duplicate key %q", path.String(), k.Value)
			continue
		}
		seen[idx] = val
		before := len(d.errs)
		d.value(val, v.Field(idx), path.key(k.Value))
		failed[idx] = len(d.errs) > before
	}
	for _, idx := range info.required {
		key := info.names[idx]
		val := seen[idx]
		switch {
		case val == nil:
			d.errs.Add(d.pos(n), "%s: missing required key %q", path.String(), key)
		case !failed[idx] && empty(v.Field(idx)):
			// Only strings and lists can be empty; a zero number is a
			// value for the semantic checks to judge.
			d.errs.Add(d.pos(val), "%s: must not be empty", path.key(key).String())
		}
	}
}

// keyFinder locates the value of a key of mapping n, the first of its
// name, among the struct's fields (as decoded), and "key[i]" item i of a
// list value.
func (d *decoder) keyFinder(n *yaml.Node, info *structInfo) func(string) (diag.Pos, bool) {
	return func(key string) (diag.Pos, bool) {
		name, index := key, -1
		if j := strings.IndexByte(key, '['); j > 0 && strings.HasSuffix(key, "]") {
			i, err := strconv.Atoi(key[j+1 : len(key)-1])
			if err != nil || i < 0 {
				return diag.Pos{}, false
			}
			name, index = key[:j], i
		}
		if _, known := info.fields[name]; !known {
			return diag.Pos{}, false
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value != name {
				continue
			}
			val := n.Content[i+1]
			switch {
			case index < 0:
				return d.pos(val), true
			case val.Kind == yaml.SequenceNode && index < len(val.Content):
				return d.pos(val.Content[index]), true
			}
			return diag.Pos{}, false
		}
		return diag.Pos{}, false
	}
}

// keyPath is where a value sits in the document (tests[2].name), kept as
// links to its parent and spelled out only for a message.
type keyPath struct {
	parent *keyPath
	name   string // a mapping key
	item   bool   // a list item, at index
	index  int
}

func (p *keyPath) key(name string) *keyPath { return &keyPath{parent: p, name: name} }

// String is the path as messages give it; "document" for the root.
func (p *keyPath) String() string {
	if p == nil {
		return "document"
	}
	var parts []*keyPath
	for q := p; q != nil; q = q.parent {
		parts = append(parts, q)
	}
	var b strings.Builder
	for i := len(parts) - 1; i >= 0; i-- {
		q := parts[i]
		switch {
		case q.item:
			b.WriteString("[" + strconv.Itoa(q.index) + "]")
		case b.Len() > 0:
			b.WriteString("." + q.name)
		default:
			b.WriteString(q.name)
		}
	}
	return b.String()
}

// structInfo is what structure needs of a struct type, worked out once
// per type (specs decode thousands of structs of a few types).
type structInfo struct {
	pos, keys int            // index of the Pos and Keys fields, or -1
	fields    map[string]int // YAML key to field index
	known     []string       // the keys, in field order (for messages)
	names     map[int]string // field index to YAML key
	required  []int          // the fields tagged detgen:"required", in order
}

var structInfos sync.Map // reflect.Type to *structInfo

func structInfoOf(t reflect.Type) *structInfo {
	if info, ok := structInfos.Load(t); ok {
		return info.(*structInfo)
	}
	info := &structInfo{pos: -1, keys: -1, fields: map[string]int{}, names: map[int]string{}}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Name == "Pos" && f.Type == posType {
			info.pos = i
			continue
		}
		if f.Name == "Keys" && f.Type == keysType {
			info.keys = i
			continue
		}
		key := strings.Split(f.Tag.Get("yaml"), ",")[0]
		if key == "" || key == "-" {
			continue
		}
		info.fields[key] = i
		info.names[i] = key
		info.known = append(info.known, key)
		if f.Tag.Get("detgen") == "required" {
			info.required = append(info.required, i)
		}
	}
	structInfos.Store(t, info)
	return info
}

func empty(v reflect.Value) bool {
	if v.Type() == nodeType {
		return v.Interface().(yaml.Node).Kind == 0
	}
	switch v.Kind() {
	case reflect.String, reflect.Slice:
		return v.Len() == 0
	}
	return false
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			return "null"
		case "!!str":
			return fmt.Sprintf("the string %q", n.Value)
		default:
			return fmt.Sprintf("%s %s", strings.TrimPrefix(n.Tag, "!!"), n.Value)
		}
	}
	return "an unsupported node"
}

// yaml.v3 parser errors report the 0-based line of the enclosing
// collection (its scanner errors are 1-based); these are the parser's.
var parserProblems = []string{
	"did not find expected ',' or ']'", "did not find expected ',' or '}'",
	"did not find expected '-' indicator", "did not find expected key",
	"did not find expected node content", "found undefined tag handle",
}

// yaml.v3 syntax errors look like "yaml: line 7: did not find expected key".
func yamlErrPos(file string, err error) diag.Pos {
	msg := err.Error()
	var line int
	if i := strings.Index(msg, "line "); i >= 0 {
		fmt.Sscanf(msg[i+5:], "%d", &line)
	}
	for _, p := range parserProblems {
		if line > 0 && strings.HasSuffix(msg, p) {
			line++
		}
	}
	col := 0
	if line > 0 {
		col = 1
	}
	return diag.Pos{File: file, Line: line, Col: col}
}

func yamlErrMsg(err error) string {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if i := strings.Index(msg, ": "); strings.HasPrefix(msg, "line ") && i >= 0 {
		msg = msg[i+2:]
	}
	return msg
}

// SyntaxError returns the position and message of a yaml.v3 syntax error,
// for readers that decode YAML themselves (several documents per file).
func SyntaxError(file string, err error) (diag.Pos, string) {
	return yamlErrPos(file, err), "invalid YAML: " + yamlErrMsg(err)
}
