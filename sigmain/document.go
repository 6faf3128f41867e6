package sigmain

import (
	"crypto/sha256"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/detgen/detgen/diag"
	"github.com/detgen/detgen/ir"
	"github.com/detgen/detgen/lang/yaral"
	"gopkg.in/yaml.v3"
)

// doc is one Sigma document being read.
type doc struct {
	res *Result
	m   *yaml.Node
}

func (d *doc) pos(n *yaml.Node) diag.Pos {
	return diag.Pos{File: d.res.Pos.File, Line: n.Line, Col: n.Column}
}

// get returns the value of a top-level key, or nil.
func (d *doc) get(key string) *yaml.Node { return mapGet(d.m, key) }

func mapGet(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func (d *doc) warn(n *yaml.Node, format string, args ...any) {
	d.res.Warnings.Add(d.pos(n), format, args...)
}

// str returns a scalar metadata value; another shape is a warning and "".
func (d *doc) str(key string) string {
	n := d.get(key)
	if n == nil {
		return ""
	}
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		d.warn(n, "%s should be a plain value; ignored", key)
		return ""
	}
	return n.Value
}

// strs returns a list of scalars (a single scalar is a list of one).
func (d *doc) strs(key string) []string {
	var out []string
	for _, n := range d.items(key) {
		out = append(out, n.Value)
	}
	return out
}

// listOf returns n as a list: a scalar is a list of one, a sequence its
// items; ok is false for anything else.
func listOf(n *yaml.Node) (items []*yaml.Node, ok bool) {
	switch n.Kind {
	case yaml.ScalarNode:
		return []*yaml.Node{n}, true
	case yaml.SequenceNode:
		return n.Content, true
	}
	return nil, false
}

// items returns the scalar nodes of a list (a single scalar is a list of
// one); other shapes are warnings and left out.
func (d *doc) items(key string) []*yaml.Node {
	n := d.get(key)
	if n == nil {
		return nil
	}
	if n.Kind == yaml.ScalarNode && n.Tag != "!!null" {
		return []*yaml.Node{n}
	}
	if n.Kind != yaml.SequenceNode {
		d.warn(n, "%s should be a list of plain values; ignored", key)
		return nil
	}
	var out []*yaml.Node
	for _, v := range n.Content {
		if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
			d.warn(v, "%s: an item should be a plain value; ignored", key)
			continue
		}
		out = append(out, v)
	}
	return out
}

// document reads one Sigma document of any kind.
func (rd *reader) document(pos diag.Pos, key string, m *yaml.Node) *Result {
	res := &Result{Pos: pos, key: key, Kind: KindOther}
	d := &doc{res: res, m: m}
	seen := map[string]bool{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k := m.Content[i]
		if seen[k.Value] {
			res.refuse(d.pos(k), "key %q appears twice", k.Value)
			return res
		}
		seen[k.Value] = true
	}
	res.Title = d.str("title")
	res.SigmaName = d.str("name")
	res.SigmaLogsource = logsourceText(d.get("logsource"))
	res.ID = rd.id(d, key)
	switch {
	case seen["correlation"]:
		rd.correlation(d) // completed by finish, which resolves its rules
	case seen["filter"]:
		res.Kind = KindFilter
		rd.filter(d)
	case seen["action"]:
		res.refuse(d.pos(d.get("action")), "Sigma 1 rule collections (action: global, reset, repeat) are not supported: write one rule per document")
	case seen["detection"]:
		res.Kind = KindRule
		rd.rule(d)
	default:
		res.refuse(pos, "not a Sigma rule: the document has no detection, filter or correlation")
	}
	return res
}

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// id returns the document's id, lower-cased, or one derived from key: the
// SHA-256 of "sigma:" + key shaped as a version-4 UUID, so the same file
// gets the same id on every machine and the id also passes the spec
// format's check. A written id that is not a UUID is refused later (it
// names output files).
func (rd *reader) id(d *doc, key string) string {
	if n := d.get("id"); n != nil {
		return strings.ToLower(n.Value)
	}
	return derivedID(key)
}

func derivedID(key string) string {
	h := sha256.Sum256([]byte("sigma:" + key))
	h[6] = h[6]&0x0f | 0x40
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

var nonName = regexp.MustCompile(`[^a-z0-9]+`)

// maxName is the longest name the spec format allows (YARA-L rule names).
const maxName = 128

// deriveName turns a file stem (proc_creation_win_certutil_download) into
// a detgen name [a-z][a-z0-9_]*; the nth document of a file gets _n.
func deriveName(key string) string {
	base, doc, _ := strings.Cut(key, "#")
	stem := base[strings.LastIndex(base, "/")+1:]
	if i := strings.LastIndex(stem, "."); i > 0 {
		stem = stem[:i]
	}
	name := strings.Trim(nonName.ReplaceAllString(strings.ToLower(stem), "_"), "_")
	// A YARA-L keyword (rule.yml, match.yml) cannot name a rule.
	if name == "" || name[0] < 'a' || name[0] > 'z' || yaral.IsKeyword(name) {
		name = "sigma_" + name
	}
	name = strings.TrimRight(name, "_")
	if doc != "" {
		return suffixName(name, atoi(doc))
	}
	return suffixName(name, 1)
}

// suffixName appends _n (n > 1) and keeps the name within maxName.
func suffixName(name string, n int) string {
	suffix := ""
	if n > 1 {
		suffix = "_" + itoa(n)
	}
	if len(name)+len(suffix) > maxName {
		name = strings.TrimRight(name[:maxName-len(suffix)], "_")
	}
	return name + suffix
}

func itoa(n int) string { return strconv.Itoa(n) }

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

// rule reads a detection rule document.
func (rd *reader) rule(d *doc) {
	res := d.res
	if n := d.get("id"); n != nil && (n.Kind != yaml.ScalarNode || !uuidRE.MatchString(n.Value)) {
		res.refuse(d.pos(n), "id %q is not a UUID (it names the output files)", n.Value)
		return
	}
	if n := d.get("title"); n == nil || res.Title == "" {
		res.refuse(res.Pos, "a rule needs a title")
		return
	}
	if n := d.get("taxonomy"); n != nil && n.Value != "sigma" {
		res.refuse(d.pos(n), "taxonomy %q is not supported: detgen reads Sigma's default taxonomy", n.Value)
		return
	}
	r := &ir.Rule{SourceFile: res.Pos.File, ID: res.ID, Name: deriveName(res.key), Title: res.Title, Version: 1}
	rd.metadata(d, r)
	b := rd.logsource(d)
	if b == nil {
		return
	}
	res.Logsource, r.Logsource = b.src.name, b.src.name
	r.DataSources = []string{"Sigma logsource " + res.SigmaLogsource}
	cond := rd.detection(d, b, d.get("detection"))
	if cond == nil {
		return
	}
	r.Condition = cond
	res.Rule = r
}
