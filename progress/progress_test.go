package progress

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// clock is a fake clock moved by hand.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

func TestPlainLinesEverySecond(t *testing.T) {
	c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	var out bytes.Buffer
	r := New(&out, Options{Now: c.now, NoTicker: true})
	r.Phase("build: compiling", 2000, "rules")
	for i := 0; i < 10; i++ { // 0.9 s: a short run shows nothing
		c.advance(90 * time.Millisecond)
		r.Add(10)
	}
	if out.Len() != 0 {
		t.Fatalf("output within the first second: %q", out.String())
	}
	c.advance(200 * time.Millisecond) // 1.1 s
	r.Add(100)
	c.advance(500 * time.Millisecond) // 1.6 s: not yet a second since the last line
	r.Add(100)
	c.advance(500 * time.Millisecond) // 2.1 s
	r.Add(800)
	c.advance(3 * time.Second) // nothing added: the ticker's Tick still reports
	r.Tick()
	r.Close()
	want := "build: compiling 200/2000 rules (10%), 1s\n" +
		"build: compiling 1100/2000 rules (55%), 2s\n" +
		"build: compiling 1100/2000 rules (55%), 5s\n"
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}
	if strings.Contains(out.String(), "\r") {
		t.Error("carriage return in plain output")
	}
}

func TestTerminalRedrawsOneLine(t *testing.T) {
	c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	var out bytes.Buffer
	r := New(&out, Options{Terminal: true, Now: c.now, NoTicker: true})
	r.Phase("test: running", 4, "rules")
	c.advance(1500 * time.Millisecond)
	r.Add(1)
	c.advance(50 * time.Millisecond) // within a tenth of a second: no redraw
	r.Add(1)
	c.advance(100 * time.Millisecond)
	r.Add(2)
	r.Phase("docs: rendering", 0, "")
	c.advance(200 * time.Millisecond)
	r.Tick()
	r.Close()
	got := out.String()
	if strings.Contains(got, "\n") {
		t.Errorf("a terminal line must be redrawn, not repeated: %q", got)
	}
	for _, want := range []string{
		"\r[#####...............] test: running 1/4 rules (25%), 1s",
		"\r[####################] test: running 4/4 rules (100%), 1s",
		"\rdocs: rendering, 1s" + strings.Repeat(" ", len("[####################] test: running 4/4 rules (100%), 1s")-len("docs: rendering, 1s")),
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%q", want, got)
		}
	}
	if strings.Contains(got, "2/4") {
		t.Errorf("redrawn within a tenth of a second: %q", got)
	}
	// Close erases the line.
	if !strings.HasSuffix(got, "      \r"+strings.Repeat(" ", len("docs: rendering, 1s"))+"\r") {
		t.Errorf("Close did not erase the line: %q", got)
	}
}

func TestNilAndNonTerminal(t *testing.T) {
	var r *Reporter
	r.Phase("x", 1, "y")
	r.Add(1)
	r.Tick()
	r.Close()
	if IsTerminal(&bytes.Buffer{}) {
		t.Error("a buffer is not a terminal")
	}
}

// The background ticker reports a phase that makes no progress calls.
func TestTicker(t *testing.T) {
	var out syncBuffer
	r := New(&out, Options{Delay: time.Millisecond, Every: 5 * time.Millisecond})
	r.Phase("docs: rendering", 0, "")
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(out.String(), "docs: rendering") && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	r.Close()
	if !strings.Contains(out.String(), "docs: rendering, 0s\n") {
		t.Errorf("ticker wrote %q", out.String())
	}
}
