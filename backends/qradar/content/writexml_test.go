package content

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"testing"
)

// encodeXML is the reference writeXML is held to: the whole document
// through one xml.Encoder.
func encodeXML(w io.Writer, doc *xmlContent, searches []Search) error {
	if _, err := io.WriteString(w, xml.Header+"<!--"+headerComment(searches)+"-->\n"); err != nil {
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
	_, err := io.WriteString(w, "\n")
	return err
}

// writeXML encodes the elements in parallel batches: its bytes must be
// the single encoder's, for one search and for more than a batch, with
// and without a QRadar version, with aggregating searches (no custom
// rule) and hostile text.
func TestWriteXMLIsTheEncoders(t *testing.T) {
	search := func(i int) Search {
		s := Search{
			RuleID:      fmt.Sprintf("rule-%04d", i),
			Name:        fmt.Sprintf("detgen: rule <%d> & \"q\" ]]> --", i),
			Description: "line one\nline two <&> \u00e9 \U0001F680",
			Version:     i % 5,
			AQL:         fmt.Sprintf(`SELECT username FROM events WHERE "detgen_f%d" = 'it''s <&>' LAST 1 HOURS`, i%7),
			Severity:    "high", Confidence: "medium", Created: "2026-11-23", Modified: "2026-12-01",
			Properties: []Property{{Name: fmt.Sprintf("f%d", i%7), JSONExpression: fmt.Sprintf(`/"a<&>"/"f%d"`, i%7), LogSourceTypeID: 446 + i%3}},
		}
		if i%4 == 3 { // aggregating: a search without a custom rule
			s.AQL = fmt.Sprintf(`SELECT username, COUNT(*) AS n FROM events WHERE "detgen_f%d" = 'x' GROUP BY username HAVING n > 3 LAST 10 MINUTES`, i%7)
		}
		return s
	}
	for _, n := range []int{1, 2, 255, 600} {
		for _, version := range []string{"", "7.5.0"} {
			o := Options{Name: "detgen-rules", PropertyPrefix: "detgen_", QRadarVersion: version}
			var searches []Search
			for i := range n {
				searches = append(searches, search(i))
			}
			doc, err := document(o, prepareAll(o, searches))
			if err != nil {
				t.Fatal(err)
			}
			var got, want bytes.Buffer
			if err := writeXML(&got, doc, searches); err != nil {
				t.Fatal(err)
			}
			if err := encodeXML(&want, doc, searches); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), want.Bytes()) {
				g, w := got.Bytes(), want.Bytes()
				i := 0
				for i < len(g) && i < len(w) && g[i] == w[i] {
					i++
				}
				t.Fatalf("%d searches, version %q: differs at byte %d:\ngot  %q\nwant %q", n, version, i, g[i:min(i+80, len(g))], w[i:min(i+80, len(w))])
			}
		}
	}
}
