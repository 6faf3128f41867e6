package compile

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/detgen/detgen/diag"
	"github.com/detgen/detgen/internal/input"
	"github.com/detgen/detgen/ir"
	"github.com/detgen/detgen/spec"
)

// Options change how a rule is compiled, never what it compiles to.
type Options struct {
	// DeferEvents leaves test events in their files: compile checks that
	// each event file is one JSON document (once per unchanged file and
	// process) and each test's Load reads it when the test runs. A build
	// needs no test event; detgen test reads them.
	DeferEvents bool
	// Checked, when not nil, remembers each event file's check for the
	// run it belongs to (a build): a file several rules name is stat-ed,
	// read and checked once. Without it, checks are remembered per
	// process for as long as a file's size and time stay the same.
	Checked *CheckedFiles
}

// CheckedFiles are the event files checked in one run, by path.
type CheckedFiles struct{ m sync.Map } // string -> *checkedFile

type checkedFile struct {
	once sync.Once
	st   *eventState
}

func (f *CheckedFiles) check(path string) *eventState {
	v, _ := f.m.LoadOrStore(path, &checkedFile{})
	cf := v.(*checkedFile)
	cf.once.Do(func() { cf.st = checkEventFile(path) })
	return cf.st
}

// checkEvent checks the event file at path, once per run when the
// options name one.
func (c *checker) checkEvent(path string) *eventState {
	if c.checked != nil {
		return c.checked.check(path)
	}
	return checkEventFile(path)
}

// input records a file the rule depends on besides its spec.
func (c *checker) input(path string) { c.inputs = append(c.inputs, path) }

// eventFile lowers a test's event_file: read and compacted now, or, when
// deferred, checked now and read by the test's loader.
func (c *checker) eventFile(r *spec.Rule, t *spec.Test, it *ir.Test, out *ir.Rule) {
	path := filepath.Join(filepath.Dir(r.Pos.File), t.EventFile)
	c.input(path)
	if !c.lazy {
		data, err := input.Read(path, "an event file", input.MaxEvent)
		if err != nil {
			c.add(t.Keys.At("event_file"), "test %q: %s: %v", t.Name, t.EventFile, err)
			return
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, data); err != nil {
			c.add(t.Keys.At("event_file"), "test %q: %s is not one JSON document: %v", t.Name, t.EventFile, err)
			return
		}
		it.Event = compact.Bytes()
		return
	}
	st := c.checkEvent(path)
	switch {
	case st.readErr != nil:
		c.add(t.Keys.At("event_file"), "test %q: %s: %v", t.Name, t.EventFile, st.readErr)
		return
	case st.jsonErr != nil:
		c.add(t.Keys.At("event_file"), "test %q: %s is not one JSON document: %v", t.Name, t.EventFile, st.jsonErr)
		return
	}
	// An aggregation test of one event is a sequence of one.
	seq := out.Aggregate != nil || out.Sequence != nil
	name, file := t.Name, t.EventFile
	it.Load = ir.NewLoader(func() ([]byte, []ir.TimedEvent, error) {
		data, err := input.Read(path, "an event file", input.MaxEvent)
		if err != nil {
			return nil, nil, fmt.Errorf("test %q: %s: %v", name, file, err)
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, data); err != nil {
			return nil, nil, fmt.Errorf("test %q: %s is not one JSON document: %v", name, file, err)
		}
		if seq {
			return nil, []ir.TimedEvent{{Event: compact.Bytes()}}, nil
		}
		return compact.Bytes(), nil, nil
	})
}

// lazySequence lowers an aggregation test's events: built now, or, when
// deferred, checked now on the first copy of each item and built by the
// test's loader.
func (c *checker) lazySequence(r *spec.Rule, t *spec.Test, it *ir.Test) {
	if !c.lazy {
		it.Sequence = c.sequence(r, t)
		return
	}
	buildSequence(r.Pos.File, c.ls, t, false, c.add, c.input)
	file, ls := r.Pos.File, c.ls
	it.Load = ir.NewLoader(func() ([]byte, []ir.TimedEvent, error) {
		var first error
		seq := buildSequence(file, ls, t, true, func(pos diag.Pos, format string, args ...any) {
			if first == nil {
				first = fmt.Errorf("%s: %s", pos, fmt.Sprintf(format, args...))
			}
		}, nil)
		return nil, seq, first
	})
}

// eventState is what reading and checking an event file found.
type eventState struct {
	size    int64
	mod     time.Time
	sum     [sha256.Size]byte
	readErr error // the file cannot be read as an event file
	jsonErr error // the file is not one JSON document
}

// eventFiles remembers, by path, the check of each event file whose
// modification time is not recent, for as long as its size and time stay
// the same: a build of many rules sharing events reads each file once.
var eventFiles sync.Map // string -> *eventState

// recent is how new a file's modification time may be for its check to be
// remembered: a file written again within the file system's time
// granularity could keep its size and time.
const recent = 2 * time.Second

// checkEventFile reads and checks the event file at path, or returns the
// remembered check of the unchanged file.
func checkEventFile(path string) *eventState {
	fi, err := os.Stat(path)
	if err == nil && fi.Mode().IsRegular() {
		if v, ok := eventFiles.Load(path); ok {
			st := v.(*eventState)
			if st.size == fi.Size() && st.mod.Equal(fi.ModTime()) {
				return st
			}
		}
	}
	st := &eventState{}
	data, err := input.Read(path, "an event file", input.MaxEvent)
	if err != nil {
		st.readErr = err
		return st
	}
	st.sum = sha256.Sum256(data)
	if !json.Valid(data) {
		var compact bytes.Buffer
		st.jsonErr = json.Compact(&compact, data)
		if st.jsonErr == nil {
			st.jsonErr = errors.New("invalid JSON")
		}
	}
	if fi != nil && fi.Mode().IsRegular() && fi.Size() == int64(len(data)) && time.Since(fi.ModTime()) > recent {
		st.size, st.mod = fi.Size(), fi.ModTime()
		eventFiles.Store(path, st)
	}
	return st
}

// InputSum is the sha256 (hex) of a file a rule depends on (ir.Rule.Inputs),
// read as an event file; an unchanged file is read once per process.
func InputSum(path string) (string, error) {
	st := checkEventFile(path)
	if st.readErr != nil {
		return "", st.readErr
	}
	return hex.EncodeToString(st.sum[:]), nil
}
