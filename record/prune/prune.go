// Package prune decodes a JSON object keeping only the paths asked for.
//
// A scan evaluates rules that read a few dozen paths of records that hold
// hundreds of values (a Kubernetes audit event with its request and
// response bodies). Decoding the whole record into maps was most of a
// scan's time; Decode walks the same bytes once, validating them as
// encoding/json does, but builds values only along the paths of its Tree.
//
// The result is the record encoding/json would decode with every map key
// off the tree's paths removed: a lookup of any path of the tree (or a
// prefix of one) gives the same value in both, and Decode fails exactly
// when json.Unmarshal into a map[string]any fails.
package prune

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Tree is a set of dotted paths ("requestObject.spec.containers[].image";
// the "[]" list markers are ignored, lists are walked whatever the path
// says). The value at the end of a path is kept whole.
type Tree struct {
	children map[string]*Tree
	whole    bool
	name     string // the key this node is under: decoded keys share it
}

// New returns an empty tree: Decode of it keeps an empty map.
func New() *Tree { return &Tree{} }

// Add keeps the value at path, whole.
func (t *Tree) Add(path string) {
	n := t
	for _, seg := range strings.Split(path, ".") {
		if n.whole {
			return
		}
		seg = strings.TrimSuffix(seg, "[]")
		if n.children == nil {
			n.children = map[string]*Tree{}
		}
		c := n.children[seg]
		if c == nil {
			c = &Tree{name: seg}
			n.children[seg] = c
		}
		n = c
	}
	n.whole, n.children = true, nil
}

// maxDepth is encoding/json's nesting limit.
const maxDepth = 10000

// Decode decodes data, which must hold one JSON object, keeping the values
// at t's paths.
func Decode(data []byte, t *Tree) (map[string]any, error) {
	d := decoder{data: data}
	d.space()
	if d.i >= len(d.data) || d.data[d.i] != '{' {
		// Not an object: let encoding/json give its own error.
		var m map[string]any
		if err := json.Unmarshal(data, &m); err != nil {
			return nil, err
		}
		return m, nil
	}
	v, err := d.value(t, 1)
	if err != nil {
		return nil, err
	}
	d.space()
	if d.i != len(d.data) {
		return nil, d.fail("after top-level value")
	}
	return v.(map[string]any), nil
}

type decoder struct {
	data []byte
	i    int
}

// SyntaxError is a byte offset and what was wrong there.
type SyntaxError struct {
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string {
	return "invalid JSON at byte " + strconv.Itoa(e.Offset) + ": " + e.Msg
}

func (d *decoder) fail(msg string) error { return &SyntaxError{Offset: d.i, Msg: msg} }

func (d *decoder) space() {
	for d.i < len(d.data) {
		switch d.data[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// child is the node of key under t: t itself inside a whole value.
func (t *Tree) child(key string) *Tree {
	if t.whole {
		return t
	}
	return t.children[key]
}

// value decodes the value at d.i under node t: objects keep the keys t
// has children for (all keys inside a whole value), lists keep every
// element under t, scalars are kept. Under a nil t the value is only
// validated and skipped (nothing is built).
func (d *decoder) value(t *Tree, depth int) (any, error) {
	if depth > maxDepth {
		return nil, d.fail("exceeded max depth")
	}
	if d.i >= len(d.data) {
		return nil, d.fail("unexpected end")
	}
	switch d.data[d.i] {
	case '{':
		d.i++
		var m map[string]any
		if t != nil {
			m = map[string]any{}
		}
		d.space()
		if d.i < len(d.data) && d.data[d.i] == '}' {
			d.i++
			return m, nil
		}
		for {
			d.space()
			c, key, err := d.key(t)
			if err != nil {
				return nil, err
			}
			d.space()
			if d.i >= len(d.data) || d.data[d.i] != ':' {
				return nil, d.fail("expected colon after object key")
			}
			d.i++
			d.space()
			v, err := d.value(c, depth+1)
			if err != nil {
				return nil, err
			}
			if c != nil {
				m[key] = v
			}
			if done, err := d.after('}', "object value"); err != nil || done {
				return m, err
			}
		}
	case '[':
		d.i++
		var list []any
		if t != nil {
			list = []any{}
		}
		d.space()
		if d.i < len(d.data) && d.data[d.i] == ']' {
			d.i++
			return list, nil
		}
		for {
			d.space()
			v, err := d.value(t, depth+1)
			if err != nil {
				return nil, err
			}
			if t != nil {
				list = append(list, v)
			}
			if done, err := d.after(']', "array element"); err != nil || done {
				return list, err
			}
		}
	}
	// A scalar (on the way to a path, a scalar where an object was
	// expected, is kept too, as encoding/json keeps it).
	start := d.i
	if err := d.scalarEnd(); err != nil {
		return nil, err
	}
	if t == nil {
		return nil, nil
	}
	return scalar(d.data[start:d.i])
}

// after reads what follows an object member or an array element: a comma
// (done is false: more follow) or the closing bracket (done).
func (d *decoder) after(closer byte, what string) (done bool, err error) {
	d.space()
	if d.i >= len(d.data) {
		return false, d.fail("unexpected end")
	}
	switch d.data[d.i] {
	case ',':
		d.i++
		return false, nil
	case closer:
		d.i++
		return true, nil
	}
	return false, d.fail("expected , or " + string(closer) + " after " + what)
}

// scalar decodes one validated scalar the way encoding/json decodes it
// into an any; strings with escapes or non-ASCII text go through
// encoding/json itself (its unquoting replaces invalid UTF-8).
func scalar(b []byte) (any, error) {
	switch b[0] {
	case '"':
		s := b[1 : len(b)-1]
		if bytes.IndexByte(s, '\\') < 0 && ascii(s) {
			return string(s), nil
		}
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return nil, err
		}
		return v, nil
	case 't':
		return true, nil
	case 'f':
		return false, nil
	case 'n':
		return nil, nil
	}
	return strconv.ParseFloat(string(b), 64)
}

func ascii(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// key reads an object key and returns the node under it (nil: the value
// is skipped; always under a nil t) and the key as encoding/json would
// unquote it. A plain key
// is looked up without copying it; a key on the tree shares the node's
// name.
func (d *decoder) key(t *Tree) (*Tree, string, error) {
	if d.i >= len(d.data) || d.data[d.i] != '"' {
		return nil, "", d.fail("expected string for object key")
	}
	start := d.i
	esc, err := d.str()
	if err != nil {
		return nil, "", err
	}
	if t == nil {
		return nil, "", nil
	}
	raw := d.data[start+1 : d.i-1]
	if !esc && ascii(raw) {
		if t.whole {
			return t, string(raw), nil
		}
		c := t.children[string(raw)]
		if c == nil {
			return nil, "", nil
		}
		return c, c.name, nil
	}
	var key string
	if err := json.Unmarshal(d.data[start:d.i], &key); err != nil {
		return nil, "", err
	}
	return t.child(key), key, nil
}

// str validates the string at d.i (at its opening quote) and moves past
// it, reporting whether it holds an escape.
func (d *decoder) str() (escaped bool, err error) {
	d.i++
	for {
		// Jump to the next quote or backslash; control characters
		// before it are checked on the way.
		j := indexQuoteOrBackslash(d.data[d.i:])
		if j < 0 {
			d.i = len(d.data)
			return false, d.fail("unexpected end of string")
		}
		for _, c := range d.data[d.i : d.i+j] {
			if c < 0x20 {
				return false, d.fail("control character in string")
			}
		}
		d.i += j
		if d.data[d.i] == '"' {
			d.i++
			return escaped, nil
		}
		escaped = true
		d.i++
		if d.i >= len(d.data) {
			return false, d.fail("unexpected end of string")
		}
		switch d.data[d.i] {
		case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			d.i++
		case 'u':
			if d.i+5 > len(d.data) {
				return false, d.fail("short \\u escape")
			}
			for _, c := range d.data[d.i+1 : d.i+5] {
				if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
					return false, d.fail("bad \\u escape")
				}
			}
			d.i += 5
		default:
			return false, d.fail("bad escape")
		}
	}
}

func indexQuoteOrBackslash(b []byte) int {
	q := bytes.IndexByte(b, '"')
	if q < 0 {
		return bytes.IndexByte(b, '\\')
	}
	if s := bytes.IndexByte(b[:q], '\\'); s >= 0 {
		return s
	}
	return q
}

// scalarEnd validates the scalar at d.i and moves past it.
func (d *decoder) scalarEnd() error {
	switch c := d.data[d.i]; {
	case c == '"':
		_, err := d.str()
		return err
	case c == 't':
		return d.literal("true")
	case c == 'f':
		return d.literal("false")
	case c == 'n':
		return d.literal("null")
	case c == '-' || '0' <= c && c <= '9':
		return d.number()
	}
	return d.fail("invalid character")
}

func (d *decoder) literal(word string) error {
	if !bytes.HasPrefix(d.data[d.i:], []byte(word)) {
		return d.fail("invalid literal")
	}
	d.i += len(word)
	return nil
}

// number validates a JSON number. encoding/json also fails on a number
// float64 cannot hold (1e999), even where nothing reads it: so does this.
func (d *decoder) number() error {
	start := d.i
	if d.data[d.i] == '-' {
		d.i++
	}
	digits := func() int {
		n := 0
		for d.i < len(d.data) && '0' <= d.data[d.i] && d.data[d.i] <= '9' {
			d.i++
			n++
		}
		return n
	}
	if d.i < len(d.data) && d.data[d.i] == '0' {
		d.i++
	} else if digits() == 0 {
		return d.fail("invalid number")
	}
	if d.i < len(d.data) && d.data[d.i] == '.' {
		d.i++
		if digits() == 0 {
			return d.fail("invalid number")
		}
	}
	exp := false
	if d.i < len(d.data) && (d.data[d.i] == 'e' || d.data[d.i] == 'E') {
		exp = true
		d.i++
		if d.i < len(d.data) && (d.data[d.i] == '+' || d.data[d.i] == '-') {
			d.i++
		}
		if digits() == 0 {
			return d.fail("invalid number")
		}
	}
	if exp || d.i-start > 300 {
		if _, err := strconv.ParseFloat(string(d.data[start:d.i]), 64); err != nil && errors.Is(err, strconv.ErrRange) {
			return &SyntaxError{Offset: start, Msg: "number out of range"}
		}
	}
	return nil
}
