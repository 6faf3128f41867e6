package ir

import (
	"fmt"
	"time"

	"github.com/detgen/detgen/diag"
)

// AggFunc is what an aggregation computes over a group's events.
type AggFunc string

const (
	Count         AggFunc = "count"          // the number of events
	DistinctCount AggFunc = "distinct_count" // the number of distinct values of Field
	Sum           AggFunc = "sum"            // the sum of Field's numeric values
	Avg           AggFunc = "avg"            // their average
)

// Aggregate turns a rule's detection into a threshold over the events it
// selects: per group (the values of GroupBy), within any window of length
// Window, Func over the group's events must pass Threshold. An alert is
// raised for a group at the first event whose window passes.
type Aggregate struct {
	Pos       diag.Pos
	Func      AggFunc
	Field     string // for distinct_count, sum, avg
	GroupBy   []string
	Window    time.Duration
	Threshold Bound
}

// Bound is a lower bound: gt (strict) or gte. Upper bounds on a sliding
// window are not well defined (a smaller window always has fewer events),
// so the spec refuses them.
type Bound struct {
	Op    Op // GT or GTE
	Value float64
}

// Passes reports whether v passes the bound.
func (b Bound) Passes(v float64) bool {
	if b.Op == GT {
		return v > b.Value
	}
	return v >= b.Value
}

func (b Bound) String() string {
	sym := ">="
	if b.Op == GT {
		sym = ">"
	}
	return fmt.Sprintf("%s %g", sym, b.Value)
}

// TimedEvent is one record of a test's event sequence, at an offset from
// the sequence's start.
type TimedEvent struct {
	At    time.Duration
	Event []byte // JSON, with its timestamp field set to start+At
}

// Alert is one group an aggregation fires for.
type Alert struct {
	Group []string // the group-by values, in GroupBy order
	Value float64  // the aggregate when the alert was raised
}

// Sequence correlates several detections of one log source: per group
// (the values of Join), within Window, each step's condition must select
// at least Min events; with Ordered, each step's Min-th event comes
// before the next step's. A group alerts once, at the event completing
// the sequence.
type Sequence struct {
	Pos     diag.Pos
	Steps   []Step
	Ordered bool
	Join    []string
	Window  time.Duration
}

// Step is one detection of a sequence.
type Step struct {
	Name string
	When Expr
	Min  int // at least 1
}

// WithoutSequence is a copy of r without its sequence: its single-event
// form (metadata and condition).
func (r *Rule) WithoutSequence() *Rule {
	c := *r
	c.Sequence = nil
	return &c
}

// GroupName is the identifier a backend gives the column or match variable
// of a group-by or join field: "g_" and the field name with every byte
// that is not a letter, a digit or '_' replaced by '_' (AQL aliases and
// YARA-L variables allow no dots). Test runners read groups back by it.
func GroupName(field string) string {
	b := []byte("g_" + field)
	for i := 2; i < len(b); i++ {
		c := b[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			b[i] = '_'
		}
	}
	return string(b)
}
