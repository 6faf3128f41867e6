package spec_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/detgen/detgen/compile"
	"github.com/detgen/detgen/driver"
	"github.com/detgen/detgen/mappings"
	"github.com/detgen/detgen/spec"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"
)

const shippedRule = "../rules/kubernetes/t1053.007-suspicious-cronjob-job.yaml"

// TestFormatMatchesSpecStructs walks the yaml tags of the structs the
// decoder fills and fails when spec.Format (and so the schema) lacks a
// key, has one the decoder does not know, disagrees on required, or on
// the type.
func TestFormatMatchesSpecStructs(t *testing.T) {
	var walk func(typ reflect.Type, n *spec.Node, path string)
	walk = func(typ reflect.Type, n *spec.Node, path string) {
		inStruct := map[string]bool{}
		for i := 0; i < typ.NumField(); i++ {
			f := typ.Field(i)
			key := strings.Split(f.Tag.Get("yaml"), ",")[0]
			if key == "" || key == "-" {
				continue
			}
			inStruct[key] = true
			p := join(path, key)
			var k *spec.Key
			for j := range n.Keys {
				if n.Keys[j].Name == key {
					k = &n.Keys[j]
				}
			}
			if k == nil {
				t.Errorf("key %s (%s.%s) is missing from spec.Format", p, typ.Name(), f.Name)
				continue
			}
			if want := f.Tag.Get("detgen") == "required"; k.Required != want {
				t.Errorf("key %s: Format says required=%v, the struct tag says %v", p, k.Required, want)
			}
			checkType(t, f.Type, k.Node, p, walk)
		}
		for _, k := range n.Keys {
			if !inStruct[k.Name] {
				t.Errorf("spec.Format has key %s, which %s does not decode", join(path, k.Name), typ.Name())
			}
		}
	}
	walk(reflect.TypeOf(spec.Rule{}), spec.Format, "")
}

var nodeType = reflect.TypeOf(yaml.Node{})

func checkType(t *testing.T, typ reflect.Type, n *spec.Node, path string, walk func(reflect.Type, *spec.Node, string)) {
	t.Helper()
	if typ.Kind() == reflect.Pointer {
		typ = typ.Elem() // an optional value: absent is nil
	}
	want := ""
	switch {
	case typ == nodeType:
		want = "" // raw YAML: described by hand ($defs or any value)
	case typ.Kind() == reflect.String:
		want = "string"
	case typ.Kind() == reflect.Int:
		want = "integer"
	case typ.Kind() == reflect.Bool:
		want = "boolean"
	case typ.Kind() == reflect.Slice:
		want = "array"
	case typ.Kind() == reflect.Struct:
		want = "object"
	default:
		t.Fatalf("key %s: unexpected Go type %s", path, typ)
	}
	if n.Type != want {
		t.Errorf("key %s: Format says type %q, the struct field is %s (want %q)", path, n.Type, typ, want)
		return
	}
	switch want {
	case "object":
		walk(typ, n, path)
	case "array":
		if n.Items == nil {
			t.Errorf("key %s: array without items", path)
			return
		}
		checkType(t, typ.Elem(), n.Items, path+"[]", walk)
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// compileSchema compiles `detgen schema`'s output; the compiler checks it
// against the draft 2020-12 meta-schema.
func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	data, err := spec.JSONSchema(spec.SchemaOptions{Logsources: mappings.LogsourceNames()})
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("the schema is not JSON: %v", err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("detgen-spec.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("detgen-spec.schema.json")
	if err != nil {
		t.Fatalf("the schema does not compile: %v", err)
	}
	return sch
}

// toJSON converts a YAML spec to JSON as the decoder reads it: scalars by
// their YAML tag, timestamps kept as written (a date stays "2026-11-23").
func toJSON(src []byte) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	var walk func(n *yaml.Node) error
	walk = func(n *yaml.Node) error {
		switch n.Kind {
		case yaml.DocumentNode:
			return walk(n.Content[0])
		case yaml.MappingNode:
			b.WriteByte('{')
			for i := 0; i+1 < len(n.Content); i += 2 {
				if i > 0 {
					b.WriteByte(',')
				}
				k, _ := json.Marshal(n.Content[i].Value)
				b.Write(k)
				b.WriteByte(':')
				if err := walk(n.Content[i+1]); err != nil {
					return err
				}
			}
			b.WriteByte('}')
		case yaml.SequenceNode:
			b.WriteByte('[')
			for i, c := range n.Content {
				if i > 0 {
					b.WriteByte(',')
				}
				if err := walk(c); err != nil {
					return err
				}
			}
			b.WriteByte(']')
		case yaml.ScalarNode:
			var v any = n.Value
			if n.Tag != "!!timestamp" {
				if err := n.Decode(&v); err != nil {
					return err
				}
			}
			data, err := json.Marshal(v)
			if err != nil {
				return fmt.Errorf("line %d: %v", n.Line, err)
			}
			b.Write(data)
		default:
			return fmt.Errorf("line %d: aliases are not allowed in specs", n.Line)
		}
		return nil
	}
	if err := walk(&doc); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func validate(sch *jsonschema.Schema, src []byte) error {
	data, err := toJSON(src)
	if err != nil {
		return err
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return err
	}
	return sch.Validate(v)
}

func TestEveryRuleValidatesAgainstSchema(t *testing.T) {
	sch := compileSchema(t)
	paths, err := driver.FindSpecs("../rules")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range paths {
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := validate(sch, src); err != nil {
			t.Errorf("%s does not validate against the schema:\n%v", p, err)
		}
	}
}

// detgenRejects reports whether detgen's decoder or compiler rejects src
// (read as if it were the shipped rule, so its test events resolve).
func detgenRejects(src []byte) bool {
	r, errs := spec.Parse(shippedRule, src)
	if len(errs) > 0 {
		return true
	}
	_, errs = compile.Rule(r)
	return len(errs) > 0
}

func edit(t *testing.T, src []byte, old, new string) []byte {
	t.Helper()
	if !bytes.Contains(src, []byte(old)) {
		t.Fatalf("the shipped rule no longer contains %q: update the test", old)
	}
	return bytes.Replace(src, []byte(old), []byte(new), 1)
}

// TestSchemaRejectsInvalidSpecs: a wrong type, an unknown key and other
// broken specs fail schema validation at the right place, and detgen
// rejects each of them too (the schema is never stricter than detgen on
// these).
func TestSchemaRejectsInvalidSpecs(t *testing.T) {
	sch := compileSchema(t)
	src, err := os.ReadFile(shippedRule)
	if err != nil {
		t.Fatal(err)
	}
	if err := validate(sch, src); err != nil {
		t.Fatalf("the shipped rule must validate: %v", err)
	}
	version := string(regexp.MustCompile(`\nversion: \d+\n`).Find(src))
	cases := []struct {
		name, old, new, where string
	}{
		{"version is not an integer", version, "\nversion: two\n", "/version"},
		{"unknown top-level key", "\nseverity: high\n", "\nseverity: high\nseverty: high\n", "severty"},
		{"unknown key in a signal", "        weight: 10\n", "        weight: 10\n        wieght: 10\n", "wieght"},
		{"status not in the enum", "status: experimental", "status: done", "/status"},
		{"id not a lower-case UUID v4", "id: 14c5ecd1-d826-4822-9987-96a68c25fef2", "id: 14C5ECD1-D826-4822-9987-96A68C25FEF2", "/id"},
		{"date written as a number", `date: "2026-11-23"`, "date: 20261123", "/date"},
		{"required key missing", "logsource: kubernetes_audit\n", "", "logsource"},
		{"unknown logsource", "logsource: kubernetes_audit\n", "logsource: kubernetes_adit\n", "/logsource"},
		{"field test value is a map", "      privileged: true\n", "      privileged: {is: true}\n", "/detection/selections/privileged_container"},
		{"modifier in upper case", "image|contains:", "image|Contains:", "/detection/selections/suspicious_image"},
		{"selection named like a keyword", "    host_network:\n      host_network: true\n", "    not:\n      host_network: true\n", "invalid propertyName 'not'"},
		{"empty condition", "condition: job_write and not control_plane", `condition: ""`, "/detection/condition"},
		{"weight zero", "        weight: 10\n", "        weight: 0\n", "/detection/scoring/signals/0/weight"},
		{"test with event and event_file", "    event_file: testdata/t1053.007/reverse-shell-cronjob.json\n",
			"    event_file: testdata/t1053.007/reverse-shell-cronjob.json\n    event: {verb: create}\n", "/tests/0"},
		{"captured test without source", "  - name: reverse-shell CronJob on alpine (methodology test 1)\n    constructed: true\n",
			"  - name: reverse-shell CronJob on alpine (methodology test 1)\n", "/tests/0"},
		{"unknown differs target", "      - target: qradar\n", "      - target: splunk\n", "target"},
		{"tag in upper case", "\nlogsource: kubernetes_audit\n", "\ntags: [Team-Cloud]\nlogsource: kubernetes_audit\n", "/tags/0"},
		{"qradar limit too large", "\nlogsource: kubernetes_audit\n", "\nqradar: {limit: 200000}\nlogsource: kubernetes_audit\n", "/qradar/limit"},
		{"qradar window malformed", "\nlogsource: kubernetes_audit\n", "\nqradar: {last: 24h}\nlogsource: kubernetes_audit\n", "/qradar/last"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			bad := edit(t, src, tc.old, tc.new)
			err := validate(sch, bad)
			if err == nil {
				t.Fatalf("the schema accepts it")
			}
			if !strings.Contains(err.Error(), tc.where) {
				t.Errorf("the error does not point at %s:\n%v", tc.where, err)
			}
			if !detgenRejects(bad) {
				t.Errorf("detgen accepts what the schema rejects")
			}
		})
	}
}

// TestSchemaEnumsAreAccepted: every value the schema allows for an enum
// key is one detgen accepts, and the targets are driver's.
func TestSchemaEnumsAreAccepted(t *testing.T) {
	sch := compileSchema(t)
	src, err := os.ReadFile(shippedRule)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		old, prefix string
		values      []string
	}{
		{"status: experimental", "status: ", spec.Statuses},
		{"severity: high", "severity: ", spec.Severities},
		{"confidence: medium", "confidence: ", spec.Confidences},
	} {
		for _, v := range c.values {
			s := edit(t, src, c.old, c.prefix+v)
			if err := validate(sch, s); err != nil {
				t.Errorf("%s%s: schema: %v", c.prefix, v, err)
			}
			if detgenRejects(s) {
				t.Errorf("%s%s: the schema allows it, detgen rejects it", c.prefix, v)
			}
		}
	}
	if !slices.Equal(spec.Targets, driver.TargetNames()) {
		t.Errorf("spec.Targets = %v, driver targets = %v", spec.Targets, driver.TargetNames())
	}
}

// TestDocsCoverEveryKey: docs/spec.md names every key of the format by
// its full path, and its example spec validates.
func TestDocsCoverEveryKey(t *testing.T) {
	doc, err := os.ReadFile("../docs/spec.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range spec.Format.Paths() {
		if !bytes.Contains(doc, []byte("`"+p+"`")) {
			t.Errorf("docs/spec.md does not document `%s`", p)
		}
	}
	// The minimal spec shown there validates against the schema.
	sch := compileSchema(t)
	found := false
	for _, block := range strings.Split(string(doc), "```yaml\n")[1:] {
		block, _, _ = strings.Cut(block, "```")
		if !strings.Contains(block, "\nid: ") {
			continue
		}
		found = true
		if err := validate(sch, []byte(block)); err != nil {
			t.Errorf("the example spec in docs/spec.md does not validate:\n%v", err)
		}
	}
	if !found {
		t.Errorf("docs/spec.md shows no example spec")
	}
}
