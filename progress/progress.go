// Package progress reports how far a long run has come, on stderr: on a
// terminal one line redrawn in place (\r), elsewhere (CI logs, files) a
// plain line every second. Nothing is shown for a run that ends within
// the first second, so short commands print exactly what they did before.
package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// Options configure a Reporter; the zero value is a plain-line reporter on
// the real clock with a background ticker.
type Options struct {
	// Terminal redraws one line with \r instead of printing lines.
	Terminal bool
	// Now is the clock (tests inject a fake one); nil means time.Now.
	Now func() time.Time
	// Delay is how long a run goes unreported; 0 means one second.
	Delay time.Duration
	// Every is the interval between plain lines; 0 means one second. A
	// terminal line is redrawn at most every tenth of that.
	Every time.Duration
	// NoTicker leaves drawing to Add and Tick calls: no goroutine (tests).
	NoTicker bool
}

// Reporter shows one phase of work at a time: a label, a count done and a
// total. It is safe for concurrent use. A nil *Reporter does nothing.
type Reporter struct {
	w     io.Writer
	o     Options
	mu    sync.Mutex
	label string
	unit  string
	done  int
	total int
	start time.Time // of the run
	last  time.Time // of the last output
	width int       // of the terminal line on screen, 0 if none
	stop  chan struct{}
	wg    sync.WaitGroup
}

// IsTerminal reports whether w is a terminal (a character device).
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// New returns a reporter writing to w; call Close when the run ends.
func New(w io.Writer, o Options) *Reporter {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Delay == 0 {
		o.Delay = time.Second
	}
	if o.Every == 0 {
		o.Every = time.Second
	}
	r := &Reporter{w: w, o: o, start: o.Now()}
	if !o.NoTicker {
		r.stop = make(chan struct{})
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			t := time.NewTicker(r.interval())
			defer t.Stop()
			for {
				select {
				case <-t.C:
					r.Tick()
				case <-r.stop:
					return
				}
			}
		}()
	}
	return r
}

func (r *Reporter) interval() time.Duration {
	if r.o.Terminal {
		return r.o.Every / 10
	}
	return r.o.Every
}

// Phase starts a step of the run: label (e.g. "build: compiling"), the
// number of items and what they are ("rules").
func (r *Reporter) Phase(label string, total int, unit string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	r.label, r.total, r.unit, r.done = label, total, unit, 0
	r.mu.Unlock()
	r.Tick()
}

// Add counts n more items done.
func (r *Reporter) Add(n int) {
	if r == nil {
		return
	}
	r.mu.Lock()
	r.done += n
	r.mu.Unlock()
	r.Tick()
}

// Tick draws the current state when it is due: never within the delay,
// then a plain line per interval, or a terminal redraw per tenth of it.
func (r *Reporter) Tick() {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.o.Now()
	if r.label == "" || now.Sub(r.start) < r.o.Delay || (!r.last.IsZero() && now.Sub(r.last) < r.interval()) {
		return
	}
	r.last = now
	line := r.line(now)
	if !r.o.Terminal {
		fmt.Fprintln(r.w, line)
		return
	}
	pad := ""
	if n := len([]rune(line)); n < r.width {
		pad = strings.Repeat(" ", r.width-n)
	}
	fmt.Fprint(r.w, "\r"+line+pad)
	r.width = len([]rune(line))
}

// line is e.g. "build: compiling 1200/2000 rules (60%), 3s".
func (r *Reporter) line(now time.Time) string {
	elapsed := now.Sub(r.start).Truncate(time.Second)
	if r.total <= 0 {
		return fmt.Sprintf("%s, %s", r.label, elapsed)
	}
	done := min(r.done, r.total)
	s := fmt.Sprintf("%s %d/%d %s (%d%%), %s", r.label, done, r.total, r.unit, done*100/r.total, elapsed)
	if r.o.Terminal {
		const width = 20
		fill := done * width / r.total
		s = "[" + strings.Repeat("#", fill) + strings.Repeat(".", width-fill) + "] " + s
	}
	return s
}

// Close stops the ticker and, on a terminal, erases the progress line so
// that what follows starts on a clean line.
func (r *Reporter) Close() {
	if r == nil {
		return
	}
	if r.stop != nil {
		close(r.stop)
		r.wg.Wait()
		r.stop = nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.o.Terminal && r.width > 0 {
		fmt.Fprint(r.w, "\r"+strings.Repeat(" ", r.width)+"\r")
		r.width = 0
	}
}
