// Package diag holds source positions and the error list every stage of
// detgen reports through. Positions print as file:line:col (1-based).
package diag

import (
	"fmt"
	"sort"
	"strings"
)

// Pos is a position in an input file. Line and Col are 1-based; a zero Line
// means "the whole file".
type Pos struct {
	File string
	Line int
	Col  int
}

func (p Pos) String() string {
	switch {
	case p.File == "":
		return fmt.Sprintf("%d:%d", p.Line, p.Col)
	case p.Line == 0:
		return p.File
	default:
		return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
	}
}

// Error is one problem found in an input, at a position.
type Error struct {
	Pos Pos
	Msg string
}

func (e *Error) Error() string { return e.Pos.String() + ": " + e.Msg }

// List collects errors; its zero value is ready to use.
type List []*Error

// Add appends an error at pos.
func (l *List) Add(pos Pos, format string, args ...any) {
	*l = append(*l, &Error{Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

// Append adds every error of other.
func (l *List) Append(other List) { *l = append(*l, other...) }

// Sort orders the list by file, line and column, keeping insertion order
// for errors at the same position.
func (l List) Sort() {
	sort.SliceStable(l, func(i, j int) bool {
		a, b := l[i].Pos, l[j].Pos
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
}

// Err returns nil for an empty list, else the list itself as an error.
func (l List) Err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}

// Error joins every message, one per line.
func (l List) Error() string {
	var b strings.Builder
	for i, e := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Keys gives the position of the value of each key of a decoded YAML
// mapping, so a check can point at the offending value, not just the
// mapping: At("key"), and At("key[i]") for item i of a list value.
// Positions are looked up when asked for (a spec decodes thousands of
// mappings and a check asks for few).
type Keys struct {
	self Pos                          // the mapping's own position
	find func(key string) (Pos, bool) // nil: no key has a position
}

// NewKeys returns the keys of a mapping at self whose values find
// locates.
func NewKeys(self Pos, find func(key string) (Pos, bool)) Keys {
	return Keys{self: self, find: find}
}

// At returns the position of key's value, or of the mapping when the key
// is absent ("" gives the mapping's).
func (k Keys) At(key string) Pos {
	if p, ok := k.Lookup(key); ok {
		return p
	}
	return k.self
}

// Lookup returns the position of key's value, and false when the key is
// absent.
func (k Keys) Lookup(key string) (Pos, bool) {
	if key == "" || k.find == nil {
		return Pos{}, false
	}
	return k.find(key)
}
