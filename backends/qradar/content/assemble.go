package content

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
)

// Spill holds the encoded elements of an extension's searches until the
// archive is written: a file for a build of thousands of rules (the
// extension is as large as all their AQL and custom rules together), so
// that memory does not grow with the number of rules. *os.File is one.
type Spill interface {
	io.Writer
	io.ReaderAt
}

// Assembler builds an extension from searches added one at a time, from
// several goroutines at once (a build adds each rule's search as the rule
// is generated). Each search is checked and encoded as it is added and its
// XML elements go to the spill at once; the assembler keeps only what the
// checks across searches need. WriteXML and WriteArchive then check those
// and write the document: the bytes are those of one xml.Encoder with
// Indent("", "  ") over the whole document (TestAssemblerIsTheEncoders).
type Assembler struct {
	opts    Options
	mu      sync.Mutex
	spill   Spill
	buf     *bufio.Writer // to spill: no system call while others wait on mu
	size    int64         // bytes written to spill
	entries []*entry
	err     error // the spill failed
}

// entry is what the checks across searches and the writer need of one
// search: its key fields, its own problems and properties, and where its
// encoded <search> and <custom_rule> are in the spill.
type entry struct {
	index                  int // order of addition (Add's index)
	ruleID, name, severity string
	version                int
	errs                   []error
	props                  []Property
	ok                     bool // no problem of its own
	ruleIDNum              int  // its custom rule's id; 0: none (aggregating)
	search, rule           span
}

type span struct{ at, n int64 }

// NewAssembler returns an assembler for opts whose encoded elements go to
// spill; nil keeps them in memory.
func NewAssembler(opts Options, spill Spill) *Assembler {
	if spill == nil {
		spill = &memSpill{}
	}
	return &Assembler{opts: opts, spill: spill, buf: bufio.NewWriterSize(spill, 1<<20)}
}

// Add checks search s and encodes its elements; index orders the searches
// for the checks across them (the first of two duplicates is the one with
// the lower index), as the order of a slice would.
func (a *Assembler) Add(index int, s Search) {
	p := prepare(a.opts, s)
	e := &entry{index: index, ruleID: s.RuleID, name: s.Name, severity: s.Severity, version: s.Version,
		errs: p.errs, props: p.props, ok: p.item != nil}
	var searchXML, ruleXML []byte
	if p.item != nil {
		sb, rb := buffers.Get().(*bytes.Buffer), buffers.Get().(*bytes.Buffer)
		defer buffers.Put(sb)
		defer buffers.Put(rb)
		sb.Reset()
		rb.Reset()
		err := encodeChildTo(sb, "search", p.item.search)
		if err == nil && p.item.ruleIDNum != 0 {
			err = encodeChildTo(rb, "custom_rule", p.item.rule)
		}
		searchXML, ruleXML = sb.Bytes(), rb.Bytes()
		if err != nil {
			e.errs, e.ok = append(e.errs, fmt.Errorf("search %q: encoding: %v", s.Name, err)), false
		}
		e.ruleIDNum = p.item.ruleIDNum
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	e.search = a.write(searchXML)
	e.rule = a.write(ruleXML)
	a.entries = append(a.entries, e)
}

// write appends b to the spill (a.mu held).
func (a *Assembler) write(b []byte) span {
	if len(b) == 0 || a.err != nil {
		return span{}
	}
	n, err := a.buf.Write(b)
	if err != nil {
		a.err = fmt.Errorf("qradar: extension spill: %w", err)
	}
	sp := span{a.size, int64(n)}
	a.size += int64(n)
	return sp
}

// Len is the number of searches added.
func (a *Assembler) Len() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.entries)
}

// buffers are the encoding buffers of Add: a search's elements are
// copied to the spill, and the buffers used again.
var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// encodeChild encodes v as element name at depth 1 of the document:
// prefix and one indent (the newline before it is the writer's).
func encodeChild(name string, v any) ([]byte, error) {
	var b bytes.Buffer
	err := encodeChildTo(&b, name, v)
	return b.Bytes(), err
}

func encodeChildTo(b *bytes.Buffer, name string, v any) error {
	enc := xml.NewEncoder(b)
	enc.Indent("  ", "  ")
	if err := enc.EncodeElement(v, xml.StartElement{Name: xml.Name{Local: name}}); err != nil {
		return err
	}
	return enc.Close()
}

// merged is the extension the searches make together: their entries with
// an item, sorted by (rule id, name), and the properties they define.
type merged struct {
	items       []*entry
	properties  []xmlProperty
	expressions []xmlJSONExpression
}

// merge runs the checks across searches, in the order of entries, and
// returns the extension, or every problem found.
func merge(opts Options, entries []*entry) (*merged, error) {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf(format, args...))
	}
	if !fileStemRE.MatchString(opts.Name) {
		bad("extension name %q must be letters, digits, '.', '_' or '-'", opts.Name)
	}
	if err := xmlText(opts.PropertyPrefix); err != nil {
		bad("property prefix: %v", err)
	}
	if err := xmlText(opts.QRadarVersion); err != nil {
		bad("qradar version: %v", err)
	}
	owner := cmp.Or(opts.Owner, "admin")
	checkLabel(bad, "owner", owner)
	if len(entries) == 0 {
		bad("no searches")
	}

	type propKey struct {
		name string
		lst  int
	}
	props := map[propKey]Property{}
	seenName := map[string]bool{}
	seenRule := map[string]bool{}
	ids := map[int]string{}
	id := func(kind, key string) int {
		n := stableID(kind, key)
		if other, ok := ids[n]; ok && other != kind+" "+key {
			bad("id %d of %s %q collides with %s; rename one", n, kind, key, other)
		}
		ids[n] = kind + " " + key
		return n
	}

	m := &merged{}
	for _, e := range entries {
		where := fmt.Sprintf("search %q", e.name)
		if seenName[e.name] {
			bad("%s: duplicate search name", where)
		}
		seenName[e.name] = true
		if seenRule[e.ruleID] {
			bad("%s: duplicate rule id %q", where, e.ruleID)
		}
		seenRule[e.ruleID] = true
		errs = append(errs, e.errs...)
		for _, p := range e.props {
			k := propKey{p.Name, p.LogSourceTypeID}
			if old, ok := props[k]; ok && old.JSONExpression != p.JSONExpression {
				bad("%s: property %q: conflicting JSON expressions %q and %q for log source type %d",
					where, p.Name, old.JSONExpression, p.JSONExpression, p.LogSourceTypeID)
			} else if !ok {
				props[k] = p
			}
		}
		if len(errs) > 0 || !e.ok {
			continue
		}
		if e.ruleIDNum != 0 {
			id("custom_rule", e.ruleID)
		}
		m.items = append(m.items, e)
	}
	slices.SortFunc(m.items, func(a, b *entry) int {
		return cmp.Or(strings.Compare(a.ruleID, b.ruleID), strings.Compare(a.name, b.name))
	})
	if len(errs) > 0 {
		return nil, fmt.Errorf("qradar: invalid extension: %w", errors.Join(errs...))
	}

	keys := make([]propKey, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b propKey) int {
		return cmp.Or(strings.Compare(a.name, b.name), cmp.Compare(a.lst, b.lst))
	})
	for _, k := range keys {
		p := props[k]
		propID := id("ariel_regex_property", p.Name)
		if !slices.ContainsFunc(m.properties, func(x xmlProperty) bool { return x.ID == propID }) {
			m.properties = append(m.properties, xmlProperty{
				ID: propID, Name: p.Name, Type: "string", Database: "events", ForceParse: true,
				Description: "Defined by detgen (JSON expression; optimized for rules).", Username: owner,
			})
		}
		m.expressions = append(m.expressions, xmlJSONExpression{
			ID:   id("ariel_property_json_expression", fmt.Sprintf("%s\x00%d", p.Name, p.LogSourceTypeID)),
			APID: propID, DeviceTypeID: p.LogSourceTypeID, Expression: p.JSONExpression, Enabled: true, Username: owner,
		})
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("qradar: invalid extension: %w", errors.Join(errs...))
	}
	return m, nil
}

// check runs the checks across the searches added.
func (a *Assembler) check() (*merged, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.err == nil {
		if err := a.buf.Flush(); err != nil {
			a.err = fmt.Errorf("qradar: extension spill: %w", err)
		}
	}
	if a.err != nil {
		return nil, a.err
	}
	slices.SortFunc(a.entries, func(x, y *entry) int { return cmp.Compare(x.index, y.index) })
	return merge(a.opts, a.entries)
}

// WriteXML checks the searches added and writes the extension's XML to w;
// nothing is written when they are invalid.
func (a *Assembler) WriteXML(w io.Writer) error {
	m, err := a.check()
	if err != nil {
		return err
	}
	return a.writeXML(w, m)
}

func (a *Assembler) writeXML(w io.Writer, m *merged) error {
	wrap := func(err error) error { return fmt.Errorf("qradar: encoding extension: %w", err) }
	if _, err := io.WriteString(w, xml.Header+"<!--"+headerComment(m.items)+"-->\n<content>"); err != nil {
		return wrap(err)
	}
	children := 0
	child := func(name string, v any) error {
		b, err := encodeChild(name, v)
		if err == nil {
			_, err = w.Write(append([]byte("\n"), b...))
		}
		children++
		return err
	}
	if a.opts.QRadarVersion != "" {
		if err := child("qradarversion", a.opts.QRadarVersion); err != nil {
			return wrap(err)
		}
	}
	for _, p := range m.properties {
		if err := child("ariel_regex_property", p); err != nil {
			return wrap(err)
		}
	}
	for _, x := range m.expressions {
		if err := child("ariel_property_json_expression", x); err != nil {
			return wrap(err)
		}
	}
	var buf []byte // one buffer for every span (io.Copy would make one each)
	copySpan := func(sp span) error {
		children++
		buf = slices.Grow(buf[:0], int(sp.n)+1)[:sp.n+1]
		buf[0] = '\n'
		if _, err := a.spill.ReadAt(buf[1:], sp.at); err != nil && !(err == io.EOF && sp.n == 0) {
			return err
		}
		_, err := w.Write(buf)
		return err
	}
	for _, e := range m.items {
		if err := copySpan(e.search); err != nil {
			return wrap(err)
		}
	}
	for _, e := range m.items {
		if e.ruleIDNum == 0 {
			continue
		}
		if err := copySpan(e.rule); err != nil {
			return wrap(err)
		}
	}
	end := "</content>\n"
	if children > 0 {
		end = "\n" + end
	}
	if _, err := io.WriteString(w, end); err != nil {
		return wrap(err)
	}
	return nil
}

// memSpill is a Spill in memory.
type memSpill struct{ b []byte }

func (m *memSpill) Write(p []byte) (int, error) {
	m.b = append(m.b, p...)
	return len(p), nil
}

func (m *memSpill) ReadAt(p []byte, off int64) (int, error) {
	if off >= int64(len(m.b)) {
		return 0, io.EOF
	}
	n := copy(p, m.b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}
