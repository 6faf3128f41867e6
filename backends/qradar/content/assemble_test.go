package content

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// encodeXML is the reference the assembler is held to: the checked
// searches' document built as one tree and written through one
// xml.Encoder, as the extension was before searches were encoded one at
// a time and spilled.
func encodeXML(w io.Writer, opts Options, searches []Search) error {
	var entries []*entry
	items := map[int]*item{} // by entry index
	for i, s := range searches {
		p := prepare(opts, s)
		e := &entry{index: i, ruleID: s.RuleID, name: s.Name, severity: s.Severity,
			version: s.Version, errs: p.errs, props: p.props, ok: p.item != nil}
		if p.item != nil {
			e.ruleIDNum, items[i] = p.item.ruleIDNum, p.item
		}
		entries = append(entries, e)
	}
	m, err := merge(opts, entries)
	if err != nil {
		return err
	}
	doc := &xmlContent{QRadarVersion: opts.QRadarVersion, Properties: m.properties, Expressions: m.expressions}
	for _, e := range m.items {
		it := items[e.index]
		doc.Searches = append(doc.Searches, it.search)
		if it.rule.UUID != "" {
			doc.Rules = append(doc.Rules, it.rule)
		}
	}
	if _, err := io.WriteString(w, xml.Header+"<!--"+headerComment(m.items)+"-->\n"); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	if err := enc.Close(); err != nil {
		return err
	}
	_, err = io.WriteString(w, "\n")
	return err
}

// assemblerSearch is search i of a set with hostile text, shared
// properties, and aggregating searches (no custom rule).
func assemblerSearch(i int) Search {
	s := Search{
		RuleID:      fmt.Sprintf("rule-%04d", i),
		Name:        fmt.Sprintf("detgen: rule <%d> & \"q\" ]]> --", i),
		Description: "line one\nline two <&> \u00e9 \U0001F680",
		Version:     i % 5,
		AQL:         fmt.Sprintf(`SELECT username FROM events WHERE "detgen_f%d" = 'it''s <&>' LAST 1 HOURS`, i%7),
		Severity:    "high", Confidence: "medium", Created: "2026-11-23", Modified: "2026-12-01",
		Properties: []Property{{Name: fmt.Sprintf("f%d", i%7), JSONExpression: fmt.Sprintf(`/"a<&>"/"f%d"`, i%7), LogSourceTypeID: 446 + i%3}},
	}
	if i%4 == 3 {
		s.AQL = fmt.Sprintf(`SELECT username, COUNT(*) AS n FROM events WHERE "detgen_f%d" = 'x' GROUP BY username HAVING n > 3 LAST 10 MINUTES`, i%7)
	}
	return s
}

// The assembler's bytes must be the single encoder's: for one search and
// for many, with and without a QRadar version, whether its spill is in
// memory or a file, and whatever the order and concurrency of the adds.
func TestAssemblerIsTheEncoders(t *testing.T) {
	for _, n := range []int{1, 2, 255, 600} {
		for _, version := range []string{"", "7.5.0"} {
			o := Options{Name: "detgen-rules", PropertyPrefix: "detgen_", QRadarVersion: version}
			var searches []Search
			for i := range n {
				searches = append(searches, assemblerSearch(i))
			}
			var want bytes.Buffer
			if err := encodeXML(&want, o, searches); err != nil {
				t.Fatal(err)
			}
			spill, err := os.Create(filepath.Join(t.TempDir(), "spill"))
			if err != nil {
				t.Fatal(err)
			}
			defer spill.Close()
			for name, a := range map[string]*Assembler{"memory": NewAssembler(o, nil), "file": NewAssembler(o, spill)} {
				// Added from two goroutines, in a shuffled order.
				order := rand.Perm(n)
				var wg sync.WaitGroup
				for w := range 2 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for k := w; k < n; k += 2 {
							a.Add(order[k], searches[order[k]])
						}
					}()
				}
				wg.Wait()
				var got bytes.Buffer
				if err := a.WriteXML(&got); err != nil {
					t.Fatal(err)
				}
				if g, w := got.Bytes(), want.Bytes(); !bytes.Equal(g, w) {
					i := 0
					for i < len(g) && i < len(w) && g[i] == w[i] {
						i++
					}
					t.Fatalf("%d searches, version %q, spill in %s: differs at byte %d:\ngot  %q\nwant %q", n, version, name, i, g[i:min(i+80, len(g))], w[i:min(i+80, len(w))])
				}
			}
		}
	}
}

// Problems are reported in the order of the adds' indexes, whatever order
// the adds ran in: the first of two duplicates is the lower index.
func TestAssemblerErrorsInIndexOrder(t *testing.T) {
	o := Options{Name: "detgen-rules", PropertyPrefix: "detgen_"}
	searches := []Search{assemblerSearch(0), assemblerSearch(1), assemblerSearch(2)}
	searches[2].Name = searches[0].Name
	searches[1].Severity = "urgent"
	var want error
	for round := range 20 {
		a := NewAssembler(o, nil)
		for _, i := range rand.Perm(len(searches)) {
			a.Add(i, searches[i])
		}
		err := a.WriteXML(io.Discard)
		if err == nil {
			t.Fatal("no error")
		}
		if round == 0 {
			want = err
			continue
		}
		if err.Error() != want.Error() {
			t.Fatalf("errors depend on the order of the adds:\n%v\n%v", err, want)
		}
	}
	for _, part := range []string{"duplicate search name", `severity "urgent"`} {
		if !bytes.Contains([]byte(want.Error()), []byte(part)) {
			t.Errorf("%q not reported: %v", part, want)
		}
	}
}
