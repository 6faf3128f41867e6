package testrun

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/detgen/detgen/driver"
	"github.com/detgen/detgen/ir"
)

// reversedKeys rewrites a JSON document with every object's keys in
// reverse order (values unchanged, compact).
func reversedKeys(data []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var out bytes.Buffer
	var walk func() error
	walk = func() error {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch d := tok.(type) {
		case json.Delim:
			switch d {
			case '{':
				var pairs [][]byte
				for dec.More() {
					k, err := dec.Token()
					if err != nil {
						return err
					}
					kb, _ := json.Marshal(k.(string))
					save := out
					out = bytes.Buffer{}
					if err := walk(); err != nil {
						return err
					}
					v := out.Bytes()
					out = save
					pairs = append(pairs, append(append(kb, ':'), v...))
				}
				dec.Token() // }
				out.WriteByte('{')
				for i := len(pairs) - 1; i >= 0; i-- {
					out.Write(pairs[i])
					if i > 0 {
						out.WriteByte(',')
					}
				}
				out.WriteByte('}')
			case '[':
				out.WriteByte('[')
				first := true
				for dec.More() {
					if !first {
						out.WriteByte(',')
					}
					first = false
					if err := walk(); err != nil {
						return err
					}
				}
				dec.Token() // ]
				out.WriteByte(']')
			}
		default:
			b, err := json.Marshal(d)
			if err != nil {
				return err
			}
			out.Write(b)
		}
		return nil
	}
	if err := walk(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// TestKeyOrderDoesNotMatter runs every shipped rule's tests (single events
// and event sequences) again with every JSON object's keys in reverse
// order: each target must
// reach the same verdicts (the record is the same; only a payload pattern
// that assumed one key order would notice).
func TestKeyOrderDoesNotMatter(t *testing.T) {
	rules, arts, _, err := driver.BuildDir("../rules")
	if err != nil {
		t.Fatal(err)
	}
	var reordered []*ir.Rule
	cases := 0
	for _, r := range rules {
		c := *r
		c.Tests = nil
		for _, tc := range r.Tests {
			if err := tc.LoadEvents(); err != nil {
				t.Fatal(err)
			}
			if len(tc.Event) > 0 {
				ev, err := reversedKeys(tc.Event)
				if err != nil {
					t.Fatalf("%s / %s: %v", r.Name, tc.Name, err)
				}
				tc.Event = ev
			}
			seq := make([]ir.TimedEvent, len(tc.Sequence))
			for i, te := range tc.Sequence {
				ev, err := reversedKeys(te.Event)
				if err != nil {
					t.Fatalf("%s / %s: %v", r.Name, tc.Name, err)
				}
				seq[i] = ir.TimedEvent{At: te.At, Event: ev}
			}
			tc.Sequence, tc.Load = seq, nil
			tc.Name = "keys reversed: " + tc.Name
			c.Tests = append(c.Tests, tc)
			cases++
		}
		reordered = append(reordered, &c)
	}
	var mine []driver.Artifact
	for _, a := range arts {
		for i, r := range rules {
			if a.Rule == r {
				a.Rule = reordered[i]
				mine = append(mine, a)
			}
		}
	}
	results, err := Run(reordered, mine)
	if err != nil {
		t.Fatal(err)
	}
	if n := Failed(results); n > 0 {
		var b strings.Builder
		Print(&b, results)
		t.Errorf("%d evaluations change with the key order:\n%s", n, b.String())
	}
	if cases < 100 {
		t.Errorf("only %d cases reordered", cases)
	}
}
