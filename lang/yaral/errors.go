package yaral

import (
	"fmt"
	"sort"
	"strings"
)

// Error is a syntax error at a position of the rule text.
type Error struct {
	Pos Pos
	Msg string
}

// Error formats the error as "line:col: msg".
func (e *Error) Error() string {
	if e.Pos.IsValid() {
		return e.Pos.String() + ": " + e.Msg
	}
	return e.Msg
}

// ErrorList is a list of syntax errors, sorted by position. The parser
// returns a non-empty ErrorList as its error.
type ErrorList []*Error

// Add appends an error.
func (l *ErrorList) Add(pos Pos, msg string) { *l = append(*l, &Error{pos, msg}) }

func (l ErrorList) Len() int           { return len(l) }
func (l ErrorList) Swap(i, j int)      { l[i], l[j] = l[j], l[i] }
func (l ErrorList) Less(i, j int) bool { return l[i].Pos.Before(l[j].Pos) }

// Sort sorts the list by position; errors at the same position keep their
// order.
func (l ErrorList) Sort() { sort.Stable(l) }

// Error prints every error on its own line ("line:col: msg").
func (l ErrorList) Error() string {
	switch len(l) {
	case 0:
		return "no errors"
	case 1:
		return l[0].Error()
	}
	var b strings.Builder
	for i, e := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Err returns nil for an empty list and the list itself otherwise.
func (l ErrorList) Err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}

// errorf is a helper for building error messages.
func errorf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
