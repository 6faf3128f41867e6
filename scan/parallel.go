package scan

import (
	"bufio"
	"io"
	"runtime"
	"sync"
)

// Scan reads records from r, calling hit for every rule that fires and
// bad for every line that is not a record (with its 1-based number), in
// line order. A malformed line never stops the scan.
//
// Lines are judged in batches by one worker per CPU (reading, decoding and
// evaluating a line depends on no other line); hits, complaints and the
// records held for aggregation and sequence rules are then applied in line
// order by the calling goroutine, so the output is the same as a serial
// scan's. A scan that judges with targets' evaluators runs serially.
func (s *Scanner) Scan(r io.Reader, hit func(Hit), bad func(line int, err error), progress func(Stats)) (Stats, error) {
	workers := runtime.GOMAXPROCS(0)
	if s.targets != nil || workers < 2 {
		return s.scanSerial(r, hit, bad, progress)
	}
	var st Stats
	work := make(chan *batch, workers)
	order := make(chan *batch, 2*workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := s.newWorker()
			for b := range work {
				b.judge(s, w)
			}
		}()
	}
	var readErr error
	go func() {
		defer close(order)
		defer close(work)
		br := bufio.NewReaderSize(r, 1<<20)
		first := 1
		for {
			b := &batch{first: first, done: make(chan struct{}), text: make([]byte, 0, batchBytes+64<<10)}
			err := b.fill(br)
			first += len(b.sizes)
			if len(b.sizes) > 0 {
				order <- b
				work <- b
			}
			if err != nil {
				if err != io.EOF {
					readErr = err
				}
				return
			}
		}
	}()
	for b := range order {
		<-b.done
		for j, v := range b.verdicts {
			countLine(&st, b.sizes[j], b.tooLong[j], bad, progress, func() { s.apply(st.Lines, v, &st, hit, bad) })
		}
	}
	wg.Wait()
	s.flush(&st, hit)
	return st, readErr
}

// countLine counts one line of size bytes and reports an overlong one;
// any other is handled by judge. Every 100,000 lines, progress is called.
func countLine(st *Stats, size int, tooLong bool, bad func(int, error), progress func(Stats), judge func()) {
	st.Lines++
	st.Bytes += int64(size)
	if tooLong {
		st.Malformed++
		bad(st.Lines, errTooLong)
	} else {
		judge()
	}
	if progress != nil && st.Lines%100000 == 0 {
		progress(*st)
	}
}

// batchBytes is about how much text one batch holds.
const batchBytes = 256 << 10

// batch is consecutive lines, copied out of the reader's buffer, and their
// verdicts once judged.
type batch struct {
	first    int // number of the first line
	text     []byte
	ends     []int // end of each line in text
	sizes    []int // bytes each line took in the input
	tooLong  []bool
	verdicts []verdict
	done     chan struct{}
}

func (b *batch) fill(br *bufio.Reader) error {
	for len(b.text) < batchBytes {
		line, n, tooLong, err := readLine(br)
		if n > 0 {
			if !tooLong {
				b.text = append(b.text, line...)
			}
			b.ends = append(b.ends, len(b.text))
			b.sizes = append(b.sizes, n)
			b.tooLong = append(b.tooLong, tooLong)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// judge gives every line its verdict. Whether a prefiltered line is a
// record is asked until the batch's first record: after that the serial
// scan would not ask either (Stats.Records is no longer 0).
func (b *batch) judge(s *Scanner, w *worker) {
	b.verdicts = make([]verdict, len(b.sizes))
	ask, start := true, 0
	for j, end := range b.ends {
		if !b.tooLong[j] {
			v := s.judge(w, b.first+j, b.text[start:end], ask)
			if v.isRecord || v.record {
				ask = false
			}
			b.verdicts[j] = v
		}
		start = end
	}
	close(b.done)
}

// scanSerial is Scan in the calling goroutine.
func (s *Scanner) scanSerial(r io.Reader, hit func(Hit), bad func(line int, err error), progress func(Stats)) (Stats, error) {
	var st Stats
	br := bufio.NewReaderSize(r, 1<<20)
	for {
		line, n, tooLong, err := readLine(br)
		if n > 0 {
			countLine(&st, n, tooLong, bad, progress, func() { s.line(st.Lines, line, &st, hit, bad) })
		}
		if err == io.EOF {
			s.flush(&st, hit)
			return st, nil
		}
		if err != nil {
			s.flush(&st, hit)
			return st, err
		}
	}
}
