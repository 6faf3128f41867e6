package scan

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// IsStream reports whether a log is a JSON stream rather than one record
// per line: a top-level array, or objects written over several lines
// (pretty-printed, one after another, as in SigmaHQ's regression data).
// It peeks at the input without consuming it.
func IsStream(br *bufio.Reader) bool {
	head, _ := br.Peek(64 << 10)
	head = bytes.TrimLeft(head, " \t\r\n")
	if len(head) == 0 {
		return false
	}
	if head[0] == '[' {
		return true
	}
	first, _, _ := bytes.Cut(head, []byte("\n"))
	first = bytes.TrimSpace(first)
	return head[0] == '{' && !json.Valid(first)
}

// ScanStream runs the rules over a JSON stream: objects one after another
// in any layout, or arrays of objects. Record n (1-based, in stream order)
// stands where Scan reports a line number.
func (s *Scanner) ScanStream(r io.Reader, hit func(Hit), bad func(record int, err error)) (Stats, error) {
	var st Stats
	cr := &countingReader{r: r}
	dec := json.NewDecoder(cr)
	for {
		var v json.RawMessage
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			st.Bytes = cr.n
			s.flush(&st, hit)
			return st, nil
		}
		if err != nil {
			st.Lines++
			st.Malformed++
			bad(st.Lines, err)
			st.Bytes = cr.n
			s.flush(&st, hit)
			return st, nil // the rest of a broken stream cannot be framed
		}
		items := []json.RawMessage{v}
		if t := bytes.TrimSpace(v); len(t) > 0 && t[0] == '[' {
			items = nil
			if err := json.Unmarshal(v, &items); err != nil {
				st.Lines++
				st.Malformed++
				bad(st.Lines, fmt.Errorf("array: %w", err))
				continue
			}
		}
		for _, it := range items {
			st.Lines++
			s.line(st.Lines, it, &st, hit, bad)
		}
	}
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
