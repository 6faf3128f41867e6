package scan

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/detgen/detgen/ir"
)

// A prefilter is what a line's raw text must contain for a rule to have a
// chance: sets of needles, one of each set must occur (derived from the
// condition: a test's values, ANDs as several sets, ORs as the union of
// their branches' sets; a NOT requires nothing). A needle is a run of a
// wanted value's own characters (equals, startswith, endswith and
// contains all leave the whole value in the field's text), taken only
// from characters every JSON encoder writes as they are, even inside a
// JSON string nested in another (an AKS record's properties.log): printable
// ASCII but the quote and the backslash.
//
// The needles are exact, not heuristics: a line that could spell a value
// otherwise (a \u or \/ escape) passes every prefilter, and for a
// case-insensitive test, matched against the line in ASCII lower case, so
// does a line with any non-ASCII byte (strings.ToLower maps some
// non-ASCII letters to ASCII ones: K, the Kelvin sign, to k).
type prefilter []needles

type needles struct {
	fold bool // match the lowered line (a case-insensitive test)
	any  [][]byte
}

// minNeedle is the shortest run worth searching for: shorter ones occur
// in nearly every line.
const minNeedle = 3

// newPrefilter is the prefilter of a rule: its log source's scope, its
// condition, and for a sequence, one of its steps (a record no step
// selects plays no part in a sequence, docs/spec.md). A needle set that a
// value the reader writes itself could satisfy (constants, reader.Constants)
// is dropped: such a value is in no line.
func newPrefilter(r *ir.Rule, scope ir.Expr, constants []string) prefilter {
	e := r.Condition
	if r.Sequence != nil {
		var steps []ir.Expr
		for _, st := range r.Sequence.Steps {
			steps = append(steps, st.When)
		}
		e = &ir.And{Args: []ir.Expr{e, &ir.Or{Args: steps}}}
	}
	if scope != nil {
		e = &ir.And{Args: []ir.Expr{scope, e}}
	}
	var pf prefilter
	for _, set := range need(e) {
		if !set.within(constants) {
			pf = append(pf, set)
		}
	}
	return pf
}

// within reports whether some needle of the set occurs in one of texts.
func (n needles) within(texts []string) bool {
	for _, t := range texts {
		if n.fold {
			t = strings.ToLower(t)
		}
		for _, x := range n.any {
			if strings.Contains(t, string(x)) {
				return true
			}
		}
	}
	return false
}

// need returns needle sets every event e holds for has, in the line's
// text: a conjunction of sets, each a disjunction of needles.
func need(e ir.Expr) prefilter {
	switch n := e.(type) {
	case *ir.Match:
		return needlesOf(n)
	case *ir.And:
		var out prefilter
		for _, a := range n.Args {
			out = append(out, need(a)...)
		}
		return out
	case *ir.AtLeast:
		if n.N >= len(n.Args) {
			return need(&ir.And{Args: n.Args})
		}
		if n.N >= 1 {
			return need(&ir.Or{Args: n.Args})
		}
	case *ir.Or:
		// One of the branches holds, so one of their needles occurs:
		// the union of one set of each branch (in lower case when any
		// is, which only weakens a cased set).
		var u needles
		for _, a := range n.Args {
			na := need(a)
			if len(na) == 0 {
				return nil
			}
			u.fold = u.fold || na[0].fold
			u.any = append(u.any, na[0].any...)
		}
		if u.fold {
			for i, x := range u.any {
				u.any[i] = bytes.ToLower(x)
			}
		}
		return prefilter{u}
	}
	// Not, Keyword, nil: no text is required.
	return nil
}

// needlesOf returns the needle sets m requires: one set (any value), or
// under all one per value; none when some value has no usable run.
func needlesOf(m *ir.Match) []needles {
	if m.FieldRef {
		return nil
	}
	switch m.Op {
	case ir.Equals, ir.StartsWith, ir.Contains, ir.EndsWith:
	default:
		return nil
	}
	if m.Type == ir.Int || m.Type == ir.IP || m.Type == ir.Bool {
		// Compared as values: 4625 may be written 4.625e3, an address
		// in another form.
		return nil
	}
	var sets []needles
	one := needles{fold: !m.Cased}
	for _, v := range m.Values {
		run := longestRun(v)
		if len(run) < minNeedle {
			return nil
		}
		if one.fold {
			run = strings.ToLower(run)
		}
		if m.All {
			sets = append(sets, needles{fold: one.fold, any: [][]byte{[]byte(run)}})
		} else {
			one.any = append(one.any, []byte(run))
		}
	}
	if m.All {
		return sets
	}
	return []needles{one}
}

// longestRun is the longest substring of v of characters no JSON encoder
// escapes.
func longestRun(v string) string {
	best, start := "", 0
	for i := 0; i <= len(v); i++ {
		if i < len(v) && plain(v[i]) {
			continue
		}
		if i-start > len(best) {
			best = v[start:i]
		}
		start = i + 1
	}
	return best
}

func plain(c byte) bool { return c >= 0x20 && c < 0x7f && c != '"' && c != '\\' }

// candidate reports whether some rule's pre-filter passes the line, and
// notes which in w.passed.
func (s *Scanner) candidate(w *worker, line []byte) bool {
	return s.index.passing(line, w.found, w.passed)
}

// needleIndex finds which needles of all the rules' prefilters a line
// holds in one pass (matcher: Aho-Corasick, ASCII case-insensitive),
// instead of one search per needle: with a few hundred needles those
// searches were half of a scan's time.
type needleIndex struct {
	m       *matcher
	byPat   [][]int  // pattern -> ids of the needles it spells
	needles []needle // by id
	sets    [][][]int
	words   int   // uint64s of a found set
	escapes int32 // patterns from here on are \u and \/: a value may be spelt otherwise
}

type needle struct {
	text []byte
	fold bool
}

// newNeedleIndex indexes every needle of filters; sets[i][j] are the ids
// of filters[i][j]'s needles.
func newNeedleIndex(filters []prefilter) *needleIndex {
	x := &needleIndex{}
	ids := map[string]int{} // fold flag and text -> id
	pats := map[string]int{}
	var patterns []string
	for _, pf := range filters {
		var rule [][]int
		for _, set := range pf {
			var setIDs []int
			for _, n := range set.any {
				key := fmt.Sprint(set.fold, " ", string(n))
				id, ok := ids[key]
				if !ok {
					id = len(x.needles)
					ids[key] = id
					x.needles = append(x.needles, needle{text: n, fold: set.fold})
					low := strings.ToLower(string(n))
					p, seen := pats[low]
					if !seen {
						p = len(patterns)
						pats[low] = p
						patterns = append(patterns, low)
						x.byPat = append(x.byPat, nil)
					}
					x.byPat[p] = append(x.byPat[p], id)
				}
				setIDs = append(setIDs, id)
			}
			rule = append(rule, setIDs)
		}
		x.sets = append(x.sets, rule)
	}
	x.escapes = int32(len(patterns))
	x.byPat = append(x.byPat, nil, nil)
	x.m = newMatcher(append(patterns, `\u`, `\/`))
	x.words = (len(x.needles) + 63) / 64
	return x
}

// passing sets passed[i] to whether rule i's prefilter passes the line
// (the same answer as the reference, prefilter_ref_test.go) and reports whether any does.
func (x *needleIndex) passing(raw []byte, found []uint64, passed []bool) bool {
	clear(found)
	escaped := false
	or := x.m.each(raw, func(p int32, end int) {
		if p >= x.escapes {
			escaped = true
			return
		}
		for _, id := range x.byPat[p] {
			n := x.needles[id]
			if n.fold || bytes.Equal(raw[end-len(n.text):end], n.text) {
				found[id/64] |= 1 << (id % 64)
			}
		}
	})
	if escaped {
		for i := range passed {
			passed[i] = true
		}
		return len(passed) > 0
	}
	nonASCII := or >= utf8.RuneSelf
	any := false
	for i, rule := range x.sets {
		ok := true
		for _, set := range rule {
			if !x.holds(set, nonASCII, found) {
				ok = false
				break
			}
		}
		passed[i] = ok
		any = any || ok
	}
	return any
}

func (x *needleIndex) holds(set []int, nonASCII bool, found []uint64) bool {
	for _, id := range set {
		if found[id/64]&(1<<(id%64)) != 0 || x.needles[id].fold && nonASCII {
			return true
		}
	}
	return false
}
