package scan

import (
	"container/heap"
	"time"
)

// DefaultTolerance is how far out of time order records may arrive and
// still count for aggregation and sequence rules: logs merged from several
// collectors are ordered only roughly.
const DefaultTolerance = time.Minute

// pending is a record an aggregation or sequence rule selected, held until
// every record within Tolerance of its time has been seen.
type pending struct {
	at        time.Time
	order     int // arrival order: ties keep it
	rule      int
	line      int
	ev        map[string]any
	form      string
	logsource string
}

// reorderBuffer releases held records in time order once the newest time
// seen is Tolerance past them. Memory is what Tolerance of selected records
// holds.
type reorderBuffer struct {
	held     pendingHeap
	arrived  int
	newest   time.Time
	released time.Time // time of the last record fed; older ones are late
	started  bool
	lastLate int // line of the last late record
}

type pendingHeap []pending

func (h pendingHeap) Len() int { return len(h) }
func (h pendingHeap) Less(i, j int) bool {
	if !h[i].at.Equal(h[j].at) {
		return h[i].at.Before(h[j].at)
	}
	return h[i].order < h[j].order
}
func (h pendingHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *pendingHeap) Push(x any)   { *h = append(*h, x.(pending)) }
func (h *pendingHeap) Pop() any {
	old := *h
	p := old[len(old)-1]
	old[len(old)-1] = pending{}
	*h = old[:len(old)-1]
	return p
}

// hold buffers p and feeds every record that can no longer be overtaken.
func (s *Scanner) hold(p pending, st *Stats, hit func(Hit)) {
	b := &s.reorder
	if b.started && p.at.Before(b.released) {
		// Counted once per record, however many rules selected it.
		if p.line != b.lastLate {
			st.Late++
			b.lastLate = p.line
		}
		return
	}
	p.order = b.arrived
	b.arrived++
	heap.Push(&b.held, p)
	if p.at.After(b.newest) {
		b.newest = p.at
	}
	tol := s.Tolerance
	if tol == 0 {
		tol = DefaultTolerance
	}
	for b.held.Len() > 0 && !b.held[0].at.After(b.newest.Add(-tol)) {
		s.release(st, hit)
	}
}

// flush feeds every held record: the end of the input.
func (s *Scanner) flush(st *Stats, hit func(Hit)) {
	for s.reorder.held.Len() > 0 {
		s.release(st, hit)
	}
}

func (s *Scanner) release(st *Stats, hit func(Hit)) {
	b := &s.reorder
	p := heap.Pop(&b.held).(pending)
	b.released, b.started = p.at, true
	s.feed(p, st, hit)
}
