package ir

import "sync"

// Loader reads a test's events from their files when a test runs, so that
// building rules never reads a test event: compile (asked to defer them)
// leaves Test.Event and Test.Sequence empty and sets Test.Load. The files
// are read once for every copy of the test; the result is shared, so
// callers treat it as read-only.
type Loader struct {
	once  sync.Once
	read  func() ([]byte, []TimedEvent, error)
	event []byte
	seq   []TimedEvent
	err   error
}

// NewLoader returns a loader that calls read once, on first use.
func NewLoader(read func() (event []byte, sequence []TimedEvent, err error)) *Loader {
	return &Loader{read: read}
}

// LoadEvents fills Event and Sequence from Load, if set (reading the files
// on the first call for any copy of the test), and clears Load. It is a
// no-op for a test whose events are already in memory.
func (t *Test) LoadEvents() error {
	if t.Load == nil {
		return nil
	}
	l := t.Load
	l.once.Do(func() { l.event, l.seq, l.err = l.read() })
	if l.err != nil {
		return l.err
	}
	t.Event, t.Sequence, t.Load = l.event, l.seq, nil
	return nil
}
