// Package detection reads the detection block shared by detgen specs and
// Sigma rules: named selections of field tests written as Sigma writes them
// (`field|modifier|modifier: values`; a map ANDs its items, a list of maps
// ORs them, a list of scalars is a keyword search) and a condition over the
// selection names. It lowers both to an ir.Expr, resolving every written
// field name through the caller, and reports every problem at file:line:col.
//
// The two dialects differ in one place: in Sigma, * and ? in a value are
// wildcards (escaped with \); in a detgen spec every value is literal and
// the operator is always explicit.
package detection

import (
	"fmt"
	"math"
	"net/netip"
	"regexp"
	"regexp/syntax"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/detgen/detgen/diag"
	"github.com/detgen/detgen/internal/invisible"
	"github.com/detgen/detgen/ir"
	"gopkg.in/yaml.v3"
)

// Field is a resolved field: its logical name and type.
type Field struct {
	Name string
	Type ir.FieldType
}

// Options configure a reader.
type Options struct {
	File string
	// Resolve maps a field name as written to a logical field; ok false
	// makes the name an error that lists Known.
	Resolve func(name string) (Field, bool)
	// Known lists the usable field names, for messages.
	Known func() []string
	// Wildcards enables Sigma value syntax: * and ? are wildcards.
	Wildcards bool
	// MaxValue bounds the length of one value (0: no bound).
	MaxValue int
	// Placeholders are the values of the expand modifier's %name%
	// placeholders; nil refuses expand.
	Placeholders map[string][]string
	// Invisible lets values hold invisible characters (bidi controls,
	// zero-width characters: package invisible), which every backend
	// then writes as escapes; without it they are refused, as in spec
	// text.
	Invisible bool
}

// Selections is the result of reading a selections map: each name's
// expression, and the names in the order written.
type Selections struct {
	Names []string
	Exprs map[string]ir.Expr
	Pos   map[string]diag.Pos
}

type reader struct {
	opt  Options
	errs diag.List
}

func (r *reader) pos(n *yaml.Node) diag.Pos {
	return diag.Pos{File: r.opt.File, Line: n.Line, Col: n.Column}
}

func (r *reader) add(n *yaml.Node, format string, args ...any) {
	r.errs.Add(r.pos(n), format, args...)
}

var selectionNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.-]*$`)

// ReadSelections lowers a mapping of selection name -> selection. Keys
// listed in skip (Sigma's "condition") are ignored.
func ReadSelections(n *yaml.Node, opt Options, skip ...string) (*Selections, diag.List) {
	r := &reader{opt: opt}
	out := &Selections{Exprs: map[string]ir.Expr{}, Pos: map[string]diag.Pos{}}
	if n.Kind != yaml.MappingNode {
		r.add(n, "selections must be a mapping of name to field tests")
		return out, r.errs
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		name := k.Value
		if contains(skip, name) {
			continue
		}
		if !selectionNameRE.MatchString(name) || isKeyword(name) {
			r.add(k, "selection name %q must match [A-Za-z_][A-Za-z0-9_-]* and not be a condition keyword", name)
			continue
		}
		if _, dup := out.Exprs[name]; dup {
			r.add(k, "selection %q is defined twice", name)
			continue
		}
		e := r.selection(v, name)
		if e == nil {
			continue
		}
		out.Names = append(out.Names, name)
		out.Exprs[name] = e
		out.Pos[name] = r.pos(k)
	}
	return out, r.errs
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// selection lowers one selection: a map (AND), a list of maps (OR) or a
// list of scalars (keywords).
func (r *reader) selection(n *yaml.Node, label string) ir.Expr {
	switch n.Kind {
	case yaml.MappingNode:
		return r.mapping(n, label)
	case yaml.SequenceNode:
		if len(n.Content) == 0 {
			r.add(n, "selection %q is an empty list", label)
			return nil
		}
		if n.Content[0].Kind == yaml.ScalarNode {
			return r.keywords(n, label, false)
		}
		or := &ir.Or{Label: label}
		for _, item := range n.Content {
			if item.Kind != yaml.MappingNode {
				r.add(item, "selection %q mixes maps with other items: a list holds maps (OR) or plain values (keywords)", label)
				return nil
			}
			if e := r.mapping(item, ""); e != nil {
				or.Args = append(or.Args, e)
			}
		}
		if len(or.Args) == 1 {
			return relabel(or.Args[0], label)
		}
		return or
	case yaml.AliasNode:
		r.add(n, "YAML aliases are not allowed in selections")
	default:
		r.add(n, "selection %q must be a map of field tests, a list of such maps or a list of keywords", label)
	}
	return nil
}

func relabel(e ir.Expr, label string) ir.Expr {
	switch n := e.(type) {
	case *ir.And:
		n.Label = label
	case *ir.Or:
		n.Label = label
	case *ir.Match:
		n.Label = label
	case *ir.Keyword:
		n.Label = label
	}
	return e
}

// mapping ANDs the items of a map.
func (r *reader) mapping(n *yaml.Node, label string) ir.Expr {
	and := &ir.And{Label: label}
	if len(n.Content) == 0 {
		r.add(n, "a selection map needs at least one field test")
		return nil
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if seen[k.Value] {
			r.add(k, "key %q appears twice in one map", k.Value)
			continue
		}
		seen[k.Value] = true
		if e := r.item(k, v); e != nil {
			and.Args = append(and.Args, e)
		}
	}
	if len(and.Args) == 1 {
		return relabel(and.Args[0], label)
	}
	if len(and.Args) == 0 {
		return nil
	}
	return and
}

// keywords lowers a list of plain values searched in the whole event.
func (r *reader) keywords(n *yaml.Node, label string, all bool) ir.Expr {
	kw := &ir.Keyword{Pos: r.pos(n), Label: label, All: all}
	for _, v := range n.Content {
		if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
			r.add(v, "a keyword must be a plain value")
			continue
		}
		s := v.Value
		if r.opt.Wildcards {
			p := parsePattern(s)
			if p.hasInnerWildcard() {
				r.add(v, "keyword %q: wildcards inside a keyword are not supported", s)
				continue
			}
			s = p.literal()
		}
		if !r.checkText(v, s) {
			continue
		}
		kw.Values = append(kw.Values, s)
	}
	if len(kw.Values) == 0 {
		return nil
	}
	return kw
}

// modifier names, with their aliases, as in Sigma's appendix.
var modifierAlias = map[string]string{
	"ignorecase": "i", "multiline": "m", "dotall": "s", "wide": "utf16le",
}

var knownModifiers = map[string]bool{
	"contains": true, "startswith": true, "endswith": true, "all": true,
	"re": true, "i": true, "m": true, "s": true, "cidr": true,
	"gt": true, "gte": true, "lt": true, "lte": true, "exists": true,
	"cased": true, "fieldref": true, "base64": true, "base64offset": true,
	"utf16le": true, "utf16be": true, "utf16": true, "windash": true, "neq": true,
}

// item lowers one `field|mods: values` entry.
func (r *reader) item(k, v *yaml.Node) ir.Expr {
	parts := strings.Split(k.Value, "|")
	fieldName, mods := parts[0], parts[1:]
	for i, m := range mods {
		if a, ok := modifierAlias[m]; ok {
			mods[i] = a
		}
		if !knownModifiers[mods[i]] {
			if mods[i] == "expand" && r.opt.Placeholders != nil {
				continue
			}
			if mods[i] == "expand" {
				r.add(k, "modifier expand: placeholders need their values (no placeholder file given)")
			} else {
				r.add(k, "unknown modifier %q (known: %s)", m, strings.Join(sortedKeys(knownModifiers), ", "))
			}
			return nil
		}
	}
	if fieldName == "" {
		// Sigma's keyword form: '|all': [a, b].
		if len(mods) == 1 && mods[0] == "all" && v.Kind == yaml.SequenceNode {
			return r.keywords(v, "", true)
		}
		r.add(k, "a test needs a field name (only '|all' may stand alone, for keywords)")
		return nil
	}
	f, ok := r.opt.Resolve(fieldName)
	if !ok {
		known := ""
		if r.opt.Known != nil {
			known = " (fields: " + strings.Join(r.opt.Known(), ", ") + ")"
		}
		r.add(k, "unknown field %q%s", fieldName, known)
		return nil
	}
	var vals []*yaml.Node
	switch v.Kind {
	case yaml.SequenceNode:
		if len(v.Content) == 0 {
			r.add(v, "field %q has an empty list of values", fieldName)
			return nil
		}
		vals = v.Content
	case yaml.ScalarNode:
		vals = []*yaml.Node{v}
	default:
		r.add(v, "the value of %q must be a value or a list of values", fieldName)
		return nil
	}
	t := &test{r: r, key: k, field: f, written: fieldName, mods: mods}
	e := t.lower(vals)
	if e == nil || !t.has("neq") {
		return e
	}
	return t.negate(e)
}

// negate reads neq (Sigma specification: "the field is different from
// the specified values"): the field is there and the test without neq
// does not hold, so it differs from every value; with fieldref, the
// referenced field is there too. An absent field differs from nothing:
// without the presence tests, neq would hold on every event lacking the
// field.
func (t *test) negate(e ir.Expr) ir.Expr {
	pos := t.r.pos(t.key)
	args := []ir.Expr{&ir.Match{Pos: pos, Field: t.field.Name, Type: t.field.Type, Op: ir.Exists}}
	for _, m := range ir.Matches(e) {
		if m.FieldRef {
			for _, other := range m.Values {
				args = append(args, &ir.Match{Pos: pos, Field: other, Type: t.field.Type, Op: ir.Exists})
			}
		}
	}
	return &ir.And{Args: append(args, &ir.Not{Arg: e})}
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// test lowers one detection item.
type test struct {
	r       *reader
	key     *yaml.Node
	field   Field
	written string
	mods    []string
}

func (t *test) errorf(n *yaml.Node, format string, args ...any) ir.Expr {
	t.r.add(n, "%s: %s", t.key.Value, fmt.Sprintf(format, args...))
	return nil
}

func (t *test) has(m string) bool { return contains(t.mods, m) }

// lower checks the modifier chain and turns the values into tests.
func (t *test) lower(vals []*yaml.Node) ir.Expr {
	pos := t.r.pos(t.key)
	op, err := t.op()
	if err != "" {
		return t.errorf(t.key, "%s", err)
	}
	all := t.has("all")
	if all && len(vals) < 2 {
		return t.errorf(t.key, "all needs a list of two or more values")
	}
	base := ir.Match{Pos: pos, Field: t.field.Name, Type: t.field.Type, All: all, Cased: t.has("cased"), FieldRef: t.has("fieldref")}
	for _, f := range []string{"i", "m", "s"} {
		if t.has(f) {
			base.Flags += f
		}
	}
	switch op {
	case ir.Exists:
		if len(vals) != 1 || vals[0].Tag != "!!bool" {
			return t.errorf(vals[0], "exists takes true or false")
		}
		b := ir.Match(base)
		b.Op, b.All = ir.Exists, false
		if vals[0].Value == "false" {
			b.Op = ir.Null
		}
		return &b
	}

	// Null and empty values become their own tests, OR-ed (or AND-ed
	// under all) with the rest.
	var extra []ir.Expr
	var groups [][]string // per written value, its expansions
	for _, v := range vals {
		if v.Kind != yaml.ScalarNode {
			return t.errorf(v, "a value must be a plain value, not a %s", kindName(v))
		}
		if v.Tag == "!!null" {
			if op != ir.Equals || len(t.mods) > 0 {
				return t.errorf(v, "null takes no modifier")
			}
			n := ir.Match(base)
			n.Op, n.All = ir.Null, false
			extra = append(extra, &n)
			continue
		}
		if v.Value == "" && v.Tag == "!!str" && op == ir.Equals && !base.FieldRef {
			n := ir.Match(base)
			n.Op, n.All = ir.Empty, false
			extra = append(extra, &n)
			continue
		}
		if t.has("expand") {
			// Each expansion is a value of its own; those of one written
			// value form its group (OR-ed, also under all).
			texts, ok := t.expand(v)
			if !ok {
				return nil
			}
			var g []string
			for _, text := range texts {
				vs, ok := t.valueOf(v, text, op)
				if !ok {
					return nil
				}
				g = append(g, vs...)
			}
			groups = append(groups, g)
			continue
		}
		vs, ok := t.value(v, op)
		if !ok {
			return nil
		}
		groups = append(groups, vs)
	}
	mk := func(op ir.Op, values []string) *ir.Match {
		n := ir.Match(base)
		n.Op, n.Values, n.All = op, values, false
		return &n
	}
	var tests []ir.Expr
	if t.r.opt.Wildcards && (op == ir.Equals || op == ir.Contains || op == ir.StartsWith || op == ir.EndsWith) && !base.FieldRef {
		tests = t.wildcardTests(groups, op, base)
	} else if all {
		// Each written value (with its expansions OR-ed) must hold.
		expanded := false
		for _, g := range groups {
			expanded = expanded || len(g) > 1
		}
		if !expanded {
			n := mk(op, flatten(groups))
			n.All = true
			tests = append(tests, n)
		} else {
			for _, g := range groups {
				tests = append(tests, mk(op, g))
			}
			and := &ir.And{Args: append(tests, extra...)}
			return and
		}
	} else if len(groups) > 0 {
		tests = append(tests, mk(op, dedupe(flatten(groups))))
	}
	args := append(tests, extra...)
	switch {
	case len(args) == 1:
		return args[0]
	case all:
		return &ir.And{Args: args}
	default:
		return &ir.Or{Args: args}
	}
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "map"
	case yaml.SequenceNode:
		return "list"
	}
	return "value"
}

func flatten(groups [][]string) []string {
	var out []string
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

func dedupe(vs []string) []string {
	seen := map[string]bool{}
	out := vs[:0:0]
	for _, v := range vs {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// op checks the modifier chain and returns the comparison it asks for.
func (t *test) op() (ir.Op, string) {
	op := ir.Equals
	setOp := func(o ir.Op) string {
		if op != ir.Equals {
			return fmt.Sprintf("modifiers %s and %s cannot be combined", op, o)
		}
		op = o
		return ""
	}
	encoded := false
	for i, m := range t.mods {
		var e string
		switch m {
		case "contains":
			e = setOp(ir.Contains)
		case "startswith":
			e = setOp(ir.StartsWith)
		case "endswith":
			e = setOp(ir.EndsWith)
		case "re":
			if i != 0 {
				e = "re must be the first modifier"
			} else {
				e = setOp(ir.Regex)
			}
		case "i", "m", "s":
			if op != ir.Regex {
				e = fmt.Sprintf("modifier %s applies only after re", m)
			}
		case "cidr":
			if i != 0 {
				e = "cidr must be the first modifier"
			} else {
				e = setOp(ir.CIDR)
			}
		case "gt", "gte", "lt", "lte":
			e = setOp(ir.Op(m))
		case "exists":
			if i != 0 || len(t.mods) > 1 {
				e = "exists stands alone"
			} else {
				e = setOp(ir.Exists)
			}
		case "base64", "base64offset", "utf16le", "utf16be", "utf16", "windash":
			encoded = true
		}
		if e != "" {
			return op, e
		}
	}
	if t.has("neq") {
		// neq negates an equality: of values, or of fields (fieldref).
		// The other operators have their own negations (not in the
		// condition), and a negated all would hold when any one value
		// differs, not what "different from" says.
		switch {
		case op != ir.Equals:
			return op, fmt.Sprintf("neq negates an equality: write the %s test in a selection and negate it in the condition", op)
		case t.has("all"):
			return op, "neq with all: write the test in a selection and negate it in the condition"
		case encoded:
			return op, "neq does not apply to transformed values"
		}
	}
	switch op {
	case ir.Regex, ir.CIDR, ir.GT, ir.GTE, ir.LT, ir.LTE, ir.Exists:
		if encoded {
			return op, fmt.Sprintf("value transformations do not apply to %s", op)
		}
		if t.has("cased") {
			return op, fmt.Sprintf("cased does not apply to %s", op)
		}
	}
	if t.has("fieldref") {
		switch op {
		case ir.Equals, ir.Contains, ir.StartsWith, ir.EndsWith:
		default:
			return op, fmt.Sprintf("fieldref does not apply to %s", op)
		}
		if encoded {
			return op, "value transformations do not apply to fieldref"
		}
	}
	if t.has("base64offset") && op != ir.Contains {
		return op, "base64offset needs contains (its values are fragments)"
	}
	// Type checks.
	switch t.field.Type {
	case ir.Int:
		switch op {
		case ir.Equals, ir.GT, ir.GTE, ir.LT, ir.LTE, ir.Exists:
		default:
			return op, fmt.Sprintf("field %s is an integer: use equals, gt, gte, lt, lte or exists", t.written)
		}
	case ir.Bool:
		if op != ir.Equals && op != ir.Exists {
			return op, fmt.Sprintf("field %s is boolean: only equals (true or false) or exists applies", t.written)
		}
	case ir.IP:
		switch op {
		case ir.Equals, ir.CIDR, ir.Exists, ir.StartsWith:
		default:
			return op, fmt.Sprintf("field %s is an IP address: use equals, cidr, startswith or exists", t.written)
		}
	default:
		switch op {
		case ir.GT, ir.GTE, ir.LT, ir.LTE:
			return op, fmt.Sprintf("field %s is a %s: %s needs an integer field", t.written, t.field.Type, op)
		case ir.CIDR:
			return op, fmt.Sprintf("field %s is a %s: cidr needs an IP field", t.written, t.field.Type)
		}
	}
	return op, ""
}

// value checks one written value and returns it transformed.
func (t *test) value(v *yaml.Node, op ir.Op) ([]string, bool) {
	return t.valueOf(v, v.Value, op)
}

// valueOf is value for the text s written at v (a placeholder's
// expansion, or v's own value).
func (t *test) valueOf(v *yaml.Node, s string, op ir.Op) ([]string, bool) {
	fail := func(format string, args ...any) ([]string, bool) {
		t.errorf(v, format, args...)
		return nil, false
	}
	if t.r.opt.MaxValue > 0 && len(s) > t.r.opt.MaxValue {
		return fail("value is longer than %d bytes", t.r.opt.MaxValue)
	}
	if t.has("fieldref") {
		f, ok := t.r.opt.Resolve(s)
		if !ok {
			return fail("fieldref names unknown field %q", s)
		}
		return []string{f.Name}, true
	}
	switch op {
	case ir.Regex:
		if err := CheckRegex(s); err != nil {
			return fail("%v", err)
		}
		return []string{s}, true
	case ir.CIDR:
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return fail("%q is not a CIDR network (like 10.0.0.0/8 or 2001:db8::/32)", s)
		}
		if p.Masked() != p {
			return fail("%q has host bits set; write %s", s, p.Masked())
		}
		return []string{p.String()}, true
	case ir.GT, ir.GTE, ir.LT, ir.LTE:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return fail("%s needs an integer, found %q", op, s)
		}
		return []string{strconv.FormatInt(n, 10)}, true
	}
	switch t.field.Type {
	case ir.Int:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n > math.MaxInt64 {
			return fail("field %s is an integer; %q is not", t.written, s)
		}
		return []string{strconv.FormatInt(n, 10)}, true
	case ir.Bool:
		switch strings.ToLower(s) {
		case "true", "false":
			return []string{strings.ToLower(s)}, true
		}
		return fail("field %s is boolean; %q is not true or false", t.written, s)
	case ir.IP:
		if op == ir.Equals {
			// Logs write placeholders ("-", "AWS Internal") where an
			// address is missing: such a value is compared as text.
			if a, err := netip.ParseAddr(s); err == nil {
				return []string{a.String()}, true
			}
		}
	}
	if !t.r.checkText(v, s) {
		return nil, false
	}
	out, err := transform(s, t.mods, t.r.opt.Wildcards)
	if err != "" {
		return fail("%s", err)
	}
	return out, true
}

// checkText rejects values no field of a log holds and where escaping
// bugs hide: control characters other than tab, invalid UTF-8 and,
// unless the options allow them, invisible characters (package
// invisible: every format character, not only the bidi controls).
func (r *reader) checkText(n *yaml.Node, s string) bool {
	for _, c := range s {
		if c == '\uFFFD' || (c < 0x20 && c != '\t') || c == 0x7f || (c >= 0x80 && c < 0xa0) || invisible.Is(c) && !r.opt.Invisible {
			r.add(n, "value %q holds a control, bidi or invalid character", s)
			return false
		}
	}
	return true
}

// CheckRegex accepts the regex subset every target engine runs the same
// way (Sigma's PCRE subset, RE2, Java): no backreferences, lookaround,
// possessive or atomic groups, which RE2 rejects anyway, and no \Q..\E,
// \p classes or named groups, whose syntax differs between engines.
func CheckRegex(s string) error {
	if _, err := syntax.Parse(s, syntax.Perl); err != nil {
		return fmt.Errorf("regular expression %q: %v", s, err)
	}
	for _, bad := range []string{`\Q`, `\E`, `\p`, `\P`, `\z`, `\A`} {
		if escapeAt(s, bad) {
			return fmt.Errorf("regular expression %q uses %s, which not every target's engine reads the same way", s, bad)
		}
	}
	for _, bad := range []string{`(?P<`, `(?<`, `(?U`} {
		if strings.Contains(s, bad) {
			return fmt.Errorf("regular expression %q uses %s, which not every target's engine reads the same way", s, bad)
		}
	}
	return nil
}

// escapeAt reports whether the escape esc (a backslash and a letter)
// occurs in s as an escape: preceded by an even number of backslashes, so
// \\Explorer (a literal backslash, then E) does not count.
func escapeAt(s, esc string) bool {
	for i := strings.Index(s, esc); i >= 0; {
		n := 0
		for j := i - 1; j >= 0 && s[j] == '\\'; j-- {
			n++
		}
		if n%2 == 0 {
			return true
		}
		next := strings.Index(s[i+1:], esc)
		if next < 0 {
			return false
		}
		i += 1 + next
	}
	return false
}

// wildcardTests lowers Sigma values that may hold * and ? wildcards: a
// value whose only wildcards are a leading and/or trailing * becomes
// contains/startswith/endswith, any other wildcard an anchored regex.
func (t *test) wildcardTests(groups [][]string, op ir.Op, base ir.Match) []ir.Expr {
	if base.All && slices.ContainsFunc(groups, func(g []string) bool { return len(g) > 1 }) {
		// all with value transformations: every written value must hold,
		// each through any one of its variants (windash's five dashes).
		one := base
		one.All = false
		var each []ir.Expr
		for _, g := range groups {
			tests := t.wildcardTests([][]string{g}, op, one)
			if len(tests) == 1 {
				each = append(each, tests[0])
			} else {
				each = append(each, &ir.Or{Args: tests})
			}
		}
		return []ir.Expr{&ir.And{Args: each}}
	}
	byOp := map[ir.Op][]string{}
	var order []ir.Op
	var regexes []string
	for _, g := range groups {
		for _, raw := range g {
			p := parsePattern(raw)
			o, lit, re := p.classify(op)
			if re != "" {
				regexes = append(regexes, re)
				continue
			}
			if _, ok := byOp[o]; !ok {
				order = append(order, o)
			}
			byOp[o] = append(byOp[o], lit)
		}
	}
	var out []ir.Expr
	for _, o := range order {
		n := ir.Match(base)
		n.Op, n.Values, n.All = o, dedupe(byOp[o]), base.All
		if n.All && len(n.Values) < 2 {
			n.All = false
		}
		out = append(out, &n)
	}
	if len(regexes) > 0 {
		n := ir.Match(base)
		n.Op, n.Values, n.All = ir.Regex, regexes, base.All && len(regexes) > 1
		n.Flags = "s"
		if !base.Cased {
			n.Flags = "is"
		}
		n.Cased = false
		out = append(out, &n)
	}
	if base.All && len(out) > 1 {
		return []ir.Expr{&ir.And{Args: out}}
	}
	return out
}
