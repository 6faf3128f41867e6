// Package fastyaml parses the common subset of YAML used by rule and mapping
// files several times faster than gopkg.in/yaml.v3, into the very *yaml.Node
// tree yaml.v3 would give.
//
// Exactness: when Parse reports ok, the tree equals, field by field, what
// yaml.v3's Decoder.Decode(&node) gives (Kind, Style, Tag, Value, Anchor,
// Alias, Content, Line, Column), except that comments are not kept:
// HeadComment, LineComment and FootComment are never set. When the input uses
// anything outside the subset, or is not valid YAML, Parse declines (ok is
// false) and the caller parses with yaml.v3, which also gives the error.
//
// The subset:
//   - one document, with an optional bare "---" line before it; comment and
//     blank lines wherever YAML allows them, trailing " # comments";
//   - block mappings whose keys are plain or single-line quoted scalars,
//     block sequences (also compact "- key: v" and "- - x", and sequences at
//     the indentation of their parent key), any indentation width;
//   - plain scalars, also over several lines (continuation lines may not
//     start with an indicator nor hold ": " or " #");
//   - single-line single- and double-quoted scalars with yaml.v3's escapes;
//   - literal and folded block scalars with chomping and indentation
//     indicators and a trailing comment on the header line;
//   - flow sequences and mappings ("[...]", "{...}", JSON-like, over several
//     lines, trailing commas), whose mapping entries are "key: value" pairs.
//
// Declined: directives, "...", more than one document, an empty document,
// anchors, aliases, tags, complex keys ("?"), a scalar at the root, tabs,
// carriage returns, byte order marks, control characters and the Unicode
// line separators, multi-line quoted scalars and multi-line plain scalars in
// flow collections, single-pair mappings in flow sequences, empty values in
// flow mappings and empty block scalars.
package fastyaml

import (
	"bytes"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// Parse parses src, which must hold exactly one YAML document, into the
// document node yaml.v3's Decoder.Decode(&node) would give (comments
// aside: HeadComment, LineComment and FootComment are never set). ok is
// false when src uses anything outside the supported subset or is not
// valid YAML: the caller then parses with yaml.v3, which also gives the
// error message.
func Parse(src []byte) (doc *yaml.Node, ok bool) {
	if !validText(src) {
		return nil, false
	}
	p := &parser{src: src, line: 1, stack: make([]*yaml.Node, 0, 64)}
	defer func() {
		if r := recover(); r != nil {
			if r != errDecline {
				panic(r)
			}
			doc, ok = nil, false
		}
	}()
	return p.document(), true
}

// escapes are the double-quoted escapes of one character, as yaml.v3
// reads them; \x, \u and \U take hex digits.
var escapes = map[byte]rune{
	'0': 0, 'a': '\a', 'b': '\b', 't': '\t', 'n': '\n', 'v': '\v', 'f': '\f', 'r': '\r', 'e': 0x1b,
	' ': ' ', '"': '"', '\'': '\'', '\\': '\\',
	'N': 0x85, '_': 0xa0, 'L': 0x2028, 'P': 0x2029,
}

// Unmarshal is yaml.Unmarshal of src into a node: the document node of
// its first document, from Parse when it takes src, else from yaml.v3
// (and yaml.v3's error).
func Unmarshal(src []byte) (*yaml.Node, error) {
	if doc, ok := Parse(src); ok {
		return doc, nil
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, err
	}
	return &doc, nil
}

// declined is panicked with to unwind when the input is outside the subset.
type declined struct{}

var errDecline = &declined{}

func decline() { panic(errDecline) }

// maxDepth bounds nesting (yaml.v3 fails at 10000 levels); deeper input is
// declined rather than risking the stack.
const maxDepth = 1000

type parser struct {
	src []byte // values are copied out of it: a tree kept alive does not pin the whole input

	pos  int // current byte offset
	line int // 1-based line of pos
	ls   int // offset of the start of the line of pos
	ind  int // after skipToContent: indentation of the content at pos, -1 at the end

	// Column cache for the current line: colAt is a byte offset on line
	// colLS and colN its rune column, so that many nodes on one long line
	// (JSON events) cost linear time.
	colLS, colAt, colN int

	depth int
	slab  []yaml.Node  // nodes are handed out from here
	ptrs  []*yaml.Node // Content slices are carved from here
	stack []*yaml.Node // children of the collections being parsed
	buf   []byte       // scratch for values that need building
}

// validText rejects what yaml.v3's reader rejects or treats specially:
// control characters (also tab and CR, outside the subset), invalid UTF-8,
// the BOM and the Unicode line breaks NEL, LS and PS.
func validText(src []byte) bool {
	for i := 0; i < len(src); {
		c := src[i]
		if c < utf8.RuneSelf {
			if badASCII[c] {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(src[i:])
		if r == utf8.RuneError && size == 1 || r <= 0x9f ||
			r == 0x2028 || r == 0x2029 || r == 0xfeff || r == 0xfffe || r == 0xffff {
			return false
		}
		i += size
	}
	return true
}

var badASCII = func() (t [utf8.RuneSelf]bool) {
	for c := range t {
		t[c] = c < ' ' && c != '\n' || c == 0x7f
	}
	return t
}()

// col returns the 0-based column, in runes, of offset pos on the current line.
func (p *parser) col(pos int) int {
	if p.colLS != p.ls || pos < p.colAt {
		p.colLS, p.colAt, p.colN = p.ls, p.ls, 0
	}
	for _, c := range p.src[p.colAt:pos] {
		if c&0xc0 != 0x80 {
			p.colN++
		}
	}
	p.colAt = pos
	return p.colN
}

func (p *parser) node(kind yaml.Kind, pos int) *yaml.Node {
	return p.nodeAt(kind, p.line, p.col(pos)+1)
}

func (p *parser) nodeAt(kind yaml.Kind, line, column int) *yaml.Node {
	if len(p.slab) == 0 {
		p.slab = make([]yaml.Node, min(max((len(p.src)-p.pos)/24, 16), 1024))
	}
	n := &p.slab[0]
	p.slab = p.slab[1:]
	n.Kind, n.Line, n.Column = kind, line, column
	return n
}

// collect turns the children pushed since base into a Content slice.
func (p *parser) collect(base int) []*yaml.Node {
	k := len(p.stack) - base
	if k == 0 {
		return nil // as yaml.v3, which appends to a nil slice
	}
	if k > len(p.ptrs) {
		p.ptrs = make([]*yaml.Node, max(k, len(p.src)/32, 64))
	}
	c := p.ptrs[:k:k]
	p.ptrs = p.ptrs[k:]
	copy(c, p.stack[base:])
	p.stack = p.stack[:base]
	return c
}

func (p *parser) enter() {
	p.depth++
	if p.depth > maxDepth {
		decline()
	}
}

// at returns the byte at i, or 0 past the end.
func (p *parser) at(i int) byte {
	if i < len(p.src) {
		return p.src[i]
	}
	return 0
}

// blankz reports whether i holds a space, a line break or the end of input.
func (p *parser) blankz(i int) bool {
	c := p.at(i)
	return c == ' ' || c == '\n' || c == 0
}

func (p *parser) newline(next int) {
	p.line++
	p.ls = next
	p.pos = next
}

// document parses the single document of the input.
func (p *parser) document() *yaml.Node {
	p.skipLines()
	if p.pos >= len(p.src) {
		decline() // empty, or comments only
	}
	var doc *yaml.Node
	if p.pos == p.ls && bytes.HasPrefix(p.src[p.pos:], []byte("---")) && p.blankz(p.pos+3) {
		doc = p.nodeAt(yaml.DocumentNode, p.line, 1)
		p.pos += 3
		p.finishLine()
	} else {
		p.checkLine()
		doc = p.node(yaml.DocumentNode, p.pos)
	}
	if p.ind < 0 {
		decline() // "---" alone: a null document
	}
	root := p.blockNode(-1, false)
	if p.ind >= 0 {
		decline() // content left over, less indented than the root
	}
	doc.Content = []*yaml.Node{root}
	return doc
}

// skipLines moves from a line start over blank and comment lines to the
// first content character, setting ind.
func (p *parser) skipLines() {
	src := p.src
	for p.pos < len(src) {
		i := p.pos
		for i < len(src) && src[i] == ' ' {
			i++
		}
		if i == len(src) {
			p.pos = i
			break
		}
		switch src[i] {
		case '\n':
			p.newline(i + 1)
			continue
		case '#':
			j := bytes.IndexByte(src[i:], '\n')
			if j < 0 {
				p.pos = len(src)
				break
			}
			p.newline(i + j + 1)
			continue
		}
		p.pos = i
		p.ind = i - p.ls
		return
	}
	p.ind = -1
}

// skipToContent is skipLines for everywhere but the start of the document:
// there a document marker or a directive ends the subset.
func (p *parser) skipToContent() {
	p.skipLines()
	if p.ind == 0 {
		p.checkLine()
	}
}

func (p *parser) checkLine() {
	s := p.src[p.pos:]
	if p.pos == p.ls && (s[0] == '%' ||
		(bytes.HasPrefix(s, []byte("---")) || bytes.HasPrefix(s, []byte("..."))) && p.blankz(p.pos+3)) {
		decline()
	}
}

// finishLine expects only spaces and a comment before the end of the line,
// then moves on to the next content line.
func (p *parser) finishLine() {
	src := p.src
	i := p.pos
	for i < len(src) && src[i] == ' ' {
		i++
	}
	if i < len(src) && src[i] == '#' {
		if i > p.ls && src[i-1] != ' ' {
			decline() // a '#' glued to a token: yaml.v3 takes it as a comment, YAML does not
		}
		j := bytes.IndexByte(src[i:], '\n')
		if j < 0 {
			i = len(src)
		} else {
			i += j
		}
	}
	if i == len(src) {
		p.pos = i
		p.ind = -1
		return
	}
	if src[i] != '\n' {
		decline()
	}
	p.newline(i + 1)
	p.skipToContent()
}

// blockNode parses the node at pos in the block context. parent is the
// column of the innermost block collection (-1 at the root); afterKey says
// the node follows "key:" on its line, where no collection may start.
// It returns with pos at the next content line.
func (p *parser) blockNode(parent int, afterKey bool) *yaml.Node {
	p.enter()
	defer func() { p.depth-- }()
	src := p.src
	switch src[p.pos] {
	case '-':
		if p.blankz(p.pos + 1) {
			if afterKey {
				decline()
			}
			return p.blockSeq(false)
		}
	case '[', '{':
		n := p.flowNode()
		p.finishLine()
		return n
	case '|', '>':
		if parent < 0 {
			decline()
		}
		return p.blockScalar(parent)
	case '"', '\'':
		if !afterKey && p.isKey() {
			return p.blockMap()
		}
		if parent < 0 {
			decline() // a scalar document
		}
		n := p.quoted()
		p.finishLine()
		return n
	}
	if !afterKey && p.isKey() {
		return p.blockMap()
	}
	if parent < 0 {
		decline() // a scalar document
	}
	return p.plain(parent)
}

// isKey reports whether a simple key ("key:" followed by a blank) starts at pos.
func (p *parser) isKey() bool {
	src := p.src
	i := p.pos
	switch src[i] {
	case '"', '\'':
		q := src[i]
		for i++; i < len(src) && src[i] != '\n'; i++ {
			if src[i] == '\\' && q == '"' {
				i++
			} else if src[i] == q {
				if q == '\'' && p.at(i+1) == '\'' {
					i++
					continue
				}
				i++
				for i < len(src) && src[i] == ' ' {
					i++
				}
				return p.at(i) == ':' && p.blankz(i+1)
			}
		}
		return false
	}
	if !p.plainStart(i, false) {
		return false
	}
	_, stop := p.scanPlain(i)
	return p.at(stop) == ':'
}

// key parses a simple key and its ':'.
func (p *parser) key() *yaml.Node {
	start := p.pos
	var k *yaml.Node
	switch p.src[start] {
	case '"', '\'':
		k = p.quoted()
		for p.at(p.pos) == ' ' {
			p.pos++
		}
	default:
		if !p.plainStart(start, false) {
			decline()
		}
		end, stop := p.scanPlain(start)
		k = p.node(yaml.ScalarNode, start)
		k.Value = string(p.src[start:end])
		k.Tag = plainTag(k.Value)
		p.pos = stop
	}
	// yaml.v3 wants the ':' of a simple key within 1024 characters.
	if p.at(p.pos) != ':' || !p.blankz(p.pos+1) || p.pos-start > 1000 {
		decline()
	}
	p.pos++
	return k
}

// blockMap parses a block mapping whose first key is at pos.
func (p *parser) blockMap() *yaml.Node {
	col := p.col(p.pos)
	m := p.node(yaml.MappingNode, p.pos)
	m.Tag = "!!map"
	base := len(p.stack)
	for {
		k := p.key()
		p.stack = append(p.stack, k)
		p.stack = append(p.stack, p.mapValue(col))
		if p.ind != col {
			break
		}
	}
	if p.ind > col {
		decline()
	}
	m.Content = p.collect(base)
	return m
}

// mapValue parses the value after "key:" of a mapping at column col.
func (p *parser) mapValue(col int) *yaml.Node {
	// An empty value is placed just after the ':'.
	line, column := p.line, p.col(p.pos)+1
	for p.at(p.pos) == ' ' {
		p.pos++
	}
	if c := p.at(p.pos); c != '\n' && c != '#' && c != 0 {
		return p.blockNode(col, true)
	}
	p.finishLine()
	if p.ind > col {
		return p.blockNode(col, false)
	}
	if p.ind == col && p.src[p.pos] == '-' && p.blankz(p.pos+1) {
		return p.blockSeq(true)
	}
	return p.null(line, column)
}

func (p *parser) null(line, column int) *yaml.Node {
	n := p.nodeAt(yaml.ScalarNode, line, column)
	n.Tag = "!!null"
	return n
}

// blockSeq parses a block sequence whose first '-' is at pos. An indentless
// sequence is the value of a key at its own column, and ends at the next key.
func (p *parser) blockSeq(indentless bool) *yaml.Node {
	col := p.col(p.pos)
	s := p.node(yaml.SequenceNode, p.pos)
	s.Tag = "!!seq"
	base := len(p.stack)
	for {
		p.pos++ // the '-'
		line, column := p.line, p.col(p.pos)+1
		for p.at(p.pos) == ' ' {
			p.pos++
		}
		var v *yaml.Node
		if c := p.at(p.pos); c != '\n' && c != '#' && c != 0 {
			v = p.blockNode(col, false)
		} else if p.finishLine(); p.ind > col {
			v = p.blockNode(col, false)
		} else {
			v = p.null(line, column)
		}
		p.stack = append(p.stack, v)
		if p.ind != col || p.src[p.pos] != '-' || !p.blankz(p.pos+1) {
			break
		}
	}
	if p.ind > col || p.ind == col && !indentless {
		decline()
	}
	s.Content = p.collect(base)
	return s
}

// plainStart reports whether a plain scalar may start at i.
func (p *parser) plainStart(i int, flow bool) bool {
	switch p.src[i] {
	case '-':
		c := p.at(i + 1)
		return c != ' ' && c != '\n' && c != 0
	case '?', ':':
		return !flow && !p.blankz(i+1)
	case ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`', ' ', '\n':
		return false
	}
	return true
}

// scanPlain scans a plain scalar in the block context from i to the end of
// its line. It returns the end of its text (trailing spaces left out) and
// where it stopped: at a line break or the end of input, at a ':' that ends
// it, or at the '#' of a comment.
func (p *parser) scanPlain(i int) (end, stop int) {
	src := p.src
	end = i
	for ; i < len(src); i++ {
		c := src[i]
		if !plainStop[c] {
			end = i + 1
			continue
		}
		switch c {
		case '\n':
			return end, i
		case ' ':
			if p.at(i+1) == '#' {
				return end, i
			}
		case ':':
			if p.blankz(i + 1) {
				return end, i
			}
			end = i + 1
		}
	}
	return end, i
}

// plainStop marks the bytes scanPlain must look at.
var plainStop = [256]bool{'\n': true, ' ': true, ':': true}

// plain parses a plain scalar value in the block context, folding its
// continuation lines, which must be indented past parent.
func (p *parser) plain(parent int) *yaml.Node {
	src := p.src
	start := p.pos
	n := p.node(yaml.ScalarNode, start)
	if !p.plainStart(start, false) {
		decline()
	}
	end, stop := p.scanPlain(start)
	if p.at(stop) == ':' {
		decline() // "a: b: c" or "- a:" running on
	}
	value := string(p.src[start:end])
	p.pos = stop
	multi := false
	for p.at(p.pos) == '\n' {
		// Look past blank lines for a continuation line.
		i, blank := p.pos+1, 0
		j := i
		for {
			for j < len(src) && src[j] == ' ' {
				j++
			}
			if j < len(src) && src[j] == '\n' {
				blank++
				j++
				i = j
				continue
			}
			break
		}
		if j == len(src) || j-i <= parent || src[j] == '#' {
			break
		}
		if !p.plainStart(j, true) || src[j] == '-' || src[j] == ':' {
			decline() // an indicator; yaml.v3 would read it as text, but play safe
		}
		e, s := p.scanPlain(j)
		if p.at(s) != '\n' && s != len(src) {
			decline()
		}
		if !multi {
			p.buf = append(p.buf[:0], value...)
			multi = true
		}
		if blank == 0 {
			p.buf = append(p.buf, ' ')
		}
		for ; blank > 0; blank-- {
			p.buf = append(p.buf, '\n')
		}
		p.buf = append(p.buf, src[j:e]...)
		p.line += bytes.Count(src[p.pos:i], []byte{'\n'})
		p.ls = i
		p.pos = s
	}
	if multi {
		value = string(p.buf)
	}
	n.Value = value
	n.Tag = plainTag(value)
	p.finishLine()
	return n
}

// resolveHint mirrors yaml.v3's resolveTable: the first bytes of the plain
// scalars it tries to resolve to something other than !!str. 'M' marks those
// resolved only through its map of words, all of them listed in plainTag.
var resolveHint = func() (t [256]byte) {
	for _, c := range "+-0123456789." {
		t[c] = 'R'
	}
	for _, c := range "yYnNtTfFoO~" {
		t[c] = 'M'
	}
	return t
}()

// plainTag gives the tag yaml.v3's parser sets on a plain scalar.
func plainTag(v string) string {
	if v == "" {
		return "!!null"
	}
	switch resolveHint[v[0]] {
	case 0:
		if v == "<<" {
			return "!!merge" // the parser's default tag for "<<"; resolve says !!str
		}
		return "!!str"
	case 'M':
		switch v {
		case "true", "True", "TRUE", "false", "False", "FALSE":
			return "!!bool"
		case "~", "null", "Null", "NULL":
			return "!!null"
		}
		return "!!str"
	}
	n := yaml.Node{Kind: yaml.ScalarNode, Value: v}
	return n.ShortTag()
}

// quoted parses a single-line quoted scalar at pos.
func (p *parser) quoted() *yaml.Node {
	src := p.src
	q := src[p.pos]
	n := p.node(yaml.ScalarNode, p.pos)
	n.Tag = "!!str"
	start := p.pos + 1
	i := start
	if q == '\'' {
		n.Style = yaml.SingleQuotedStyle
		for {
			j := bytes.IndexByte(src[i:], '\'')
			if j < 0 || bytes.IndexByte(src[i:i+j], '\n') >= 0 {
				decline() // unterminated or multi-line
			}
			i += j
			if p.at(i+1) != '\'' {
				break
			}
			i += 2
		}
		if bytes.Contains(src[start:i], []byte("''")) {
			n.Value = string(bytes.ReplaceAll(src[start:i], []byte("''"), []byte("'")))
		} else {
			n.Value = string(p.src[start:i])
		}
		p.pos = i + 1
		return n
	}
	n.Style = yaml.DoubleQuotedStyle
	for i < len(src) && src[i] != '"' && src[i] != '\\' && src[i] != '\n' {
		i++
	}
	if p.at(i) == '"' {
		n.Value = string(p.src[start:i])
		p.pos = i + 1
		return n
	}
	b := append(p.buf[:0], src[start:i]...)
	for {
		if i >= len(src) || src[i] == '\n' {
			decline()
		}
		c := src[i]
		if c == '"' {
			break
		}
		if c != '\\' {
			b = append(b, c)
			i++
			continue
		}
		e := p.at(i + 1)
		i += 2
		size := 0
		if r, ok := escapes[e]; ok {
			b = utf8.AppendRune(b, r)
			continue
		}
		switch e {
		case 'x':
			size = 2
		case 'u':
			size = 4
		case 'U':
			size = 8
		default:
			decline() // yaml.v3 knows no other escape (not even "\/")
		}
		if size == 0 {
			continue
		}
		r := 0
		for k := 0; k < size; k++ {
			d := hexVal(p.at(i + k))
			if d < 0 {
				decline()
			}
			r = r<<4 | d
		}
		if r >= 0xd800 && r <= 0xdfff || r > 0x10ffff {
			decline()
		}
		i += size
		if r < utf8.RuneSelf {
			b = append(b, byte(r)) // also for \x00..\x7f
		} else {
			b = utf8.AppendRune(b, rune(r))
		}
	}
	p.buf = b
	n.Value = string(b)
	p.pos = i + 1
	return n
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// blockScalar parses a literal or folded scalar at pos. It follows
// yaml.v3's yaml_parser_scan_block_scalar step by step.
func (p *parser) blockScalar(parent int) *yaml.Node {
	src := p.src
	n := p.node(yaml.ScalarNode, p.pos)
	n.Tag = "!!str"
	literal := src[p.pos] == '|'
	if literal {
		n.Style = yaml.LiteralStyle
	} else {
		n.Style = yaml.FoldedStyle
	}
	i := p.pos + 1
	chomp, incr := 0, 0
	for k := 0; k < 2; k++ {
		switch c := p.at(i); {
		case c == '+' && chomp == 0:
			chomp = 1
		case c == '-' && chomp == 0:
			chomp = -1
		case c >= '1' && c <= '9' && incr == 0:
			incr = int(c - '0')
		default:
			continue
		}
		i++
	}
	p.pos = i
	if !p.blankz(i) {
		decline()
	}
	for p.at(i) == ' ' {
		i++
	}
	if p.at(i) == '#' {
		for i < len(src) && src[i] != '\n' {
			i++
		}
	}
	if i >= len(src) || src[i] != '\n' {
		decline() // junk after the header, or no content at all
	}
	p.newline(i + 1)
	i = p.pos

	indent := 0
	if incr > 0 {
		indent = parent + incr // parent >= 0: root scalars are declined
	}
	var leadingBreak, leadingBlank bool
	trailing := 0 // line breaks not yet added
	column := 0
	// breaks eats indentation and empty lines, fixing indent if it is not.
	breaks := func() {
		maxIndent := 0
		for {
			column = 0
			for (indent == 0 || column < indent) && i < len(src) && src[i] == ' ' {
				i++
				column++
			}
			maxIndent = max(maxIndent, column)
			if i >= len(src) || src[i] != '\n' {
				break
			}
			trailing++
			i++
			p.line++
			p.ls = i
		}
		if indent == 0 {
			indent = max(maxIndent, parent+1, 1)
		}
	}
	b := p.buf[:0]
	breaks()
	lines := 0
	for column == indent && i < len(src) {
		lines++
		trailingBlank := src[i] == ' '
		if !literal && !leadingBlank && !trailingBlank && leadingBreak {
			if trailing == 0 {
				b = append(b, ' ')
			}
		} else if leadingBreak {
			b = append(b, '\n')
		}
		leadingBreak = false
		for ; trailing > 0; trailing-- {
			b = append(b, '\n')
		}
		leadingBlank = src[i] == ' '
		e := bytes.IndexByte(src[i:], '\n')
		if e < 0 {
			e = len(src) - i
		}
		b = append(b, src[i:i+e]...)
		i += e
		if i < len(src) {
			leadingBreak = true
			i++
			p.line++
			p.ls = i
		}
		breaks()
	}
	if lines == 0 {
		decline() // an empty block scalar
	}
	if chomp != -1 && leadingBreak {
		b = append(b, '\n')
	}
	if chomp == 1 {
		for ; trailing > 0; trailing-- {
			b = append(b, '\n')
		}
	}
	p.buf = b
	n.Value = string(b)
	if i >= len(src) {
		p.pos, p.ind = i, -1
		return n
	}
	// Resume at the start of the line that ended the scalar.
	p.pos = p.ls
	p.skipToContent()
	return n
}

// skipFlow skips spaces, line breaks and comments inside a flow collection.
func (p *parser) skipFlow() {
	src := p.src
	for p.pos < len(src) {
		switch src[p.pos] {
		case ' ':
			p.pos++
		case '\n':
			p.newline(p.pos + 1)
			if bytes.HasPrefix(src[p.pos:], []byte("---")) || bytes.HasPrefix(src[p.pos:], []byte("...")) {
				decline() // a document marker inside a flow collection
			}
		case '#':
			if p.pos > p.ls && src[p.pos-1] != ' ' {
				decline()
			}
			j := bytes.IndexByte(src[p.pos:], '\n')
			if j < 0 {
				p.pos = len(src)
			} else {
				p.pos += j
			}
		default:
			return
		}
	}
}

// flowNode parses a node in the flow context at pos.
func (p *parser) flowNode() *yaml.Node {
	p.enter()
	defer func() { p.depth-- }()
	src := p.src
	if p.pos >= len(src) {
		decline()
	}
	switch src[p.pos] {
	case '[':
		s := p.node(yaml.SequenceNode, p.pos)
		s.Tag, s.Style = "!!seq", yaml.FlowStyle
		base := len(p.stack)
		p.pos++
		for {
			p.skipFlow()
			if p.at(p.pos) == ']' {
				break
			}
			p.stack = append(p.stack, p.flowNode())
			p.skipFlow()
			if c := p.at(p.pos); c == ',' {
				p.pos++
			} else if c != ']' {
				decline() // also "k: v" pairs in a sequence
			}
		}
		p.pos++
		s.Content = p.collect(base)
		return s
	case '{':
		m := p.node(yaml.MappingNode, p.pos)
		m.Tag, m.Style = "!!map", yaml.FlowStyle
		base := len(p.stack)
		p.pos++
		for {
			p.skipFlow()
			if p.at(p.pos) == '}' {
				break
			}
			start := p.pos
			if c := p.at(start); c == '[' || c == '{' {
				decline() // a collection as a key
			}
			k := p.flowNode()
			line := p.line
			p.skipFlow()
			if p.at(p.pos) != ':' || p.line != line || p.pos-start > 1000 {
				decline() // no value, or a key yaml.v3 would not take as simple
			}
			p.pos++
			p.skipFlow()
			if c := p.at(p.pos); c == ',' || c == '}' {
				decline() // an empty value
			}
			p.stack = append(p.stack, k, p.flowNode())
			p.skipFlow()
			if c := p.at(p.pos); c == ',' {
				p.pos++
			} else if c != '}' {
				decline()
			}
		}
		p.pos++
		m.Content = p.collect(base)
		return m
	case '"', '\'':
		return p.quoted()
	}
	return p.flowPlain()
}

// flowPlain parses a single-line plain scalar in the flow context.
func (p *parser) flowPlain() *yaml.Node {
	src := p.src
	start := p.pos
	if start >= len(src) || !p.plainStart(start, true) {
		decline()
	}
	i, end := start, start
scan:
	for ; i < len(src); i++ {
		switch src[i] {
		case '\n', ',', '?', '[', ']', '{', '}':
			break scan
		case ' ':
			if p.at(i+1) == '#' {
				break scan
			}
			continue
		case ':':
			if p.blankz(i + 1) {
				break scan
			}
		}
		end = i + 1
	}
	n := p.node(yaml.ScalarNode, start)
	n.Value = string(p.src[start:end])
	n.Tag = plainTag(n.Value)
	p.pos = i
	if p.at(i) == '\n' {
		// A next line not starting with an indicator would continue the scalar.
		save := *p
		p.skipFlow()
		if c := p.at(p.pos); c != ',' && c != ']' && c != '}' {
			decline()
		}
		p.pos, p.line, p.ls = save.pos, save.line, save.ls
	}
	return n
}
